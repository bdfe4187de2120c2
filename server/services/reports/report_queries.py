"""What supervisors read: the day's receipts and who signed them, what is not yet cleared the same
day, each supplier's inspection record; and the reports pages (stock on hand and its age, turnover,
supplier quality by month, picking productivity, returns, open exceptions) with their CSV export.
Every report returns plain rows (dicts) computed with SQL aggregates; pages only draw them."""
from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import case, func, select

from server.domain.places import SELLABLE
from server.db.models import (Bin, BinStock, CountLine, Inspection, Item, LedgerEntry, Lot, PickList, PickTask,
                              PrintJob, Printer, Product, PurchaseOrder, PutawayTask, Receipt, ReturnCase,
                              SalesOrder, StockAlert, Supplier, SupplierQuality, User, VendorReturn)
from server.domain.errors import WmsError, Words
from server import local_time
from server.extensions import db
from server.services.imports import files
from server.services.receiving import inspection as inspections
from server.services.returns import return_cases


def _day(day: date) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time())
    return start, start + timedelta(days=1)


def _user(user_id: int | None) -> str | None:
    return db.session.get(User, user_id).username if user_id else None


def receipts_of(day: date) -> list[dict]:
    """Every receipt started that day, with its lots, their decisions and the signatures."""
    start, end = _day(day)
    receipts = db.session.execute(select(Receipt).where(Receipt.created_at >= start, Receipt.created_at < end)
                                  .order_by(Receipt.id)).unique().scalars()
    out = []
    for receipt in receipts:
        lots = db.session.execute(select(Inspection).where(Inspection.receipt_id == receipt.id)
                                  .order_by(Inspection.id)).scalars()
        out.append({
            "receipt": receipt.id, "po": receipt.po.number, "supplier": receipt.po.supplier.code,
            "status": receipt.status, "received_by": _user(receipt.created_by),
            "confirmed_by": _user(receipt.confirmed_by),
            "confirmed_at": receipt.confirmed_at.isoformat() + "Z" if receipt.confirmed_at else None,
            "lots": [{"lot": view["lot"], "sku": view["sku"], "qty": view["lot_qty"], "status": view["status"],
                      "policy": view["plan"]["policy"], "inspected": view["inspected"] + view["flagged_inspected"],
                      "defects": view["defects"] + view["flagged_defects"],
                      "decided_by": _user(i.decided_by)}
                     for i in lots for view in [inspections.inspection_view(i)]]})
    return out


def same_day_clearing(day: date) -> dict:
    """Receipts of the day that are not yet fully posted: counts not signed, lots not decided,
    units not put away (so not yet in the ledger). Books and bins must agree by the evening."""
    start, end = _day(day)
    open_counts = db.session.execute(select(Receipt).where(
        Receipt.created_at >= start, Receipt.created_at < end, Receipt.status == "counting")).unique().scalars()
    undecided = db.session.execute(select(Inspection).join(Receipt, Receipt.id == Inspection.receipt_id).where(
        Receipt.created_at >= start, Receipt.created_at < end, Inspection.status == "open")).scalars()
    not_put_away = db.session.execute(
        select(PutawayTask, Lot.code, Item.sku).join(Lot, Lot.id == PutawayTask.lot_id)
        .join(Item, Item.id == PutawayTask.item_id).join(Receipt, Receipt.id == Lot.receipt_id)
        .where(Receipt.created_at >= start, Receipt.created_at < end, PutawayTask.status == "open")).all()
    pending = {
        "counts_not_signed": [{"receipt": r.id, "po": r.po.number, "by": _user(r.created_by)} for r in open_counts],
        "lots_not_decided": [{"inspection": i.id, "lot_qty": i.lot_qty} for i in undecided],
        "units_not_put_away": [{"lpn": f"LPN-{t.id:06d}", "lot": lot, "sku": sku, "qty": t.qty, "zone": t.zone}
                               for t, lot, sku in not_put_away],
    }
    return {"date": day.isoformat(), "cleared": not any(pending.values())} | pending


