"""Inspection and put-away against a real SQLite database: the seed rule decides, accepted goods
enter stock only when put away, rejected lots go back to the supplier and never enter stock."""
import pytest
from sqlalchemy import func, select

from server.db.models import BinStock, LedgerEntry, Lot, PrintJob, PurchaseOrderLine, PutawayTask, VendorReturn
from server.domain.barcodes import decode
from server.domain.errors import WmsError
from server.extensions import db
from server.services.receiving import inspection
from server.services.receiving import putaway
from server.services.receiving import inbound
from server.services.inventory import stock

TEE = "5901234123457"
MUG = "036000291452"


def received_lot(w, qty=20, flagged=0):
    """A confirmed count of `qty` tees (the last `flagged` of them in a damaged carton)."""
    po = inbound.create_po("SUP-T", [{"sku": "TEE-BLK-M", "qty": qty}], w.receiver)
    receipt = inbound.start_receipt(po.number, w.receiver)
    if qty - flagged:
        inbound.check_carton(receipt.id, "intact", w.receiver)
        inbound.count(receipt.id, 1, decode(TEE), qty - flagged, w.receiver)
    if flagged:
        carton = inbound.check_carton(receipt.id, "wet", w.receiver)
        inbound.count(receipt.id, carton.seq, decode(TEE), flagged, w.receiver)
    [waiting] = inspection.confirm_receipt(receipt.id, w.receiver)
    db.session.commit()
    return waiting


def mark(w, waiting, *defects, reason="damaged"):
    """Mark units in order: True = defect. Returns the last progress."""
    progress = None
    for defect in defects:
        _, progress = inspection.mark_unit(waiting.id, decode(TEE), defect, reason if defect else None, w.inspector)
        db.session.commit()
    return progress


def refusal(call) -> WmsError:
    with pytest.raises(WmsError) as caught:
        call()
    db.session.rollback()
    return caught.value


def test_a_clean_first_sample_accepts_the_lot_and_makes_a_labelled_put_away_task(tiny_warehouse):
    w = tiny_warehouse
    waiting = received_lot(w, qty=20)
    progress = mark(w, waiting, False, False)
    assert progress.decision == "accept"
    lot = db.session.get(Lot, waiting.lot_id)
    assert lot.status == "available"
    [task] = putaway.open_tasks()
    assert (task.qty, task.zone) == (20, "A")
    label = db.session.execute(select(PrintJob).where(PrintJob.kind == "lpn")).scalar_one()
    assert putaway.lpn_code(task) in label.zpl
    assert stock.ledger_totals().get((w.full.id, w.tee.id, lot.id)) is None  # not in stock until put away


def test_one_defect_widens_the_sample_to_thirty_percent(tiny_warehouse):
    w = tiny_warehouse
    waiting = received_lot(w, qty=20)
    progress = mark(w, waiting, True)
    assert progress.decision == "continue" and progress.widened
    assert progress.sample_target == 6 and progress.sample_remaining == 5


def test_more_than_thirty_percent_defective_rejects_the_whole_lot(tiny_warehouse):
    w = tiny_warehouse
    waiting = received_lot(w, qty=20)
    progress = mark(w, waiting, True, False, True)  # 2 of 6 could still pass (<= 1.8? no: 2 > 1.8)
    assert progress.decision == "reject"
    lot = db.session.get(Lot, waiting.lot_id)
    assert lot.status == "rejected"
    vendor_return = db.session.execute(select(VendorReturn)).scalar_one()
    assert vendor_return.qty == 20 and "2 of 3" in vendor_return.reason
    line = db.session.execute(select(PurchaseOrderLine)).scalar_one()
    assert line.received_qty == 0  # open again for the supplier's replacement
    assert db.session.execute(select(PrintJob).where(PrintJob.kind == "rtv")).scalar_one()
    assert putaway.open_tasks() == []
    assert db.session.execute(select(func.count(LedgerEntry.id)).where(LedgerEntry.lot_id == lot.id)).scalar() == 0


def test_defectives_of_an_accepted_lot_go_to_quarantine(tiny_warehouse):
    w = tiny_warehouse
    waiting = received_lot(w, qty=20)
    progress = mark(w, waiting, True, False, False, False, False, False)
    assert progress.decision == "accept"
    tasks = sorted(putaway.open_tasks(), key=lambda t: t.zone)
    assert [(t.zone, t.qty) for t in tasks] == [("A", 19), ("Q", 1)]
    assert tasks[1].suggested_bin_id == w.quarantine.id


def test_units_of_a_wet_carton_are_all_inspected_before_the_decision(tiny_warehouse):
    w = tiny_warehouse
    waiting = received_lot(w, qty=20, flagged=4)
    view = inspection.inspection_view(waiting)
    assert view["flagged_qty"] == 4 and view["plan"]["first_sample"] == 2  # 10 % of the 16 intact
    progress = mark(w, waiting, False, True, False, False)
    assert progress.flagged_done == 4 and progress.decision == "continue"
    progress = mark(w, waiting, False, False)
    assert progress.decision == "accept"
    assert sorted((t.zone, t.qty) for t in putaway.open_tasks()) == [("A", 19), ("Q", 1)]


