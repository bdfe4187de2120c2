"""Cycle counts (盘点): scheduled by zone, item, bins or days since last counted; counted blind on the
handheld; a variance within tolerance booked at once, a larger one recounted and decided by a supervisor.
Picks go on during a count: the book is read when the count is recorded."""
import uuid
from datetime import datetime

import pytest
from sqlalchemy import func, select

from server.db.models import Adjustment, Bin, BinStock, LedgerEntry
from server.domain.barcodes import decode
from server.domain.batching import Cart
from server.domain.errors import WmsError
from server.domain.stock import Movement
from server.extensions import db
from server.services.inventory import counts
from server.services.orders import sales_orders
from server.services.picking import pick_lists
from server.services.floor import scans
from server.services.inventory import stock
from server.services.picking import waves
from server.services.orders.sales_orders import NewLine
from tests.server.conftest import log_in_on_the_pages

TEE = "5901234123457"
MUG = "036000291452"
BOOK_WORDS = {"expected", "book_at_recount", "variance", "posted_qty", "status"}


def send(actor, mode, code=None, **payload):
    return scans.handle({"scan_id": str(uuid.uuid4()), "mode": mode, **payload} | ({"code": code} if code else {}),
                        actor)


def count_bin(actor, bin_code, *items, empty=False):
    """A counter's whole visit: the bin, each (barcode, qty), then the bin closed. Returns every ack."""
    acks = [send(actor, "count", bin_code)]
    acks += [send(actor, "count", code, bin=bin_code, qty=qty) for code, qty in items]
    acks.append(send(actor, "count.close", bin=bin_code, **({"empty": True} if empty else {})))
    assert all(ack["ok"] for ack in acks), acks
    return acks


def keys(value) -> set[str]:
    if isinstance(value, dict):
        return set(value) | set().union(*(keys(v) for v in value.values()))
    if isinstance(value, list):
        return set().union(*(keys(v) for v in value)) if value else set()
    return set()


def schedule(w, **scope) -> int:
    count = counts.schedule(scope, w.supervisor)
    db.session.commit()
    return count.id


def lines(count_id) -> dict[tuple[str, str | None], dict]:
    view = counts.count_view(counts.find_count(count_id))
    return {(line["bin"], line["sku"]): line for line in view["lines"]}


def bin_qty(bin_code, item) -> int:
    return db.session.execute(select(func.coalesce(func.sum(BinStock.qty), 0)).join(Bin, Bin.id == BinStock.bin_id)
                              .where(Bin.code == bin_code, BinStock.item_id == item.id)).scalar()


def count_entries() -> list[int]:
    return list(db.session.execute(select(LedgerEntry.qty).where(LedgerEntry.reason == "count")
                                   .order_by(LedgerEntry.id)).scalars())


def refused(call) -> WmsError:
    before = db.session.execute(select(func.count(LedgerEntry.id))).scalar()
    with pytest.raises(WmsError) as caught:
        call()
    db.session.rollback()
    assert db.session.execute(select(func.count(LedgerEntry.id))).scalar() == before
    return caught.value


def claimed_list(w, qty):
    """An order for `qty` tees allocated (units promised in A-01-01-1) on a pick list the picker holds."""
    sales_orders.create_order("api", "O-1", [NewLine("TEE-BLK-M", qty)], w.supervisor, address="上海市",
                        paid_at=datetime(2026, 11, 22, 9, 0))
    db.session.commit()
    sales_orders.release("O-1", w.supervisor)
    list_id = waves.release_wave(waves.WaveFilters(), Cart(totes=1, tote_capacity=20), w.supervisor)[
        "pick_lists"][0]["pick_list"]
    waves.claim(list_id, w.picker)
    pick_lists.bind_tote(list_id, 1, decode("TOTE-0001"), w.picker)
    db.session.commit()
    return list_id


# --- scheduling ---------------------------------------------------------------------------------

def test_a_zone_count_has_a_line_per_bin_and_item_and_one_for_each_empty_bin(tiny_warehouse):
    w = tiny_warehouse
    count_id = schedule(w, zone="A")
    assert set(lines(count_id)) == {("A-01-01-1", "TEE-BLK-M"), ("A-01-01-1", "MUG-WHT"), ("A-01-02-1", None)}
    assert all(line["expected"] is None for line in lines(count_id).values())  # nothing is read before counting
    view = counts.count_view(counts.find_count(count_id))
    assert view["tolerance"] == {"units": 1, "pct": 2.0} and view["progress"]["to_count"] == 3


