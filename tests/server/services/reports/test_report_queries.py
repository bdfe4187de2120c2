"""The reports' numbers on the tiny warehouse, worked out by hand: stock on hand and its age, turnover
from the ledger, supplier quality by month, picking productivity, returns, open exceptions; CSV."""
import csv
import io
from contextlib import contextmanager
from unittest import mock
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select

from server.db.models import Bin, Lot, PickList, ReturnCase, ReturnUnit
from server.domain.barcodes import decode
from server.domain.batching import Cart
from server.domain.errors import WmsError
from server.domain.stock import Movement
from server.extensions import db
from server.services.receiving import inspection
from server.services.orders import sales_orders
from server.services.picking import pick_lists
from server.services.receiving import inbound
from server.services.reports import report_queries
from server.services.inventory import stock
from server.services.picking import waves
from server.services.orders.sales_orders import NewLine

TEE = "5901234123457"
TODAY = date(2026, 11, 23)


@contextmanager
def dated(at: datetime):
    """Ledger rows written inside are dated `at`: the ledger is append-only, so history can only be
    made by writing it at the time it happened."""
    with mock.patch.object(stock, "utcnow", lambda: at):
        yield


def bin_of(code, kind, zone="T"):
    place = Bin(code=code, zone=zone, aisle="", bay="", level="", x=0, y=0, kind=kind)
    db.session.add(place)
    db.session.flush()
    return place


# --- stock on hand ----------------------------------------------------------------------------------

@pytest.fixture
def stocked(tiny_warehouse):
    """A-01-01-1: 3 tees (lot L1, 53 days old) + 1 mug; B-01-01-1: 5 tees of a lot 206 days old;
    in process: 2 tees in quarantine, 1 mug in a tote. Tees cost ¥15, mugs ¥8."""
    w = tiny_warehouse
    w.tee.unit_cost_cents, w.mug.unit_cost_cents = 1500, 800
    old = Lot(item_id=w.tee.id, code="L0", received_on=date(2026, 5, 1))
    mug_lot = Lot(item_id=w.mug.id, code="L3", received_on=date(2026, 11, 20))
    db.session.add_all([old, mug_lot])
    db.session.flush()
    tote = bin_of("TOTE-0001", "tote")
    stock.move(Movement(w.far.id, w.tee.id, old.id, 5, "receipt"))
    stock.move(Movement(w.quarantine.id, w.tee.id, old.id, 2, "receipt"))
    stock.move(Movement(tote.id, w.mug.id, mug_lot.id, 1, "pick"))
    db.session.commit()
    return w


def test_stock_on_hand_by_item_counts_storage_bins_only_with_value_and_age(stocked):
    rows = report_queries.stock_on_hand("item", today=TODAY)
    assert [(r["sku"], r["units"], r["value_cents"], r["age 31–90"], r["age >180"]) for r in rows] == [
        ("TEE-BLK-M", 8, 12000, 3, 5), ("MUG-WHT", 1, 800, 1, 0)]
    assert rows[0]["name"] == "T-shirt Black / M · T恤 黑色 / M"


def test_stock_on_hand_by_zone_bin_and_age_bucket(stocked):
    assert [(r["zone"], r["units"], r["value_cents"]) for r in report_queries.stock_on_hand("zone", today=TODAY)] == [
        ("A", 4, 5300), ("B", 5, 7500)]
    assert [(r["bin"], r["units"]) for r in report_queries.stock_on_hand("bin", today=TODAY)] == [
        ("B-01-01-1", 5), ("A-01-01-1", 4)]
    assert [(r["age"], r["units"], r["value_cents"]) for r in report_queries.stock_on_hand("age", today=TODAY)] == [
        ("31–90", 4, 5300), (">180", 5, 7500)]
    assert [r["units"] for r in report_queries.stock_on_hand("item", zone="B", today=TODAY)] == [5]


def test_lot_age_buckets_have_inclusive_edges():
    days = (0, 30, 31, 90, 91, 180, 181, 900)
    assert [report_queries.age_bucket(TODAY - timedelta(days=d), TODAY) for d in days] == [
        "0–30", "0–30", "31–90", "31–90", "91–180", "91–180", ">180", ">180"]