def supplier_quality() -> list[dict]:
    """Per supplier: lots decided, units sampled, defects, rejections, the seed rate it would get
    now, and the ISO switching state per item family."""
    stats: dict[int, dict] = defaultdict(lambda: {"lots": 0, "sampled": 0, "defects": 0, "rejected": 0})
    rows = db.session.execute(
        select(Lot.supplier_id, Inspection.status, func.count(Inspection.id),
               func.sum(Inspection.inspected + Inspection.flagged_inspected),
               func.sum(Inspection.defects + Inspection.flagged_defects))
        .join(Lot, Lot.id == Inspection.lot_id).where(Inspection.status != "open")
        .group_by(Lot.supplier_id, Inspection.status)).all()
    for supplier_id, status, lots, sampled, defects in rows:
        entry = stats[supplier_id]
        entry["lots"] += lots
        entry["sampled"] += int(sampled or 0)
        entry["defects"] += int(defects or 0)
        entry["rejected"] += lots if status == "rejected" else 0
    by_month: dict[int, dict[str, dict]] = defaultdict(dict)
    decided = db.session.execute(
        select(Lot.supplier_id, Inspection.decided_at, Inspection.status,
               Inspection.inspected + Inspection.flagged_inspected, Inspection.defects + Inspection.flagged_defects)
        .join(Lot, Lot.id == Inspection.lot_id).where(Inspection.status != "open")
        .order_by(Inspection.decided_at)).all()
    for supplier_id, decided_at, status, sampled, defects in decided:
        month = by_month[supplier_id].setdefault(f"{decided_at:%Y-%m}", {"lots": 0, "sampled": 0, "defects": 0,
                                                                           "rejected": 0})
        month["lots"] += 1
        month["sampled"] += sampled
        month["defects"] += defects
        month["rejected"] += status == "rejected"
    report = []
    for supplier in db.session.execute(select(Supplier).order_by(Supplier.code)).scalars():
        states = db.session.execute(select(SupplierQuality).where(SupplierQuality.supplier_id == supplier.id)).scalars()
        entry = stats[supplier.id]
        report.append({
            "supplier": supplier.code, "name": supplier.name, **entry,
            "defect_rate": round(entry["defects"] / entry["sampled"], 4) if entry["sampled"] else None,
            "seed_rate": inspections.sampling.supplier_rate(inspections.supplier_history(supplier.id),
                                                            inspections.seed_policy()),
            "switching": [{"product_id": q.product_id} | json.loads(q.switching_json) for q in states],
            "by_month": [{"month": m} | v for m, v in by_month[supplier.id].items()],
            "open_pos": db.session.execute(select(func.count(PurchaseOrder.id)).where(
                PurchaseOrder.supplier_id == supplier.id, PurchaseOrder.status == "open")).scalar()})
    return report


# --- reports pages: columns, CSV, periods -----------------------------------------------------------

@dataclass(frozen=True)
class Column:
    """One column of a report table: the page and the CSV show the same columns of the same rows."""

    key: str
    en: str
    zh: str
    kind: str = "text"  # text | words ("English · 中文") | int | number | money (fen) | rate | time (UTC)

    @property
    def header(self) -> str:
        if self.kind == "time":  # a time column says whose clock it is, in the file too
            zone = local_time.zone_name()
            return f"{self.en} ({zone}) · {self.zh}（{zone}）"
        return f"{self.en} · {self.zh}"

    def display(self, value: object) -> str:
        if value is None or value == "":
            return "—"
        if self.kind == "time":
            return local_time.local(value)  # type: ignore[arg-type]
        return {"int": lambda v: f"{v:,}", "number": lambda v: f"{v:,.2f}", "money": lambda v: f"¥{v / 100:,.2f}",
                "rate": lambda v: f"{v * 100:.1f} %"}.get(self.kind, str)(value)

    def raw(self, value: object) -> str:
        """For spreadsheets: yuan with two decimals, rates as "12.50%" (Excel reads that as 0.125)."""
        if value is None:
            return ""
        if self.kind == "time":
            return local_time.local(value)  # type: ignore[arg-type]
        return {"money": lambda v: f"{v / 100:.2f}", "rate": lambda v: f"{v * 100:.2f}%",
                "number": lambda v: f"{v:.2f}"}.get(self.kind, str)(value)


def to_csv(columns: list[Column], rows: Iterable[dict]) -> str:
    """The report as CSV (UTF-8 with BOM; no cell a spreadsheet would run as a formula: files.to_csv)."""
    return files.to_csv([c.header for c in columns], ([c.raw(row.get(c.key)) for c in columns] for row in rows))


@dataclass(frozen=True)
class Period:
    """Whole days, both ends included, in the ledger's clock (UTC, like every stored timestamp)."""

    start: date
    end: date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def bounds(self) -> tuple[datetime, datetime]:
        return datetime.combine(self.start, time()), datetime.combine(self.end + timedelta(days=1), time())

    def dates(self) -> list[date]:
        return [self.start + timedelta(days=n) for n in range(self.days)]

    @property
    def label(self) -> str:
        return f"{self.start.isoformat()} – {self.end.isoformat()} ({self.days} d)"


MAX_PERIOD_DAYS = 3 * 366


def period(days: int | None = 30, start: date | None = None, end: date | None = None,
           today: date | None = None) -> Period:
    """from/to when either is given (to defaults to today, from to 29 days before to), else the last
    `days` days up to and including today."""
    today = today or date.today()
    if start or end:
        end = end or today
        start = start or end - timedelta(days=29)
    else:
        end, start = today, today - timedelta(days=(days or 30) - 1)
    if start > end or (end - start).days >= MAX_PERIOD_DAYS:
        raise WmsError("bad_request", detail=Words(f"a period runs forward and at most {MAX_PERIOD_DAYS} days",
                                                   f"开始日期不能晚于结束日期，且时间段最长 {MAX_PERIOD_DAYS} 天"))
    return Period(start, end)


