"""Transfers (调拨) bin → bin and warehouse → warehouse, and adjustments (调整) with a reason: the units
move in the ledger in one transaction, and every refusal writes nothing."""
import uuid
from datetime import date

import pytest
from sqlalchemy import func, select, update

from server.db.models import Adjustment, Bin, BinStock, LedgerEntry, Lot, Scan, Transfer
from server.domain.errors import WmsError
from server.domain.stock import Movement
from server.extensions import db
from server.services.inventory import control
from server.services.floor import scans
from server.services.inventory import stock

TEE = "5901234123457"
TEE_LOT_L3 = "]C1010590123412345710L3"  # GS1: the tee's GTIN with lot L3


@pytest.fixture
def w(tiny_warehouse):
    """The tiny warehouse plus a second tee lot (newer) and a bin in warehouse WH2."""
    w = tiny_warehouse
    w.newer_lot = Lot(item_id=w.tee.id, code="L3", received_on=date(2026, 11, 1))
    w.wh2 = Bin(code="C-01-01-1", zone="C", aisle="01", bay="01", level="1", x=50, y=0.6, warehouse="WH2")
    db.session.add_all([w.newer_lot, w.wh2])
    db.session.flush()
    stock.move(Movement(w.full.id, w.tee.id, w.newer_lot.id, 2, "opening_balance"))
    db.session.commit()
    return w


def send(actor, mode, code=None, **payload):
    return scans.handle({"scan_id": str(uuid.uuid4()), "mode": mode, **payload} | ({"code": code} if code else {}),
                        actor)


def held(bin_code, lot_code="L1", sku="TEE-BLK-M"):
    row = db.session.execute(select(BinStock.qty).join(Bin, Bin.id == BinStock.bin_id)
                             .join(Lot, Lot.id == BinStock.lot_id)
                             .where(Bin.code == bin_code, Lot.code == lot_code)).scalar()
    return row or 0


def written() -> tuple[int, int, int]:
    return tuple(db.session.execute(select(func.count()).select_from(model)).scalar()
                 for model in (LedgerEntry, Transfer, Adjustment))


def refused(call) -> WmsError:
    before = written()
    with pytest.raises(WmsError) as caught:
        call()
    db.session.rollback()
    assert written() == before, "a refusal must write nothing"
    return caught.value


# --- transfers ----------------------------------------------------------------------------------

def test_a_transfer_is_one_scan_that_moves_the_units_bin_to_bin_in_the_ledger(w):
    ack = send(w.picker, "transfer", "A-01-02-1", from_bin="A-01-01-1", item=TEE, qty=2)
    assert ack["ok"], ack
    assert ack["kind"] == "transfer" and ack["next"] == "scan_bin" and not ack["result"]["in_transit"]
    [moved] = ack["result"]["transfers"]
    assert (moved["from_bin"], moved["to_bin"], moved["lot"], moved["qty"], moved["status"]) == \
        ("A-01-01-1", "A-01-02-1", "L1", 2, "done")
    assert (held("A-01-01-1"), held("A-01-02-1")) == (1, 2)
    entries = db.session.execute(select(LedgerEntry).where(LedgerEntry.reason == "transfer")).scalars().all()
    assert sorted(e.qty for e in entries) == [-2, 2]
    assert {e.scan_id for e in entries} == {ack["scan_id"]} and {e.user_id for e in entries} == {w.picker.user_id}
    assert stock.books_disagreements() == []


def test_a_repeated_transfer_scan_is_answered_from_the_store_and_moves_nothing_twice(w):
    payload = {"scan_id": str(uuid.uuid4()), "mode": "transfer", "code": "A-01-02-1", "from_bin": "A-01-01-1",
               "item": TEE, "qty": 1}
    first = scans.handle(payload, w.receiver)
    again = scans.handle(payload, w.receiver)
    assert first == again and first["ok"]
    assert held("A-01-02-1") == 1 and written()[1] == 1


def test_the_oldest_lot_goes_first_unless_the_scanned_gs1_code_names_a_lot(w):
    ack = send(w.picker, "transfer", "A-01-02-1", from_bin="A-01-01-1", item=TEE, qty=4)
    assert [(t["lot"], t["qty"]) for t in ack["result"]["transfers"]] == [("L1", 3), ("L3", 1)]
    ack = send(w.picker, "transfer", "A-01-01-1", from_bin="A-01-02-1", item=TEE_LOT_L3, qty=1)
    assert [(t["lot"], t["qty"]) for t in ack["result"]["transfers"]] == [("L3", 1)]
    assert (held("A-01-01-1", "L1"), held("A-01-01-1", "L3"), held("A-01-02-1", "L1")) == (0, 2, 3)
    refusal = send(w.picker, "transfer", "A-01-02-1", from_bin="B-01-01-1", item=TEE_LOT_L3, qty=1)
    assert refusal["error"]["code"] == "lot_not_in_bin"