def test_an_item_count_covers_only_the_bins_holding_it_and_bins_in_an_open_count_are_left_out(tiny_warehouse):
    w = tiny_warehouse
    count_id = schedule(w, sku="MUG-WHT")
    assert set(lines(count_id)) == {("A-01-01-1", "MUG-WHT")}
    assert set(lines(schedule(w, zone="A"))) == {("A-01-02-1", None)}
    error = refused(lambda: counts.schedule({"zone": "A"}, w.supervisor))
    assert error.code == "nothing_to_count" and "zone A" in error.message()["en"]


def test_bins_not_counted_for_n_days_come_from_the_ledger_and_the_count_lines(tiny_warehouse):
    w = tiny_warehouse
    count_id = schedule(w, not_counted_days=30)
    assert {b for b, _ in lines(count_id)} == {"A-01-01-1", "A-01-02-1", "B-01-01-1"}  # never counted
    counts.cancel(count_id, w.supervisor)
    schedule(w, bins=["A-01-02-1"])
    count_bin(w.picker, "A-01-02-1", empty=True)  # counted today by a count line
    stock.move(Movement(w.full.id, w.tee.id, w.tee_lot.id, -1, "count"))  # and by a count entry (a short pick)
    db.session.commit()
    assert {b for b, _ in lines(schedule(w, not_counted_days=30))} == {"B-01-01-1"}


def test_only_a_supervisor_schedules_a_count(tiny_warehouse):
    assert refused(lambda: counts.schedule({"zone": "A"}, tiny_warehouse.picker)).code == "forbidden"
    assert refused(lambda: counts.schedule({}, tiny_warehouse.supervisor)).code == "bad_request"


# --- counting blind -----------------------------------------------------------------------------

def test_the_counter_is_never_told_the_book_quantity(tiny_warehouse):
    w = tiny_warehouse
    schedule(w, zone="A")
    tasks = counts.tasks(w.picker)
    assert [(t["bin"], t["round"], t["items"]) for t in tasks] == [("A-01-01-1", "count", []),
                                                                   ("A-01-02-1", "count", [])]
    acks = count_bin(w.picker, "A-01-01-1", (TEE, 1), (TEE, 1), (MUG, 1))
    for ack in acks:
        assert not keys(ack) & BOOK_WORDS, ack
    assert acks[2]["result"]["counted"][0] | {"name": None, "variant": None} == {
        "sku": "TEE-BLK-M", "qty": 2, "name": None, "variant": None}
    assert acks[-1]["result"]["closed"] and acks[-1]["next"] == "scan_bin"
    assert not keys(counts.tasks(w.receiver)) & BOOK_WORDS


def test_a_variance_within_tolerance_is_booked_at_once_with_an_adjustment_naming_the_line(tiny_warehouse):
    w = tiny_warehouse
    count_id = schedule(w, zone="A")
    count_bin(w.picker, "A-01-01-1", (TEE, 2), (MUG, 1))
    tee = lines(count_id)[("A-01-01-1", "TEE-BLK-M")]
    assert (tee["status"], tee["expected"], tee["counted"], tee["posted_qty"], tee["counted_by"]) == \
        ("counted", 3, 2, -1, "pia")
    assert lines(count_id)[("A-01-01-1", "MUG-WHT")]["posted_qty"] == 0
    assert count_entries() == [-1] and bin_qty("A-01-01-1", w.tee) == 2
    adjustment = db.session.execute(select(Adjustment)).scalar_one()
    assert (adjustment.reason, adjustment.qty, adjustment.count_line_id) == ("count", -1, tee["line"])
    assert stock.books_disagreements() == []