def _day_of(column) -> object:
    return func.date(column)


def _month_of(column) -> object:
    if db.session.get_bind().dialect.name == "postgresql":
        return func.to_char(column, "YYYY-MM")
    return func.strftime("%Y-%m", column)


def _as_date(value: object) -> date:
    """SQLite answers date() with text, PostgreSQL with a date."""
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def _rate(part: float, whole: float, digits: int = 4) -> float | None:
    return round(part / whole, digits) if whole else None


# --- stock on hand and its age ----------------------------------------------------------------------

# Lot age = days since the lot was received (Lot.received_on), in these buckets.
AGE_BUCKETS: tuple[tuple[str, int, int | None], ...] = (
    ("0–30", 0, 30), ("31–90", 31, 90), ("91–180", 91, 180), (">180", 181, None))
# "On hand" is what sits in storage bins; everything else is stock on its way somewhere.
IN_PROCESS_KINDS: dict[str, tuple[str, str]] = {
    "tote": ("In totes (picked)", "周转箱中（已拣）"), "parcel": ("In parcels (packed)", "包裹中（已打包）"),
    "transit": ("In transit", "调拨在途"), "quarantine": ("In quarantine", "隔离待检"),
    "hold": ("On hold", "暂缓区"), "returns": ("Returns area", "退货区")}
STOCK_GROUPINGS = ("item", "bin", "zone", "age")


def age_bucket(received_on: date, today: date) -> str:
    age = (today - received_on).days
    return next(label for label, low, high in AGE_BUCKETS if age <= (high if high is not None else age))


def _group_columns(by: str) -> tuple:
    return {"item": (Item.sku, Product.name_en, Product.name_zh, Item.variant_en, Item.variant_zh),
            "bin": (Bin.code, Bin.zone, Bin.warehouse), "zone": (Bin.warehouse, Bin.zone), "age": ()}[by]


def _group_row(by: str, key: tuple, bucket: str) -> dict:
    if by == "item":
        sku, name_en, name_zh, variant_en, variant_zh = key
        return {"sku": sku, "name": f"{name_en} {variant_en} · {name_zh} {variant_zh}".strip()}
    if by == "bin":
        return {"bin": key[0], "zone": key[1], "warehouse": key[2]}
    if by == "zone":
        return {"warehouse": key[0], "zone": key[1]}
    return {"age": bucket}


def stock_on_hand(by: str = "item", zone: str | None = None, warehouse: str | None = None,
                  today: date | None = None) -> list[dict]:
    """Units and value (units × item unit cost) in storage bins, per item, bin, zone or lot-age bucket;
    each row also splits its units by lot age. Most valuable first (zones and ages in their order)."""
    if by not in STOCK_GROUPINGS:
        raise WmsError("bad_request", detail=Words(f"group stock by one of {', '.join(STOCK_GROUPINGS)}",
                                                   f"库存只能按 {'、'.join(STOCK_GROUPINGS)} 之一分组"))
    today = today or date.today()
    group = _group_columns(by)
    query = (select(*group, Lot.received_on, func.sum(BinStock.qty), func.sum(BinStock.qty * Item.unit_cost_cents))
             .join(Bin, Bin.id == BinStock.bin_id).join(Item, Item.id == BinStock.item_id)
             .join(Product, Product.id == Item.product_id).join(Lot, Lot.id == BinStock.lot_id)
             .where(Bin.kind.in_(SELLABLE), BinStock.qty > 0).group_by(*group, Lot.received_on))
    query = query.where(Bin.zone == zone) if zone else query
    query = query.where(Bin.warehouse == warehouse) if warehouse else query
    rows: dict[tuple, dict] = {}
    for *key, received_on, units, value in db.session.execute(query):
        bucket = age_bucket(received_on, today)
        row_key = tuple(key) if by != "age" else (bucket,)
        row = rows.setdefault(row_key, _group_row(by, tuple(key), bucket)
                              | {"units": 0, "value_cents": 0} | {f"age {label}": 0 for label, *_ in AGE_BUCKETS})
        row["units"] += int(units)
        row["value_cents"] += int(value or 0)
        row[f"age {bucket}"] += int(units)
    order = [label for label, *_ in AGE_BUCKETS]
    sort = {"item": lambda r: (-r["value_cents"], r["sku"]), "bin": lambda r: (-r["value_cents"], r["bin"]),
            "zone": lambda r: (r["warehouse"], r["zone"]), "age": lambda r: order.index(r["age"])}[by]
    return sorted(rows.values(), key=sort)


