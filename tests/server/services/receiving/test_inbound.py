"""Receiving against a real SQLite database: PO-only receipts, never above the ordered quantity,
packaging check first, the receiver's signature, CSV import all or nothing."""
import threading
import uuid

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from server.db.models import Inspection, Lot, PurchaseOrder, PurchaseOrderLine, ReceiptCount
from server.domain.barcodes import decode
from server.domain.errors import WmsError
from server.extensions import db
from server.services.receiving import inspection
from server.services.receiving import inbound
from server.services.floor import scans
from server.services.people.auth import Actor
from server.domain.errors import ImportRejected
from server.domain.stock import quantity

TEE = "5901234123457"
MUG = "036000291452"


def new_po(w, qty=20, sku="TEE-BLK-M"):
    return inbound.create_po("SUP-T", [{"sku": sku, "qty": qty}], w.receiver)


def started(w, po, condition="intact", actor=None):
    receipt = inbound.start_receipt(po.number, actor or w.receiver)
    inbound.check_carton(receipt.id, condition, actor or w.receiver)
    return receipt


def refusal(call) -> WmsError:
    with pytest.raises(WmsError) as caught:
        call()
    db.session.rollback()
    return caught.value


def test_goods_are_received_only_against_an_open_purchase_order(tiny_warehouse):
    w = tiny_warehouse
    assert refusal(lambda: inbound.start_receipt("PO-NOPE", w.receiver)).code == "no_po"
    po = new_po(w)
    inbound.close_po(po.number, Actor(99, "sup", "Sup", "supervisor"))
    error = refusal(lambda: inbound.start_receipt(po.number, w.receiver))
    assert error.code == "po_closed" and "closed" in error.message()["en"]


def test_partial_receipts_add_up_and_never_pass_the_ordered_quantity(tiny_warehouse):
    w = tiny_warehouse
    po = new_po(w, qty=10)
    first = started(w, po)
    inbound.count(first.id, 1, decode(TEE), 6, w.receiver)
    db.session.commit()
    error = refusal(lambda: inbound.count(first.id, 1, decode(TEE), 5, w.receiver))
    assert error.code == "over_receipt"
    assert error.message()["en"] == f"Only 4 of TEE-BLK-M still open on {po.number} (ordered 10); 5 would be too many."
    inbound.count(first.id, 1, decode(TEE), 4, w.receiver)
    db.session.commit()
    line = db.session.execute(select(PurchaseOrderLine)).scalar_one()
    assert line.received_qty == 10
    assert refusal(lambda: inbound.count(first.id, 1, decode(TEE), 1, w.receiver)).code == "over_receipt"


def test_an_item_not_on_the_po_is_refused_and_nothing_is_recorded(tiny_warehouse):
    w = tiny_warehouse
    receipt = started(w, new_po(w))
    error = refusal(lambda: inbound.count(receipt.id, 1, decode(MUG), 1, w.receiver))
    assert error.code == "item_not_on_po" and "MUG-WHT" in error.message()["en"]
    assert db.session.execute(select(func.count(ReceiptCount.id))).scalar() == 0


def test_counting_waits_for_the_packaging_check(tiny_warehouse):
    w = tiny_warehouse
    receipt = inbound.start_receipt(new_po(w).number, w.receiver)
    assert refusal(lambda: inbound.count(receipt.id, None, decode(TEE), 1, w.receiver)).code == \
        "packaging_check_first"


@pytest.mark.parametrize("qty", [0, -3, "two", 1.5, True])
def test_a_quantity_must_be_a_whole_number_above_zero(qty):
    with pytest.raises(WmsError) as caught:
        quantity(qty)
    assert caught.value.code == "bad_quantity"


def test_a_picker_may_not_receive(tiny_warehouse):
    w = tiny_warehouse
    po = new_po(w)
    assert refusal(lambda: inbound.start_receipt(po.number, w.picker)).code == "forbidden"


def test_confirming_the_count_signs_it_and_creates_a_lot_waiting_for_inspection(tiny_warehouse):
    w = tiny_warehouse
    receipt = started(w, new_po(w, qty=20))
    inbound.count(receipt.id, 1, decode(TEE), 20, w.receiver)
    [waiting] = inspection.confirm_receipt(receipt.id, w.receiver)
    db.session.commit()
    assert receipt.status == "confirmed" and receipt.confirmed_by == w.receiver.user_id
    assert receipt.confirmed_at is not None
    view = inspection.inspection_view(waiting)
    assert view["lot_qty"] == 20 and view["plan"]["policy"] == "seed"
    assert view["plan"]["first_sample"] == 2 and view["progress"]["remaining"] == 2
    assert db.session.get(Lot, waiting.lot_id).status == "inspecting"
    error = refusal(lambda: inbound.count(receipt.id, 1, decode(TEE), 1, w.receiver))
    assert error.code == "receipt_not_counting"


def test_a_gs1_count_carries_its_expiry_to_the_lot(tiny_warehouse):
    w = tiny_warehouse
    receipt = started(w, new_po(w, qty=5))
    inbound.count(receipt.id, 1, decode("]C1010590123412345710SUPLOT9\x1d17280131"), 5, w.receiver)
    [waiting] = inspection.confirm_receipt(receipt.id, w.receiver)
    assert db.session.get(Lot, waiting.lot_id).expiry.isoformat() == "2028-01-31"


def test_nothing_counted_cannot_be_confirmed(tiny_warehouse):
    w = tiny_warehouse
    receipt = started(w, new_po(w))
    assert refusal(lambda: inspection.confirm_receipt(receipt.id, w.receiver)).code == "nothing_counted"


