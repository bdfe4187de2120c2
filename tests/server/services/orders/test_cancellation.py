"""Cancelling an order (取消/退款) at every stage before handover: reservations released, stops cancelled,
parcels and their labels voided, picked units back to the shelves through a put-back task — the books
balanced and nothing left promised. After handover a cancellation is refused (a return)."""
from datetime import datetime

import pytest
from sqlalchemy import select

from server.db.models import (Bin, BinStock, LedgerEntry, Lot, Parcel, PickList, PickTask, PrintJob, PutBackTask,
                              Reservation, SalesOrder, Station)
from server.domain.barcodes import decode
from server.domain.batching import Cart
from server.domain.errors import WmsError
from server.extensions import db
from server.services.inventory import ledger
from server.services.orders import cancellation, put_back, sales_orders
from server.services.orders.sales_orders import NewLine
from server.services.packing import handover, packing_station
from server.services.picking import pick_lists, waves
from server.services.printing import print_jobs
from tests.server.conftest import pick_released

TEE = "5901234123457"
SHELF = "A-01-01-1"


def new_order(w, number="O-1", qty=2):
    sales_orders.create_order("api", number, [NewLine("TEE-BLK-M", qty)], w.supervisor, customer_name="张三",
                              address="上海市", carrier="顺丰", paid_at=datetime(2026, 11, 22, 9, 0))
    db.session.commit()
    return number


def allocated(w, number="O-1", qty=2):
    new_order(w, number, qty)
    sales_orders.release(number, w.supervisor)
    wave = waves.release_wave(waves.WaveFilters(), Cart(totes=1, tote_capacity=20), w.supervisor)
    return wave["pick_lists"][0]["pick_list"]


def refusal(call) -> WmsError:
    with pytest.raises(WmsError) as caught:
        call()
    db.session.rollback()
    return caught.value


def place(bin_code):
    """(units, promised) of the tees in a bin."""
    row = db.session.execute(select(BinStock.qty, BinStock.reserved_qty).join(Bin).join(Lot)
                             .where(Bin.code == bin_code, Lot.code == "L1")).one_or_none()
    return tuple(row) if row else (0, 0)


def reservations(number="O-1"):
    order = sales_orders.find_order(number)
    return sorted((r.status, r.qty) for r in db.session.execute(
        select(Reservation).where(Reservation.order_line_id.in_([ln.id for ln in order.lines]))).scalars())


def stops(number="O-1"):
    order = sales_orders.find_order(number)
    return sorted((t.status, t.picked_qty) for t in db.session.execute(
        select(PickTask).where(PickTask.order_id == order.id)).scalars())


def put_back_moves():
    return [(db.session.get(Bin, e.bin_id).code, e.qty) for e in db.session.execute(
        select(LedgerEntry).where(LedgerEntry.reason == "put_back").order_by(LedgerEntry.id)).scalars()]


def balanced():
    check = ledger.check()
    assert check["disagreements"] == [] and check["reservation_mismatches"] == []
    return check["balanced"]


def cancel(w, number="O-1", reason="customer asked for a refund 退款"):
    return cancellation.cancel_order(number, reason, w.supervisor)


def put_everything_back(w, task_id, bin_code=SHELF, code=TEE):
    """Scan each unit, then the bin, until the task is done (as the handheld's put-back does)."""
    while (task := db.session.get(PutBackTask, task_id)).status == "open":
        put_back.check_unit(task_id, decode(code), w.picker)
        put_back.put(task_id, decode(code), decode(bin_code), w.picker)
        db.session.commit()
    return task


@pytest.fixture
def station(tiny_warehouse):
    station = Station(code="PACK-T", name="test station", printer_id=tiny_warehouse.printer.id)
    db.session.add(station)
    db.session.commit()
    return station


