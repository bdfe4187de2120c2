"""Pick waves: released orders chosen by filters, allocated FIFO (reserving their units), batched onto
carts to minimise walking, each cart's stops in walking order; pick lists claimed by one picker."""
from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from server.domain.places import SELLABLE
from server.services.catalogue import floor_plan
from server.db.fast import Sql, forget_row
from server.db.models import (Bin, PickList, PickTask, Reservation, SalesOrder, SalesOrderLine, User, Wave,
                              utcnow)
from server.domain.allocation import allocate, uses_fefo
from server.domain.batching import Cart, Order, plan_batches
from server.domain.errors import WmsError, Words
from server.domain.routing import Layout, PickPoint
from server.extensions import db
from server.services.orders import sales_orders as order_service
from server.services.people import audit
from server.services.picking import pick_state
from server.services import transaction
from server.services.people.auth import Actor


# Told (after commit) when pick lists appear or are claimed: the realtime layer tells the floor.
floor_listeners: list[Callable[[dict], None]] = []


def _tell_floor(event: dict) -> None:
    transaction.after_commit(lambda: [listener(event) for listener in floor_listeners])


@dataclass(frozen=True)
class WaveFilters:
    channel: str | None = None
    carrier: str | None = None
    cut_off_before: datetime | None = None
    min_priority: int | None = None
    lines: str | None = None  # "single" | "multi"
    zone: str | None = None
    limit: int = 200

    @classmethod
    def from_dict(cls, d: dict) -> WaveFilters:
        cut_off = d.get("cut_off_before")
        try:
            return cls(channel=d.get("channel") or None, carrier=d.get("carrier") or None,
                       cut_off_before=datetime.fromisoformat(cut_off) if cut_off else None,
                       min_priority=int(d["min_priority"]) if d.get("min_priority") is not None else None,
                       lines=d.get("lines") or None, zone=d.get("zone") or None, limit=int(d.get("limit") or 200))
        except (TypeError, ValueError) as error:
            raise WmsError("bad_request", detail=Words(
                f"wave filters: {error}",
                "波次筛选条件有误（min_priority 和 limit 须为整数，cut_off_before 须为 ISO 格式的时间）")) from None

    def as_dict(self) -> dict:
        return {"channel": self.channel, "carrier": self.carrier, "lines": self.lines, "zone": self.zone,
                "limit": self.limit, "min_priority": self.min_priority,
                "cut_off_before": self.cut_off_before.isoformat() if self.cut_off_before else None}


class FloorMap:
    """The storage bins as routing sees them: each aisle (one x) an index, y along it from the front
    cross aisle; blocks (cross aisles) and the depot from the warehouse's saved floor plan
    (server/services/catalogue/floor_plan.py), else one block with the depot at the first aisle."""

    def __init__(self) -> None:
        bins = db.session.execute(select(Bin.id, Bin.x, Bin.y).where(Bin.kind.in_(SELLABLE))).all()
        xs = sorted({x for _, x, _ in bins})
        if not xs:
            raise WmsError("no_bins", zone="*")
        self.aisle_of_x = {x: n for n, x in enumerate(xs)}
        spacing = min((b - a for a, b in zip(xs, xs[1:], strict=False)), default=3.0)
        ys = [y for _, _, y in bins]
        length, blocks, depot = floor_plan.routing_shape(floor_plan.current(), ys, len(xs))
        self.layout = Layout(aisle_count=len(xs), aisle_length=length, aisle_spacing=spacing, blocks=blocks,
                             depot_aisle=depot)
        self.where = {bin_id: (self.aisle_of_x[x], y) for bin_id, x, y in bins}

    def point(self, bin_id: int, key: object) -> PickPoint:
        aisle, y = self.where[bin_id]
        return PickPoint(aisle=aisle, y=y, key=key)


