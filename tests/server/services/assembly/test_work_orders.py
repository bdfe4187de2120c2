"""Work orders (加工单): kits assembled from their components and taken apart, every unit through the work
order's own bin in the ledger; a shortage refused with what is missing; a cancel halfway puts everything
back. The books balance after each."""
from datetime import date

import pytest
from sqlalchemy import select

from server.db.models import Bin, BinStock, LedgerEntry, Lot, PrintJob, WorkOrder
from server.domain.barcodes import decode
from server.domain.errors import WmsError
from server.domain.stock import Movement
from server.extensions import db
from server.services.assembly import work_orders
from server.services.catalogue import kits
from server.services.inventory import ledger, stock
from server.services.people.auth import Actor

SHELF, EMPTY, FAR = "A-01-01-1", "A-01-02-1", "B-01-01-1"
TEE, MUG = "5901234123457", "036000291452"


@pytest.fixture
def w(tiny_warehouse):
    """The tiny warehouse with a gift set (1 tee + 1 mug) and 5 more mugs in B-01-01-1, lot M2 expiring."""
    w = tiny_warehouse
    manager = Actor(w.supervisor.user_id, "sue", "Sue", "manager")
    kits.define("GIFT-SET", [kits.Component("TEE-BLK-M", 1), kits.Component("MUG-WHT", 1)], manager,
                name_zh="礼盒", name_en="Gift set")
    m2 = Lot(item_id=w.mug.id, code="M2", received_on=date(2026, 11, 1), expiry=date(2027, 6, 1))
    db.session.add(m2)
    db.session.flush()
    stock.move(Movement(w.far.id, w.mug.id, m2.id, 5, "opening_balance"))
    db.session.commit()
    return w


def refusal(call) -> WmsError:
    with pytest.raises(WmsError) as caught:
        call()
    db.session.rollback()
    return caught.value


def place(bin_code, sku=None, lot=None):
    """{(sku, lot): (units, promised)} in a bin."""
    from server.db.models import Item
    rows = db.session.execute(select(Item.sku, Lot.code, BinStock.qty, BinStock.reserved_qty)
                              .join(Bin, Bin.id == BinStock.bin_id).join(Item, Item.id == BinStock.item_id)
                              .join(Lot, Lot.id == BinStock.lot_id).where(Bin.code == bin_code, BinStock.qty > 0))
    return {(s, lot_code): (q, r) for s, lot_code, q, r in rows}


def moves(reason):
    return [(db.session.get(Bin, e.bin_id).code, e.qty) for e in db.session.execute(
        select(LedgerEntry).where(LedgerEntry.reason == reason).order_by(LedgerEntry.id)).scalars()]


def balanced():
    check = ledger.check()
    assert check["disagreements"] == [] and check["reservation_mismatches"] == []
    return check["balanced"]


def pick_all(w, number):
    """Every pick step: the bin, then its units one scan each."""
    order = work_orders.find(number, w.picker)
    for step in work_orders.view(order)["steps"]:
        if step["kind"] == "pick":
            work_orders.at_bin(number, decode(step["bin"]), w.picker)
            for _ in range(step["remaining"]):
                work_orders.pick(number, step["bin"], decode(TEE if step["sku"] == "TEE-BLK-M" else
                                                             MUG if step["sku"] == "MUG-WHT" else step["sku"]),
                                 w.picker)
    db.session.commit()


