"""A case's GTIN-14 (箱码) scanned means its units: lookup says "case of N", receiving counts N, a count
adds N — on a live server over Socket.IO, after an admin gave the item its case code over REST."""
import uuid


def send(client, mode, code=None, **payload):
    message = {"scan_id": str(uuid.uuid4()), "mode": mode, **payload}
    if code is not None:
        message["code"] = code
    return client.call("scan", message, timeout=10)


def gtin14(ean13: str, indicator: str = "1") -> str:
    """The case code of an EAN-13 trade item: indicator digit, the first 12 digits, a new check digit."""
    body = indicator + ean13[:12]
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(body))
    return body + str((10 - total % 10) % 10)


def test_gtin14_helper_matches_a_known_case_code():
    assert gtin14("6987942000012") == "16987942000019"  # the sample item master's HZ001-1 case


def test_a_case_code_is_a_case_at_lookup_and_at_receiving(live_server):
    admin = live_server.session("admin")
    item = admin.get(f"{live_server.url}/api/v1/items?q=GEN2&limit=50", timeout=10).json()[-1]
    unit = next(b["code"] for b in item["barcodes"] if b["packaging"] == "unit")
    case = gtin14(unit, indicator="2")
    edited = admin.patch(f"{live_server.url}/api/v1/items/{item['sku']}",
                         json={"case_barcode": case, "case_qty": 12}, timeout=10)
    assert edited.status_code == 200, edited.text
    assert {(b["code"], b["packaging"], b["qty"]) for b in edited.json()["item"]["barcodes"]} == {
        (unit, "unit", 1), (case, "case", 12)}

    picker = live_server.floor_client("picker")
    try:
        looked = send(picker, "lookup", case)
        assert looked["ok"] and looked["result"]["item"]["sku"] == item["sku"]
        assert looked["result"]["pack"]["qty"] == 12
        assert looked["result"]["pack"]["summary"] == {"en": "Case of 12", "zh": "整箱 12 件"}
        assert send(picker, "lookup", unit)["result"]["pack"] is None
    finally:
        picker.disconnect()

    boss = live_server.session("supervisor")
    po = boss.post(f"{live_server.url}/api/v1/purchase-orders",
                   json={"supplier": "SUP-YW", "lines": [{"sku": item["sku"], "qty": 30}]}, timeout=10)
    assert po.status_code == 201, po.text
    receiver = live_server.floor_client("receiver")
    try:
        receipt = send(receiver, "receive", po.json()["purchase_order"]["number"])["result"]["receipt"]
        assert send(receiver, "receive.carton", receipt=receipt, condition="intact")["ok"]
        counted = send(receiver, "receive", case, receipt=receipt)
        assert counted["ok"], counted
        assert counted["result"]["counted"]["qty"] == 12 and counted["result"]["counted"]["open"] == 18
        twice = send(receiver, "receive", case, receipt=receipt, qty=2)  # two cases: 24 > 18 still open
        assert twice["error"]["code"] == "over_receipt"
        assert send(receiver, "receive", unit, receipt=receipt)["result"]["counted"]["open"] == 17
    finally:
        receiver.disconnect()
