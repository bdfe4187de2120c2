"""Picking a claimed pick list: tote binding, bin then item, units into the tote in the ledger, wrong
scans refused, a short pick re-allocated at once, a hold stopping the next scan."""
from datetime import date, datetime

import pytest
from sqlalchemy import select

from server.db.models import Bin, BinStock, Lot, PickTask, SalesOrder
from server.domain.barcodes import decode
from server.domain.batching import Cart
from server.domain.errors import WmsError
from server.domain.stock import Movement
from server.extensions import db
from server.services.orders import sales_orders
from server.services.picking import pick_lists
from server.services.inventory import stock
from server.services.picking import waves
from server.services.orders.sales_orders import NewLine

TEE = "5901234123457"
MUG = "036000291452"


def claimed_list(w, number="O-1", qty=2):
    sales_orders.create_order("api", number, [NewLine("TEE-BLK-M", qty)], w.supervisor, address="上海市",
                        paid_at=datetime(2026, 11, 22, 9, 0))
    db.session.commit()
    sales_orders.release(number, w.supervisor)
    wave = waves.release_wave(waves.WaveFilters(), Cart(totes=2, tote_capacity=20), w.supervisor)
    list_id = wave["pick_lists"][0]["pick_list"]
    waves.claim(list_id, w.picker)
    pick_lists.bind_tote(list_id, 1, decode("TOTE-0001"), w.picker)
    db.session.commit()
    return list_id


def refusal(call) -> WmsError:
    with pytest.raises(WmsError) as caught:
        call()
    db.session.rollback()
    return caught.value


def held(bin_code, lot_code="L1"):
    return db.session.execute(select(BinStock.qty, BinStock.reserved_qty).join(Bin).join(Lot)
                              .where(Bin.code == bin_code, Lot.code == lot_code)).one()


def test_a_stop_is_bin_then_item_and_the_units_move_into_the_tote(tiny_warehouse):
    w = tiny_warehouse
    list_id = claimed_list(w, qty=2)
    assert refusal(lambda: pick_lists.scan(list_id, decode(TEE), 1, w.picker)).code == "scan_bin_first"
    error = refusal(lambda: pick_lists.scan(list_id, decode("A-01-02-1"), 1, w.picker))
    assert error.code == "wrong_bin" and error.message()["en"] == "Wrong bin A-01-02-1: go to A-01-01-1."
    pick_lists.scan(list_id, decode("A-01-01-1"), 1, w.picker)
    db.session.commit()
    assert refusal(lambda: pick_lists.scan(list_id, decode(MUG), 1, w.picker)).code == "wrong_item"
    assert refusal(lambda: pick_lists.scan(list_id, decode(TEE), 3, w.picker)).code == "over_pick"
    assert refusal(lambda: pick_lists.scan(list_id, decode("]C1010590123412345710L9"), 1, w.picker)).code == \
        "wrong_lot"
    pick_lists.scan(list_id, decode(TEE), 2, w.picker)
    db.session.commit()
    assert tuple(held("A-01-01-1")) == (1, 0)
    assert tuple(held("TOTE-0001")) == (2, 0)
    assert stock.books_disagreements() == []
    assert db.session.execute(select(SalesOrder.status)).scalar() == "picked"
    assert refusal(lambda: pick_lists.scan(list_id, decode("A-01-01-1"), 1, w.picker)).code == "pick_list_done"


def test_another_picker_cannot_scan_a_claimed_list_and_totes_come_first(tiny_warehouse):
    w = tiny_warehouse
    sales_orders.create_order("api", "O-9", [NewLine("TEE-BLK-M", 1)], w.supervisor, address="上海市",
                        paid_at=datetime(2026, 11, 22, 9, 0))
    db.session.commit()
    sales_orders.release("O-9", w.supervisor)
    list_id = (waves.release_wave(waves.WaveFilters(), Cart(totes=2, tote_capacity=20),
                                                 w.supervisor))["pick_lists"][0]["pick_list"]
    waves.claim(list_id, w.picker)
    assert refusal(lambda: pick_lists.scan(list_id, decode("A-01-01-1"), 1, w.supervisor)).code == "not_your_pick_list"
    pick_lists.scan(list_id, decode("A-01-01-1"), 1, w.picker)
    assert refusal(lambda: pick_lists.scan(list_id, decode(TEE), 1, w.picker)).code == "bind_totes_first"


