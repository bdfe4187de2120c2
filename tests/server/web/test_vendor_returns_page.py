"""The returns-to-vendor page and REST calls: a manager approves a rejected lot's return (its dispatch note
prints, naming supplier, lot, item and quantity), the dock marks it sent and it leaves the open exceptions;
a supervisor cannot approve, neither from the page nor over REST."""
import re

from sqlalchemy import select

from server.db.models import PrintJob
from server.extensions import db
from server.services.returns import vendor_returns
from tests.conftest import label_texts
from tests.server.conftest import log_in_on_the_pages
from tests.server.services.returns.test_vendor_returns import rejected, w  # noqa: F401  (fixture w)
from tests.server.web.test_returns_desk import flashes, text


def row(page, number: str) -> str:
    html = page.get_data(as_text=True)
    found = re.search(rf'<tr data-rtv="{number}">(.*?)</tr>', html, re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", found.group(1)).split()) if found else ""


def test_a_manager_approves_the_note_prints_the_dock_sends_it_and_it_leaves_the_exceptions(app, w):  # noqa: F811
    rtv = rejected(w)
    lot_code = vendor_returns.view(rtv)["lot"]
    supervisor = log_in_on_the_pages(app.test_client(), "sue")
    manager = log_in_on_the_pages(app.test_client(), "max")

    page = supervisor.get("/sup/returns/vendor")
    assert "Awaiting approval" in row(page, "RTV-000001") and "A manager approves it." in row(page, "RTV-000001")
    assert 'data-testid="approve-RTV-000001"' not in page.get_data(as_text=True)
    assert supervisor.post("/sup/returns/vendor/RTV-000001/approve", data={"printer": "PRN-T"}).status_code == 403
    assert "RTV-000001" in text(supervisor.get("/sup/reports/exceptions?kind=rejected_lot"))

    page = manager.get("/sup/returns/vendor")
    assert 'data-testid="approve-RTV-000001"' in page.get_data(as_text=True)
    page = manager.post("/sup/returns/vendor/RTV-000001/approve", data={"printer": "PRN-T"}, follow_redirects=True)
    assert flashes(page) == ["RTV-000001 approved: its dispatch note is printing on PRN-T."]
    line = row(page, "RTV-000001")
    assert "Approved" in line and "approved" in line and "Max" in line and "dispatch note #" in line
    note = db.session.execute(select(PrintJob).where(PrintJob.kind == "rtv_dispatch_note")).scalar_one()
    words = label_texts(note.zpl)
    assert {"Supplier 供应商 SUP-T Test supplier", f"Lot 批次 {lot_code}", "TEE-BLK-M T-shirt Black / M", "20",
            "Total units · 合计 20 件"} <= set(words)
    assert "RTV-000001" in text(supervisor.get("/sup/reports/exceptions?kind=rejected_lot"))  # still at the dock

    page = supervisor.post("/sup/returns/vendor/RTV-000001/sent", data={"note": "顺丰 SF1234567890"},
                           follow_redirects=True)
    assert flashes(page) == ["RTV-000001 is sent back to its supplier."]
    line = row(page, "RTV-000001")
    assert "Sent" in line and "顺丰 SF1234567890" in line and "Sue" in line
    assert "RTV-000001" not in text(supervisor.get("/sup/reports/exceptions?kind=rejected_lot"))
    assert "RTV-000001" in text(supervisor.get("/sup/returns/vendor?status=sent"))
    assert "RTV-000001" not in text(supervisor.get("/sup/returns/vendor?status=awaiting_approval"))
    page = supervisor.post("/sup/returns/vendor/RTV-000001/sent", data={}, follow_redirects=True)
    assert flashes(page) == ["Return to vendor RTV-000001 is sent: it can no longer change."]


def test_the_page_speaks_chinese_when_asked(app, w):  # noqa: F811
    rejected(w)
    manager = log_in_on_the_pages(app.test_client(), "max")
    manager.set_cookie("sup_lang", "zh")
    page = manager.get("/sup/returns/vendor")
    line = row(page, "RTV-000001")
    assert "待批准" in line and "抽检 3 件中 2 件不合格" in line and "inspected units defective" not in line
    assert "批准并打印发货单" in text(page)


def test_over_rest_a_supervisor_is_refused_and_a_manager_approves_then_the_dock_sends(app, w):  # noqa: F811
    rejected(w)
    supervisor = log_in_on_the_pages(app.test_client(), "sue")
    manager = log_in_on_the_pages(app.test_client(), "max")
    refused = supervisor.post("/api/v1/vendor-returns/RTV-000001/approve", json={})
    assert refused.status_code == 403 and refused.json["error"]["code"] == "forbidden"
    early = supervisor.post("/api/v1/vendor-returns/RTV-000001/sent", json={"note": "x"})
    assert early.status_code == 409 and early.json["error"]["code"] == "rtv_not_approved"
    approved = manager.post("/api/v1/vendor-returns/RTV-000001/approve")
    assert approved.status_code == 200 and approved.json["vendor_return"]["status"] == "approved"
    assert approved.json["job"]["kind"] == "rtv_dispatch_note"
    sent = supervisor.post("/api/v1/vendor-returns/RTV-000001/sent", json={"note": "德邦 DB001"})
    assert sent.status_code == 200 and sent.json["vendor_return"]["sent"]["by"] == "Sue"
    listing = supervisor.get("/api/v1/vendor-returns?status=sent").json
    assert (listing["total"], [r["number"] for r in listing["items"]]) == (1, ["RTV-000001"])
    assert supervisor.get("/api/v1/vendor-returns?status=nope").status_code == 400
    cancelled = manager.post("/api/v1/vendor-returns/RTV-000001/cancel", json={"reason": "late"})
    assert cancelled.status_code == 409 and cancelled.json["error"]["code"] == "rtv_closed"
