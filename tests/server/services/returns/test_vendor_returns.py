"""Returns to vendor (RTV): a lot rejected at inspection waits for a manager's approval, its dispatch note
prints on approval (supplier, PO, lot, item, quantity, reason, RTV number), it is marked sent when it
leaves — and then, or once cancelled with a reason, it is off the exceptions list. Other roles are refused."""
import pytest
from sqlalchemy import select

from server.db.models import Lot, PrintJob, User, VendorReturn
from server.domain.errors import WmsError
from server.extensions import db
from server.local_time import local
from server.services.people.auth import Actor, hash_password
from server.services.reports import report_queries
from server.services.returns import vendor_returns
from tests.conftest import label_texts
from tests.server.services.receiving.test_inspection import mark, received_lot


@pytest.fixture
def w(tiny_warehouse):
    boss = User(username="max", name="Max", role="manager", password_hash=hash_password("pw"))
    db.session.add(boss)
    db.session.commit()
    tiny_warehouse.manager = Actor(boss.id, "max", "Max", "manager")
    return tiny_warehouse


def rejected(w) -> VendorReturn:
    """Twenty tees received and rejected at inspection (2 of the first 3 sampled defective)."""
    waiting = received_lot(w, qty=20)
    assert mark(w, waiting, True, False, True).decision == "reject"
    return db.session.execute(select(VendorReturn).where(VendorReturn.lot_id == waiting.lot_id)).scalar_one()


def refusal(call) -> WmsError:
    with pytest.raises(WmsError) as caught:
        call()
    db.session.rollback()
    return caught.value


def open_rtv_refs() -> list[str]:
    return [row["detail"].split()[0] for row in report_queries.open_exceptions(kind="rejected_lot")]


def test_a_rejected_lot_waits_for_approval_and_is_on_the_exceptions_list(w):
    rtv = rejected(w)
    assert rtv.status == "awaiting_approval" and vendor_returns.number(rtv) == "RTV-000001"
    assert open_rtv_refs() == ["RTV-000001"]
    view = vendor_returns.view(rtv)
    assert (view["supplier"]["code"], view["sku"], view["qty"]) == ("SUP-T", "TEE-BLK-M", 20)
    assert view["approved"] is None and view["sent"] is None
    assert view["reason"] == "2 of 3 inspected units defective · 抽检 3 件中 2 件不合格"


def test_approved_its_dispatch_note_prints_then_sent_it_leaves_the_exceptions_list(w, label_barcodes):
    rtv = rejected(w)
    lot = db.session.get(Lot, rtv.lot_id)
    job = vendor_returns.approve("RTV-000001", w.manager)
    db.session.commit()
    assert (rtv.status, rtv.approved_by) == ("approved", w.manager.user_id) and rtv.approved_at is not None
    assert (job.kind, job.printer.code) == ("rtv_dispatch_note", "PRN-T")
    texts = label_texts(job.zpl)
    assert "Supplier 供应商 SUP-T Test supplier" in texts
    assert f"Lot 批次 {lot.code}" in texts
    assert "TEE-BLK-M T-shirt Black / M" in texts and "20" in texts and "Total units · 合计 20 件" in texts
    assert "2 of 3 inspected units defective · 抽检 3 件中 2 件不合格" in texts
    assert f"Approved 批准 Max · {local(rtv.approved_at)}" in texts  # the warehouse's clock
    assert label_barcodes(job.zpl)[0] == ["RTV-000001"] and "RTV-000001" in job.title
    assert open_rtv_refs() == ["RTV-000001"]  # approved, still at the dock

    vendor_returns.mark_sent(rtv.id, w.supervisor, "顺丰 SF1234567890")
    db.session.commit()
    assert (rtv.status, rtv.sent_by, rtv.sent_note) == ("sent", w.supervisor.user_id, "顺丰 SF1234567890")
    assert open_rtv_refs() == []
    view = vendor_returns.view(rtv)
    assert view["sent"]["by"] == "Sue" and view["approved"]["by"] == "Max"
    assert [n["job"] for n in view["dispatch_notes"]] == [job.id]
    again = vendor_returns.print_dispatch_note(rtv.id, w.supervisor)  # a lost note printed again
    db.session.commit()
    assert again.kind == "rtv_dispatch_note" and again.id != job.id


def test_only_a_manager_approves_or_cancels_and_the_floor_cannot_mark_it_sent(w):
    rtv = rejected(w)
    assert refusal(lambda: vendor_returns.approve(rtv.id, w.supervisor)).code == "forbidden"
    assert refusal(lambda: vendor_returns.cancel(rtv.id, "wrong lot", w.supervisor)).code == "forbidden"
    assert refusal(lambda: vendor_returns.mark_sent(rtv.id, w.receiver)).code == "forbidden"
    assert refusal(lambda: vendor_returns.mark_sent(rtv.id, w.picker)).code == "forbidden"
    assert rtv.status == "awaiting_approval"
    assert db.session.execute(select(PrintJob).where(PrintJob.kind == "rtv_dispatch_note")).first() is None


def test_steps_out_of_order_are_refused_with_the_state_in_words(w):
    rtv = rejected(w)
    error = refusal(lambda: vendor_returns.mark_sent(rtv.id, w.supervisor))
    assert error.code == "rtv_not_approved"
    assert error.message() == {
        "en": "Return to vendor RTV-000001 is awaiting approval: a manager approves it before its dispatch note "
              "prints and it is sent.",
        "zh": "退供应商单 RTV-000001 待批准：须经理批准后才能打印发货单并发出。"}
    assert refusal(lambda: vendor_returns.print_dispatch_note(rtv.id, w.supervisor)).code == "rtv_not_approved"
    vendor_returns.approve(rtv.id, w.manager)
    db.session.commit()
    assert refusal(lambda: vendor_returns.approve(rtv.id, w.manager)).code == "rtv_already_decided"
    assert refusal(lambda: vendor_returns.find("RTV-000404")).code == "unknown_vendor_return"


def test_a_cancelled_return_needs_its_reason_and_leaves_the_exceptions_list(w):
    rtv = rejected(w)
    assert refusal(lambda: vendor_returns.cancel(rtv.id, "  ", w.manager)).code == "rtv_reason_required"
    vendor_returns.cancel(rtv.id, "supplier collects it with the next delivery", w.manager)
    db.session.commit()
    assert (rtv.status, rtv.cancel_reason) == ("cancelled", "supplier collects it with the next delivery")
    assert open_rtv_refs() == []
    error = refusal(lambda: vendor_returns.approve(rtv.id, w.manager))
    assert error.code == "rtv_already_decided" and "cancelled" in error.message()["en"]
    assert refusal(lambda: vendor_returns.mark_sent(rtv.id, w.supervisor)).code == "rtv_closed"


def test_the_list_searches_by_number_lot_sku_or_supplier_and_filters_by_state(w):
    rtv = rejected(w)
    lot = db.session.get(Lot, rtv.lot_id)
    for q in ("RTV-000001", lot.code, "TEE-BLK", "sup-t", "Test supplier"):
        assert [r.id for r in vendor_returns.search(q)[0]] == [rtv.id], q
    assert vendor_returns.search("MUG")[1] == 0
    assert vendor_returns.search(status="sent")[1] == 0
    assert vendor_returns.search(status="awaiting_approval")[1] == 1
