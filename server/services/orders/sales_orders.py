"""Sales orders: arrive from channels, are reviewed (wrong orders stop here with a reason), released
once stock is there (shortages reported with the choices wait / substitute / cancel line), and
allocated FIFO/FEFO with reservations so no two orders are promised the same units."""
from __future__ import annotations

import json
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from flask import current_app
from sqlalchemy import func, select, update

from server import local_time
from server.domain.places import SELLABLE
from server.db.models import Bin, BinStock, Item, Lot, Reservation, SalesOrder, SalesOrderLine, utcnow
from server.domain.allocation import StockPlace, allocate, uses_fefo
from server.domain import kits as kit_rules
from server.domain import order_numbers
from server.domain.errors import WmsError, Words
from server.extensions import db
from server.services.people.auth import Actor
from server.domain.errors import ImportRejected
from server.domain.stock import quantity
from server.services.catalogue import kits as kit_catalogue
from server.services.catalogue.items import item_by_code
from server.services.inventory import shelf_life

OPEN_DEMAND = ("released",)  # released but not yet allocated: their units are spoken for


@dataclass(frozen=True)
class NewLine:
    sku: str
    qty: int


def create_order(channel: str, number: str, lines: list[NewLine], actor: Actor, *, customer_name: str = "",
                 phone: str = "", address: str = "", carrier: str = "", paid_at: datetime | None = None,
                 priority: int = 0, cut_off: datetime | None = None, buyer_note: str = "",
                 marketplace_status: str | None = None, exchange_of: object = None,
                 exchange_reason: object = None) -> SalesOrder:
    """Store an order as the channel sent it and review it at once. An order naming `exchange_of` is an
    exchange (换货): its replacement ships with the exchange notice. Does not commit."""
    actor.require("orders.manage")
    order_numbers.check(number)
    if not lines:
        raise WmsError("bad_request", detail=Words(f"order {number} has no lines", f"订单 {number} 没有订单行"))
    if db.session.execute(select(SalesOrder.id).where(SalesOrder.channel == channel,
                                                      SalesOrder.number == number)).scalar():
        raise WmsError("duplicate_order", order=number, channel=channel)
    order = SalesOrder(channel=channel, number=number, customer_name=customer_name, phone=phone,
                       address=address.strip(), carrier=carrier, paid_at=paid_at, priority=priority,
                       cut_off=cut_off, buyer_note=buyer_note[:500])
    if exchange_of:
        order.kind, order.exchange_of = "exchange", str(exchange_of)[:64]
        order.exchange_reason = str(exchange_reason or "")[:200] or None
    kit_ids = set(kit_catalogue.recipes())
    for n, line in enumerate(lines, start=1):
        item = item_by_code(line.sku)
        order.lines.append(SalesOrderLine(line_no=n, sku_text=line.sku, item_id=item.id if item else None,
                                          item=item, qty=quantity(line.qty), status="open",
                                          kind="kit" if item is not None and item.id in kit_ids else "item"))
    db.session.add(order)
    if marketplace_status == "closed":
        order.status = "cancelled"
        order.review_json = json.dumps([WmsError("order_closed", order=number).as_dict()], ensure_ascii=False)
    else:
        review(order)
    db.session.flush()
    return order


def review(order: SalesOrder) -> list[dict]:
    """What stops an order before it may ship: unpaid, no address, unknown SKUs (wrong orders are
    corrected before they ship)."""
    reasons = review_reasons(order.number, order.paid_at, order.address,
                             [(ln.line_no, ln.sku_text, ln.item_id) for ln in order.lines if ln.status == "open"])
    order.review_json = json.dumps(reasons, ensure_ascii=False)
    return reasons


def review_reasons(number: str, paid_at: datetime | None, address: str,
                   open_lines: list[tuple[int, str, int | None]]) -> list[dict]:
    """review's reasons from plain values (the background import writes orders without the ORM).
    open_lines: (line_no, sku as sent, item id or None)."""
    problems = []
    if paid_at is None:
        problems.append(WmsError("unpaid", order=number))
    if not address:
        problems.append(WmsError("missing_address", order=number))
    for line_no, sku_text, item_id in open_lines:
        if item_id is None:
            problems.append(WmsError("unknown_sku", order=number, line=line_no, sku=sku_text))
    return [p.as_dict() for p in problems]


