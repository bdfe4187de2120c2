"""Cycle counts (盘点): a supervisor schedules bins to count; counters count them blind on the handheld;
a variance within tolerance is booked at once, a larger one is counted again and a supervisor approves
or rejects the recount. The counter never sees what the books expect.

Picks are not frozen while a bin is counted: the book quantity is read at the moment the count is
recorded (it already includes every scanned pick), and units promised to orders but not picked yet
are still in the bin, so they are counted like any other. A shortfall larger than the bin's free
units would take promised units: it is refused (`count_conflict`) so a supervisor looks."""
from __future__ import annotations

import json
from datetime import datetime, timedelta

from sqlalchemy import func, select

from server.domain.places import SELLABLE
from server.db.models import Bin, BinStock, CountLine, CycleCount, Item, LedgerEntry, User, utcnow
from server.domain.barcodes import Decoded
from server.domain.errors import WmsError, Words
from server.extensions import db
from server.services.inventory import control
from server.services.people.auth import Actor
from server.services.catalogue.items import find_bin

UNFINISHED = ("open", "recount", "recounted")
COUNTING = ("open", "recount")  # a counter's work: a first count or a recount


def within_tolerance(variance: int, book: int, units: int, pct: float) -> bool:
    """Books at once unless the variance exceeds both limits (units AND percent of the book)."""
    over_units = abs(variance) > units
    over_pct = abs(variance) * 100 > pct * book if book else variance != 0
    return not (over_units and over_pct)


# --- scheduling ---------------------------------------------------------------------------------

def _busy_bins() -> set[int]:
    """Bins with unfinished lines in an open count: one count at a time per bin."""
    return set(db.session.execute(
        select(CountLine.bin_id).join(CycleCount, CycleCount.id == CountLine.count_id)
        .where(CycleCount.status == "open", CountLine.status.in_(UNFINISHED))).scalars())


def last_counted() -> dict[int, datetime]:
    """When each bin was last counted: its last `count` ledger entry or its last recorded count line."""
    latest: dict[int, datetime] = {}
    for query in (select(LedgerEntry.bin_id, func.max(LedgerEntry.at)).where(LedgerEntry.reason == "count")
                  .group_by(LedgerEntry.bin_id),
                  select(CountLine.bin_id, func.max(CountLine.counted_at)).where(CountLine.counted_at.is_not(None))
                  .group_by(CountLine.bin_id)):
        for bin_id, at in db.session.execute(query):
            if at is not None and (bin_id not in latest or at > latest[bin_id]):
                latest[bin_id] = at
    return latest


def _storage_bins(warehouse: str | None):
    query = select(Bin).where(Bin.kind.in_(SELLABLE), Bin.active.is_(True)).order_by(Bin.code)
    return query.where(Bin.warehouse == warehouse) if warehouse else query