def candidates(filters: WaveFilters) -> list[SalesOrder]:
    query = select(SalesOrder).where(SalesOrder.status == "released")
    if filters.channel:
        query = query.where(SalesOrder.channel == filters.channel)
    if filters.carrier:
        query = query.where(SalesOrder.carrier == filters.carrier)
    if filters.cut_off_before:
        query = query.where(SalesOrder.cut_off <= filters.cut_off_before)
    if filters.min_priority is not None:
        query = query.where(SalesOrder.priority >= filters.min_priority)
    chosen = []
    for order in db.session.execute(query.order_by(SalesOrder.priority.desc(), SalesOrder.cut_off,
                                                   SalesOrder.paid_at, SalesOrder.id)).scalars():
        # a kit line is picked as its parts (its ready-made kits and components)
        open_lines = [ln for ln in order.lines if ln.status == "open" and ln.kind != "kit"]
        if filters.lines == "single" and len(open_lines) != 1 or filters.lines == "multi" and len(open_lines) < 2:
            continue
        if filters.zone and not all(_picked_in_zone(line, filters.zone) for line in open_lines):
            continue
        chosen.append(order)
        if len(chosen) >= filters.limit:
            break
    return chosen


def _picked_in_zone(line: SalesOrderLine, zone: str) -> bool:
    """Would FIFO allocation take this line only from bins of the zone?"""
    places = order_service.stock_places(line.item_id)
    plan = allocate(line.qty, places, fefo=uses_fefo(places))
    bins = [place.bin for place, _ in plan.picks]
    zones = set(db.session.execute(select(Bin.zone).where(Bin.id.in_(bins))).scalars()) if bins else set()
    return plan.short == 0 and zones == {zone}


def release_wave(filters: WaveFilters, cart: Cart, actor: Actor, method: str = "savings",
                 dry_run: bool = False) -> dict:
    """Allocate the chosen orders, batch them onto carts and route every cart. One transaction.
    `dry_run` plans the same wave and shows it, then rolls everything back (a proposal)."""
    actor.require("orders.manage")
    chosen = candidates(filters)
    if not chosen:
        raise WmsError("no_orders_for_wave")
    floor = FloorMap()
    wave = Wave(method=method, filters_json=json.dumps(filters.as_dict()), created_by=actor.user_id)
    db.session.add(wave)
    db.session.flush()
    batch_orders = []
    for order in chosen:
        order_service.allocate_order(order)
        reservations = db.session.execute(
            select(Reservation).join(SalesOrderLine).where(SalesOrderLine.order_id == order.id,
                                                           Reservation.status == "reserved")).scalars().all()
        if reservations:
            batch_orders.append(Order(key=order.id, units=sum(r.qty for r in reservations),
                                      lines=tuple(floor.point(r.bin_id, r) for r in reservations)))
    for seq, batch in enumerate(plan_batches(floor.layout, batch_orders, cart, method=method), start=1):
        pick_list = PickList(wave_id=wave.id, seq=seq, route_method=batch.route.method,
                             route_length=round(batch.route.length, 2), totes=len(batch.orders))
        db.session.add(pick_list)
        db.session.flush()
        slot = {o.key: n for n, o in enumerate(batch.orders, start=1)}
        for stop, point in enumerate(batch.route.order, start=1):
            reservation: Reservation = point.key
            line = db.session.get(SalesOrderLine, reservation.order_line_id)
            db.session.add(PickTask(pick_list_id=pick_list.id, seq=stop, reservation_id=reservation.id,
                                    order_id=line.order_id, tote_slot=slot[line.order_id], bin_id=reservation.bin_id,
                                    item_id=reservation.item_id, lot_id=reservation.lot_id, qty=reservation.qty))
    db.session.flush()
    view = wave_view(wave)
    if dry_run:
        db.session.rollback()
        transaction.rolled_back()
        return view | {"wave": None, "status": "proposed"}
    _tell_floor({"event": "wave_released", "wave": wave.id, "pick_lists": len(view["pick_lists"])})
    db.session.commit()
    transaction.committed()
    return view


def claim(pick_list_id: int, actor: Actor) -> PickList:
    """One picker per pick list: the first claim wins (a conditional UPDATE), the others are told."""
    actor.require("journey.pick")
    _claim(pick_list_id, actor)
    db.session.commit()
    transaction.committed()
    return db.session.get(PickList, pick_list_id)


def take_next(actor: Actor) -> dict:
    """The picker's own unfinished list if there is one, else the oldest open list (first come),
    answered with the list's view (and its first stop) read in the same transaction: what a handheld
    asks for at every new list, so it takes the database once, briefly."""
    view = pick_state.view(_next(actor), with_stop=True)
    db.session.commit()
    transaction.committed()
    return view