def find_order(number: str, channel: str | None = None) -> SalesOrder:
    """The order of this number (unique per channel). A number two channels share must name its channel:
    `order_number_ambiguous`, never whichever comes first."""
    query = select(SalesOrder).where(SalesOrder.number == number)
    if channel:
        query = query.where(SalesOrder.channel == channel)
    found = db.session.execute(query.limit(2)).scalars().all()
    if not found:
        raise WmsError("not_found", what=f"order {number}")
    if len(found) > 1:
        channels = sorted(o.channel for o in db.session.execute(
            select(SalesOrder).where(SalesOrder.number == number)).scalars())
        raise WmsError("order_number_ambiguous", order=number, channels=", ".join(channels))
    return found[0]


def _item_not_blocked(item_id: int):
    """A blocked (frozen) item has no stock to offer: its bins and lots stay as they are until unblocked."""
    return select(Item.id).where(Item.id == item_id, Item.block_reason.is_(None)).exists()


def _shippable_lot():
    """Lots with no expiry, or expiring after the ship cutoff (today + [shelf_life] ship_margin_days)."""
    return Lot.expiry.is_(None) | (Lot.expiry > shelf_life.cutoff())


def free_stock(item_id: int) -> int:
    """Units of an item in storage bins, available lots, not reserved, less what released orders
    (not yet allocated) already claim."""
    on_shelves = db.session.execute(
        select(func.coalesce(func.sum(BinStock.qty - BinStock.reserved_qty), 0))
        .join(Bin, Bin.id == BinStock.bin_id).join(Lot, Lot.id == BinStock.lot_id)
        .where(BinStock.item_id == item_id, Bin.kind.in_(SELLABLE), Bin.blocked.is_(False),
               Lot.status == "available", Lot.block_reason.is_(None), _shippable_lot(),
               _item_not_blocked(item_id))).scalar()
    claimed = db.session.execute(
        select(func.coalesce(func.sum(SalesOrderLine.qty), 0)).join(SalesOrder)
        .where(SalesOrderLine.item_id == item_id, SalesOrderLine.status == "open",
               SalesOrderLine.kind != "kit",  # a kit line's demand is in its parts
               SalesOrder.status.in_(OPEN_DEMAND))).scalar()
    return int(on_shelves) - int(claimed)


def release(number: str, actor: Actor, channel: str | None = None) -> SalesOrder:
    """Check stock, then release: the order may now be picked. A shortage stops it, with the lines
    short and how many are missing, until someone waits, substitutes or cancels the line."""
    actor.require("orders.manage")
    order = find_order(number, channel)
    if order.status != "pending_review":
        raise WmsError("bad_order_state", order=number, status=order.status, expected="pending_review")
    reasons = review(order)
    if reasons:
        db.session.commit()
        codes = ", ".join(r["code"] for r in reasons)
        raise WmsError("order_stopped", order=number, reasons=codes, reasons_zh=codes)
    parts = demand_of_kits(order)
    needed: dict[int, int] = defaultdict(int)
    for line in order.lines:
        if line.status == "open" and line.kind != "kit":
            needed[line.item_id] += line.qty
    for _, demand in parts:
        for item_id, qty in demand.items():
            needed[item_id] += qty
    free = {item_id: free_stock(item_id) for item_id in needed}
    short = {item_id: qty - free[item_id] for item_id, qty in needed.items() if free[item_id] < qty}
    if short:
        skus = {i.id: i.sku for i in db.session.execute(select(Item).where(Item.id.in_(short))).unique().scalars()}
        lines = ", ".join(f"{skus[i]} short {n}" for i, n in short.items())
        lines_zh = "，".join(f"{skus[i]} 缺 {n} 件" for i, n in short.items())
        error = WmsError("shortage", order=number, lines=lines, lines_zh=lines_zh)
        order.review_json = json.dumps([error.as_dict() | {
            "short": [{"sku": skus[i], "missing": n} for i, n in short.items()],
            "choices": ["wait", "substitute", "cancel_line"]}], ensure_ascii=False)
        db.session.commit()
        raise error
    write_parts(order, parts)
    order.status, order.released_by, order.released_at = "released", actor.user_id, utcnow()
    db.session.commit()
    return order