def _days(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise WmsError("bad_request", detail=Words(f"not_counted_days must be a whole number of days, not {value}",
                                                   f"not_counted_days 必须是整数天数，而不是 {value}"))
    return value


def _scope_bins(scope: dict) -> tuple[str, list[Bin], Item | None]:
    """(a label for messages, the bins, the one item counted or None for whole bins)."""
    warehouse = scope.get("warehouse") or None
    if scope.get("zone"):
        zone = str(scope["zone"]).upper()
        bins = db.session.execute(_storage_bins(warehouse).where(Bin.zone == zone)).scalars()
        return f"zone {zone}", list(bins), None
    if scope.get("sku"):
        item = control.find_sku(scope["sku"])
        holding = select(BinStock.bin_id).where(BinStock.item_id == item.id, BinStock.qty > 0)
        bins = db.session.execute(_storage_bins(warehouse).where(Bin.id.in_(holding))).scalars()
        return item.sku, list(bins), item
    if scope.get("bins"):
        return "these bins", [find_bin(str(code).upper()) for code in scope["bins"]], None
    if "not_counted_days" in scope:
        days = _days(scope["not_counted_days"])
        cutoff, seen = utcnow() - timedelta(days=days), last_counted()
        stale = [b for b in db.session.execute(_storage_bins(warehouse)).scalars()
                 if seen.get(b.id) is None or seen[b.id] < cutoff]
        stale.sort(key=lambda b: (seen.get(b.id) or datetime.min, b.code))  # never counted first
        return f"bins not counted for {days} days", stale, None
    raise WmsError("bad_request", detail=Words("say what to count: zone, sku, bins or not_counted_days",
                                               "请指明盘点范围（zone、sku、bins 或 not_counted_days）"))


def schedule(scope: dict, actor: Actor) -> CycleCount:
    """Make a count: one line per bin × item the books show there (and one line for a bin they show
    empty, so it is looked at too). Lines remember nothing the counter could see: the book quantity is
    read when the count is recorded. Bins already in an open count are left out."""
    actor.require("counts.manage")
    label, bins, item = _scope_bins(scope)
    busy = _busy_bins()
    bins = [b for b in bins if b.id not in busy]
    limit = scope.get("limit")
    if isinstance(limit, int) and not isinstance(limit, bool) and limit > 0:
        bins = bins[:limit]
    if not bins:
        raise WmsError("nothing_to_count", scope=label)
    settings = control.settings()
    count = CycleCount(scope_json=json.dumps({k: v for k, v in scope.items() if k != "limit"} |
                                             {"whole_bins": item is None, "label": label}, ensure_ascii=False),
                       tolerance_units=int(settings.get("count_tolerance_units", 0)),
                       tolerance_pct=float(settings.get("count_tolerance_pct", 0.0)), created_by=actor.user_id)
    db.session.add(count)
    db.session.flush()
    for bin_ in bins:
        items = [item.id] if item else list(db.session.execute(
            select(BinStock.item_id).where(BinStock.bin_id == bin_.id).group_by(BinStock.item_id)
            .having(func.sum(BinStock.qty) > 0).order_by(BinStock.item_id)).scalars())
        db.session.add_all(CountLine(count_id=count.id, bin_id=bin_.id, item_id=item_id) for item_id in items or [None])
    db.session.flush()
    return count


def find_count(count_id: object) -> CycleCount:
    count = db.session.get(CycleCount, count_id) if isinstance(count_id, int) else None
    if count is None:
        raise WmsError("unknown_count", count=count_id)
    return count


def cancel(count_id: object, actor: Actor) -> CycleCount:
    """Stop a count: what was booked stays booked, the rest is not counted."""
    actor.require("counts.manage")
    count = find_count(count_id)
    if count.status != "open":
        raise WmsError("count_closed", count=count.id, status=count.status)
    count.status, count.closed_at = "cancelled", utcnow()
    return count


# --- counting (the counter's side: never the book quantity) -------------------------------------

def _whole_bins(count: CycleCount) -> bool:
    return bool(json.loads(count.scope_json or "{}").get("whole_bins", True))


def _in_progress(line: CountLine) -> int | None:
    """The counter of a line counted but not yet recorded (the bin is not closed yet)."""
    if line.status == "open" and line.counted is not None:
        return line.counted_by
    if line.status == "recount" and line.recounted is not None:
        return line.recounted_by
    return None


def _bin_lines(bin_: Bin, actor: Actor) -> list[CountLine]:
    """The bin's lines to count now. Refused when the bin is in no open count, or another counter has
    begun it (two people counting one bin would add up their units)."""
    # The bin's lines are locked for the scan's transaction (PostgreSQL; SQLite serialises writers): two
    # counters (or one on two handhelds) take turns, so the second sees who began the bin, or that it is
    # closed — a variance is booked once. Only the lines: other bins of the count stay free to count.
    lines = list(db.session.execute(
        select(CountLine).join(CycleCount, CycleCount.id == CountLine.count_id)
        .where(CycleCount.status == "open", CountLine.bin_id == bin_.id, CountLine.status.in_(COUNTING))
        .order_by(CountLine.id).with_for_update(of=CountLine)
        .execution_options(populate_existing=True)).scalars())
    if not lines:
        raise WmsError("bin_not_in_count", bin=bin_.code)
    other = next((by for by in map(_in_progress, lines) if by and by != actor.user_id), None)
    if other:
        raise WmsError("count_in_progress", bin=bin_.code, user=db.session.get(User, other).name)
    return lines


def _item_view(item_id: int) -> dict:
    item = db.session.get(Item, item_id)
    return {"sku": item.sku, "name": {"en": item.product.name_en, "zh": item.product.name_zh},
            "variant": {"en": item.variant_en, "zh": item.variant_zh}}


def _to_count(lines: list[CountLine], count: CycleCount) -> list[str]:
    """The SKUs named to the counter: an item count's item, or what a recount is for; a first count of
    whole bins names none (the counter counts whatever is there)."""
    named = [line for line in lines if line.item_id and (line.status == "recount" or not _whole_bins(count))]
    return sorted({db.session.get(Item, line.item_id).sku for line in named})


def counter_view(bin_: Bin, lines: list[CountLine]) -> dict:
    """What the counter's device is told: the bin, what to count, and what *they* counted. Never the
    book quantity, never a variance."""
    count = db.session.get(CycleCount, lines[0].count_id)
    counted = []
    for line in lines:
        qty = line.recounted if line.status in ("recount", "recounted") else line.counted
        if line.item_id and qty is not None and _in_progress(line):
            counted.append(_item_view(line.item_id) | {"qty": qty})
    return {"count": count.id, "bin": bin_.code, "closed": False,
            "round": "recount" if any(line.status in ("recount", "recounted") for line in lines) else "count",
            "items": _to_count(lines, count), "counted": counted}


def open_bin(bin_code: str, actor: Actor) -> dict:
    actor.require("stock.count")
    bin_ = find_bin(bin_code)
    return counter_view(bin_, _bin_lines(bin_, actor))


def _line_for(bin_: Bin, lines: list[CountLine], item: Item) -> CountLine:
    line = next((line for line in lines if line.item_id == item.id), None)
    if line is not None:
        return line
    count = db.session.get(CycleCount, lines[0].count_id)
    counted_already = db.session.execute(select(CountLine.id).where(
        CountLine.count_id == count.id, CountLine.bin_id == bin_.id, CountLine.item_id == item.id)).first()
    if not _whole_bins(count) or counted_already:
        raise WmsError("item_not_in_count", sku=item.sku, bin=bin_.code)
    # An item the books did not show in the bin: it is counted like the rest.
    line = CountLine(count_id=count.id, bin_id=bin_.id, item_id=item.id)
    db.session.add(line)
    db.session.flush()
    lines.append(line)
    return line


def count_item(bin_code: object, decoded: Decoded, qty: int, actor: Actor) -> dict:
    """Add `qty` counted units of the scanned item in the bin (several scans add up until the bin is closed)."""
    actor.require("stock.count")
    if not isinstance(bin_code, str) or not bin_code:
        raise WmsError("bad_request", detail=Words("scan the bin first", "请先扫描货位"))
    bin_ = find_bin(bin_code.upper())
    lines = _bin_lines(bin_, actor)
    item = control.item_for_scan(decoded)
    line = _line_for(bin_, lines, item)
    if line.status == "recount":
        line.recounted, line.recounted_by = (line.recounted or 0) + qty, actor.user_id
    else:
        line.counted, line.counted_by = (line.counted or 0) + qty, actor.user_id
    return counter_view(bin_, lines) | {"scanned": item.sku}


def restart_bin(bin_code: object, actor: Actor) -> dict:
    """Forget what was counted in the bin and not yet recorded (a mistyped quantity): count it again."""
    actor.require("stock.count")
    bin_ = find_bin(str(bin_code or "").upper())
    lines = _bin_lines(bin_, actor)
    for line in lines:
        if line.status == "recount":
            line.recounted = line.recounted_by = None
        else:
            line.counted = line.counted_by = None
    return counter_view(bin_, lines)


def close_bin(bin_code: object, actor: Actor, empty: bool = False, scan_id: str | None = None) -> dict:
    """Record the bin's count: every line of it not counted is zero. A first count's variance within
    tolerance is booked at once; beyond it the line waits for a recount. A recount waits for approval.
    Nothing counted at all must be confirmed as an empty bin."""
    actor.require("stock.count")
    bin_ = find_bin(str(bin_code or "").upper())
    lines = _bin_lines(bin_, actor)
    anything = any(_in_progress(line) for line in lines)
    if not anything and not empty:
        raise WmsError("confirm_bin_empty", bin=bin_.code)
    if anything and empty:
        raise WmsError("bad_request", detail=Words(f"units were counted in bin {bin_.code}: it is not empty",
                                                   f"货位 {bin_.code} 已盘点到货品，不是空货位"))
    count = db.session.get(CycleCount, lines[0].count_id)
    told = counter_view(bin_, lines) | {"closed": True}  # before the outcome: the counter never learns it
    now = utcnow()
    for line in lines:
        if line.status == "recount":
            line.recounted, line.recounted_by = line.recounted or 0, actor.user_id
            line.counted_at, line.status = now, "recounted"
            continue
        book = control.book_qty(bin_.id, line.item_id) if line.item_id else 0
        line.counted, line.counted_by, line.counted_at, line.expected = line.counted or 0, actor.user_id, now, book
        if within_tolerance(line.counted - book, book, count.tolerance_units, count.tolerance_pct):
            _book_variance(line, line.counted - book, actor, scan_id)
            line.status = "counted"
        else:
            line.status = "recount"
    _close_if_done(count)
    return told


def _book_variance(line: CountLine, variance: int, actor: Actor, scan_id: str | None) -> None:
    """Post a count's variance (ledger reason `count`, and an adjustment row naming the line)."""
    line.posted_qty = variance
    if variance == 0:
        return
    bin_, item = db.session.get(Bin, line.bin_id), db.session.get(Item, line.item_id)
    if variance < 0 and control.free_qty(bin_.id, item.id) < -variance:
        raise WmsError("count_conflict", bin=bin_.code)
    moves = control.post(bin_, item, variance, "count", actor, ref=f"count {line.count_id} line {line.id}",
                           scan_id=scan_id)
    db.session.add_all(control.Adjustment(bin_id=bin_.id, item_id=item.id, lot_id=lot_id, qty=units,
                                            reason="count", note=f"count {line.count_id}", count_line_id=line.id,
                                            created_by=actor.user_id) for lot_id, units in moves)


def _close_if_done(count: CycleCount) -> None:
    # The count row is locked before its lines are counted: when the last two bins close at once, the
    # one that takes the lock second sees the other's lines done, so the count is closed, not left open.
    count = db.session.get(CycleCount, count.id, with_for_update={"of": CycleCount}, populate_existing=True)
    left = db.session.execute(select(func.count(CountLine.id)).where(
        CountLine.count_id == count.id, CountLine.status.in_(UNFINISHED))).scalar()
    if not left and count.status == "open":
        count.status, count.closed_at = "closed", utcnow()


# --- the supervisor's decision ------------------------------------------------------------------

def book_at(bin_id: int, item_id: int, when: datetime) -> int:
    """The bin's stock of the item at a past moment, recomputed from the ledger."""
    return int(db.session.execute(select(func.coalesce(func.sum(LedgerEntry.qty), 0)).where(
        LedgerEntry.bin_id == bin_id, LedgerEntry.item_id == item_id, LedgerEntry.at <= when)).scalar())


def recount_variance(line: CountLine) -> int:
    """The recount against the books *when it was recorded*: picks since then are already accounted for."""
    return line.recounted - book_at(line.bin_id, line.item_id, line.counted_at)


def _recounted_line(line_id: object, actor: Actor) -> CountLine:
    actor.require("counts.manage")
    # Locked: two supervisors deciding one line take turns; the second finds it decided (booked once).
    line = db.session.get(CountLine, line_id, with_for_update={"of": CountLine}, populate_existing=True) \
        if isinstance(line_id, int) else None
    if line is None:
        raise WmsError("unknown_count", count=f"line {line_id}")
    if line.status != "recounted":
        raise WmsError("count_line_not_recounted", line=line.id, status=line.status)
    return line


def approve(line_id: object, actor: Actor) -> CountLine:
    """Book the recount's variance (the recount is what the bin held)."""
    line = _recounted_line(line_id, actor)
    _book_variance(line, recount_variance(line), actor, None)
    line.status, line.approved_by = "posted", actor.user_id
    _close_if_done(db.session.get(CycleCount, line.count_id))
    return line


def reject(line_id: object, actor: Actor) -> CountLine:
    """The books stand: nothing is booked for the line."""
    line = _recounted_line(line_id, actor)
    line.status, line.approved_by = "rejected", actor.user_id
    _close_if_done(db.session.get(CycleCount, line.count_id))
    return line


# --- views --------------------------------------------------------------------------------------

def _name(user_id: int | None) -> str | None:
    return db.session.get(User, user_id).username if user_id else None


def line_view(line: CountLine) -> dict:
    """The supervisor's view of a line: expected, counted, recounted and the variance to decide on."""
    recounted = line.status in ("recounted", "posted", "rejected") and line.recounted is not None
    book_then = book_at(line.bin_id, line.item_id, line.counted_at) if recounted and line.item_id else None
    variance = None
    if line.status == "recount":
        variance = line.counted - line.expected
    elif book_then is not None:
        variance = line.recounted - book_then
    elif line.posted_qty is not None:
        variance = line.posted_qty
    item = _item_view(line.item_id) if line.item_id else {"sku": None, "name": None, "variant": None}
    return {"line": line.id, "count": line.count_id, "bin": db.session.get(Bin, line.bin_id).code, **item,
            "status": line.status, "expected": line.expected, "counted": line.counted,
            "counted_by": _name(line.counted_by), "book_at_recount": book_then, "recounted": line.recounted,
            "recounted_by": _name(line.recounted_by), "variance": variance, "posted_qty": line.posted_qty,
            "decided_by": _name(line.approved_by),
            "counted_at": line.counted_at.isoformat() if line.counted_at else None}


def count_view(count: CycleCount, with_lines: bool = True) -> dict:
    lines = list(db.session.execute(select(CountLine).where(CountLine.count_id == count.id)
                                    .order_by(CountLine.bin_id, CountLine.id)).scalars())
    statuses = [line.status for line in lines]
    scope = json.loads(count.scope_json or "{}")
    view = {"count": count.id, "status": count.status, "scope": scope, "label": scope.get("label"),
            "tolerance": {"units": count.tolerance_units, "pct": count.tolerance_pct},
            "created_by": _name(count.created_by), "created_at": count.created_at.isoformat(),
            "closed_at": count.closed_at.isoformat() if count.closed_at else None,
            "progress": {"lines": len(lines), "bins": len({line.bin_id for line in lines}),
                         "to_count": statuses.count("open"), "to_recount": statuses.count("recount"),
                         "to_decide": statuses.count("recounted"),
                         "done": sum(s in ("counted", "posted", "rejected") for s in statuses)}}
    return view | {"lines": [line_view(line) for line in lines]} if with_lines else view


def counts(status: str | None = None, limit: int = 50) -> list[CycleCount]:
    query = select(CycleCount).order_by(CycleCount.id.desc()).limit(limit)
    return list(db.session.execute(query.where(CycleCount.status == status) if status else query).scalars())


def tasks(actor: Actor) -> list[dict]:
    """The counter's list: bins to count or recount, in bin order, with who has begun each. No quantities."""
    actor.require("stock.count")
    rows = db.session.execute(
        select(CountLine, Bin).join(Bin, Bin.id == CountLine.bin_id)
        .join(CycleCount, CycleCount.id == CountLine.count_id)
        .where(CycleCount.status == "open", CountLine.status.in_(COUNTING)).order_by(Bin.code, CountLine.id)).all()
    by_bin: dict[int, tuple[Bin, list[CountLine]]] = {}
    for line, bin_ in rows:
        by_bin.setdefault(bin_.id, (bin_, []))[1].append(line)
    out = []
    for bin_, lines in by_bin.values():
        view = counter_view(bin_, lines)
        begun = next((by for by in map(_in_progress, lines) if by), None)
        out.append({"count": view["count"], "bin": bin_.code, "zone": bin_.zone, "round": view["round"],
                    "items": view["items"], "begun_by": _name(begun), "mine": begun == actor.user_id})
    return out