def stock_columns(by: str) -> list[Column]:
    keys = {"item": [Column("sku", "SKU", "商品编码"), Column("name", "Item", "货品")],
            "bin": [Column("bin", "Bin", "货位"), Column("zone", "Zone", "库区"),
                    Column("warehouse", "Warehouse", "仓库")],
            "zone": [Column("warehouse", "Warehouse", "仓库"), Column("zone", "Zone", "库区")],
            "age": [Column("age", "Lot age (days)", "库龄（天）")]}[by]
    ages = [] if by == "age" else [Column(f"age {label}", f"Units {label} d", f"{label}天件数", "int")
                                   for label, *_ in AGE_BUCKETS]
    return keys + [Column("units", "Units on hand", "在库件数", "int"),
                   Column("value_cents", "Value ¥", "金额（元）", "money")] + ages


def in_process_stock(warehouse: str | None = None) -> list[dict]:
    """Stock that is not on a storage shelf: picked into totes, packed into parcels, between
    warehouses, waiting in quarantine or the hold area. Every kind is listed, zero or not."""
    query = (select(Bin.kind, func.count(func.distinct(Bin.id)), func.sum(BinStock.qty),
                    func.sum(BinStock.qty * Item.unit_cost_cents))
             .join(Bin, Bin.id == BinStock.bin_id).join(Item, Item.id == BinStock.item_id)
             .where(Bin.kind.not_in(SELLABLE), BinStock.qty > 0).group_by(Bin.kind))
    query = query.where(Bin.warehouse == warehouse) if warehouse else query
    found = {kind: (places, int(units), int(value or 0)) for kind, places, units, value in db.session.execute(query)}
    return [{"kind": kind, "state": f"{en} · {zh}", "places": found.get(kind, (0, 0, 0))[0],
             "units": found.get(kind, (0, 0, 0))[1], "value_cents": found.get(kind, (0, 0, 0))[2]}
            for kind, (en, zh) in IN_PROCESS_KINDS.items()]


IN_PROCESS_COLUMNS = [Column("state", "Where", "状态", "words"),
                      Column("places", "Bins / totes / parcels", "位置数", "int"),
                      Column("units", "Units", "件数", "int"), Column("value_cents", "Value ¥", "金额（元）", "money")]


# --- stock turnover (库存周转率) ---------------------------------------------------------------------

def issue_basis(bounds: tuple[datetime, datetime]) -> str:
    """Units issued are those that left at handover (`ship`). A warehouse that does not ship through
    the system yet (no handover in the period) counts units picked off the shelves (`pick`) instead."""
    shipped = db.session.execute(select(LedgerEntry.id).where(
        LedgerEntry.reason == "ship", LedgerEntry.at >= bounds[0], LedgerEntry.at < bounds[1]).limit(1)).first()
    return "ship" if shipped else "pick"


def _issued(basis: str, bounds: tuple[datetime, datetime]) -> dict[tuple[int, date], int]:
    day = _day_of(LedgerEntry.at)
    rows = db.session.execute(
        select(LedgerEntry.item_id, day, func.sum(LedgerEntry.qty))
        .where(LedgerEntry.reason == basis, LedgerEntry.qty < 0, LedgerEntry.at >= bounds[0],
               LedgerEntry.at < bounds[1]).group_by(LedgerEntry.item_id, day))
    return {(item_id, _as_date(d)): -int(qty) for item_id, d, qty in rows}


def _storage_changes(bounds: tuple[datetime, datetime]) -> tuple[dict[int, int], dict[tuple[int, date], int]]:
    """Storage stock per item before the period, and its net change per item and day within it."""
    in_storage = (LedgerEntry.bin_id == Bin.id, Bin.kind.in_(SELLABLE))
    opening = db.session.execute(select(LedgerEntry.item_id, func.sum(LedgerEntry.qty)).join(Bin, in_storage[0])
                                 .where(in_storage[1], LedgerEntry.at < bounds[0]).group_by(LedgerEntry.item_id))
    day = _day_of(LedgerEntry.at)
    changes = db.session.execute(
        select(LedgerEntry.item_id, day, func.sum(LedgerEntry.qty)).join(Bin, in_storage[0])
        .where(in_storage[1], LedgerEntry.at >= bounds[0], LedgerEntry.at < bounds[1])
        .group_by(LedgerEntry.item_id, day))
    return ({item_id: int(qty) for item_id, qty in opening},
            {(item_id, _as_date(d)): int(qty) for item_id, d, qty in changes})


def daily_closing(opening: int, changes: dict[date, int], days: list[date]) -> list[int]:
    """Closing stock of each day: the opening stock plus every movement up to that day's end."""
    closing, level = [], opening
    for day in days:
        level += changes.get(day, 0)
        closing.append(level)
    return closing


def turnover_figures(issued: int, closing: list[int]) -> dict:
    """turnover = units issued ÷ average daily closing stock; days of supply = how many days the
    average stock lasts at the period's issue rate = average ÷ (issued ÷ days)."""
    days = len(closing)
    average = sum(closing) / days
    turnover = issued / average if average else None
    return {"issued": issued, "opening": closing[0] if closing else 0, "closing": closing[-1] if closing else 0,
            "avg_on_hand": round(average, 2), "turnover": round(turnover, 4) if turnover is not None else None,
            "annualised": round(turnover * 365 / days, 2) if turnover is not None else None,
            "days_of_supply": round(average * days / issued, 1) if issued else None}