def ready_made_first() -> bool:
    """config [kits] ready_made_first: allocation takes ready-made kits first, then components (else the
    reverse: components while they last, then ready-made kits)."""
    return bool(current_app.config["WMS"].get("kits", {}).get("ready_made_first", True))


def made_of(recipes: dict, kit_id: int) -> set[int]:
    """The kit and everything it is made of, nested kits included."""
    wanted, stack = {kit_id}, [kit_id]
    while stack:
        for component, _ in recipes.get(stack.pop(), ()):
            if component not in wanted:
                wanted.add(component)
                stack.append(component)
    return wanted


def demand_of_kits(order: SalesOrder) -> list[tuple[SalesOrderLine, Counter]]:
    """Each open kit line (not yet expanded) with its demand by item: ready-made kits and components, nested
    kits expanded. The order's lines share one view of free stock — plain lines take theirs first, then kits
    in line order — so two lines never count the same units."""
    kit_lines = [ln for ln in order.lines if ln.status == "open" and ln.kind == "kit"
                 and not any(p.kit_line_id == ln.id for p in order.lines)]
    if not kit_lines:
        return []
    recipes = kit_catalogue.recipes()
    involved = {ln.item_id for ln in order.lines if ln.status == "open" and ln.kind != "kit"}
    for line in kit_lines:
        involved |= made_of(recipes, line.item_id)
    free = {item_id: free_stock(item_id) for item_id in involved}
    for line in order.lines:
        if line.status == "open" and line.kind not in ("kit", "part"):
            free[line.item_id] -= line.qty
    first = ready_made_first()
    return [(line, kit_rules.demand(line.item_id, line.qty, recipes, free, first)) for line in kit_lines]


def write_parts(order: SalesOrder, parts: list[tuple[SalesOrderLine, Counter]]) -> None:
    """A kit line's demand as its `part` lines, numbered after the order's last line."""
    line_no = max((ln.line_no for ln in order.lines), default=0)
    items = {i.id: i for i in db.session.execute(
        select(Item).where(Item.id.in_({i for _, d in parts for i in d}))).unique().scalars()}
    for kit_line, demand in parts:
        for item_id, qty in demand.items():
            if qty <= 0:
                continue
            line_no += 1
            order.lines.append(SalesOrderLine(line_no=line_no, sku_text=items[item_id].sku, item_id=item_id,
                                              item=items[item_id], qty=qty, status="open", kind="part",
                                              kit_line_id=kit_line.id))


def resolve_line(number: str, line_no: int, choice: str, actor: Actor, substitute: str | None = None) -> SalesOrder:
    """A supervisor's answer to a stopped line: substitute another SKU, or cancel the line
    (waiting needs nothing: release again once stock has arrived)."""
    actor.require("orders.manage")
    order = find_order(number)
    if order.status != "pending_review":
        raise WmsError("bad_order_state", order=number, status=order.status, expected="pending_review")
    line = next((ln for ln in order.lines if ln.line_no == line_no), None)
    if line is None:
        raise WmsError("not_found", what=f"order line {number}/{line_no}")
    if choice == "cancel_line":
        line.status = "cancelled"
        for part in order.lines:
            if part.kit_line_id == line.id:
                part.status = "cancelled"  # the kit's demand goes with it
    elif choice == "substitute":
        item = item_by_code(substitute or "")
        if item is None:
            raise WmsError("not_found", what=f"item {substitute}")
        line.item_id, line.item = item.id, item
        line.kind = "kit" if kit_catalogue.is_kit(item.id) else "item"  # a kit substituted, or substituted by one
    elif choice != "wait":
        raise WmsError("bad_request", detail=Words("choice must be wait, substitute or cancel_line",
                                                   "choice 须为 wait、substitute 或 cancel_line"))
    if all(ln.status == "cancelled" for ln in order.lines):
        order.status = "cancelled"
    review(order)
    db.session.commit()
    return order