def test_pending_review_a_cancellation_needs_its_reason_and_is_kept_with_who_and_when(tiny_warehouse):
    w = tiny_warehouse
    new_order(w)
    assert refusal(lambda: cancellation.cancel_order("O-1", "  ", w.supervisor)).code == "cancel_reason_required"
    assert refusal(lambda: cancellation.cancel_order("O-1", "why", w.picker)).code == "forbidden"
    result = cancel(w)
    assert (result["status"], result["cancelled_from"], result["cancelled_by"]) == ("cancelled", "pending_review",
                                                                                   "sue")
    assert (result["released"], result["pick_lists"], result["parcels"], result["put_back"]) == ([], [], [], [])
    order = sales_orders.find_order("O-1")
    assert (order.status, order.cancel_reason, order.cancelled_by) == ("cancelled", "customer asked for a refund 退款",
                                                                      w.supervisor.user_id)
    assert cancellation.cancellation_view(order)["by"] == "sue"
    again = refusal(lambda: cancel(w, reason="twice"))
    assert again.code == "order_already_cancelled"
    assert again.message()["en"] == "Order O-1 is already cancelled (customer asked for a refund 退款)."
    assert place(SHELF) == (3, 0) and balanced()


def test_released_order_no_longer_claims_its_stock(tiny_warehouse):
    w = tiny_warehouse
    new_order(w, qty=3)
    sales_orders.release("O-1", w.supervisor)
    assert sales_orders.free_stock(w.tee.id) == 0
    result = cancel(w)
    assert result["cancelled_from"] == "released" and result["released"] == []
    assert sales_orders.free_stock(w.tee.id) == 3
    # The freed units can be promised to the next order at once.
    new_order(w, "O-2", qty=3)
    assert sales_orders.release("O-2", w.supervisor).status == "released"
    assert balanced()


def test_allocated_order_gives_back_its_reservations_and_its_pick_list_is_done(tiny_warehouse):
    w = tiny_warehouse
    list_id = allocated(w)
    assert place(SHELF) == (3, 2) and reservations() == [("reserved", 2)]
    result = cancel(w)
    assert result["released"] == [{"sku": "TEE-BLK-M", "bin": SHELF, "lot": "L1", "qty": 2}]
    assert result["pick_lists"] == [{"pick_list": list_id, "status": "done", "stops_cancelled": 1,
                                     "claimed_by": None}]
    assert place(SHELF) == (3, 0) and reservations() == [("released", 2)] and stops() == [("cancelled", 0)]
    assert db.session.get(PickList, list_id).status == "done"
    assert result["put_back"] == [] and balanced()


def test_half_picked_order_the_picked_unit_goes_back_through_a_put_back_task(tiny_warehouse):
    w = tiny_warehouse
    list_id = allocated(w)
    waves.claim(list_id, w.picker)
    pick_lists.bind_tote(list_id, 1, decode("TOTE-0001"), w.picker)
    pick_lists.scan(list_id, decode(SHELF), 1, w.picker)
    pick_lists.scan(list_id, decode(TEE), 1, w.picker)
    db.session.commit()
    assert place(SHELF) == (2, 1) and place("TOTE-0001") == (1, 0)
    assert sales_orders.find_order("O-1").status == "picking"

    result = cancel(w)
    assert result["cancelled_from"] == "picking"
    assert result["released"] == [{"sku": "TEE-BLK-M", "bin": SHELF, "lot": "L1", "qty": 1}]
    assert result["pick_lists"][0]["claimed_by"] == "pia" and result["pick_lists"][0]["status"] == "done"
    assert place(SHELF) == (2, 0) and reservations() == [("picked", 1)] and stops() == [("cancelled", 1)]
    task, = result["put_back"]
    assert (task["source"], task["scan"], task["remaining"]) == ("TOTE-0001", "TOTE-0001", 1)
    assert task["lines"][0] | {"name": None, "variant": None} == {
        "sku": "TEE-BLK-M", "name": None, "variant": None, "lot": "L1", "qty": 1, "put": 0, "remaining": 1,
        "suggested_bin": SHELF}
    assert balanced()

    # The picker scans the tote, the unit, the bin: the unit is back on the shelf, in the ledger.
    assert put_back.find_task("TOTE-0001", w.picker).id == task["task"]
    assert refusal(lambda: put_back.put(task["task"], decode(TEE), decode("Q-01-01-1"), w.picker)).code == \
        "put_back_bad_bin"
    done = put_everything_back(w, task["task"])
    assert (done.status, done.done_by) == ("done", w.picker.user_id)
    assert place(SHELF) == (3, 0) and place("TOTE-0001") == (0, 0)
    assert put_back_moves() == [("TOTE-0001", -1), (SHELF, 1)]
    assert refusal(lambda: put_back.find_task("TOTE-0001", w.picker)).code == "no_put_back_here"
    assert balanced()