def stock_turnover(span: Period) -> dict:
    """Per item: units issued in the period, the average of its daily closing stock on hand (storage
    bins, recomputed from the ledger), turnover and days of supply; totals; and the daily series."""
    bounds, days = span.bounds(), span.dates()
    basis = issue_basis(bounds)
    issued = _issued(basis, bounds)
    opening, changes = _storage_changes(bounds)
    by_item: dict[int, dict[date, int]] = defaultdict(dict)
    for (item_id, day), qty in changes.items():
        by_item[item_id][day] = qty
    item_ids = {i for i, qty in opening.items() if qty} | set(by_item) | {i for i, _ in issued}
    items = {i.id: i for i in db.session.execute(select(Item).where(Item.id.in_(item_ids))).unique().scalars()}
    issued_by_item: dict[int, int] = defaultdict(int)
    issued_by_day: dict[date, int] = defaultdict(int)
    for (item_id, day), qty in issued.items():
        issued_by_item[item_id] += qty
        issued_by_day[day] += qty
    rows, total_closing = [], [0] * len(days)
    for item_id in item_ids:
        closing = daily_closing(opening.get(item_id, 0), by_item[item_id], days)
        total_closing = [a + b for a, b in zip(total_closing, closing, strict=True)]
        item = items[item_id]
        rows.append({"sku": item.sku, "name": f"{item.product.name_en} {item.variant_en} · "
                                              f"{item.product.name_zh} {item.variant_zh}".strip()}
                    | turnover_figures(issued_by_item[item_id], closing))
    rows.sort(key=lambda r: (r["turnover"] is None, -(r["turnover"] or 0), r["sku"]))
    daily_issued = [issued_by_day[day] for day in days]
    return {"period": span, "basis": basis, "rows": rows,
            "totals": turnover_figures(sum(issued.values()), total_closing),
            "daily": [{"date": d.isoformat(), "closing": c, "issued": i}
                      for d, c, i in zip(days, total_closing, daily_issued, strict=True)]}


TURNOVER_COLUMNS = [
    Column("sku", "SKU", "商品编码"), Column("name", "Item", "货品"),
    Column("issued", "Units issued", "出库件数", "int"),
    Column("opening", "First day's closing", "首日日末库存", "int"),
    Column("closing", "Closing stock", "期末库存", "int"),
    Column("avg_on_hand", "Average stock", "平均库存", "number"),
    Column("turnover", "Turnover", "周转率（次）", "number"),
    Column("annualised", "Turnover per year", "年化周转率", "number"),
    Column("days_of_supply", "Days of supply", "可供天数", "number")]


# --- supplier quality over time ---------------------------------------------------------------------

def supplier_quality_by_month(span: Period, supplier: str | None = None) -> list[dict]:
    """Per month and supplier, of the inspections decided in the period: lots, rejected lots, units
    in them, units sampled, defects; defect rate = defects ÷ sampled, sampling rate = sampled ÷ units."""
    month = _month_of(Inspection.decided_at)
    bounds = span.bounds()
    query = (select(month, Supplier.code, func.count(Inspection.id),
                    func.sum(case((Inspection.status == "rejected", 1), else_=0)), func.sum(Inspection.lot_qty),
                    func.sum(Inspection.inspected + Inspection.flagged_inspected),
                    func.sum(Inspection.defects + Inspection.flagged_defects))
             .join(Lot, Lot.id == Inspection.lot_id).join(Supplier, Supplier.id == Lot.supplier_id)
             .where(Inspection.status != "open", Inspection.decided_at >= bounds[0], Inspection.decided_at < bounds[1])
             .group_by(month, Supplier.code).order_by(month, Supplier.code))
    query = query.where(Supplier.code == supplier) if supplier else query
    return [quality_row({"month": m, "supplier": code}, lots, rejected, units, sampled, defects)
            for m, code, lots, rejected, units, sampled, defects in db.session.execute(query)]


def quality_row(key: dict, lots: int, rejected: int, units: int, sampled: int, defects: int) -> dict:
    lots, rejected, units, sampled, defects = (int(v or 0) for v in (lots, rejected, units, sampled, defects))
    return key | {"lots": lots, "rejected": rejected, "lot_units": units, "sampled": sampled, "defects": defects,
                  "defect_rate": _rate(defects, sampled), "sampling_rate": _rate(sampled, units),
                  "rejection_rate": _rate(rejected, lots)}


def quality_by_month_totals(rows: list[dict]) -> list[dict]:
    """All suppliers of the rows together, per month: what the chart draws."""
    months: dict[str, list[int]] = {}
    for r in rows:
        total = months.setdefault(r["month"], [0, 0, 0, 0, 0])
        for n, key in enumerate(("lots", "rejected", "lot_units", "sampled", "defects")):
            total[n] += r[key]
    return [quality_row({"month": m}, *v) for m, v in sorted(months.items())]