def correct_order(number: str, changes: dict, actor: Actor) -> SalesOrder:
    """Correct a wrong order before it ships (address, phone, recipient, carrier, paid time), then
    review it again. Lines are corrected with resolve_line (substitute / cancel)."""
    actor.require("orders.manage")
    order = find_order(number)
    if order.status != "pending_review":
        raise WmsError("bad_order_state", order=number, status=order.status, expected="pending_review")
    for field in ("address", "phone", "customer_name", "carrier"):
        if field in changes:
            setattr(order, field, str(changes[field] or "").strip()[:500])
    if "paid_at" in changes:
        try:
            order.paid_at = datetime.fromisoformat(changes["paid_at"]) if changes["paid_at"] else None
        except (TypeError, ValueError):
            raise WmsError("bad_request", detail=Words(f"bad time {changes['paid_at']}",
                                                       f"时间 {changes['paid_at']} 格式错误")) from None
    review(order)
    db.session.commit()
    return order


def stock_places(item_id: int) -> list[StockPlace]:
    rows = db.session.execute(
        select(BinStock.bin_id, Bin.code, BinStock.lot_id, BinStock.qty - BinStock.reserved_qty, Lot.received_on,
               Lot.expiry)
        .join(Bin, Bin.id == BinStock.bin_id).join(Lot, Lot.id == BinStock.lot_id)
        .where(BinStock.item_id == item_id, BinStock.qty > BinStock.reserved_qty, Bin.kind.in_(SELLABLE),
               Bin.blocked.is_(False), Lot.status == "available", Lot.block_reason.is_(None),
               _shippable_lot(),  # an expired lot: never, even the oldest
               _item_not_blocked(item_id))).all()
    return [StockPlace(bin=b, lot=lot, available=int(free), received_on=received, expiry=expiry, bin_code=code)
            for b, code, lot, free, received, expiry in rows]


def reserve(line: SalesOrderLine, qty: int) -> tuple[list[Reservation], int]:
    """Promise `qty` units of the line's item, FIFO/FEFO. Each promise is a conditional UPDATE on
    the bin, so a concurrent allocation that took the units first makes us look again, never
    promise them twice. Returns the reservations and the units that could not be covered."""
    reservations: list[Reservation] = []
    remaining = qty
    for _ in range(10):  # a lost race re-reads the stock; ten rounds is far more than contention needs
        if remaining == 0:
            break
        places = stock_places(line.item_id)
        plan = allocate(remaining, places, fefo=uses_fefo(places))
        if not plan.picks:
            break
        for place, take in plan.picks:
            promised = db.session.execute(
                update(BinStock).where(BinStock.bin_id == place.bin, BinStock.item_id == line.item_id,
                                       BinStock.lot_id == place.lot, BinStock.qty - BinStock.reserved_qty >= take)
                .values(reserved_qty=BinStock.reserved_qty + take).execution_options(synchronize_session=False))
            if promised.rowcount == 1:
                reservations.append(Reservation(order_line_id=line.id, bin_id=place.bin, item_id=line.item_id,
                                                lot_id=place.lot, qty=take))
                remaining -= take
    db.session.add_all(reservations)
    return reservations, remaining


def allocate_order(order: SalesOrder) -> dict:
    """Reserve stock for every open line of a released order (FIFO/FEFO). Does not commit."""
    if order.status != "released":
        raise WmsError("bad_order_state", order=order.number, status=order.status, expected="released")
    short = []
    for line in order.lines:
        if line.status != "open" or line.kind == "kit":  # a kit is reserved as its parts
            continue
        _, missing = reserve(line, line.qty)
        if missing:
            short.append({"line_no": line.line_no, "sku": line.sku_text, "missing": missing})
    order.status = "allocated"
    db.session.flush()
    return {"order": order.number, "short": short}