def test_units_promised_to_orders_are_not_free_to_transfer(w):
    db.session.execute(update(BinStock).where(BinStock.bin_id == w.full.id, BinStock.lot_id == w.tee_lot.id)
                       .values(reserved_qty=3))
    db.session.commit()
    before = written()
    ack = send(w.picker, "transfer", "A-01-02-1", from_bin="A-01-01-1", item=TEE, qty=3)
    assert ack["error"]["code"] == "not_enough_free"
    assert ack["error"]["message"]["en"] == \
        "Only 2 of TEE-BLK-M are free in bin A-01-01-1 (3 promised to orders): 3 cannot be taken."
    assert written() == before and held("A-01-01-1") == 3


@pytest.mark.parametrize("to_bin, from_bin, code", [
    ("A-01-01-1", "A-01-01-1", "same_bin"),
    ("Z-09-09-9", "A-01-01-1", "unknown_barcode"),
    ("A-01-02-1", "Z-09-09-9", "unknown_barcode"),
    ("B-01-01-1", "A-01-01-1", "bin_blocked"),
    ("A-01-02-1", "A-01-01-1", "not_enough_free"),
])
def test_a_refused_transfer_writes_nothing(w, to_bin, from_bin, code):
    w.far.blocked = True
    db.session.commit()
    before = written()
    ack = send(w.picker, "transfer", to_bin, from_bin=from_bin, item=TEE, qty=9 if code == "not_enough_free" else 1)
    assert not ack["ok"] and ack["error"]["code"] == code and ack["sound"] == "error"
    assert written() == before
    assert db.session.execute(select(Scan.error_code).where(Scan.scan_id == ack["scan_id"])).scalar() == code


def test_a_role_without_the_transfer_right_is_refused(w):
    ack = send(w.packer, "transfer", "A-01-02-1", from_bin="A-01-01-1", item=TEE, qty=1)
    assert ack["error"]["code"] == "forbidden" and written()[1] == 0


def test_totes_and_transit_bins_are_not_transfer_places(w):
    db.session.add(Bin(code="TOTE-0009", zone="T", aisle="", bay="", level="", x=0, y=0, kind="tote"))
    db.session.commit()
    error = refused(lambda: control.transfer("A-01-01-1", w.tee, 1, w.picker, to_code="TOTE-0009"))
    assert error.code == "bin_not_for_stock"
    assert error.message()["zh"] == "货位 TOTE-0009 是周转箱，只能在存储货位之间移库。"


def test_a_warehouse_transfer_travels_in_transit_until_received_at_the_destination(w):
    ack = send(w.picker, "transfer", "C-01-01-1", from_bin="A-01-01-1", item=TEE, qty=2)
    assert ack["ok"] and ack["result"]["in_transit"]
    [moved] = ack["result"]["transfers"]
    assert (moved["kind"], moved["status"], moved["to_warehouse"], moved["transit_bin"]) == \
        ("warehouse", "in_transit", "WH2", "TRANSIT-WH2")
    transit = db.session.execute(select(Bin).where(Bin.code == "TRANSIT-WH2")).scalar_one()
    assert (transit.kind, transit.warehouse) == ("transit", "WH2")
    assert (held("A-01-01-1"), held("TRANSIT-WH2"), held("C-01-01-1")) == (1, 2, 0)

    wrong = send(w.receiver, "transfer.receive", "A-01-02-1", transfer=moved["transfer"])
    assert wrong["error"]["code"] == "wrong_warehouse"
    arrived = send(w.receiver, "transfer.receive", "C-01-01-1", transfer=moved["transfer"])
    assert arrived["ok"], arrived
    assert arrived["result"]["transfer"]["status"] == "done"
    assert arrived["result"]["transfer"]["received_by"] == "rex"
    assert (held("TRANSIT-WH2"), held("C-01-01-1")) == (0, 2)
    again = send(w.receiver, "transfer.receive", "C-01-01-1", transfer=moved["transfer"])
    assert again["error"]["code"] == "transfer_not_in_transit"
    assert stock.books_disagreements() == []