def test_stock_in_totes_and_quarantine_is_shown_apart_from_on_hand(stocked):
    in_process = {r["kind"]: (r["places"], r["units"], r["value_cents"]) for r in report_queries.in_process_stock()}
    assert in_process["quarantine"] == (1, 2, 3000) and in_process["tote"] == (1, 1, 800)
    assert in_process["parcel"] == in_process["transit"] == (0, 0, 0)


def test_the_csv_has_a_bom_a_header_row_and_the_same_rows_as_the_table(stocked):
    rows = report_queries.stock_on_hand("item", today=TODAY)
    text = report_queries.to_csv(report_queries.stock_columns("item"), rows)
    assert text.startswith("\ufeff")
    table = list(csv.reader(io.StringIO(text[1:])))
    assert table[0][:4] == ["SKU · 商品编码", "Item · 货品", "Units on hand · 在库件数", "Value ¥ · 金额（元）"]
    assert table[1][:4] == ["TEE-BLK-M", "T-shirt Black / M · T恤 黑色 / M", "8", "120.00"]
    assert len(table) == 1 + len(rows)
    assert text.encode("utf-8").startswith(b"\xef\xbb\xbf")


def test_csv_writes_rates_as_percentages_and_empty_for_unknown():
    columns = [report_queries.Column("r", "Rate", "比率", "rate"), report_queries.Column("n", "N", "数", "number")]
    text = report_queries.to_csv(columns, [{"r": 0.125, "n": None}])
    assert text.splitlines()[1] == "12.50%,"


# --- turnover ---------------------------------------------------------------------------------------

def test_turnover_is_units_issued_over_the_average_of_daily_closing_stock(tiny_warehouse):
    """Four days. Closing stock in storage: 10, 6 (4 picked), 12 (6 received), 10 (2 picked): average
    9.5. Issued 6 → turnover 6 / 9.5 = 0.6316; days of supply = 9.5 × 4 / 6 = 6.3. The fixture's
    opening balances are dated today, after the period, so they do not count."""
    w = tiny_warehouse
    day1 = datetime.combine(TODAY - timedelta(days=13), datetime.min.time())
    tote = bin_of("TOTE-0009", "tote")

    def at(days: int, hour: int = 10):
        return dated(day1 + timedelta(days=days, hours=hour))

    with at(-5):
        stock.move(Movement(w.empty.id, w.tee.id, w.tee_lot.id, 10, "receipt"))
    for day, qty in ((1, 4), (3, 2)):
        with at(day):  # a pick: out of the shelf, into a tote
            stock.move(Movement(w.empty.id, w.tee.id, w.tee_lot.id, -qty, "pick"))
            stock.move(Movement(tote.id, w.tee.id, w.tee_lot.id, qty, "pick"))
    with at(2):
        stock.move(Movement(w.empty.id, w.tee.id, w.tee_lot.id, 6, "receipt"))
    db.session.commit()
    span = report_queries.Period(day1.date(), day1.date() + timedelta(days=3))

    report = report_queries.stock_turnover(span)
    assert report["basis"] == "pick"
    [tee] = report["rows"]
    assert (tee["sku"], tee["issued"], tee["opening"], tee["closing"], tee["avg_on_hand"]) == (
        "TEE-BLK-M", 6, 10, 10, 9.5)
    assert (tee["turnover"], tee["days_of_supply"], tee["annualised"]) == (0.6316, 6.3, 57.63)
    assert [d["closing"] for d in report["daily"]] == [10, 6, 12, 10]
    assert [d["issued"] for d in report["daily"]] == [0, 4, 0, 2]

    with at(3, hour=16):  # the first handover: from now on units issued are units shipped
        stock.move(Movement(tote.id, w.tee.id, w.tee_lot.id, -2, "ship"))
    db.session.commit()
    report = report_queries.stock_turnover(span)
    assert report["basis"] == "ship"
    assert (report["rows"][0]["issued"], report["rows"][0]["turnover"], report["rows"][0]["days_of_supply"]) == (
        2, 0.2105, 19.0)
    assert report["totals"]["turnover"] == 0.2105


def test_an_item_with_no_stock_and_no_issues_has_no_turnover():
    assert report_queries.turnover_figures(0, [0, 0, 0]) == {
        "issued": 0, "opening": 0, "closing": 0, "avg_on_hand": 0.0, "turnover": None, "annualised": None,
        "days_of_supply": None}