def test_a_larger_variance_is_recounted_and_the_approved_recount_is_booked(tiny_warehouse):
    w = tiny_warehouse
    count_id = schedule(w, sku="TEE-BLK-M")
    assert [t["items"] for t in counts.tasks(w.picker)] == [["TEE-BLK-M"]]  # an item count names its item
    count_bin(w.picker, "A-01-01-1", (TEE, 9))
    line = lines(count_id)[("A-01-01-1", "TEE-BLK-M")]
    assert (line["status"], line["variance"]) == ("recount", 6) and count_entries() == []
    assert [(t["round"], t["items"]) for t in counts.tasks(w.receiver)] == [("recount", ["TEE-BLK-M"])]
    count_bin(w.receiver, "A-01-01-1", (TEE, 5))
    line = lines(count_id)[("A-01-01-1", "TEE-BLK-M")]
    assert (line["status"], line["counted"], line["recounted"], line["recounted_by"], line["book_at_recount"],
            line["variance"]) == ("recounted", 9, 5, "rex", 3, 2)
    assert refused(lambda: counts.approve(line["line"], w.picker)).code == "forbidden"
    counts.approve(line["line"], w.supervisor)
    db.session.commit()
    line = lines(count_id)[("A-01-01-1", "TEE-BLK-M")]
    assert (line["status"], line["posted_qty"], line["decided_by"]) == ("posted", 2, "sue")
    assert count_entries() == [2] and bin_qty("A-01-01-1", w.tee) == 5
    assert counts.find_count(count_id).status == "closed"
    assert refused(lambda: counts.approve(line["line"], w.supervisor)).code == "count_line_not_recounted"
    assert stock.books_disagreements() == []


def test_a_rejected_recount_leaves_the_books_as_they_are(tiny_warehouse):
    w = tiny_warehouse
    count_id = schedule(w, bins=["A-01-01-1"])
    count_bin(w.picker, "A-01-01-1", (TEE, 8), (MUG, 1))
    tee = lines(count_id)[("A-01-01-1", "TEE-BLK-M")]
    assert refused(lambda: counts.reject(tee["line"], w.supervisor)).code == "count_line_not_recounted"
    count_bin(w.picker, "A-01-01-1", (TEE, 8))  # at least a second count, even by the same counter
    counts.reject(tee["line"], w.supervisor)
    db.session.commit()
    assert lines(count_id)[("A-01-01-1", "TEE-BLK-M")]["status"] == "rejected"
    assert count_entries() == [] and bin_qty("A-01-01-1", w.tee) == 3
    assert counts.find_count(count_id).status == "closed"


def test_an_item_the_books_did_not_show_is_counted_in_a_whole_bin_count(tiny_warehouse):
    w = tiny_warehouse
    count_id = schedule(w, zone="B")
    count_bin(w.picker, "B-01-01-1", (MUG, 1))
    mug = lines(count_id)[("B-01-01-1", "MUG-WHT")]
    assert (mug["expected"], mug["counted"], mug["status"], mug["posted_qty"]) == (0, 1, "counted", 1)
    assert lines(count_id)[("B-01-01-1", None)]["status"] == "counted"
    assert bin_qty("B-01-01-1", w.mug) == 1  # found units join the item's newest lot
    assert stock.books_disagreements() == []


def test_counting_outside_the_count_is_refused_and_writes_nothing(tiny_warehouse):
    w = tiny_warehouse
    schedule(w, sku="MUG-WHT")
    assert send(w.picker, "count", "B-01-01-1")["error"]["code"] == "bin_not_in_count"
    assert send(w.picker, "count", TEE, bin="A-01-01-1", qty=1)["error"]["code"] == "item_not_in_count"
    assert send(w.picker, "count", MUG, bin="B-01-01-1", qty=1)["error"]["code"] == "bin_not_in_count"
    assert send(w.picker, "count.close", bin="A-01-01-1")["error"]["code"] == "confirm_bin_empty"
    assert send(w.packer, "count", "A-01-01-1")["error"]["code"] == "forbidden"
    assert send(w.picker, "count", MUG, bin="A-01-01-1", qty=1)["ok"]
    taken = send(w.receiver, "count", "A-01-01-1")
    assert taken["error"]["code"] == "count_in_progress" and "Pia" in taken["error"]["message"]["en"]
    assert send(w.picker, "count.close", bin="A-01-01-1", empty=True)["error"]["code"] == "bad_request"
    assert db.session.execute(select(func.count(LedgerEntry.id)).where(LedgerEntry.reason == "count")).scalar() == 0


def test_a_counter_can_start_a_bin_again_before_closing_it(tiny_warehouse):
    w = tiny_warehouse
    count_id = schedule(w, sku="MUG-WHT")
    send(w.picker, "count", "A-01-01-1")
    send(w.picker, "count", MUG, bin="A-01-01-1", qty=10)
    again = send(w.picker, "count.restart", bin="A-01-01-1")
    assert again["ok"] and again["result"]["counted"] == []
    count_bin(w.picker, "A-01-01-1", (MUG, 1))
    assert lines(count_id)[("A-01-01-1", "MUG-WHT")]["status"] == "counted"