def test_units_can_be_sent_to_a_warehouse_before_their_bin_there_is_known(w):
    [moved] = control.transfer("A-01-01-1", w.mug, 1, w.supervisor, to_warehouse="wh2")
    db.session.commit()
    assert (moved.status, moved.to_bin_id, moved.to_warehouse) == ("in_transit", None, "WH2")
    assert [t.id for t in control.transfers("in_transit", "WH2")] == [moved.id]
    control.receive(moved.id, "C-01-01-1", w.supervisor)
    db.session.commit()
    assert held("C-01-01-1", "L2") == 1
    assert refused(lambda: control.transfer("A-01-01-1", w.tee, 1, w.supervisor, to_warehouse="WH9")).code == \
        "unknown_warehouse"
    assert refused(lambda: control.transfer("A-01-01-1", w.tee, 1, w.supervisor, to_warehouse="WH1")).code == \
        "bad_request"
    assert refused(lambda: control.receive(999, "C-01-01-1", w.supervisor)).code == "unknown_transfer"


# --- adjustments --------------------------------------------------------------------------------

def test_an_adjustment_with_a_reason_books_an_adjustment_row_and_a_ledger_entry(w):
    [row] = control.adjust("A-01-01-1", "TEE-BLK-M", -1, "damaged", w.supervisor, note="torn in the aisle")
    db.session.commit()
    assert (row.qty, row.reason, row.note, row.lot_id, row.created_by) == \
        (-1, "damaged", "torn in the aisle", w.tee_lot.id, w.supervisor.user_id)
    entry = db.session.execute(select(LedgerEntry).where(LedgerEntry.reason == "adjustment")).scalar_one()
    assert (entry.qty, entry.bin_id, entry.user_id) == (-1, w.full.id, w.supervisor.user_id)
    found = control.adjust("A-01-02-1", "TEE-BLK-M", 2, "found", w.supervisor, lot_code="L3")
    db.session.commit()
    assert [(a.qty, a.lot_id) for a in found] == [(2, w.newer_lot.id)]
    assert (held("A-01-01-1"), held("A-01-02-1", "L3")) == (2, 2)
    assert stock.books_disagreements() == []


def test_found_units_join_the_bins_oldest_lot_and_a_shortfall_takes_oldest_lots_first(w):
    control.adjust("A-01-01-1", "TEE-BLK-M", 1, "found", w.supervisor)
    db.session.commit()
    assert (held("A-01-01-1", "L1"), held("A-01-01-1", "L3")) == (4, 2)
    rows = control.adjust("A-01-01-1", "TEE-BLK-M", -5, "lost", w.supervisor)
    db.session.commit()
    assert [(a.lot_id, a.qty) for a in rows] == [(w.tee_lot.id, -4), (w.newer_lot.id, -1)]


@pytest.mark.parametrize("change, code", [
    ({"reason": None}, "adjustment_reason"),
    ({"reason": "because"}, "adjustment_reason"),
    ({"qty": 0}, "bad_request"),
    ({"qty": -9}, "not_enough_free"),
    ({"sku": "NOPE"}, "not_found"),
    ({"bin_code": "TRANSIT-WH2"}, "unknown_barcode"),
    ({"actor": "picker"}, "forbidden"),
    ({"actor": "receiver"}, "forbidden"),
])
def test_an_adjustment_is_refused_without_a_reason_a_right_or_free_units(w, change, code):
    args = {"bin_code": "A-01-01-1", "sku": "TEE-BLK-M", "qty": -1, "reason": "damaged",
            "actor": "supervisor"} | change
    actor = getattr(w, args.pop("actor"))
    error = refused(lambda: control.adjust(args["bin_code"], args["sku"], args["qty"], args["reason"], actor))
    assert error.code == code


def test_an_unknown_reason_is_answered_with_the_reasons_allowed(w):
    error = refused(lambda: control.adjust("A-01-01-1", "TEE-BLK-M", 1, "", w.supervisor))
    assert error.message()["en"] == ("Say why stock is adjusted: the reason must be one of damaged, found, lost, "
                                     "expired, data_error, other.")


def test_adjustments_over_rest_need_the_adjust_right(app, w):
    client = app.test_client()
    client.post("/api/v1/auth/login", json={"username": "pia", "password": "pw"})
    answer = client.post("/api/v1/adjustments", json={"bin": "A-01-01-1", "sku": "TEE-BLK-M", "qty": -1,
                                                      "reason": "damaged"})
    assert answer.status_code == 403 and answer.json["error"]["code"] == "forbidden"
    client.post("/api/v1/auth/login", json={"username": "sue", "password": "pw"})
    answer = client.post("/api/v1/adjustments", json={"bin": "A-01-01-1", "sku": "TEE-BLK-M", "qty": -1,
                                                      "reason": "damaged", "note": "dropped"})
    assert answer.status_code == 201, answer.json
    assert answer.json["adjustments"][0] | {"created_at": None} == {
        "adjustment": 1, "bin": "A-01-01-1", "sku": "TEE-BLK-M", "lot": "L1", "qty": -1, "reason": "damaged",
        "note": "dropped", "count_line": None, "created_by": "sue", "created_at": None}
    assert held("A-01-01-1") == 2