def order_view(order: SalesOrder) -> dict:
    reserved = defaultdict(list)
    line_ids = [ln.id for ln in order.lines]
    if line_ids:
        for r, bin_code, lot_code in db.session.execute(
                select(Reservation, Bin.code, Lot.code).join(Bin, Bin.id == Reservation.bin_id)
                .join(Lot, Lot.id == Reservation.lot_id)
                .where(Reservation.order_line_id.in_(line_ids)).order_by(Reservation.id)):
            reserved[r.order_line_id].append({"bin": bin_code, "lot": lot_code, "qty": r.qty, "status": r.status})
    kit_no = {ln.id: ln.line_no for ln in order.lines if ln.kind == "kit"}
    return {"number": order.number, "channel": order.channel, "status": order.status, "kind": order.kind,
            "exchange_of": order.exchange_of,
            "customer_name": order.customer_name, "phone": order.phone, "address": order.address,
            "carrier": order.carrier, "priority": order.priority,
            "paid_at": order.paid_at.isoformat() if order.paid_at else None,
            "cut_off": order.cut_off.isoformat() if order.cut_off else None,
            "review": json.loads(order.review_json),
            "hold_reason": order.hold_reason if order.status == "on_hold" else None,
            "lines": [{"line_no": ln.line_no, "sku": ln.item.sku if ln.item else ln.sku_text,
                       "sku_text": ln.sku_text, "known": ln.item_id is not None, "qty": ln.qty,
                       "status": ln.status, "reserved": reserved[ln.id], "kind": ln.kind,
                       "kit_line_no": kit_no.get(ln.kit_line_id)} for ln in _kits_then_parts(order.lines)]}


def _kits_then_parts(lines: list[SalesOrderLine]) -> list[SalesOrderLine]:
    """The shop's lines in their order, each kit line's parts right beneath it."""
    parts = defaultdict(list)
    for line in lines:
        if line.kit_line_id is not None:
            parts[line.kit_line_id].append(line)
    return [shown for line in lines if line.kit_line_id is None for shown in [line, *parts[line.id]]]


def import_rejected_if(problems: list[dict]) -> None:
    if problems:
        db.session.rollback()
        raise ImportRejected(problems)


def release_many(orders: list[tuple[str, str]], actor: Actor) -> list[dict]:
    """Release each (number, channel) in turn, one result each: `released`, or refused with the reason
    (a shortage or a stop leaves that order for a person; the others go on). Each commits alone."""
    actor.require("orders.manage")
    results = []
    for number, channel in orders:
        try:
            release(number, actor, channel)
            results.append({"order": number, "channel": channel, "released": True})
        except WmsError as error:
            db.session.rollback()
            results.append({"order": number, "channel": channel, "released": False, "error": error.as_dict()})
    return results


@dataclass(frozen=True)
class OrderFilter:
    status: str | None = None
    channel: str | None = None
    carrier: str | None = None
    q: str | None = None  # order number (prefix) or SKU on a line
    stopped: str | None = None  # a stop reason's code, e.g. unknown_sku
    min_priority: int | None = None
    cut_off_before: datetime | None = None  # UTC, as stored

    @classmethod
    def from_args(cls, args) -> OrderFilter:
        """From a page's or a REST call's query: status, channel, carrier, q, stopped, min_priority, and
        cut_off_before (a date — that whole day included — or a date and time, in the warehouse's zone)."""
        def text(name: str) -> str | None:
            value = (args.get(name) or "").strip()
            return value[:64] or None

        try:
            min_priority = int(args["min_priority"]) if text("min_priority") else None
        except ValueError:
            value = args["min_priority"]
            raise WmsError("bad_request", detail=Words(f"min_priority must be a whole number, not {value}",
                                                       f"min_priority 必须是整数，而不是 {value}")) from None
        return cls(status=text("status"), channel=text("channel"), carrier=text("carrier"), q=text("q"),
                   stopped=text("stopped"), min_priority=min_priority,
                   cut_off_before=_local_moment(text("cut_off_before")))

    def as_args(self, moment_text: str = "") -> dict[str, str]:
        """The filter as query arguments (for paging links); `moment_text` as the person typed it."""
        values = {"status": self.status, "channel": self.channel, "carrier": self.carrier, "q": self.q,
                  "stopped": self.stopped, "min_priority": self.min_priority, "cut_off_before": moment_text}
        return {name: str(value) for name, value in values.items() if value not in (None, "")}


