"""Supervisor receiving pages: waiting lots, the OC chart with plain words, supplier quality, clearing."""
import re
import uuid


def test_the_sampling_page_draws_both_plans_and_says_what_they_protect(live_server):
    http = live_server.session("supervisor")
    page = http.get(f"{live_server.url}/sup/sampling", params={"lot_size": 1000, "aql": 1.0}, timeout=10)
    assert page.status_code == 200
    assert len(re.findall(r'data-testid="oc-series"', page.text)) == 2
    assert "accepts a lot that is 20 % defective" in page.text or "20 % defective" in page.text
    assert "J→J: n 80, Ac 2, Re 3" in page.text  # ISO 2859-1, level II, AQL 1.0, N 1000


def test_a_lot_waiting_for_inspection_is_listed_and_its_page_shows_the_applied_plan(live_server):
    supervisor = live_server.session("supervisor")
    po = supervisor.post(f"{live_server.url}/api/v1/purchase-orders",
                         json={"supplier": "SUP-HZ", "lines": [{"sku": "TB05-1", "qty": 40}]}, timeout=5).json()
    receiver = live_server.floor_client("receiver")
    try:
        def send(mode, code=None, **payload):
            message = {"scan_id": str(uuid.uuid4()), "mode": mode, **payload} | ({"code": code} if code else {})
            return receiver.call("scan", message, timeout=10)
        receipt = send("receive", po["purchase_order"]["number"])["result"]["receipt"]
        send("receive.carton", receipt=receipt, condition="intact")
        send("receive", "TB05-1", receipt=receipt, qty=40)
        lot = send("receive.confirm", receipt=receipt)["result"]["lots"][0]
    finally:
        receiver.disconnect()
    overview = supervisor.get(f"{live_server.url}/sup/receiving", timeout=10).text
    assert lot["lot"] in overview and po["purchase_order"]["number"] in overview
    detail = supervisor.get(f"{live_server.url}/sup/inspections/{lot['inspection']}", timeout=10).text
    assert "Applied to this lot" in detail and "first 4, widened 12" in detail
    assert len(re.findall(r'data-testid="oc-series"', detail)) == 2


def test_supplier_quality_and_clearing_pages_answer(live_server):
    http = live_server.session("supervisor")
    suppliers = http.get(f"{live_server.url}/sup/suppliers", timeout=10)
    assert suppliers.status_code == 200 and "SUP-HZ" in suppliers.text
    assert re.search(r"<td>\d+\.\d %</td>", suppliers.text)  # each supplier's next first-sample rate
    assert http.get(f"{live_server.url}/sup/clearing", timeout=10).status_code == 200


def test_a_picker_cannot_open_the_receiving_pages(live_server):
    page = live_server.session("picker").get(f"{live_server.url}/sup/receiving", timeout=10)
    assert page.status_code == 403 and "may not do this" in page.text