def test_marking_after_the_decision_is_refused(tiny_warehouse):
    w = tiny_warehouse
    waiting = received_lot(w, qty=20)
    mark(w, waiting, False, False)
    error = refusal(lambda: inspection.mark_unit(waiting.id, decode(TEE), False, None, w.inspector))
    assert error.code == "inspection_closed"


def test_the_wrong_item_or_an_unknown_reason_is_refused(tiny_warehouse):
    w = tiny_warehouse
    waiting = received_lot(w)
    assert refusal(lambda: inspection.mark_unit(waiting.id, decode(MUG), False, None, w.inspector)).code == \
        "wrong_item"
    assert refusal(lambda: inspection.mark_unit(waiting.id, decode(TEE), True, "bad vibes", w.inspector)).code == \
        "unknown_reason"


def test_a_receiver_may_not_make_the_inspection_decision(tiny_warehouse):
    w = tiny_warehouse
    waiting = received_lot(w)
    assert refusal(lambda: inspection.mark_unit(waiting.id, decode(TEE), False, None, w.receiver)).code == \
        "forbidden"


def test_put_away_moves_the_units_into_the_scanned_bin_and_the_books_agree(tiny_warehouse):
    w = tiny_warehouse
    waiting = received_lot(w, qty=20)
    mark(w, waiting, False, False)
    [task] = putaway.open_tasks()
    assert task.suggested_bin_id == w.full.id or task.suggested_bin_id == w.empty.id
    putaway.put_away(task.id, decode("A-01-02-1"), w.receiver)
    db.session.commit()
    held = db.session.execute(select(BinStock.qty).where(BinStock.bin_id == w.empty.id,
                                                         BinStock.lot_id == waiting.lot_id)).scalar()
    assert held == 20
    assert stock.books_disagreements() == []
    assert refusal(lambda: putaway.put_away(task.id, decode("A-01-02-1"), w.receiver)).code == "task_done"


def test_put_away_into_the_wrong_zone_or_a_blocked_bin_is_refused(tiny_warehouse):
    w = tiny_warehouse
    waiting = received_lot(w, qty=20)
    mark(w, waiting, False, False)
    [task] = putaway.open_tasks()
    error = refusal(lambda: putaway.put_away(task.id, decode("B-01-01-1"), w.receiver))
    assert error.code == "wrong_zone" and "zone B" in error.message()["en"]
    w.empty.blocked = True
    db.session.commit()
    assert refusal(lambda: putaway.put_away(task.id, decode("A-01-02-1"), w.receiver)).code == "bin_blocked"
    assert db.session.get(PutawayTask, task.id).status == "open"


def test_the_supplier_rate_follows_its_history_within_five_to_fifteen_percent(tiny_warehouse):
    w = tiny_warehouse
    assert inspection.plan_for(100, w.supplier, w.tee, returned=False)["rate"] == 0.10  # no history yet
    for _ in range(3):
        mark(w, received_lot(w, qty=20), False, False)
    assert inspection.plan_for(100, w.supplier, w.tee, returned=False)["rate"] == 0.05  # clean: drifts down
    mark(w, received_lot(w, qty=20), True, False, True)  # a rejected lot
    assert inspection.plan_for(100, w.supplier, w.tee, returned=False)["rate"] == 0.15
    assert inspection.plan_for(100, w.supplier, w.tee, returned=True)["first_sample"] == 100


def test_the_supplier_report_and_same_day_clearing_follow_the_lots(tiny_warehouse):
    from datetime import date

    from server.services.reports import report_queries

    w = tiny_warehouse
    accepted = received_lot(w, qty=20)
    mark(w, accepted, False, False)
    mark(w, received_lot(w, qty=20), True, True)
    [row] = [r for r in report_queries.supplier_quality() if r["supplier"] == "SUP-T"]
    assert (row["lots"], row["rejected"], row["sampled"], row["defects"]) == (2, 1, 4, 2)
    assert [(m["lots"], m["rejected"]) for m in row["by_month"]] == [(2, 1)]
    clearing = report_queries.same_day_clearing(date.today())
    assert not clearing["cleared"] and [t["qty"] for t in clearing["units_not_put_away"]] == [20]
    [task] = putaway.open_tasks()
    putaway.put_away(task.id, decode("A-01-02-1"), w.receiver)
    db.session.commit()
    assert report_queries.same_day_clearing(date.today())["cleared"]


def test_an_empty_bin_promised_to_one_put_away_is_not_suggested_to_another(tiny_warehouse):
    w = tiny_warehouse
    waiting = received_lot(w, qty=20)
    item_without_stock = w.mug.id + 1000  # no stock anywhere: only empty bins qualify
    assert putaway.suggest_bin(item_without_stock, "A", 5) == w.empty.id
    db.session.add(PutawayTask(lot_id=waiting.lot_id, item_id=w.tee.id, qty=5, zone="A", suggested_bin_id=w.empty.id))
    db.session.flush()
    assert putaway.suggest_bin(item_without_stock, "A", 5) is None