def test_a_short_bin_is_counted_and_the_line_re_allocated_to_another_bin_at_once(tiny_warehouse):
    w = tiny_warehouse
    stock.move(Movement(w.far.id, w.tee.id, w.tee_lot.id, 5, "opening_balance"))
    db.session.commit()
    list_id = claimed_list(w, qty=2)
    pick_lists.scan(list_id, decode("A-01-01-1"), 1, w.picker)
    outcome = pick_lists.short(list_id, 0, w.picker)
    db.session.commit()
    assert outcome["re_allocated"] == 2 and outcome["still_short"] == 0
    assert tuple(held("A-01-01-1")) == (0, 0)  # the count found becomes the bin's stock
    stop = pick_lists.stop_view(pick_lists.current_task(db.session.get(waves.PickList, list_id)))
    assert (stop["bin"], stop["qty"], stop["tote"]) == ("B-01-01-1", 2, "TOTE-0001")
    pick_lists.scan(list_id, decode("B-01-01-1"), 1, w.picker)
    pick_lists.scan(list_id, decode(TEE), 2, w.picker)
    db.session.commit()
    assert tuple(held("TOTE-0001")) == (2, 0) and stock.books_disagreements() == []


def test_a_short_with_no_stock_left_marks_the_line_short(tiny_warehouse):
    w = tiny_warehouse
    list_id = claimed_list(w, qty=2)
    pick_lists.scan(list_id, decode("A-01-01-1"), 1, w.picker)
    outcome = pick_lists.short(list_id, 0, w.picker)
    db.session.commit()
    assert outcome["still_short"] == 2 and outcome["line"]["sku"] == "TEE-BLK-M"
    assert db.session.get(waves.PickList, list_id).status == "done"


def test_a_hold_stops_the_next_scan_until_it_is_released(tiny_warehouse):
    w = tiny_warehouse
    list_id = claimed_list(w, qty=2)
    assert refusal(lambda: pick_lists.place_hold("O-1", "", w.supervisor)).code == "bad_request"
    pick_lists.place_hold("O-1", "客户要求改地址 / customer changes address", w.supervisor)
    error = refusal(lambda: pick_lists.scan(list_id, decode("A-01-01-1"), 1, w.picker))
    assert error.code == "order_on_hold" and "customer changes address" in error.message()["en"]
    pick_lists.release_hold("O-1", w.supervisor)
    pick_lists.scan(list_id, decode("A-01-01-1"), 1, w.picker)
    pick_lists.scan(list_id, decode(TEE), 2, w.picker)
    db.session.commit()
    assert db.session.execute(select(SalesOrder.status)).scalar() == "picked"


def test_a_unit_of_an_equally_old_lot_in_the_same_bin_is_taken_instead(tiny_warehouse):
    w = tiny_warehouse
    twin = Lot(item_id=w.tee.id, code="L1B", received_on=date(2026, 10, 1))
    newer = Lot(item_id=w.tee.id, code="L7", received_on=date(2026, 11, 20))
    db.session.add_all([twin, newer])
    db.session.flush()
    stock.move(Movement(w.full.id, w.tee.id, twin.id, 4, "opening_balance"))
    stock.move(Movement(w.full.id, w.tee.id, newer.id, 4, "opening_balance"))
    db.session.commit()
    list_id = claimed_list(w, qty=2)  # allocated from L1 (oldest, first by lot code)
    pick_lists.scan(list_id, decode("A-01-01-1"), 1, w.picker)
    db.session.commit()
    error = refusal(lambda: pick_lists.scan(list_id, decode("]C1010590123412345710L7"), 1, w.picker))
    assert error.code == "wrong_lot"  # a newer lot would break FIFO
    pick_lists.scan(list_id, decode("]C1010590123412345710L1B"), 2, w.picker)
    db.session.commit()
    assert tuple(held("A-01-01-1", "L1B")) == (2, 0) and tuple(held("A-01-01-1", "L1")) == (3, 0)
    assert tuple(held("TOTE-0001", "L1B")) == (2, 0) and stock.books_disagreements() == []