QUALITY_COLUMNS = [
    Column("month", "Month", "月份"), Column("supplier", "Supplier", "供应商"), Column("lots", "Lots", "批数", "int"),
    Column("rejected", "Rejected lots", "拒收批数", "int"), Column("lot_units", "Units in lots", "来货件数", "int"),
    Column("sampled", "Units sampled", "抽检件数", "int"), Column("defects", "Defects", "残次件数", "int"),
    Column("defect_rate", "Defect rate", "不合格率", "rate"),
    Column("sampling_rate", "Sampling rate", "抽检比例", "rate"),
    Column("rejection_rate", "Lots rejected", "拒收率", "rate")]


# --- picking productivity ---------------------------------------------------------------------------

PICK_REF = "pick list "  # picking.py writes "pick list N" (picks) and "short pick, pick list N" (counts)


def _last_activity(list_ids: set[int], since: datetime) -> dict[int, datetime]:
    """When each pick list last moved stock: its last pick, or the count of its last short stop."""
    rows = db.session.execute(
        select(LedgerEntry.ref, func.max(LedgerEntry.at))
        .where(LedgerEntry.reason.in_(("pick", "count")), LedgerEntry.ref.contains(PICK_REF), LedgerEntry.at >= since)
        .group_by(LedgerEntry.ref))
    last: dict[int, datetime] = {}
    for ref, at in rows:
        tail = ref.rsplit(PICK_REF, 1)[-1]
        if tail.isdigit() and int(tail) in list_ids:
            last[int(tail)] = max(at, last.get(int(tail), at))
    return last


def _productivity_row(key: dict, lists: int, lines: int, units: int, shorts: int, seconds: float) -> dict:
    hours = seconds / 3600
    return key | {"pick_lists": lists, "lines": lines, "units": units, "short_lines": shorts,
                  "hours": round(hours, 2), "lines_per_hour": round(lines / hours, 1) if hours else None,
                  "units_per_hour": round(units / hours, 1) if hours else None, "short_rate": _rate(shorts, lines)}


def picking_productivity(span: Period, wave: int | None = None) -> dict:
    """Per wave and picker, of the pick lists claimed in the period: lines finished (picked or short),
    units picked, short lines, and picking time = claim → last stock movement of each list. Rates are
    per hour of that time; short-pick rate = short lines ÷ lines finished."""
    bounds = span.bounds()
    finished = PickTask.status != "open"
    query = (select(PickList.id, PickList.wave_id, User.username, PickList.claimed_at,
                    func.sum(case((finished, 1), else_=0)), func.sum(PickTask.picked_qty),
                    func.sum(case((PickTask.status == "short", 1), else_=0)))
             .join(User, User.id == PickList.claimed_by).join(PickTask, PickTask.pick_list_id == PickList.id)
             .where(PickList.claimed_at >= bounds[0], PickList.claimed_at < bounds[1])
             .group_by(PickList.id, PickList.wave_id, User.username, PickList.claimed_at))
    lists = db.session.execute(query.where(PickList.wave_id == wave) if wave else query).all()
    last = _last_activity({row[0] for row in lists}, bounds[0])
    by_key: dict[tuple[int, str], list] = {}
    for list_id, wave_id, picker, claimed_at, lines, units, shorts in lists:
        seconds = max((last[list_id] - claimed_at).total_seconds(), 0) if list_id in last else 0.0
        for key in ((wave_id, picker), (0, picker)):  # wave 0 collects each picker's total
            total = by_key.setdefault(key, [0, 0, 0, 0, 0.0])
            for n, value in enumerate((1, int(lines or 0), int(units or 0), int(shorts or 0), seconds)):
                total[n] += value
    rows = [_productivity_row({"wave": w, "picker": p}, *v) for (w, p), v in sorted(by_key.items()) if w]
    pickers = [_productivity_row({"picker": p}, *v) for (w, p), v in sorted(by_key.items()) if not w]
    return {"period": span, "rows": rows, "pickers": pickers}


_PRODUCTIVITY = [
    Column("pick_lists", "Pick lists", "拣货单数", "int"), Column("lines", "Lines", "行数", "int"),
    Column("units", "Units", "件数", "int"), Column("short_lines", "Short lines", "短拣行数", "int"),
    Column("hours", "Hours", "工时", "number"), Column("lines_per_hour", "Lines / hour", "行/小时", "number"),
    Column("units_per_hour", "Units / hour", "件/小时", "number"),
    Column("short_rate", "Short-pick rate", "短拣率", "rate")]
PRODUCTIVITY_COLUMNS = [Column("wave", "Wave", "波次", "int"), Column("picker", "Picker", "拣货员")] + _PRODUCTIVITY
PICKER_COLUMNS = [Column("picker", "Picker", "拣货员")] + _PRODUCTIVITY