# Prebuilt (server/db/fast.py): 300 handhelds starting a shift claim 300 lists within two seconds.
_MINE = Sql("SELECT id FROM pick_lists WHERE claimed_by = :user AND status = 'claimed' ORDER BY id LIMIT 1")
_OPEN = Sql("SELECT id FROM pick_lists WHERE status = 'open' ORDER BY wave_id, seq LIMIT :limit")
# PostgreSQL: the first open list nobody is claiming right now, locked for this claim. Without SKIP LOCKED the
# claims of a shift start queued on the same few rows, each waiting for the previous claimer's commit and
# then finding its candidate taken (claim p99 4.5 s with 300 handhelds on one process, 2026-12-06).
_OPEN_UNCLAIMED = Sql("SELECT id FROM pick_lists WHERE status = 'open' ORDER BY wave_id, seq LIMIT 1{skip_locked}")
_CLAIM = audit.Write("""
    UPDATE pick_lists SET status = 'claimed', claimed_by = :user, claimed_at = :at
    WHERE id = :id AND status = 'open'""")
_EXISTS = Sql("SELECT 1 FROM pick_lists WHERE id = :id")
CLAIM_CANDIDATES = 8


def _next(actor: Actor) -> int:
    actor.require("journey.pick")
    mine = _MINE.scalar(user=actor.user_id)
    if mine is not None:
        return mine
    if db.session.get_bind().dialect.name == "postgresql":
        candidate = _OPEN_UNCLAIMED.scalar()
        if candidate is None:
            raise WmsError("not_found", what="open pick list")
        _claim(candidate, actor)  # locked and open: ours (SQLite serialises claims anyway: BEGIN IMMEDIATE)
        return candidate
    # A few candidates at a time, not every open list: with a backlog of thousands each claim read them
    # all (35 ms of CPU a claim, measured under load). A candidate another picker took meanwhile is
    # no longer open; one that still refuses is not tried again.
    tried: set[int] = set()
    while True:
        batch = [row.id for row in _OPEN.all(limit=CLAIM_CANDIDATES + len(tried)) if row.id not in tried]
        for candidate in batch:
            try:
                _claim(candidate, actor)
                return candidate
            except WmsError as error:
                if error.code != "already_claimed":
                    raise
                tried.add(candidate)
        if not batch:
            raise WmsError("not_found", what="open pick list")


def _claim(pick_list_id: int, actor: Actor) -> None:
    at = utcnow()
    claimed = audit.Updated(pick_list_id, {"status": ["open", "claimed"], "claimed_by": [None, actor.user_id],
                                            "claimed_at": [None, at]})
    if _CLAIM.run(claimed, user=actor.user_id, at=at, id=pick_list_id).rowcount != 1:
        if _EXISTS.scalar(id=pick_list_id) is None:
            raise WmsError("not_found", what=f"pick list {pick_list_id}")
        raise WmsError("already_claimed", pick_list=pick_list_id)
    forget_row(PickList, pick_list_id)
    _tell_floor({"event": "pick_list_claimed", "pick_list": pick_list_id, "claimed_by": actor.username})


LISTS_SHOWN = 200  # a page (or the handheld's "all open lists") shows at most this many lists
# The pick screen opens with this many open lists, the first in line (what a picker takes): a PDA rendered
# and a Wi-Fi carried all 200 at every opening, and the server read them (at saturation, with a backlog of
# thousands, 200 a screen cost ~10 % of the scans a second). The rest on asking (GET /pick-lists?status=open).
CHOICE_OPEN_SHOWN = 25
# The pick screen's two reads, prebuilt (server/db/fast.py) like the claim: at a shift's start every picker
# opens it within seconds. Through the ORM it cost the server 3.5 ms of CPU on PostgreSQL against 2.0 ms on
# SQLite (scripts/bench_rest.py, docs/reliability.md).
_MY_CLAIMED = Sql("SELECT id FROM pick_lists WHERE status = 'claimed' AND claimed_by = :user"
                  f" ORDER BY wave_id, seq LIMIT {LISTS_SHOWN}")
_OPEN_SUMMARIES = Sql("""
    SELECT l.id, l.wave_id, l.seq, l.status, u.username, l.totes, l.route_method, l.route_length,
           (SELECT count(*) FROM pick_tasks t WHERE t.pick_list_id = l.id) AS stop_count
    FROM pick_lists l LEFT JOIN users u ON u.id = l.claimed_by
    WHERE l.status = 'open' ORDER BY l.wave_id, l.seq LIMIT :limit""")