def test_scanning_the_tote_after_a_stop_catches_a_unit_put_in_the_wrong_tote(tiny_warehouse):
    w = tiny_warehouse
    list_id = claimed_list(w, qty=2)
    pick_lists.scan(list_id, decode("A-01-01-1"), 1, w.picker)
    _, stop = pick_lists.scan(list_id, decode(TEE), 2, w.picker)
    db.session.commit()
    error = refusal(lambda: pick_lists.confirm_put(list_id, stop.id, decode("TOTE-0002"), w.picker))
    assert error.code == "wrong_tote" and "TOTE-0001" in error.message()["en"]
    _, stop = pick_lists.confirm_put(list_id, stop.id, decode("TOTE-0001"), w.picker)
    db.session.commit()
    assert stop.put_confirmed and db.session.get(PickTask, stop.id).put_confirmed


def test_units_already_picked_for_a_held_order_move_to_the_hold_area(tiny_warehouse):
    w = tiny_warehouse
    hold_bin = Bin(code="H-01-01-1", zone="H", aisle="01", bay="01", level="1", x=-6, y=0.6, kind="hold")
    db.session.add(hold_bin)
    db.session.commit()
    list_id = claimed_list(w, qty=2)
    pick_lists.scan(list_id, decode("A-01-01-1"), 1, w.picker)
    pick_lists.scan(list_id, decode(TEE), 2, w.picker)
    db.session.commit()
    pick_lists.place_hold("O-1", "fraud check", w.supervisor)
    assert refusal(lambda: pick_lists.move_to_hold("O-1", "A-01-02-1", w.picker)).code == "not_a_hold_bin"
    moved = pick_lists.move_to_hold("O-1", "H-01-01-1", w.picker)
    assert moved == [{"from": "TOTE-0001", "qty": 2, "sku": "TEE-BLK-M"}]
    assert tuple(held("H-01-01-1")) == (2, 0) and stock.books_disagreements() == []


def test_a_hold_on_one_order_lets_the_rest_of_the_cart_go_on(tiny_warehouse):
    w = tiny_warehouse
    for number, sku in (("O-1", "TEE-BLK-M"), ("O-2", "MUG-WHT")):
        sales_orders.create_order("api", number, [NewLine(sku, 1)], w.supervisor, address="上海市",
                            paid_at=datetime(2026, 11, 22, 9, 0))
        db.session.commit()
        sales_orders.release(number, w.supervisor)
    list_id = waves.release_wave(waves.WaveFilters(), Cart(totes=2, tote_capacity=20), w.supervisor)["pick_lists"][0][
        "pick_list"]
    waves.claim(list_id, w.picker)
    pick_lists.bind_tote(list_id, 1, decode("TOTE-0001"), w.picker)
    pick_lists.bind_tote(list_id, 2, decode("TOTE-0002"), w.picker)
    db.session.commit()
    pick_list = db.session.get(waves.PickList, list_id)
    first = pick_lists.stop_view(pick_lists.current_task(pick_list))
    pick_lists.place_hold(first["order"], "check address", w.supervisor)
    other = pick_lists.stop_view(pick_lists.current_task(pick_list))
    assert other["order"] != first["order"] and not other["on_hold"]
    pick_lists.scan(list_id, decode(other["bin"]), 1, w.picker)
    pick_lists.scan(list_id, decode(TEE if other["sku"] == "TEE-BLK-M" else MUG), 1, w.picker)
    db.session.commit()
    held_stop = pick_lists.stop_view(pick_lists.current_task(pick_list))
    assert held_stop["order"] == first["order"] and held_stop["on_hold"]
    assert refusal(lambda: pick_lists.scan(list_id, decode(held_stop["bin"]), 1, w.picker)).code == "order_on_hold"
    assert waves.pick_list_view(pick_list)["tote_codes"] == {"1": "TOTE-0001", "2": "TOTE-0002"}


def test_an_order_held_after_its_list_was_read_stays_on_hold_when_the_list_moves_on(app, tiny_warehouse):
    """Another process (PostgreSQL) may hold the order between a scan's read of the list and its
    writes: the order's move to `picking` is conditional, so the hold wins."""
    from sqlalchemy import update

    from server.services.picking import pick_state

    w = tiny_warehouse
    list_id = claimed_list(w, qty=2)
    state = pick_state.load(list_id)
    order_id = state.stops[0].order_id
    assert state.stops[0].order_status == "allocated"
    db.session.execute(update(SalesOrder).where(SalesOrder.id == order_id).values(status="on_hold"))
    pick_lists._close_if_done(state)
    db.session.commit()
    assert db.session.get(SalesOrder, order_id, populate_existing=True).status == "on_hold"
    assert state.stops[0].order_status == "allocated"  # the list's view does not claim it moved
