"""Customer returns (退货入库): a case opened against a shipped order (or an unknown parcel identified
later), every unit inspected (100 %, the receiving engine's plan for returned goods), each unit given a
disposition, the disposition signed off level by level as config `[returns]` says — and only a complete
chain touches stock. Also the cost of a return and the exchange order it may ask for."""
from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from uuid import uuid4

from flask import current_app
from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError

from server.db.models import (Bin, Item, LedgerEntry, Lot, Parcel, PutawayTask, ReturnCase, ReturnLine,
                              ReturnSignoff, ReturnUnit, SalesOrder, SalesOrderLine, User, utcnow)
from server.domain import roles, sampling
from server.domain.barcodes import Decoded
from server.domain.errors import WmsError, Words
from server.domain.stock import Movement
from server.extensions import db
from server.services.receiving import inspection
from server.services.orders import sales_orders
from server.services import transaction
from server.services.printing import print_jobs
from server.services.receiving import putaway
from server.services.receiving import inbound
from server.services.inventory import stock
from server.services.people.auth import Actor
from server.services.packing.handover import closed_parcel
from server.domain.stock import quantity
from server.services.catalogue.items import find_item, item_by_code

# Returned units waiting for repair or the vendor sit in a staging bin of this zone, one bin per
# disposition; scrapped units pass through theirs on the way out of the books.
STAGING_ZONE = "R"
EDITABLE = ("open", "inspected")  # a case whose chain has started is frozen: the signatures cover it
JUDGEMENT_ZH = {"good": "良品", "damaged": "损坏", "wrong_item": "错货", "missing_parts": "缺件"}
STATUS_ZH = {"open": "检验中", "inspected": "已检验", "signing": "签核中", "done": "完成", "cancelled": "取消"}


def settings() -> dict:
    return current_app.config["WMS"]["returns"]


# --- finding things ---------------------------------------------------------------------------

def find_case(ref: object, lock: bool = False) -> ReturnCase:
    """A case by its id or its number (RMA-000001). `lock`: for a step that changes the case, its row is
    locked for the transaction (PostgreSQL; SQLite serialises writers anyway), so steps on one case take
    turns — two units scanned at once are both counted against what is expected (the second flagged when
    only one was), and no unit slips in while the case is disposed or signed."""
    case = None
    if isinstance(ref, int) and not isinstance(ref, bool):
        query = select(ReturnCase).where(ReturnCase.id == ref)
    elif isinstance(ref, str) and ref.strip():
        query = select(ReturnCase).where(ReturnCase.number == ref.strip().upper())
    else:
        query = None
    if query is not None:
        if lock:
            query = query.with_for_update(of=ReturnCase).execution_options(populate_existing=True)
        case = db.session.execute(query).scalar()
    if case is None:
        raise WmsError("unknown_return", case=ref)
    return case


def shipped_order(code: str) -> SalesOrder | None:
    """The shipped order a label names: one of our parcels' tracking numbers, or the order number."""
    parcel = closed_parcel(code)
    if parcel is not None:
        return db.session.get(SalesOrder, parcel.order_id)
    return db.session.execute(select(SalesOrder).where(SalesOrder.number == code.strip())
                              .order_by(SalesOrder.id.desc())).scalars().first()


def shipped_units(order: SalesOrder) -> Counter:
    """What left in the order's parcels, by item (the ledger's `ship` entries: the truth, not the order)."""
    rows = db.session.execute(
        select(LedgerEntry.item_id, func.sum(LedgerEntry.qty)).join(Parcel, Parcel.bin_id == LedgerEntry.bin_id)
        .where(Parcel.order_id == order.id, LedgerEntry.reason == "ship").group_by(LedgerEntry.item_id))
    return Counter({item: -int(qty) for item, qty in rows if qty})


def _choice(value: object, key: str, error: str, field: str) -> str:
    choices = settings()[key]
    if value not in choices:
        raise WmsError(error, **{field: value, "choices": ", ".join(choices)})
    return str(value)