def test_assembling_two_gift_sets_picks_fefo_makes_the_kits_with_their_lot_and_label_and_puts_them_away(w):
    order = work_orders.create("assemble", "GIFT-SET", 2, w.supervisor)
    db.session.commit()
    view = work_orders.view(order)
    assert (view["number"], view["status"], view["next"]) == ("WO-000001", "open", "scan_bin")
    # By bin code; the mugs with an expiry first (FEFO), never the units of other orders.
    assert [(s["kind"], s["bin"], s["sku"], s["lot"], s["qty"]) for s in view["steps"]] == [
        ("pick", SHELF, "TEE-BLK-M", "L1", 2), ("pick", FAR, "MUG-WHT", "M2", 2)]
    assert place(SHELF)[("TEE-BLK-M", "L1")] == (3, 2) and place(FAR)[("MUG-WHT", "M2")] == (5, 2)
    assert balanced()

    assert refusal(lambda: work_orders.at_bin("WO-000001", decode(EMPTY), w.picker)).code == "work_order_wrong_bin"
    assert refusal(lambda: work_orders.pick("WO-000001", SHELF, decode(MUG), w.picker)).code == "not_on_work_order"
    assert refusal(lambda: work_orders.make("WO-000001", None, w.picker)).code == "work_order_state"
    pick_all(w, "WO-000001")
    assert place("WO-000001") == {("TEE-BLK-M", "L1"): (2, 0), ("MUG-WHT", "M2"): (2, 0)}
    assert place(SHELF)[("TEE-BLK-M", "L1")] == (1, 0) and place(FAR)[("MUG-WHT", "M2")] == (3, 0)
    assert moves("work_order") == [(SHELF, -1), ("WO-000001", 1)] * 2 + [(FAR, -1), ("WO-000001", 1)] * 2
    assert work_orders.view(work_orders.find("WO-000001", w.picker))["next"] == "make"

    assert refusal(lambda: work_orders.make("WO-000001", decode(TEE), w.packer)).code == "work_order_wrong_kit"
    _, made = work_orders.make("WO-000001", decode("GIFT-SET"), w.packer)  # the kit's own code
    order, made2 = work_orders.make("WO-000001", None, w.packer)  # confirmed on the screen
    db.session.commit()
    assert (made["made"], made2["made"]) == (1, 2)
    assert place("WO-000001") == {("GIFT-SET", "WO-000001"): (2, 0)}
    assert moves("assembly") == [("WO-000001", -1), ("WO-000001", -1), ("WO-000001", 1)] * 2
    kit_lot = db.session.execute(select(Lot).where(Lot.code == "WO-000001")).scalar_one()
    assert kit_lot.expiry == date(2027, 6, 1)  # the earliest of its components' lots
    labels = db.session.execute(select(PrintJob).where(PrintJob.kind == "item_label")).scalars().all()
    assert [job.id for job in labels] == [made["label"], made2["label"]]
    assert "GIFT-SET" in labels[0].title and "WO-000001" in labels[0].title

    view = work_orders.view(order)
    assert (view["status"], view["next"], view["to_put_away"]) == ("putting_away", "scan_unit", 2)
    assert refusal(lambda: work_orders.put_away("WO-000001", decode("GIFT-SET"), decode("Q-01-01-1"),
                                                w.picker)).code == "work_order_bad_bin"
    for _ in range(2):
        _, unit = work_orders.check_unit("WO-000001", decode("GIFT-SET"), w.picker)
        assert (unit["sku"], unit["lot"]) == ("GIFT-SET", "WO-000001")
        order, put = work_orders.put_away("WO-000001", decode("GIFT-SET"), decode(EMPTY), w.picker)
    db.session.commit()
    assert (order.status, order.done_qty) == ("done", 2)
    assert place(EMPTY) == {("GIFT-SET", "WO-000001"): (2, 0)} and place("WO-000001") == {}
    assert moves("putaway") == [("WO-000001", -1), (EMPTY, 1)] * 2
    assert balanced()


def test_disassembling_a_gift_set_frees_its_components_in_the_work_orders_lot(w):
    manager = Actor(w.supervisor.user_id, "sue", "Sue", "manager")
    kit_lot = Lot(item_id=kits.item_by_sku("GIFT-SET").id, code="K1", received_on=date(2026, 11, 2),
                  expiry=date(2027, 5, 1))
    db.session.add(kit_lot)
    db.session.flush()
    stock.move(Movement(w.empty.id, kit_lot.item_id, kit_lot.id, 2, "opening_balance"), manager)
    db.session.commit()

    order = work_orders.create("disassemble", "GIFT-SET", 1, w.supervisor)
    db.session.commit()
    assert [(s["bin"], s["sku"], s["lot"], s["qty"]) for s in work_orders.view(order)["steps"]] == [
        (EMPTY, "GIFT-SET", "K1", 1)]
    pick_all(w, order.number)
    order, made = work_orders.make(order.number, None, w.packer)
    db.session.commit()
    assert made["label"] is None  # nothing is printed when a kit is taken apart
    assert moves("disassembly") == [(order.number, -1), (order.number, 1), (order.number, 1)]
    assert place(order.number) == {("TEE-BLK-M", order.number): (1, 0), ("MUG-WHT", order.number): (1, 0)}
    freed = db.session.execute(select(Lot.expiry).where(Lot.code == order.number)).scalars().all()
    assert freed == [date(2027, 5, 1)] * 2  # the components keep the kit's expiry
    # Suggested: a shelf bin that holds each item already.
    assert [(s["sku"], s["bin"], s["qty"]) for s in work_orders.view(order)["steps"] if s["kind"] == "put_away"] \
        == [("TEE-BLK-M", SHELF, 1), ("MUG-WHT", SHELF, 1)]
    for code in (TEE, MUG):
        order, _ = work_orders.put_away(order.number, decode(code), decode(SHELF), w.picker)
    db.session.commit()
    assert order.status == "done"
    assert place(SHELF) == {("TEE-BLK-M", "L1"): (3, 0), ("MUG-WHT", "L2"): (1, 0),
                            ("TEE-BLK-M", order.number): (1, 0), ("MUG-WHT", order.number): (1, 0)}
    assert place(EMPTY) == {("GIFT-SET", "K1"): (1, 0)}
    assert balanced()