def test_picked_order_in_its_tote_the_tote_is_busy_until_everything_is_back(tiny_warehouse):
    w = tiny_warehouse
    new_order(w)
    pick_released(w, "O-1")
    assert place(SHELF) == (1, 0) and place("TOTE-0001") == (2, 0)
    result = cancel(w)
    assert (result["cancelled_from"], result["released"], result["pick_lists"][0]["stops_cancelled"]) == \
        ("picked", [], 0)
    task, = result["put_back"]
    assert (task["source"], task["remaining"]) == ("TOTE-0001", 2)
    # The tote is not bound to a new list while the cancelled order's units are in it.
    new_order(w, "O-2", qty=1)
    list_id = allocated_again(w, "O-2")
    error = refusal(lambda: pick_lists.bind_tote(list_id, 1, decode("TOTE-0001"), w.picker))
    assert error.code == "tote_awaits_put_back" and "O-1" in error.message()["en"]
    # …and the packing station names the cancellation when the tote is scanned.
    assert refusal(lambda: packing_station.scan(station_row(w), "TOTE-0001", w.packer)).code == "order_cancelled"
    put_everything_back(w, task["task"])
    assert place(SHELF) == (3, 1) and place("TOTE-0001") == (0, 0)
    pick_lists.bind_tote(list_id, 1, decode("TOTE-0001"), w.picker)
    db.session.commit()
    assert balanced()


def allocated_again(w, number):
    sales_orders.release(number, w.supervisor)
    wave = waves.release_wave(waves.WaveFilters(), Cart(totes=1, tote_capacity=20), w.supervisor)
    list_id = wave["pick_lists"][0]["pick_list"]
    waves.claim(list_id, w.picker)
    db.session.commit()
    return list_id


def station_row(w):
    station = db.session.execute(select(Station).where(Station.code == "PACK-S")).scalar_one_or_none()
    if station is None:
        station = Station(code="PACK-S", name="second station", printer_id=w.printer.id)
        db.session.add(station)
        db.session.commit()
    return station


def test_packing_in_an_open_parcel_the_parcel_is_voided_and_both_places_put_back(tiny_warehouse, station):
    w = tiny_warehouse
    new_order(w)
    pick_released(w, "O-1")
    packing_station.scan(station, "TOTE-0001", w.packer)
    packing_station.scan(station, TEE, w.packer)
    db.session.commit()
    order = sales_orders.find_order("O-1")
    box = f"PCL-{order.id}-1"
    assert place("TOTE-0001") == (1, 0) and place(box) == (1, 0) and station.order_id == order.id

    result = cancel(w)
    assert result["parcels"] == [{"seq": 1, "tracking": None, "was": "open", "manifest": None, "labels_voided": []}]
    assert result["stations"] == ["PACK-T"]
    db.session.refresh(station)
    assert station.order_id is None
    assert db.session.execute(select(Parcel.status)).scalar() == "voided"
    assert sorted((t["source"], t["remaining"]) for t in result["put_back"]) == [(box, 1), ("TOTE-0001", 1)]
    parcel_task = next(t for t in result["put_back"] if t["source"] == box)
    assert parcel_task["scan"] == "O-1"  # an open parcel has no label: the order number takes its task
    assert put_back.find_task("O-1", w.picker).id in {t["task"] for t in result["put_back"]}
    for task in result["put_back"]:
        put_everything_back(w, task["task"])
    assert place(SHELF) == (3, 0) and place(box) == (0, 0) and place("TOTE-0001") == (0, 0)
    assert sorted(put_back_moves()) == sorted([("TOTE-0001", -1), (SHELF, 1), (box, -1), (SHELF, 1)])
    assert balanced()