def test_a_replayed_close_is_answered_from_the_store(tiny_warehouse):
    w = tiny_warehouse
    schedule(w, bins=["A-01-01-1"])
    send(w.picker, "count", "A-01-01-1")
    send(w.picker, "count", TEE, bin="A-01-01-1", qty=2)
    close = {"scan_id": str(uuid.uuid4()), "mode": "count.close", "bin": "A-01-01-1"}
    assert scans.handle(close, w.picker) == scans.handle(close, w.picker)
    # the mug was not counted: a whole-bin count records it as zero (one missing, within tolerance)
    assert count_entries() == [-1, -1] and (bin_qty("A-01-01-1", w.tee), bin_qty("A-01-01-1", w.mug)) == (2, 0)


# --- picks while a bin is counted ---------------------------------------------------------------

def test_units_promised_but_not_picked_are_counted_as_there(tiny_warehouse):
    w = tiny_warehouse
    claimed_list(w, qty=2)
    count_id = schedule(w, sku="TEE-BLK-M")
    count_bin(w.picker, "A-01-01-1", (TEE, 3))
    assert lines(count_id)[("A-01-01-1", "TEE-BLK-M")]["status"] == "counted" and count_entries() == []


def test_a_shortfall_that_would_take_promised_units_is_refused_so_a_supervisor_looks(tiny_warehouse):
    w = tiny_warehouse
    claimed_list(w, qty=3)
    count_id = schedule(w, sku="TEE-BLK-M")
    send(w.picker, "count", "A-01-01-1")
    send(w.picker, "count", TEE, bin="A-01-01-1", qty=2)
    ack = send(w.picker, "count.close", bin="A-01-01-1")
    assert ack["error"]["code"] == "count_conflict"
    assert lines(count_id)[("A-01-01-1", "TEE-BLK-M")]["status"] == "open" and count_entries() == []


def test_a_pick_between_the_recount_and_the_approval_is_not_booked_twice(tiny_warehouse):
    w = tiny_warehouse
    list_id = claimed_list(w, qty=1)
    count_id = schedule(w, sku="TEE-BLK-M")
    count_bin(w.picker, "A-01-01-1", (TEE, 1))   # books say 3: two are missing
    count_bin(w.receiver, "A-01-01-1", (TEE, 1))
    pick_lists.scan(list_id, decode("A-01-01-1"), 1, w.picker)
    pick_lists.scan(list_id, decode(TEE), 1, w.picker)  # the one unit there goes into the tote
    db.session.commit()
    line = lines(count_id)[("A-01-01-1", "TEE-BLK-M")]
    assert (line["book_at_recount"], line["variance"]) == (3, -2)
    counts.approve(line["line"], w.supervisor)
    db.session.commit()
    assert bin_qty("A-01-01-1", w.tee) == 0 and count_entries() == [-2]
    assert stock.books_disagreements() == []


# --- the supervisor's pages ---------------------------------------------------------------------

def test_a_supervisor_schedules_on_the_page_and_approves_a_recounted_variance_there(app, tiny_warehouse):
    w = tiny_warehouse
    page = log_in_on_the_pages(app.test_client(), "sue")
    answer = page.post("/sup/counts", data={"by": "sku", "sku": "MUG-WHT"})
    assert answer.status_code == 302 and "/sup/counts/" in answer.location
    count_id = int(answer.location.rsplit("/", 1)[1])
    count_bin(w.picker, "A-01-01-1", (MUG, 4))
    count_bin(w.receiver, "A-01-01-1", (MUG, 3))
    detail = page.get(f"/sup/counts/{count_id}").get_data(as_text=True)
    assert 'data-status="recounted"' in detail and "+2" in detail and 'data-testid="approve"' in detail
    assert "MUG-WHT" in page.get("/sup/counts").get_data(as_text=True)
    line = lines(count_id)[("A-01-01-1", "MUG-WHT")]["line"]
    assert page.post(f"/sup/count-lines/{line}/approve").status_code == 302
    assert lines(count_id)[("A-01-01-1", "MUG-WHT")]["status"] == "posted" and bin_qty("A-01-01-1", w.mug) == 3
    nothing = page.post("/sup/counts", data={"by": "zone", "zone": "Z"}, follow_redirects=True)
    assert "Nothing to count" in nothing.get_data(as_text=True)
    picker = log_in_on_the_pages(app.test_client(), "pia")
    assert picker.get("/sup/counts").status_code == 403