def test_a_shortage_is_refused_with_what_is_missing_and_nothing_is_written(w):
    error = refusal(lambda: work_orders.create("assemble", "GIFT-SET", 5, w.supervisor))
    assert error.code == "work_order_shortage"
    assert error.message() == {"en": "Not enough stock to assemble 5 × GIFT-SET: TEE-BLK-M short 2.",
                               "zh": "库存不足，无法组装 5 套 GIFT-SET：TEE-BLK-M 缺 2 件。"}
    assert refusal(lambda: work_orders.create("disassemble", "GIFT-SET", 1, w.supervisor)).message()["en"] == \
        "Not enough stock to take apart 1 × GIFT-SET: GIFT-SET short 1."
    assert refusal(lambda: work_orders.create("assemble", "TEE-BLK-M", 1, w.supervisor)).code == "not_a_kit"
    assert refusal(lambda: work_orders.create("build", "GIFT-SET", 1, w.supervisor)).code == "work_order_kind"
    assert refusal(lambda: work_orders.create("assemble", "GIFT-SET", 1, w.picker)).code == "forbidden"
    assert db.session.execute(select(WorkOrder)).scalars().all() == []
    assert place(SHELF)[("TEE-BLK-M", "L1")] == (3, 0) and place(FAR)[("MUG-WHT", "M2")] == (5, 0)
    assert balanced()


def test_cancelled_halfway_the_reservations_go_and_the_picked_units_go_back_where_they_came_from(w):
    order = work_orders.create("assemble", "GIFT-SET", 2, w.supervisor)
    db.session.commit()
    work_orders.at_bin(order.number, decode(SHELF), w.picker)
    work_orders.pick(order.number, SHELF, decode(TEE), w.picker)
    db.session.commit()
    assert place(SHELF)[("TEE-BLK-M", "L1")] == (2, 1) and place(FAR)[("MUG-WHT", "M2")] == (5, 2)

    assert refusal(lambda: work_orders.cancel(order.number, " ", w.supervisor)).code == "bad_request"
    assert refusal(lambda: work_orders.cancel(order.number, "no boxes", w.picker)).code == "forbidden"
    order = work_orders.cancel(order.number, "gift boxes did not arrive 礼盒未到", w.supervisor)
    db.session.commit()
    view = work_orders.view(order)
    assert (view["status"], view["cancel_reason"], view["next"]) == (
        "cancelled", "gift boxes did not arrive 礼盒未到", "scan_unit")
    assert place(SHELF)[("TEE-BLK-M", "L1")] == (2, 0) and place(FAR)[("MUG-WHT", "M2")] == (5, 0)
    assert [(s["sku"], s["bin"], s["qty"]) for s in view["steps"] if s["kind"] == "put_away"] == [
        ("TEE-BLK-M", SHELF, 1)]
    assert [o.number for o in work_orders.on_the_floor()] == [order.number]
    assert balanced()

    order, _ = work_orders.put_away(order.number, decode(TEE), decode(SHELF), w.picker)
    db.session.commit()
    assert order.status == "cancelled" and work_orders.view(order)["next"] == "done"
    assert place(SHELF)[("TEE-BLK-M", "L1")] == (3, 0) and place(order.number) == {}
    assert work_orders.on_the_floor() == []
    assert refusal(lambda: work_orders.cancel(order.number, "again", w.supervisor)).code == "work_order_state"
    assert balanced()


def test_cancelled_with_one_kit_made_the_kit_and_the_unused_components_are_put_away(w):
    order = work_orders.create("assemble", "GIFT-SET", 2, w.supervisor)
    db.session.commit()
    pick_all(w, order.number)
    work_orders.make(order.number, None, w.packer)
    db.session.commit()
    assert place(order.number) == {("TEE-BLK-M", "L1"): (1, 0), ("MUG-WHT", "M2"): (1, 0),
                                   ("GIFT-SET", order.number): (1, 0)}

    order = work_orders.cancel(order.number, "only one box left", w.supervisor)
    db.session.commit()
    steps = [(s["sku"], s["lot"], s["bin"], s["qty"]) for s in work_orders.view(order)["steps"]
             if s["kind"] == "put_away"]
    assert steps == [("TEE-BLK-M", "L1", SHELF, 1), ("MUG-WHT", "M2", FAR, 1), ("GIFT-SET", order.number, None, 1)]
    assert balanced()
    for unit, target in ((TEE, SHELF), (MUG, FAR), ("GIFT-SET", EMPTY)):
        order, _ = work_orders.put_away(order.number, decode(unit), decode(target), w.picker)
    db.session.commit()
    assert work_orders.view(order)["next"] == "done" and place(order.number) == {}
    assert place(EMPTY) == {("GIFT-SET", order.number): (1, 0)}
    assert place(SHELF)[("TEE-BLK-M", "L1")] == (2, 0) and place(FAR)[("MUG-WHT", "M2")] == (4, 0)
    assert balanced()