def test_closed_parcel_with_a_printed_label_is_voided_taken_off_its_manifest_and_never_printed_again(
        tiny_warehouse, station):
    w = tiny_warehouse
    new_order(w)
    pick_released(w, "O-1")
    for code in ("TOTE-0001", TEE, TEE):
        packing_station.scan(station, code, w.packer)
    parcel = packing_station.close_parcel(station, w.packer)
    db.session.commit()
    label = db.session.execute(select(PrintJob).where(PrintJob.kind == "shipping_label")).scalar_one()
    assert label.parcel_id == parcel.id
    print_jobs.record_state(label.id, "sent", None, w.agent)
    print_jobs.record_state(label.id, "printed", None, w.agent)
    manifest = handover.add_parcel(parcel, w.packer)
    db.session.commit()
    assert sales_orders.find_order("O-1").status == "packed" and parcel.manifest_id == manifest.id

    result = cancel(w)
    voided, = result["parcels"]
    assert (voided["tracking"], voided["was"], voided["manifest"]) == (parcel.tracking, "closed", manifest.id)
    assert sorted((j["kind"], j["was"]) for j in voided["labels_voided"]) == [("packing_list", "queued"),
                                                                              ("shipping_label", "printed")]
    db.session.refresh(parcel)
    assert (parcel.status, parcel.manifest_id) == ("voided", None)
    assert {j.status for j in db.session.execute(select(PrintJob)).scalars()} == {"voided"}
    assert [e["status"] for e in print_jobs.job_history(label.id)] == ["queued", "sent", "printed", "voided"]
    # A voided label is not printed again; the agent no longer gets it; the parcel is not handed over.
    assert refusal(lambda: print_jobs.reprint(label.id, w.supervisor, "torn")).code == "label_voided"
    assert print_jobs.unfinished_jobs_for_agent(w.agent) == []
    error = refusal(lambda: handover.add_parcel(parcel, w.packer))
    assert error.code == "parcel_voided" and parcel.tracking in error.message()["en"]
    assert handover.parcels_on(handover.find_manifest(manifest.id)) == []

    task, = result["put_back"]
    assert (task["scan"], task["parcel"], task["remaining"]) == (parcel.tracking, parcel.tracking, 2)
    assert put_back.find_task(parcel.tracking, w.picker).id == task["task"]
    put_everything_back(w, task["task"])
    assert place(SHELF) == (3, 0) and place(f"PCL-{parcel.order_id}-1") == (0, 0)
    assert reservations() == [("picked", 2)] and balanced()


def test_handed_over_order_is_refused_a_return_is_the_way(tiny_warehouse, station):
    w = tiny_warehouse
    new_order(w)
    pick_released(w, "O-1")
    for code in ("TOTE-0001", TEE, TEE):
        packing_station.scan(station, code, w.packer)
    parcel = packing_station.close_parcel(station, w.packer)
    manifest = handover.add_parcel(parcel, w.packer)
    handover.driver_confirms(manifest, "李师傅", "", "", w.packer)
    handover.packer_confirms(manifest, w.packer)
    db.session.commit()
    ledger_rows = db.session.execute(select(LedgerEntry.id)).scalars().all()
    error = refusal(lambda: cancel(w))
    assert error.code == "order_handed_over" and error.http_status == 409
    assert "Open a return" in error.message()["en"] and "退货" in error.message()["zh"]
    order = db.session.get(SalesOrder, parcel.order_id)
    assert (order.status, order.cancel_reason) == ("shipped", None)
    assert db.session.execute(select(LedgerEntry.id)).scalars().all() == ledger_rows
    assert db.session.execute(select(PutBackTask)).first() is None and balanced()


def test_put_back_refuses_what_is_not_on_it_and_more_than_is_left(tiny_warehouse):
    w = tiny_warehouse
    new_order(w)
    pick_released(w, "O-1")
    task, = cancel(w)["put_back"]
    error = refusal(lambda: put_back.check_unit(task["task"], decode("036000291452"), w.picker))
    assert error.code == "not_on_put_back" and error.message()["en"] == \
        f"MUG-WHT is not on put-back task {task['task']}, or all of it is back."
    put_everything_back(w, task["task"])
    assert refusal(lambda: put_back.check_unit(task["task"], decode(TEE), w.picker)).code == "put_back_done"
    assert refusal(lambda: put_back.find_task("TOTE-0009", w.picker)).code == "no_put_back_here"
    assert refusal(lambda: put_back.find_task("TOTE-0001", w.packer)).code == "forbidden"