def test_a_period_is_the_last_days_or_from_to():
    assert report_queries.period(7, today=TODAY) == report_queries.Period(date(2026, 11, 17), TODAY)
    assert report_queries.period(30, end=date(2026, 10, 31), today=TODAY).start == date(2026, 10, 2)
    assert report_queries.period(start=date(2026, 11, 1), today=TODAY).days == 23
    with pytest.raises(WmsError) as backwards:
        report_queries.period(start=TODAY, end=TODAY - timedelta(days=1))
    assert "runs forward" in backwards.value.message()["en"]


# --- supplier quality by month ----------------------------------------------------------------------

def received_lot(w, qty=20):
    po = inbound.create_po("SUP-T", [{"sku": "TEE-BLK-M", "qty": qty}], w.receiver)
    receipt = inbound.start_receipt(po.number, w.receiver)
    inbound.check_carton(receipt.id, "intact", w.receiver)
    inbound.count(receipt.id, 1, decode(TEE), qty, w.receiver)
    [waiting] = inspection.confirm_receipt(receipt.id, w.receiver)
    db.session.commit()
    return waiting


def mark(w, waiting, *defects):
    for defect in defects:
        inspection.mark_unit(waiting.id, decode(TEE), defect, "damaged" if defect else None, w.inspector)
        db.session.commit()


def test_supplier_quality_by_month_gives_defect_sampling_and_rejection_rates(tiny_warehouse):
    w = tiny_warehouse
    mark(w, received_lot(w), False, False)  # 2 of 20 sampled (10 %), clean: accepted
    mark(w, received_lot(w), True, True)  # both defective: rejected
    [row] = report_queries.supplier_quality_by_month(report_queries.period(30))
    assert {k: row[k] for k in ("supplier", "lots", "rejected", "lot_units", "sampled", "defects")} == {
        "supplier": "SUP-T", "lots": 2, "rejected": 1, "lot_units": 40, "sampled": 4, "defects": 2}
    assert (row["defect_rate"], row["sampling_rate"], row["rejection_rate"]) == (0.5, 0.1, 0.5)
    assert row["month"] == f"{date.today():%Y-%m}"
    assert report_queries.quality_by_month_totals([row])[0]["defect_rate"] == 0.5
    assert report_queries.supplier_quality_by_month(report_queries.period(30), supplier="NOPE") == []


# --- picking productivity ---------------------------------------------------------------------------

def picked_with_a_short(w, started: datetime) -> int:
    """One order (2 tees, 1 mug) picked by Pia from 08:00: the tees at 08:20; the mug's bin is found
    empty at 08:30 (a short line: no other bin has mugs)."""
    sales_orders.create_order("api", "O-9", [NewLine("TEE-BLK-M", 2), NewLine("MUG-WHT", 1)], w.supervisor,
                        address="上海市", paid_at=datetime(2026, 11, 22, 9, 0))
    db.session.commit()
    sales_orders.release("O-9", w.supervisor)
    wave = waves.release_wave(waves.WaveFilters(), Cart(totes=2, tote_capacity=20), w.supervisor)
    list_id = wave["pick_lists"][0]["pick_list"]
    waves.claim(list_id, w.picker)
    pick_lists.bind_tote(list_id, 1, decode("TOTE-0001"), w.picker)
    db.session.get(PickList, list_id).claimed_at = started
    db.session.commit()
    while (task := pick_lists.current_task(db.session.get(PickList, list_id))) is not None:
        pick_lists.scan(list_id, decode("A-01-01-1"), 1, w.picker)
        if task.item_id == w.tee.id:
            with dated(started + timedelta(minutes=20)):
                pick_lists.scan(list_id, decode(TEE), 2, w.picker)
        else:
            with dated(started + timedelta(minutes=30)):
                pick_lists.short(list_id, 0, w.picker)
        db.session.commit()
    return wave["wave"]


def test_picking_productivity_per_picker_and_wave_from_claim_to_last_movement(tiny_warehouse):
    w = tiny_warehouse
    wave = picked_with_a_short(w, datetime.combine(date.today(), datetime.min.time()) + timedelta(hours=8))
    data = report_queries.picking_productivity(report_queries.period(7))
    [row] = data["rows"]
    assert {k: row[k] for k in ("wave", "picker", "pick_lists", "lines", "units", "short_lines", "hours")} == {
        "wave": wave, "picker": "pia", "pick_lists": 1, "lines": 2, "units": 2, "short_lines": 1, "hours": 0.5}
    assert (row["lines_per_hour"], row["units_per_hour"], row["short_rate"]) == (4.0, 4.0, 0.5)
    assert [(p["picker"], p["lines_per_hour"]) for p in data["pickers"]] == [("pia", 4.0)]
    assert report_queries.picking_productivity(report_queries.period(7), wave=wave + 1)["rows"] == []