# One statement for the summaries: each list's stop count by the pick_tasks(pick_list_id) index.
_STOP_COUNT = select(func.count()).where(PickTask.pick_list_id == PickList.id).correlate(PickList).scalar_subquery()
_SUMMARY = (select(PickList.id, PickList.wave_id, PickList.seq, PickList.status, User.username, PickList.totes,
                   PickList.route_method, PickList.route_length, _STOP_COUNT)
            .outerjoin(User, User.id == PickList.claimed_by))
_SUMMARY_KEYS = ("pick_list", "wave", "seq", "status", "claimed_by", "totes", "route_method", "route_length_m",
                 "stop_count")


def _of(query, status: str | None, user_id: int | None, limit: int = LISTS_SHOWN):
    if status:
        query = query.where(PickList.status == status)
    if user_id:
        query = query.where(PickList.claimed_by == user_id)
    return query.order_by(PickList.wave_id, PickList.seq).limit(limit)


def pick_lists(status: str | None, user_id: int | None, with_stop: bool = False) -> list[dict]:
    """The views of up to 200 lists (of a status, of a picker), in wave and walking order."""
    ids = db.session.execute(_of(select(PickList.id), status, user_id)).scalars()
    return pick_state.views(list(ids), with_stop)


def pick_list_summaries(status: str | None, user_id: int | None, limit: int = LISTS_SHOWN) -> list[dict]:
    """The same lists without their stops — what a picker choosing a list sees (its totes, stop count and
    route): a tenth of the bytes over a PDA's Wi-Fi, one statement. The claim answers with the whole list."""
    return [dict(zip(_SUMMARY_KEYS, row, strict=True))
            for row in db.session.execute(_of(_SUMMARY, status, user_id, limit))]


def choice(user_id: int | None) -> dict:
    """What the handheld's pick screen shows, read in one request and one snapshot: the picker's unfinished
    lists (whole, with the current stop: a tap resumes one) and the first open lists as summaries, with
    `open_more` when there are more than those (the screen offers them on a tap). Two requests before —
    each a round trip over the Wi-Fi and a turn of the server's log-in check — and, between them, a list
    could be claimed and show in neither."""
    mine = (pick_state.views([row.id for row in _MY_CLAIMED.all(user=user_id)], with_stop=True)
            if user_id is not None else [])  # a device has none
    open_lists = [dict(zip(_SUMMARY_KEYS, row, strict=True))  # one more than shown: are there more?
                  for row in _OPEN_SUMMARIES.all(limit=CHOICE_OPEN_SHOWN + 1)]
    return {"mine": mine, "open": open_lists[:CHOICE_OPEN_SHOWN], "open_more": len(open_lists) > CHOICE_OPEN_SHOWN}


def pick_list_view(pick_list: PickList, with_stop: bool = False) -> dict:
    """The list with its stops (and, `with_stop`, the current one) — the same view the pick acks carry."""
    return pick_state.view(pick_list.id, with_stop)


def wave_view(wave: Wave) -> dict:
    views = pick_state.views(list(db.session.execute(
        select(PickList.id).where(PickList.wave_id == wave.id).order_by(PickList.seq)).scalars()))
    return {"wave": wave.id, "status": wave.status, "method": wave.method, "filters": json.loads(wave.filters_json),
            "pick_lists": views, "orders": len({s["order"] for v in views for s in v["stops"]}),
            "route_length_m": round(sum(v["route_length_m"] for v in views), 1)}


def get_wave(wave_id: int) -> Wave:
    wave = db.session.get(Wave, wave_id)
    if wave is None:
        raise WmsError("not_found", what=f"wave {wave_id}")
    return wave


def get_pick_list(pick_list_id: int) -> PickList:
    pick_list = db.session.get(PickList, pick_list_id)
    if pick_list is None:
        raise WmsError("not_found", what=f"pick list {pick_list_id}")
    return pick_list


def recent_pick_list_ids(waves: int = 10) -> list[int]:
    """The pick lists of the latest waves: newest wave first, each wave's lists in their order."""
    recent = db.session.execute(select(Wave).order_by(Wave.id.desc()).limit(waves)).scalars().all()
    return db.session.execute(select(PickList.id).where(PickList.wave_id.in_([w.id for w in recent]))
                              .order_by(PickList.wave_id.desc(), PickList.seq)).scalars().all()