# --- returns ----------------------------------------------------------------------------------------

def shipped_units(span: Period) -> int:
    bounds = span.bounds()
    return -int(db.session.execute(select(func.coalesce(func.sum(LedgerEntry.qty), 0)).where(
        LedgerEntry.reason == "ship", LedgerEntry.at >= bounds[0], LedgerEntry.at < bounds[1])).scalar())


def returns_report(span: Period) -> dict:
    """Returns received in the period, by reason and by item: units, return rate (units returned ÷
    units shipped in the same period) and cost (the returns service's: shipping + handling + write-off)."""
    data = return_cases.return_costs(span.start, span.end)
    shipped = shipped_units(span)
    by_reason = [r | {"return_rate": _rate(r["units"], shipped)} for r in data["by_reason"]]
    by_item = [r | {"name": f"{r['name']['en']} · {r['name']['zh']}"} for r in data["by_item"]]
    totals = data["totals"] | {"units_shipped": shipped, "return_rate": _rate(data["totals"]["units"], shipped)}
    return {"period": span, "by_reason": by_reason, "by_item": by_item, "totals": totals}


_COSTS = [Column("shipping_cents", "Shipping ¥", "运费（元）", "money"),
          Column("handling_cents", "Handling ¥", "处理费（元）", "money"),
          Column("write_off_cents", "Write-off ¥", "报废损失（元）", "money"),
          Column("total_cents", "Total cost ¥", "总成本（元）", "money")]
RETURN_REASON_COLUMNS = [Column("reason", "Reason", "退货原因"), Column("cases", "Cases", "单数", "int"),
                         Column("units", "Units returned", "退回件数", "int"),
                         Column("return_rate", "Return rate", "退货率", "rate")] + _COSTS
RETURN_ITEM_COLUMNS = [Column("sku", "SKU", "商品编码"), Column("name", "Item", "货品"),
                       Column("units_returned", "Units returned", "退回件数", "int"),
                       Column("units_shipped", "Units shipped", "发出件数", "int"),
                       Column("return_rate", "Return rate", "退货率", "rate"),
                       Column("scrapped", "Scrapped", "报废件数", "int"),
                       Column("write_off_cents", "Write-off ¥", "报废损失（元）", "money")]


# --- open exceptions --------------------------------------------------------------------------------

EXCEPTION_KINDS: dict[str, tuple[str, str]] = {
    "short_pick": ("Short picks", "短拣"), "order_on_hold": ("Orders on hold", "暂缓出货订单"),
    "rejected_lot": ("Rejected lots waiting RTV", "拒收待退供应商"),
    "escalated_return": ("Escalated returns", "待主管处理退货"), "low_stock": ("Low-stock alerts", "库存预警"),
    "count_variance": ("Count variances to approve", "盘点差异待审批"),
    "print_waiting": ("Print jobs waiting", "等待中的打印任务"),
    "receipt_not_cleared": ("Today's receipts not cleared", "今日收货未清账")}


def _exception(kind: str, ref: str, detail: str, since: datetime | None) -> dict:
    en, zh = EXCEPTION_KINDS[kind]
    return {"kind": kind, "what": f"{en} · {zh}", "ref": ref, "detail": detail,
            "since": since}


def _short_picks() -> list[dict]:
    rows = db.session.execute(
        select(PickTask.qty, PickTask.pick_list_id, PickList.claimed_at, SalesOrder.number, Item.sku, Bin.code)
        .join(PickList, PickList.id == PickTask.pick_list_id).join(SalesOrder, SalesOrder.id == PickTask.order_id)
        .join(Item, Item.id == PickTask.item_id).join(Bin, Bin.id == PickTask.bin_id)
        .where(PickTask.status == "short", SalesOrder.status.not_in(("shipped", "cancelled"))).order_by(PickTask.id))
    return [_exception("short_pick", number, f"{sku} ×{qty} at {code} (pick list {list_id})", at)
            for qty, list_id, at, number, sku, code in rows]


def _held_orders() -> list[dict]:
    rows = db.session.execute(select(SalesOrder.number, SalesOrder.hold_reason, SalesOrder.held_at)
                              .where(SalesOrder.status == "on_hold").order_by(SalesOrder.held_at))
    return [_exception("order_on_hold", number, reason or "", at) for number, reason, at in rows]


def _rejected_lots() -> list[dict]:
    """Rejected lots whose return to the vendor is not sent yet (awaiting approval, or approved and waiting
    at the dock); sent and cancelled ones are done with."""
    rows = db.session.execute(
        select(Lot.code, Item.sku, Supplier.code, VendorReturn.id, VendorReturn.qty, VendorReturn.reason,
               VendorReturn.created_at)
        .join(Lot, Lot.id == VendorReturn.lot_id).join(Item, Item.id == Lot.item_id)
        .join(Supplier, Supplier.id == VendorReturn.supplier_id).where(Lot.status == "rejected")
        .where(VendorReturn.status.in_(("awaiting_approval", "approved"))).order_by(VendorReturn.id))
    return [_exception("rejected_lot", lot, f"RTV-{rtv:06d} {sku} ×{qty} → {supplier}: {reason}", at)
            for lot, sku, supplier, rtv, qty, reason, at in rows]