def test_the_same_confirm_sent_twice_is_answered_twice_and_applied_once(tiny_warehouse):
    w = tiny_warehouse
    receipt = started(w, new_po(w, qty=20))
    inbound.count(receipt.id, 1, decode(TEE), 20, w.receiver)
    db.session.commit()
    command = {"scan_id": str(uuid.uuid4()), "mode": "receive.confirm", "receipt": receipt.id}
    first = scans.handle(command, w.receiver)
    again = scans.handle(command, w.receiver)
    assert first["ok"] and again == first
    assert db.session.execute(select(func.count(Inspection.id))).scalar() == 1


def test_two_devices_counting_at_once_never_receive_more_than_ordered(app, tiny_warehouse):
    w = tiny_warehouse
    po = new_po(w, qty=50)
    receipts = [started(w, po, actor=w.receiver).id, started(w, po, actor=w.second_receiver).id]
    db.session.commit()
    db.session.remove()
    barrier = threading.Barrier(6)
    refused = []

    def device(receipt_id):
        with app.app_context():
            barrier.wait()
            for _ in range(10):
                try:
                    inbound.count(receipt_id, 1, decode(TEE), 1, w.receiver)
                    db.session.commit()
                except WmsError as error:
                    db.session.rollback()
                    refused.append(error.code)
            db.session.remove()

    threads = [threading.Thread(target=device, args=(receipts[n % len(receipts)],)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    line = db.session.execute(select(PurchaseOrderLine)).scalar_one()
    counted = db.session.execute(select(func.sum(ReceiptCount.qty))).scalar()
    assert line.received_qty == counted == 50
    assert refused == ["over_receipt"] * 10


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ordered=st.integers(1, 30),
       device_a=st.lists(st.integers(1, 12), max_size=8),
       device_b=st.lists(st.integers(1, 12), max_size=8))
def test_no_sequence_of_counts_from_two_devices_ever_receives_more_than_ordered(
        app, tiny_warehouse, ordered, device_a, device_b):
    w = tiny_warehouse
    po = new_po(w, qty=ordered)
    receipt = started(w, po)
    db.session.commit()
    receipt_id, po_id = receipt.id, po.id
    db.session.remove()
    start = threading.Barrier(2)

    def device(quantities):
        with app.app_context():
            start.wait()
            for qty in quantities:
                try:
                    inbound.count(receipt_id, 1, decode(TEE), qty, w.receiver)
                    db.session.commit()
                except WmsError:
                    db.session.rollback()
            db.session.remove()

    threads = [threading.Thread(target=device, args=(q,)) for q in (device_a, device_b)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    line = db.session.execute(select(PurchaseOrderLine).where(PurchaseOrderLine.po_id == po_id)).scalar_one()
    counted = db.session.execute(select(func.coalesce(func.sum(ReceiptCount.qty), 0))
                                 .where(ReceiptCount.receipt_id == receipt_id)).scalar()
    assert line.received_qty == counted <= ordered


def test_a_csv_with_one_bad_row_imports_nothing_and_names_the_row(tiny_warehouse):
    w = tiny_warehouse
    good = "po_number,supplier,sku,qty,expected_on\nPO-CSV-1,SUP-T,TEE-BLK-M,10,2026-12-01\n"
    bad = good + "PO-CSV-2,SUP-T,NOPE-SKU,5,2026-12-01\nPO-CSV-2,SUP-T,MUG-WHT,0,\n"
    with pytest.raises(ImportRejected) as caught:
        inbound.import_pos_csv(bad, w.receiver)
    assert [(r["row"], r["code"]) for r in caught.value.rows] == [(3, "not_found"), (4, "bad_quantity")]
    assert db.session.execute(select(func.count(PurchaseOrder.id))).scalar() == 0
    [po] = inbound.import_pos_csv(good + "PO-CSV-1,SUP-T," + MUG + ",3,\n", w.receiver)
    assert [(ln.item.sku, ln.ordered_qty) for ln in po.lines] == [("TEE-BLK-M", 10), ("MUG-WHT", 3)]


def test_steps_sent_without_their_context_say_what_to_scan_first(tiny_warehouse):
    w = tiny_warehouse
    for mode, expected in (("receive", "scan_po_first"), ("putaway", "scan_lpn_first"),
                           ("inspect", "mark_pass_or_defect")):
        ack = scans.handle({"scan_id": str(uuid.uuid4()), "mode": mode, "code": TEE},
                           w.inspector if mode == "inspect" else w.receiver)
        assert ack["error"]["code"] == expected, mode
    ack = scans.handle({"scan_id": str(uuid.uuid4()), "mode": "inspect", "code": TEE, "result": "pass"},
                       w.inspector)
    assert ack["error"]["code"] == "choose_lot_first" and ack["error"]["message"]["zh"] == "请先选择要检验的批次。"


def test_a_not_found_message_is_chinese_in_chinese():
    assert WmsError("not_found", what="put-away task 12").message()["zh"] == "未找到上架任务 12。"


def test_a_new_po_is_numbered_by_its_row_and_steps_past_a_number_typed_in_by_hand(tiny_warehouse):
    """The year is the warehouse's; a PO typed in earlier with the number the next one would take keeps it,
    and the new one gets `-2` instead of being refused as a duplicate it did not choose."""
    from server import local_time

    w = tiny_warehouse
    year = f"{local_time.today():%Y}"
    first = new_po(w)
    assert first.number == f"PO-{year}-{first.id:05d}"
    typed = inbound.create_po("SUP-T", [{"sku": "TEE-BLK-M", "qty": 1}], w.receiver,
                              number=f"PO-{year}-{first.id + 2:05d}")
    assert typed.number == f"PO-{year}-{first.id + 2:05d}"
    after = new_po(w)
    assert after.id == first.id + 2 and after.number == f"PO-{year}-{first.id + 2:05d}-2"