def _expected_lines(order: SalesOrder, lines: object) -> list[tuple[Item, int]]:
    """The items the customer says come back; none named means the whole shipment."""
    shipped = shipped_units(order)
    if lines in (None, []):
        return [(db.session.get(Item, item_id), qty) for item_id, qty in sorted(shipped.items())]
    if not isinstance(lines, list) or not all(isinstance(line, dict) for line in lines):
        raise WmsError("bad_request", detail=Words("lines must be a list of {sku, qty}",
                                                   "lines 须为 {sku, qty} 的列表"))
    wanted: Counter = Counter()
    items = {}
    for line in lines:
        item = item_by_code(str(line.get("sku") or line.get("barcode") or ""))
        if item is None:
            raise WmsError("not_found", what=f"item {line.get('sku')}")
        qty = quantity(line.get("qty", 1))
        parts = _kit_parts(order, item.id)
        if parts:  # a kit (组合装) comes back as what it shipped as (components, ready-made kits), each inspected
            kits = sum(kit.qty for kit in _kit_lines(order, item.id))
            for part in parts:
                items[part.item_id] = part.item
                wanted[part.item_id] += -(-part.qty * qty // kits)
            continue
        items[item.id] = item
        wanted[item.id] += qty
    for item_id, qty in wanted.items():
        if item_id not in shipped:
            raise WmsError("not_shipped_in_order", sku=items[item_id].sku, order=order.number)
        if qty > shipped[item_id]:
            raise WmsError("over_return", order=order.number, sku=items[item_id].sku, shipped=shipped[item_id],
                           qty=qty)
    return [(items[item_id], qty) for item_id, qty in wanted.items()]


def _kit_lines(order: SalesOrder, kit_item_id: int | None = None) -> list[SalesOrderLine]:
    return [ln for ln in order.lines if ln.kind == "kit" and ln.status == "open"
            and (kit_item_id is None or ln.item_id == kit_item_id)]


def _kit_parts(order: SalesOrder, kit_item_id: int) -> list[SalesOrderLine]:
    """The part lines (ready-made kits or components) of the order's lines of this kit."""
    kit_ids = {ln.id for ln in _kit_lines(order, kit_item_id)}
    return [ln for ln in order.lines if ln.kind == "part" and ln.status == "open" and ln.kit_line_id in kit_ids]


def kit_of_units(order: SalesOrder | None) -> dict[int, Item]:
    """item id → the kit (组合装) the order shipped it in, for items the order had on no plain line: the
    returns desk and handheld name the kit beside each component they judge."""
    if order is None:
        return {}
    plain = {ln.item_id for ln in order.lines if ln.kind == "item" and ln.status == "open"}
    kits = {ln.id: ln.item for ln in _kit_lines(order)}
    return {ln.item_id: kits[ln.kit_line_id] for ln in order.lines
            if ln.kind == "part" and ln.kit_line_id in kits and ln.item_id not in plain}


# --- opening a case ---------------------------------------------------------------------------

def open_case(code: object, reason: object, actor: Actor, *, lines: object = None, unknown_parcel: bool = False,
              shipping_cost_cents: object = None, note: object = "") -> ReturnCase:
    """Open a return from the parcel's label (our tracking number) or the order number. A parcel we
    cannot place is opened as an unknown parcel (its label text kept) and linked to its order later."""
    actor.require("returns.open")
    reason = _choice(reason, "reasons", "unknown_return_reason", "reason")
    if not isinstance(code, str) or not code.strip():
        raise WmsError("empty_code")
    order = shipped_order(code)
    if order is None and not unknown_parcel:
        raise WmsError("return_source_unknown", code=code.strip()[:64])
    if order is not None and order.status != "shipped":
        raise WmsError("bad_order_state", order=order.number, status=order.status, expected="shipped")
    if order is None and lines not in (None, []):
        raise WmsError("bad_request", detail=Words("an unknown parcel has no expected lines until it is linked",
                                                   "未知包裹关联订单之前不能填写预期退回的货品"))
    expected = _expected_lines(order, lines) if order is not None else []
    parcel = closed_parcel(code)
    # The label on an unknown parcel (another carrier's tracking number) is kept to identify it by.
    tracking = parcel.tracking if parcel else None if order is not None else code.strip()[:40]
    case = ReturnCase(number=f"TMP-{uuid4().hex[:16]}", reason=reason, note=str(note or "")[:500],
                      received_on=date.today(), shipping_cost_cents=_cents(shipping_cost_cents),
                      opened_by=actor.user_id, order_id=order.id if order else None, parcel_tracking=tracking,
                      escalated=order is None)
    db.session.add(case)
    db.session.flush()
    case.number = f"RMA-{case.id:06d}"  # numbered by its id: unique without a counter to race for
    _expect(case, expected)
    return case


def _cents(value: object) -> int:
    if value in (None, ""):
        return int(settings()["default_shipping_cost_cents"])
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise WmsError("bad_request", detail=Words("shipping_cost_cents must be a whole number of fen, 0 or more",
                                                   "shipping_cost_cents 须为以分计的整数，不小于 0"))
    return value


def _expect(case: ReturnCase, lines: list[tuple[Item, int]]) -> None:
    for item, qty in lines:
        db.session.add(ReturnLine(return_id=case.id, item_id=item.id, qty=qty))
    db.session.flush()


def link_order(ref: object, code: object, actor: Actor, lines: object = None) -> ReturnCase:
    """An unknown parcel identified: the case now belongs to that shipped order, and its units are
    judged again against what the order shipped (the escalation stays only if something is unexpected)."""
    actor.require("returns.open")
    case = _editable(find_case(ref, lock=True))
    if case.order_id is not None:
        raise WmsError("return_linked", case=case.number, order=db.session.get(SalesOrder, case.order_id).number)
    order = shipped_order(code) if isinstance(code, str) and code.strip() else None
    if order is None:
        raise WmsError("return_source_unknown", code=str(code or "")[:64])
    if order.status != "shipped":
        raise WmsError("bad_order_state", order=order.number, status=order.status, expected="shipped")
    case.order_id = order.id
    _expect(case, _expected_lines(order, lines))
    _reflag(case)
    return case


def _reflag(case: ReturnCase) -> None:
    seen: Counter = Counter()
    expected = expected_by_item(case)
    for unit in units_of(case):
        seen[unit.item_id] += 1
        unit.unexpected = seen[unit.item_id] > expected[unit.item_id]
    case.escalated = case.order_id is None or any(u.unexpected for u in units_of(case))


# --- inspecting every unit --------------------------------------------------------------------

def _editable(case: ReturnCase) -> ReturnCase:
    if case.status not in EDITABLE:
        raise WmsError("return_closed", case=case.number, status=case.status, status_zh=STATUS_ZH[case.status])
    return case


def units_of(case: ReturnCase) -> list[ReturnUnit]:
    return list(db.session.execute(select(ReturnUnit).where(ReturnUnit.return_id == case.id)
                                   .order_by(ReturnUnit.id)).scalars())


def expected_by_item(case: ReturnCase) -> Counter:
    expected: Counter = Counter()
    for line in db.session.execute(select(ReturnLine).where(ReturnLine.return_id == case.id)).scalars():
        expected[line.item_id] += line.qty
    return expected


def inspect_unit(ref: object, decoded: Decoded, judgement: object, actor: Actor,
                 scan_id: str | None = None) -> tuple[ReturnUnit, str | None]:
    """One returned unit scanned and judged. Returns the unit and its flag: `not_expected` (the order
    did not ship it / nothing was expected) or `more_than_expected`; a flag escalates the case."""
    actor.require("returns.inspect")
    case = _editable(find_case(ref, lock=True))
    judgement = _choice(judgement, "judgements", "unknown_judgement", "judgement")
    if not decoded.names_an_item:
        raise WmsError("unknown_barcode", code=decoded.key)
    item = find_item(decoded)
    expected = expected_by_item(case)[item.id]
    seen = sum(1 for u in units_of(case) if u.item_id == item.id)
    flag = "not_expected" if expected == 0 else "more_than_expected" if seen >= expected else None
    unit = ReturnUnit(return_id=case.id, item_id=item.id, lot_id=_lot_for(case, item).id, judgement=judgement,
                      unexpected=flag is not None, inspected_by=actor.user_id, inspected_at=utcnow(),
                      scan_id=scan_id)
    db.session.add(unit)
    case.escalated = case.escalated or flag is not None
    case.status = "open"  # a new unit has no disposition yet
    db.session.flush()
    return unit, flag


def _lot_for(case: ReturnCase, item: Item) -> Lot:
    """The lot the unit left in when the order shipped it (traceability), else the case's own lot."""
    if case.order_id is not None:
        shipped = db.session.execute(
            select(LedgerEntry.lot_id).join(Parcel, Parcel.bin_id == LedgerEntry.bin_id)
            .where(Parcel.order_id == case.order_id, LedgerEntry.item_id == item.id, LedgerEntry.reason == "ship")
            .order_by(LedgerEntry.id.desc()).limit(1)).scalar()
        if shipped is not None:
            return db.session.get(Lot, shipped)
    lot = db.session.execute(select(Lot).where(Lot.item_id == item.id, Lot.code == case.number)).scalar()
    if lot is None:
        lot = Lot(item_id=item.id, code=case.number, received_on=case.received_on, status="available")
        db.session.add(lot)
        db.session.flush()
    return lot


def dispose(ref: object, unit_ids: object, disposition: object, actor: Actor) -> list[ReturnUnit]:
    """Decide what becomes of units (restock, repair, scrap, return to vendor). Only recorded: stock
    moves when the sign-off chain is complete. Once every unit has one, the case is ready to sign."""
    actor.require("returns.inspect")
    case = _editable(find_case(ref, lock=True))
    disposition = _choice(disposition, "dispositions", "unknown_disposition", "disposition")
    if not isinstance(unit_ids, list) or not unit_ids:
        raise WmsError("bad_request", detail=Words("units must be a list of unit ids", "units 须为货品 id 的列表"))
    mine = {u.id: u for u in units_of(case)}
    chosen = []
    for unit_id in unit_ids:
        unit = mine.get(unit_id) if isinstance(unit_id, int) else None
        if unit is None:
            raise WmsError("unit_not_in_return", unit=unit_id, case=case.number)
        if disposition == "restock" and unit.judgement != "good":
            raise WmsError("restock_needs_good", unit=unit.id, judgement=unit.judgement,
                           judgement_zh=JUDGEMENT_ZH.get(unit.judgement, unit.judgement))
        unit.disposition = disposition
        chosen.append(unit)
    if all(u.disposition for u in mine.values()):
        case.status = "inspected"
    db.session.flush()
    return chosen


# --- the sign-off chain -----------------------------------------------------------------------

@dataclass(frozen=True)
class Level:
    level: int
    role: str
    needed: bool
    why: tuple[str, ...]  # the conditions that hold (empty for a level needed only because one above is)


def value_cents(units: list[ReturnUnit]) -> int:
    return sum(db.session.get(Item, u.item_id).unit_cost_cents for u in units)


def chain_levels(chain: list[dict], value: int, dispositions: set[str], unexpected: bool) -> list[Level]:
    """Which levels a case needs. A level with no condition is always needed; one with conditions when
    any holds; and a needed level makes every level below it needed (no level may be skipped)."""
    ordered = sorted(chain, key=lambda c: c["level"])
    reasons = [_conditions_met(c, value, dispositions, unexpected) for c in ordered]
    top = max((k for k, why in enumerate(reasons) if why), default=-1)
    return [Level(c["level"], c["role"], k <= top, tuple(r for r in why if r != "always"))
            for k, (c, why) in enumerate(zip(ordered, reasons, strict=True))]


def _conditions_met(level: dict, value: int, dispositions: set[str], unexpected: bool) -> list[str]:
    conditions = {k: v for k, v in level.items() if k.startswith("when_")}
    if not conditions:
        return ["always"]
    met = []
    if "when_value_at_least_cents" in conditions and value >= conditions["when_value_at_least_cents"]:
        met.append(f"value ≥ {conditions['when_value_at_least_cents'] / 100:.2f}")
    met += [f"disposition {d}" for d in conditions.get("when_dispositions", []) if d in dispositions]
    if conditions.get("when_unexpected_items") and unexpected:
        met.append("unexpected items")
    return met


def levels_of(case: ReturnCase) -> list[Level]:
    units = units_of(case)
    return chain_levels(settings()["chain"], value_cents(units), {u.disposition for u in units if u.disposition},
                        case.escalated or any(u.unexpected for u in units))


def signoffs_of(case: ReturnCase) -> dict[int, ReturnSignoff]:
    return {s.level: s for s in db.session.execute(select(ReturnSignoff).where(ReturnSignoff.return_id == case.id))
            .scalars()}


def sign(ref: object, level: object, actor: Actor, note: object = "", scan_id: str | None = None) -> ReturnCase:
    """Sign one level: the next unsigned one, by a user of its role who signed no other level of this
    case. The last needed signature completes the case (stock moves then, and only then)."""
    actor.require("returns.inspect")
    case = find_case(ref, lock=True)
    if case.status in ("done", "cancelled"):
        raise WmsError("return_closed", case=case.number, status=case.status, status_zh=STATUS_ZH[case.status])
    pending = sum(1 for u in units_of(case) if not u.disposition)
    if case.status == "open" or pending:
        raise WmsError("return_not_ready", case=case.number, pending=pending)
    if isinstance(level, bool) or not isinstance(level, int):
        raise WmsError("bad_request", detail=Words("level must be a whole number", "level 须为整数"))
    _check_signer(case, level, actor)
    try:
        # A savepoint, not a rollback: a scan's transaction may hold other scans' work (group commit).
        with db.session.begin_nested():
            db.session.add(ReturnSignoff(return_id=case.id, level=level, role=actor.role, user_id=actor.user_id,
                                         note=str(note or "")[:200]))
    except IntegrityError:  # another device signed this level (or this user another) a moment ago
        raise WmsError("level_already_signed", case=case.number, level=level, user="another user") from None
    case.status = "signing"
    if all(lv.level in signoffs_of(case) for lv in levels_of(case) if lv.needed):
        complete(case, actor, scan_id)
    return case


def next_level(case: ReturnCase) -> int:
    """The level to sign next: the lowest needed one nobody signed (`return_not_ready` before that)."""
    signed = signoffs_of(case)
    following = next((lv.level for lv in levels_of(case) if lv.needed and lv.level not in signed), None)
    if following is None:
        raise WmsError("return_closed", case=case.number, status=case.status, status_zh=STATUS_ZH[case.status])
    return following


def cancel_case(ref: object, reason: object, actor: Actor) -> ReturnCase:
    """Call a case off before its chain is complete (opened by mistake, the parcel belongs elsewhere): a
    written reason, kept in the note; nothing moved in stock, since stock moves only on completion."""
    actor.require("returns.inspect")
    case = find_case(ref)
    if case.status in ("done", "cancelled"):
        raise WmsError("return_closed", case=case.number, status=case.status, status_zh=STATUS_ZH[case.status])
    if not isinstance(reason, str) or not reason.strip():
        raise WmsError("return_cancel_reason_required", case=case.number)
    case.status, case.closed_at = "cancelled", utcnow()
    case.note = f"{case.note}\n取消 / cancelled: {reason.strip()}".strip()[:500]
    db.session.flush()
    return case


def _check_signer(case: ReturnCase, level: int, actor: Actor) -> None:
    needed = [lv for lv in levels_of(case) if lv.needed]
    this = next((lv for lv in needed if lv.level == level), None)
    if this is None:
        raise WmsError("level_not_needed", case=case.number, level=level,
                       levels=", ".join(str(lv.level) for lv in needed))
    signed = signoffs_of(case)
    if level in signed:
        raise WmsError("level_already_signed", case=case.number, level=level, user=_name(signed[level].user_id))
    missing = next((lv for lv in needed if lv.level < level and lv.level not in signed), None)
    if missing is not None:
        raise WmsError("level_skipped", case=case.number, level=level, missing=missing.level, role=missing.role,
                       role_zh=roles.ROLE_NAMES[missing.role][1])
    mine = next((s for s in signed.values() if s.user_id == actor.user_id), None)
    if mine is not None:
        raise WmsError("signs_once", case=case.number, user=actor.name or actor.username, signed=mine.level,
                       level=level)
    if actor.role != this.role:
        raise WmsError("wrong_signer", level=level, needed=this.role, role=actor.role,
                       needed_zh=roles.ROLE_NAMES[this.role][1], role_zh=roles.ROLE_NAMES[actor.role][1])


def _name(user_id: int | None) -> str:
    user = db.session.get(User, user_id) if user_id else None
    return user.name if user else "?"


# --- completion: the only place a return touches stock ---------------------------------------

def complete(case: ReturnCase, actor: Actor, scan_id: str | None = None) -> list[PutawayTask]:
    """Carry out the signed dispositions. Restocked units get put-away tasks (LPN labels printed) and
    enter stock only when put away, like received goods; repair and return-to-vendor units are booked
    into their staging bin (`return`); scrapped units are booked in and written off (`scrap`)."""
    missing = next((lv for lv in levels_of(case) if lv.needed and lv.level not in signoffs_of(case)), None)
    if missing is not None:
        raise WmsError("chain_incomplete", case=case.number, level=missing.level, role=missing.role,
                       role_zh=roles.ROLE_NAMES[missing.role][1])
    groups: dict[tuple[str, int, int], list[ReturnUnit]] = defaultdict(list)
    for unit in units_of(case):
        groups[(unit.disposition, unit.item_id, unit.lot_id)].append(unit)
    tasks = []
    for (disposition, item_id, lot_id), units in sorted(groups.items()):
        if disposition == "restock":
            tasks.append(_restock(case, db.session.get(Item, item_id), db.session.get(Lot, lot_id), units, actor))
        else:
            _stage(case, disposition, item_id, lot_id, units, actor, scan_id)
    case.status, case.closed_at = "done", utcnow()
    db.session.flush()
    return tasks


def _restock(case: ReturnCase, item: Item, lot: Lot, units: list[ReturnUnit], actor: Actor) -> PutawayTask:
    zone = putaway.home_zone(item)
    task = PutawayTask(lot_id=lot.id, item_id=item.id, qty=len(units), zone=zone,
                       suggested_bin_id=putaway.suggest_bin(item.id, zone, len(units)))
    db.session.add(task)
    db.session.flush()
    for unit in units:
        unit.putaway_task_id = task.id
    print_jobs.print_code_label(
        inbound.settings()["label_printer"], "lpn", putaway.lpn_code(task),
        f"RETURN {case.number}: {item.sku} lot {lot.code} qty {task.qty} -> zone {zone}",
        f"退货 {case.number}：{item.product.name_zh} 批次 {lot.code} 数量 {task.qty} 上架库区 {zone}", actor)
    return task


def _stage(case: ReturnCase, disposition: str, item_id: int, lot_id: int, units: list[ReturnUnit], actor: Actor,
           scan_id: str | None) -> None:
    place = staging_bin(disposition)
    stock.move(Movement(place.id, item_id, lot_id, len(units), "return"), actor, case.number, scan_id)
    if disposition == "scrap":
        stock.move(Movement(place.id, item_id, lot_id, -len(units), "scrap"), actor, case.number, scan_id)
    for unit in units:
        unit.bin_id = place.id


def staging_bin(disposition: str) -> Bin:
    code = f"RET-{disposition.upper()}"
    # Made by the first case completed with the disposition: two at once (two processes) make it once.
    return transaction.found_or_added(
        lambda: db.session.execute(select(Bin).where(Bin.code == code)).scalar(),
        lambda: Bin(code=code, zone=STAGING_ZONE, aisle="", bay="", level="", x=0.0, y=0.0, kind="returns"))


# --- exchanges --------------------------------------------------------------------------------

def request_exchange(ref: object, actor: Actor, lines: object = None) -> SalesOrder:
    """An exchange (换货) order for the replacement items (by default what the customer sends back),
    to the same customer; it ships only against its printed exchange notice (see handover)."""
    actor.require("orders.manage")
    case = find_case(ref, lock=True)
    if case.status == "cancelled":
        raise WmsError("return_closed", case=case.number, status=case.status, status_zh=STATUS_ZH[case.status])
    if case.order_id is None:
        raise WmsError("return_needs_order", case=case.number)
    if case.exchange_order_id is not None:
        raise WmsError("exchange_exists", case=case.number,
                       order=db.session.get(SalesOrder, case.exchange_order_id).number)
    original = db.session.get(SalesOrder, case.order_id)
    wanted = _replacement_lines(case, lines)
    order = sales_orders.create_order(
        original.channel, f"{case.number}-EX", wanted, actor, customer_name=original.customer_name,
        phone=original.phone, address=original.address, carrier=original.carrier,
        paid_at=original.paid_at or utcnow(), exchange_of=original.number,
        exchange_reason=f"{case.reason} ({case.number})")
    case.exchange_order_id = order.id
    db.session.flush()
    return order


def _replacement_lines(case: ReturnCase, lines: object) -> list[sales_orders.NewLine]:
    if lines in (None, []):
        wanted = [sales_orders.NewLine(db.session.get(Item, item_id).sku, qty)
                  for item_id, qty in sorted(expected_by_item(case).items())]
    elif isinstance(lines, list) and all(isinstance(line, dict) for line in lines):
        wanted = [sales_orders.NewLine(str(line.get("sku") or ""), quantity(line.get("qty", 1)))
                  for line in lines]
    else:
        raise WmsError("bad_request", detail=Words("lines must be a list of {sku, qty}",
                                                   "lines 须为 {sku, qty} 的列表"))
    if not wanted:
        raise WmsError("bad_request", detail=Words("name the replacement items", "请指明换货的货品"))
    return wanted


# --- cost -------------------------------------------------------------------------------------

def cost(case: ReturnCase) -> dict[str, int]:
    """shipping + handling (first to last inspection scan, at the hourly rate) + write-off of scrapped
    units at their unit cost; in fen (分)."""
    units = units_of(case)
    handling = 0
    if units:
        seconds = (max(u.inspected_at for u in units) - min(u.inspected_at for u in units)).total_seconds()
        handling = round(seconds * settings()["handling_rate_cents_per_hour"] / 3600)
    write_off = value_cents([u for u in units if u.disposition == "scrap"])
    return {"shipping_cents": case.shipping_cost_cents, "handling_cents": handling, "write_off_cents": write_off,
            "total_cents": case.shipping_cost_cents + handling + write_off}


def return_costs(since: date | None = None, until: date | None = None) -> dict[str, Any]:
    """The reports page's numbers for returns received in [since, until] (dates inclusive, either
    open): totals, and per reason and per item the units, costs and the return rate (units returned
    ÷ units shipped in the same period, from the ledger). Cancelled cases do not count."""
    query = select(ReturnCase).where(ReturnCase.status != "cancelled")
    if since:
        query = query.where(ReturnCase.received_on >= since)
    if until:
        query = query.where(ReturnCase.received_on <= until)
    cases = list(db.session.execute(query.order_by(ReturnCase.id)).scalars())
    by_reason: dict[str, dict] = {}
    by_item: dict[int, dict] = {}
    totals = _zero_costs() | {"cases": 0, "units": 0}
    for case in cases:
        costs, units = cost(case), units_of(case)
        reason = by_reason.setdefault(case.reason, _zero_costs() | {"reason": case.reason, "cases": 0, "units": 0})
        for row in (reason, totals):
            row["cases"] += 1
            row["units"] += len(units)
            for key, value in costs.items():
                row[key] += value
        for unit in units:
            row = by_item.setdefault(unit.item_id, {"units_returned": 0, "scrapped": 0, "write_off_cents": 0,
                                                    "by_judgement": Counter()})
            row["units_returned"] += 1
            row["by_judgement"][unit.judgement] += 1
            if unit.disposition == "scrap":
                row["scrapped"] += 1
                row["write_off_cents"] += db.session.get(Item, unit.item_id).unit_cost_cents
    shipped = _shipped_by_item(since, until)
    for row in by_reason.values():
        row["share_of_cases"] = round(row["cases"] / len(cases), 4)
    return {"since": since.isoformat() if since else None, "until": until.isoformat() if until else None,
            "totals": totals, "by_reason": sorted(by_reason.values(), key=lambda r: -r["total_cents"]),
            "by_item": [_item_row(item_id, row, shipped.get(item_id, 0)) for item_id, row in
                        sorted(by_item.items(), key=lambda kv: -kv[1]["units_returned"])]}


def _zero_costs() -> dict[str, int]:
    return {"shipping_cents": 0, "handling_cents": 0, "write_off_cents": 0, "total_cents": 0}


def _item_row(item_id: int, row: dict, shipped: int) -> dict:
    item = db.session.get(Item, item_id)
    return {"sku": item.sku, "name": {"en": item.product.name_en, "zh": item.product.name_zh},
            "units_returned": row["units_returned"], "units_shipped": shipped,
            "return_rate": round(row["units_returned"] / shipped, 4) if shipped else None,
            "by_judgement": dict(row["by_judgement"]), "scrapped": row["scrapped"],
            "write_off_cents": row["write_off_cents"]}


def _shipped_by_item(since: date | None, until: date | None) -> dict[int, int]:
    query = select(LedgerEntry.item_id, func.sum(LedgerEntry.qty)).where(LedgerEntry.reason == "ship")
    if since:
        query = query.where(LedgerEntry.at >= datetime.combine(since, datetime.min.time()))
    if until:
        query = query.where(LedgerEntry.at < datetime.combine(until, datetime.max.time()))
    return {item: -int(qty) for item, qty in db.session.execute(query.group_by(LedgerEntry.item_id)) if qty}


# --- views ------------------------------------------------------------------------------------

def plan_view(case: ReturnCase, units: list[ReturnUnit]) -> dict | None:
    """The receiving engine's plan for returned goods (the seed rule's 100 %) over the units expected,
    with how many of them are still to inspect. An unknown parcel has no plan: every unit that is in it
    is inspected."""
    expected = sum(expected_by_item(case).values())
    if expected == 0:
        return None
    rules = inspection.seed_policy()
    plan = sampling.seed_plan(expected, rules.returned_rate, rules)
    inspected = min(plan.first_sample, sum(1 for u in units if not u.unexpected))
    step = sampling.next_step(plan, inspected, 0)  # returns are judged unit by unit: no lot is rejected
    return plan.as_dict() | {"returned": True, "inspected": inspected, "remaining": step.remaining}


def unit_view(unit: ReturnUnit, flag: str | None = None) -> dict:
    item = db.session.get(Item, unit.item_id)
    lot = db.session.get(Lot, unit.lot_id) if unit.lot_id else None
    place = db.session.get(Bin, unit.bin_id) if unit.bin_id else None
    task = db.session.get(PutawayTask, unit.putaway_task_id) if unit.putaway_task_id else None
    view = {"id": unit.id, "sku": item.sku, "name": {"en": item.product.name_en, "zh": item.product.name_zh},
            "variant": {"en": item.variant_en, "zh": item.variant_zh}, "lot": lot.code if lot else None,
            "judgement": unit.judgement, "unexpected": unit.unexpected, "disposition": unit.disposition,
            "unit_cost_cents": item.unit_cost_cents, "bin": place.code if place else None,
            "putaway": putaway.task_view(task) if task else None, "inspected_by": _name(unit.inspected_by),
            "inspected_at": unit.inspected_at.isoformat() + "Z"}
    return view | ({"flag": flag} if flag else {})


def chain_view(case: ReturnCase) -> dict:
    signed = signoffs_of(case)
    levels = []
    for lv in levels_of(case):
        signoff = signed.get(lv.level)
        role_en, role_zh = roles.ROLE_NAMES[lv.role]
        levels.append({"level": lv.level, "role": lv.role, "role_name": {"en": role_en, "zh": role_zh},
                       "needed": lv.needed, "why": list(lv.why),
                       "signed_by": _name(signoff.user_id) if signoff else None,
                       "signed_at": signoff.signed_at.isoformat() + "Z" if signoff else None})
    following = next((lv for lv in levels if lv["needed"] and lv["signed_by"] is None), None)
    return {"levels": levels, "next": {"level": following["level"], "role": following["role"]} if following else None,
            "complete": following is None and bool(signed)}


def summary(case: ReturnCase) -> dict:
    order = db.session.get(SalesOrder, case.order_id) if case.order_id else None
    units = units_of(case)
    return {"number": case.number, "status": case.status, "reason": case.reason, "escalated": case.escalated,
            "order": order.number if order else None, "parcel_tracking": case.parcel_tracking,
            "received_on": case.received_on.isoformat(), "unit_count": len(units), "value_cents": value_cents(units),
            "cost": cost(case), "opened_by": _name(case.opened_by), "opened_at": case.opened_at.isoformat() + "Z",
            "closed_at": case.closed_at.isoformat() + "Z" if case.closed_at else None}


def case_view(case: ReturnCase) -> dict:
    units = units_of(case)
    received = Counter(u.item_id for u in units)
    expected = expected_by_item(case)
    exchange = db.session.get(SalesOrder, case.exchange_order_id) if case.exchange_order_id else None
    kit_of = kit_of_units(db.session.get(SalesOrder, case.order_id) if case.order_id else None)
    lines = []
    for item_id in sorted(set(expected) | set(received)):
        item, kit = db.session.get(Item, item_id), kit_of.get(item_id)
        lines.append({"sku": item.sku, "name": {"en": item.product.name_en, "zh": item.product.name_zh},
                      "expected": expected[item_id], "received": received[item_id],
                      "kit": {"sku": kit.sku, "name": {"en": kit.product.name_en, "zh": kit.product.name_zh}}
                      if kit else None})
    return summary(case) | {
        "note": case.note, "lines": lines, "units": [unit_view(u) for u in units],
        "plan": plan_view(case, units), "chain": chain_view(case),
        "exchange": {"order": exchange.number, "status": exchange.status} if exchange else None}


def list_cases(status: str | None = None, escalated: bool | None = None, limit: int = 200) -> list[ReturnCase]:
    query = select(ReturnCase).order_by(ReturnCase.id.desc()).limit(limit)
    if status:
        query = query.where(ReturnCase.status == status)
    if escalated is not None:
        query = query.where(ReturnCase.escalated.is_(escalated))
    return list(db.session.execute(query).scalars())


def search_cases(q: str = "", status: str | None = None, escalated: bool | None = None, page: int = 1,
                 per_page: int = 25) -> tuple[list[ReturnCase], int]:
    """The returns desk's list, newest first: `q` finds a case number, a parcel's tracking number (ours, or
    the label of an unknown parcel) or an order number; with the total for paging."""
    query = select(ReturnCase).outerjoin(SalesOrder, SalesOrder.id == ReturnCase.order_id)
    if status:
        query = query.where(ReturnCase.status == status)
    if escalated is not None:
        query = query.where(ReturnCase.escalated.is_(escalated))
    q = (q or "").strip()
    if q:
        like = f"%{q}%"
        query = query.where(or_(ReturnCase.number.ilike(like), ReturnCase.parcel_tracking.ilike(like),
                                SalesOrder.number.ilike(like)))
    total = db.session.execute(select(func.count()).select_from(query.subquery())).scalar()
    cases = db.session.execute(query.order_by(ReturnCase.id.desc()).limit(per_page)
                               .offset((max(page, 1) - 1) * per_page)).scalars()
    return list(cases), int(total)


def settings_view() -> dict:
    config = settings()
    return {key: config[key] for key in ("reasons", "judgements", "dispositions", "default_shipping_cost_cents",
                                         "handling_rate_cents_per_hour", "chain")}