# --- returns ----------------------------------------------------------------------------------------

def test_returns_rate_is_returned_over_shipped_and_cost_adds_shipping_handling_write_off(tiny_warehouse):
    """4 tees shipped; a case of 2 comes back (reason defective), inspected 30 minutes apart, one
    scrapped: cost = ¥12 shipping + ½ h × ¥36 + ¥15 write-off = ¥45."""
    w = tiny_warehouse
    w.tee.unit_cost_cents = 1500
    stock.move(Movement(w.full.id, w.tee.id, w.tee_lot.id, 1, "receipt"))
    stock.move(Movement(w.full.id, w.tee.id, w.tee_lot.id, -4, "ship"))
    case = ReturnCase(number="RMA-T1", reason="defective", received_on=date.today(), shipping_cost_cents=1200,
                      status="done")
    db.session.add(case)
    db.session.flush()
    first = datetime.combine(date.today(), datetime.min.time()) + timedelta(hours=9)
    db.session.add_all([
        ReturnUnit(return_id=case.id, item_id=w.tee.id, judgement="good", disposition="restock", inspected_at=first),
        ReturnUnit(return_id=case.id, item_id=w.tee.id, judgement="damaged", disposition="scrap",
                   inspected_at=first + timedelta(minutes=30))])
    db.session.commit()
    data = report_queries.returns_report(report_queries.period(30))
    [reason] = data["by_reason"]
    assert {k: reason[k] for k in ("reason", "cases", "units", "return_rate", "shipping_cents", "handling_cents",
                                   "write_off_cents", "total_cents")} == {
        "reason": "defective", "cases": 1, "units": 2, "return_rate": 0.5, "shipping_cents": 1200,
        "handling_cents": 1800, "write_off_cents": 1500, "total_cents": 4500}
    [item] = data["by_item"]
    assert (item["sku"], item["units_returned"], item["units_shipped"], item["return_rate"], item["scrapped"]) == (
        "TEE-BLK-M", 2, 4, 0.5, 1)
    assert (data["totals"]["units_shipped"], data["totals"]["return_rate"]) == (4, 0.5)
    text = report_queries.to_csv(report_queries.RETURN_REASON_COLUMNS, data["by_reason"])
    assert text.splitlines()[1] == "defective,1,2,50.00%,12.00,18.00,15.00,45.00"


# --- open exceptions --------------------------------------------------------------------------------

def test_open_exceptions_list_shorts_holds_low_stock_rejected_lots_and_uncleared_receipts(tiny_warehouse):
    w = tiny_warehouse
    w.mug.safety_qty = 2  # the mug's last unit is below safety already; the short's count confirms it
    picked_with_a_short(w, datetime.combine(date.today(), datetime.min.time()) + timedelta(hours=8))
    pick_lists.place_hold("O-9", "客户要求暂缓", w.supervisor)
    mark(w, received_lot(w), True, True)  # rejected: goes back to the supplier
    received_lot(w)  # counted, not yet inspected: today's receipts are not cleared
    rows = report_queries.open_exceptions()
    kinds = {c["kind"]: c["count"] for c in report_queries.exception_counts(rows)}
    assert kinds == {"short_pick": 1, "order_on_hold": 1, "rejected_lot": 1, "escalated_return": 0, "low_stock": 1,
                     "count_variance": 0, "print_waiting": 0, "receipt_not_cleared": 1}
    short = next(r for r in rows if r["kind"] == "short_pick")
    assert (short["ref"], short["detail"].split(" (")[0]) == ("O-9", "MUG-WHT ×1 at A-01-01-1")
    assert next(r for r in rows if r["kind"] == "order_on_hold")["detail"] == "客户要求暂缓"
    assert {r["kind"] for r in report_queries.open_exceptions(kind="low_stock")} == {"low_stock"}
    assert db.session.execute(select(Lot.status).where(Lot.code == next(
        r for r in rows if r["kind"] == "rejected_lot")["ref"])).scalar() == "rejected"