def _escalated_returns() -> list[dict]:
    rows = db.session.execute(select(ReturnCase.number, ReturnCase.reason, ReturnCase.note, ReturnCase.opened_at)
                              .where(ReturnCase.escalated.is_(True),
                                     ReturnCase.status.not_in(("done", "cancelled"))).order_by(ReturnCase.id))
    return [_exception("escalated_return", number, f"{reason} {note}".strip(), at) for number, reason, note, at in rows]


def _low_stock() -> list[dict]:
    rows = db.session.execute(
        select(StockAlert.kind, StockAlert.qty, StockAlert.threshold, StockAlert.raised_at, Item.sku, Bin.code)
        .join(Item, Item.id == StockAlert.item_id).outerjoin(Bin, Bin.id == StockAlert.bin_id)
        .where(StockAlert.status == "open").order_by(StockAlert.raised_at))
    return [_exception("low_stock", sku, f"{kind}: {qty} < {threshold}" + (f" at {code}" if code else ""), at)
            for kind, qty, threshold, at, sku, code in rows]


def _count_variances() -> list[dict]:
    rows = db.session.execute(
        select(CountLine.count_id, CountLine.status, CountLine.expected, CountLine.counted, CountLine.recounted,
               CountLine.counted_at, Bin.code, Item.sku)
        .join(Bin, Bin.id == CountLine.bin_id).outerjoin(Item, Item.id == CountLine.item_id)
        .where(CountLine.status.in_(("recount", "recounted"))).order_by(CountLine.id))
    return [_exception("count_variance", f"count {count_id}",
                       f"{code} {sku or ''}: book {expected}, counted {counted}"
                       + (f", recounted {recounted}" if status == "recounted" else " (recount first)"), at)
            for count_id, status, expected, counted, recounted, at, code, sku in rows]


def _waiting_print_jobs() -> list[dict]:
    rows = db.session.execute(select(PrintJob.id, PrintJob.title, PrintJob.reason, PrintJob.updated_at, Printer.code)
                              .join(Printer, Printer.id == PrintJob.printer_id)
                              .where(PrintJob.status == "waiting").order_by(PrintJob.id))
    return [_exception("print_waiting", f"job {job_id}", f"{printer}: {title} — {reason or '?'}", at)
            for job_id, title, reason, at, printer in rows]


def _uncleared_receipts(today: date) -> list[dict]:
    clearing = same_day_clearing(today)
    return ([_exception("receipt_not_cleared", f"receipt {r['receipt']}", f"{r['po']}: count not signed", None)
             for r in clearing["counts_not_signed"]]
            + [_exception("receipt_not_cleared", f"inspection {i['inspection']}", f"{i['lot_qty']} units not decided",
                          None) for i in clearing["lots_not_decided"]]
            + [_exception("receipt_not_cleared", t["lpn"], f"{t['sku']} ×{t['qty']} not put away", None)
               for t in clearing["units_not_put_away"]])


def open_exceptions(today: date | None = None, kind: str | None = None) -> list[dict]:
    """Everything waiting for a supervisor, one row each, grouped by kind."""
    sources = {"short_pick": _short_picks, "order_on_hold": _held_orders, "rejected_lot": _rejected_lots,
               "escalated_return": _escalated_returns, "low_stock": _low_stock,
               "count_variance": _count_variances, "print_waiting": _waiting_print_jobs,
               "receipt_not_cleared": lambda: _uncleared_receipts(today or date.today())}
    return [row for name, source in sources.items() if kind in (None, name) for row in source()]


def exception_counts(rows: list[dict]) -> list[dict]:
    return [{"kind": kind, "what": f"{en} · {zh}", "count": sum(r["kind"] == kind for r in rows)}
            for kind, (en, zh) in EXCEPTION_KINDS.items()]


EXCEPTION_COLUMNS = [Column("what", "Exception", "异常", "words"), Column("ref", "Reference", "单号"),
                     Column("detail", "Detail", "说明"), Column("since", "Since", "发生时间", "time")]


def storage_zones() -> list[str]:
    """The zones of storage bins (a report's zone filter)."""
    return db.session.execute(select(Bin.zone).where(Bin.kind.in_(SELLABLE)).distinct().order_by(Bin.zone)
                              ).scalars().all()


def warehouses() -> list[str]:
    return db.session.execute(select(Bin.warehouse).distinct().order_by(Bin.warehouse)).scalars().all()


def supplier_choices() -> list[tuple[str, str]]:
    """(code, name) of every supplier, by code."""
    return [(code, name) for code, name in
            db.session.execute(select(Supplier.code, Supplier.name).order_by(Supplier.code)).all()]