def _local_moment(text: str | None) -> datetime | None:
    """A date or a date and time in the warehouse's zone as stored (UTC, naive); a bare date means the end of
    that day (the orders due that day are included)."""
    if not text:
        return None
    try:
        if len(text) == 10:
            moment = datetime.combine(date.fromisoformat(text) + timedelta(days=1), datetime.min.time())
        else:
            moment = datetime.fromisoformat(text)
    except ValueError:
        raise WmsError("bad_request", detail=Words(
            f"cut_off_before must be a date (2026-12-06) or a time, not {text}",
            f"cut_off_before 须为日期（2026-12-06）或时间，而不是 {text}")) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=local_time.zone())
    return moment.astimezone(UTC).replace(tzinfo=None)


def ready_orders(where: OrderFilter | None = None, limit: int = 5000) -> list[tuple[str, str]]:
    """(number, channel) of every order waiting for release with nothing stopping it (as the list is
    narrowed), most urgent first."""
    query = _filtered(where or OrderFilter()).where(SalesOrder.status == "pending_review",
                                                   SalesOrder.review_json == "[]")
    return [(o.number, o.channel) for o in db.session.execute(
        query.order_by(SalesOrder.priority.desc(), SalesOrder.id).limit(limit)).scalars()]


def order_page(where: OrderFilter, page: int = 1, per_page: int = 50) -> dict:
    """One page of orders, newest first: {"items": [orders], "page", "pages", "total"}."""
    per_page = max(1, min(int(per_page), 200))
    query = _filtered(where)
    total = db.session.execute(select(func.count()).select_from(query.subquery())).scalar()
    pages = max(1, -(-total // per_page))
    page = max(1, min(int(page), pages))
    items = db.session.execute(query.order_by(SalesOrder.id.desc()).offset((page - 1) * per_page)
                               .limit(per_page)).scalars().all()
    return {"items": items, "page": page, "pages": pages, "total": total}


def _filtered(where: OrderFilter):
    query = select(SalesOrder)
    if where.status:
        query = query.where(SalesOrder.status == where.status)
    if where.channel:
        query = query.where(SalesOrder.channel == where.channel)
    if where.carrier:
        query = query.where(SalesOrder.carrier == where.carrier)
    if where.stopped:
        query = query.where(SalesOrder.status == "pending_review",
                            SalesOrder.review_json.contains(f'"code": "{where.stopped}"'))
    if where.min_priority is not None:
        query = query.where(SalesOrder.priority >= where.min_priority)
    if where.cut_off_before is not None:
        query = query.where(SalesOrder.cut_off.is_not(None), SalesOrder.cut_off < where.cut_off_before)
    if where.q:
        text = where.q.strip()
        query = query.where(SalesOrder.number.startswith(text, autoescape=True)
                            | SalesOrder.id.in_(select(SalesOrderLine.order_id)
                                                .where(SalesOrderLine.sku_text == text)))
    return query


def recent_orders(status: str | None = None, limit: int = 500) -> list[SalesOrder]:
    """The latest orders, newest first, of every status or of one."""
    query = select(SalesOrder).order_by(SalesOrder.id.desc()).limit(limit)
    if status:
        query = query.where(SalesOrder.status == status)
    return list(db.session.execute(query).scalars())


def get_order(order_id: int) -> SalesOrder | None:
    return db.session.get(SalesOrder, order_id)


def held_orders() -> list[SalesOrder]:
    """Orders on hold (a written hold notice)."""
    return db.session.execute(select(SalesOrder).where(SalesOrder.status == "on_hold")).scalars().all()


def stopped_orders(limit: int = 50) -> list[SalesOrder]:
    """Orders stopped at review, with the reasons in their review_json."""
    return db.session.execute(select(SalesOrder).where(SalesOrder.status == "pending_review",
                                                       SalesOrder.review_json != "[]").limit(limit)).scalars().all()
