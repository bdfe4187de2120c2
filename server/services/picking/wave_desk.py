"""The supervisor's waves desk (/sup/waves): a wave proposed from filters (the dry run of
`waves.release_wave`) shown before it is released — its carts, totes and orders, each cart's route
against the S-shape walk and the route's way over the floor — released in one step, and the board of
a released wave: each cart's progress, its picker's pace and estimated finish, and its exceptions."""
from __future__ import annotations

import hashlib
import json
import math
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import case, func, select

from server.db.models import Bin, PickList, PickTask, SalesOrder, Scan, User, Wave, utcnow
from server.domain.batching import Cart
from server.domain.errors import WmsError
from server.domain.routing import Layout, PickPoint, route, walk_length
from server.extensions import db
from server.services.people.auth import Actor
from server.services.picking import pick_state, waves

# Each cart's colour on the map and in its table row (told apart on a white floor plan; colour-blind safe first).
PALETTE = ("#0072b2", "#d55e00", "#009e73", "#cc79a7", "#e69f00", "#56b4e9", "#7b3294", "#1b7837",
           "#b2182b", "#4d4d4d")
PICK_MODES = ("pick", "pick.tote", "pick.put", "pick.short")
WRONG_SCAN_STREAK = 3  # this many refused pick scans in a row, the latest ones, is an exception on the board
RECENT_WAVES = 20


def colour(seq: int) -> str:
    return PALETTE[(seq - 1) % len(PALETTE)]


# --- proposing and releasing ---------------------------------------------------------------------------

@dataclass
class Plan:
    """A wave as the desk shows it: the service's view, each cart drawn and measured, and its fingerprint."""

    view: dict
    carts: list[dict]
    fingerprint: str

    @property
    def orders(self) -> int:
        return self.view["orders"]

    @property
    def route_length_m(self) -> float:
        return round(sum(c["route_length_m"] for c in self.carts), 1)

    @property
    def sshape_length_m(self) -> float:
        return round(sum(c["sshape_length_m"] for c in self.carts), 1)

    @property
    def saving_pct(self) -> float | None:
        return _saving(self.route_length_m, self.sshape_length_m)


def propose(filters: waves.WaveFilters, cart: Cart, actor: Actor, method: str = "savings") -> Plan:
    """The wave these filters would release now, planned and rolled back (nothing is reserved)."""
    return _plan(waves.release_wave(filters, cart, actor, method, dry_run=True))


def release(filters: waves.WaveFilters, cart: Cart, actor: Actor, method: str, proposed: str | None
            ) -> tuple[Plan, bool]:
    """Release the wave of these filters; True with it when it is not the proposal whose fingerprint is
    `proposed` (orders were released, held or picked meanwhile, so the wave was planned again)."""
    plan = _plan(waves.release_wave(filters, cart, actor, method))
    return plan, proposed is not None and plan.fingerprint != proposed


def fingerprint(view: dict) -> str:
    """What makes two plans the same wave: each cart's orders in their totes and its stops in walking order."""
    carts = [[sorted({(s["tote"], s["order"]) for s in pl["stops"]}),
              [(s["bin"], s["sku"], s["lot"], s["qty"]) for s in pl["stops"]]] for pl in view["pick_lists"]]
    return hashlib.sha256(json.dumps(carts, ensure_ascii=False).encode()).hexdigest()[:16]


def _plan(view: dict) -> Plan:
    floor = waves.FloorMap()
    codes = {s["bin"] for pl in view["pick_lists"] for s in pl["stops"]}
    bin_ids = dict(db.session.execute(select(Bin.code, Bin.id).where(Bin.code.in_(codes))).all()) if codes else {}
    carts = []
    for pl in view["pick_lists"]:
        units = Counter()
        for stop in pl["stops"]:
            units[(stop["tote"], stop["order"])] += stop["qty"]
        geometry = cart_route(floor, [bin_ids[s["bin"]] for s in pl["stops"] if s["bin"] in bin_ids])
        carts.append({"seq": pl["seq"], "pick_list": pl["pick_list"], "colour": colour(pl["seq"]),
                      "totes": pl["totes"], "stops": len(pl["stops"]), "units": sum(units.values()),
                      "orders": [{"tote": tote, "order": order, "units": n}
                                 for (tote, order), n in sorted(units.items())],
                      "route_method": pl["route_method"], "route_length_m": round(pl["route_length_m"], 1)}
                     | geometry)
    return Plan(view, carts, fingerprint(view))


def _saving(length: float, sshape: float) -> float | None:
    return round(100 * (sshape - length) / sshape, 1) if sshape > 0 else None


# --- each cart's route over the floor ------------------------------------------------------------------

def cart_route(floor: waves.FloorMap, bin_ids: list[int]) -> dict:
    """The cart's stops (bins, in walking order) as routing sees them: the S-shape walk's metres for the
    same picks, and the way walked as points (x, y in metres, as the bins are placed) from the depot through
    every stop and back, turning at the cross aisle each leg's shortest way takes."""
    spots = [floor.where[b] for b in bin_ids if b in floor.where]
    layout = floor.layout
    xs = sorted(floor.aisle_of_x, key=floor.aisle_of_x.get)
    sshape = route(layout, [PickPoint(a, y) for a, y in spots], "sshape").length if spots else 0.0
    walked = walk_length(layout, spots) if spots else 0.0
    points = [(_x(xs, a), y) for a, y in walk_points(layout, spots)] if spots else []
    return {"sshape_length_m": round(sshape, 1), "walk_m": round(walked, 1),
            "saving_pct": _saving(walked, sshape), "path": points, "stop_points": [(_x(xs, a), y) for a, y in spots]}


def _x(xs: list[float], aisle: float) -> float:
    """An aisle's x in metres (the depot may stand between two aisles: 4.5)."""
    low = min(int(math.floor(aisle)), len(xs) - 1)
    high = min(low + 1, len(xs) - 1)
    return xs[low] + (xs[high] - xs[low]) * (aisle - low)


def walk_points(layout: Layout, spots: list[tuple[int, float]]) -> list[tuple[float, float]]:
    """(aisle, y) points of the walk depot → spots → depot, each leg the way `distance` measures it."""
    depot = (layout.depot_aisle, 0.0)
    here, points = depot, [depot]
    for there in [*spots, depot]:
        points += _leg(layout, here, there)
        here = there
    return points


def _leg(layout: Layout, a: tuple[float, float], b: tuple[float, float]) -> list[tuple[float, float]]:
    (xa, ya), (xb, yb) = a, b
    if xa == xb:
        return [b]
    length = layout.aisle_length
    low, high = min(ya, yb), max(ya, yb)
    level = min(math.floor(high / length), layout.blocks)
    if level * length >= low:  # a cross aisle between them: cross at the one nearest where the leg starts
        crossings = [k * length for k in range(layout.blocks + 1) if low <= k * length <= high]
        cross = min(crossings, key=lambda y: abs(y - ya))
    elif low + high - 2 * level * length <= 2 * (level + 1) * length - low - high:
        cross = level * length  # out through the block's front
    else:
        cross = (level + 1) * length  # through its back
    return [(xa, cross), (xb, cross), b]


# --- the board of released waves ----------------------------------------------------------------------

def recent_waves(limit: int = RECENT_WAVES) -> list[dict]:
    """The latest waves with their carts, orders and stops done, newest first."""
    found = db.session.execute(select(Wave, User.username).outerjoin(User, User.id == Wave.created_by)
                               .order_by(Wave.id.desc()).limit(limit)).all()
    ids = [w.id for w, _ in found]
    counts = {row.wave_id: row for row in db.session.execute(
        select(PickList.wave_id, func.count(func.distinct(PickList.id)).label("carts"),
               func.count(PickTask.id).label("stops"),
               func.sum(case((PickTask.status != "open", 1), else_=0)).label("done"),
               func.count(func.distinct(PickTask.order_id)).label("orders"),
               func.sum(case((PickList.status == "open", 0), else_=1)).label("started"))
        .join(PickTask, PickTask.pick_list_id == PickList.id).where(PickList.wave_id.in_(ids))
        .group_by(PickList.wave_id)).all()} if ids else {}
    rows = []
    for wave, by in found:
        c = counts.get(wave.id)
        stops, done = (c.stops, int(c.done or 0)) if c else (0, 0)
        rows.append({"wave": wave.id, "created_at": wave.created_at, "created_by": by, "method": wave.method,
                     "carts": c.carts if c else 0, "orders": c.orders if c else 0, "stops": stops, "done": done,
                     "percent": _percent(done, stops),
                     "status": _wave_status(wave.status, stops, done, bool(c and c.started))})
    return rows


def _percent(done: int, total: int) -> int:
    return round(100 * done / total) if total else 100


def _wave_status(stored: str, stops: int, done: int, started: bool) -> str:
    """The wave's state as the floor has it: released, picking (a cart taken or a stop done), done."""
    if stored == "cancelled":
        return stored
    if stops and done == stops:
        return "done"
    return "picking" if started or done else "released"


def board(wave_id: int, now: datetime | None = None, with_routes: bool = True) -> dict:
    """A released wave as the board shows it: per cart its picker, stops done and left, how long since the
    cart was taken, the estimated finish at the pace so far, and the wave's exceptions (short lines, orders
    on hold, pickers whose last pick scans were refused several times in a row). `with_routes`: each cart's
    way over the floor too (the map; the board's refreshed part has no use for it)."""
    now = now or utcnow()
    wave = waves.get_wave(wave_id)
    rows = db.session.execute(select(PickList.id, PickList.claimed_by, PickList.claimed_at)
                              .where(PickList.wave_id == wave.id).order_by(PickList.seq)).all()
    views = {v["pick_list"]: v for v in pick_state.views([r.id for r in rows])}
    floor = _floor_or_none() if with_routes else None
    bin_ids = _bin_ids({s["bin"] for v in views.values() for s in v["stops"]}) if floor else {}
    carts, exceptions = [], []
    for row in rows:
        view = views[row.id]
        stops = view["stops"]
        done = sum(s["status"] != "open" for s in stops)
        left = len(stops) - done
        last_scan, streak = _picker_scans(row.claimed_by, row.claimed_at)
        elapsed = ((last_scan or now) if not left else now) - row.claimed_at if row.claimed_at else None
        finish = None
        if row.claimed_at and done and left:
            finish = now + (now - row.claimed_at) / done * left
        totes: dict[int, dict] = {}
        for s in stops:
            tote = totes.setdefault(s["tote"], {"tote": s["tote"], "order": s["order"], "stops": 0, "done": 0})
            tote["stops"] += 1
            tote["done"] += s["status"] != "open"
        cart = {"seq": view["seq"], "pick_list": row.id, "colour": colour(view["seq"]), "status": view["status"],
                "picker": view["claimed_by"], "stops": len(stops), "done": done, "left": left,
                "short": sum(s["status"] == "short" for s in stops), "percent": _percent(done, len(stops)),
                "claimed_at": row.claimed_at, "elapsed_min": _minutes(elapsed), "finish_at": finish,
                "route_length_m": round(view["route_length_m"], 1), "totes": list(totes.values()),
                **({k: v for k, v in cart_route(floor, [bin_ids[s["bin"]] for s in stops if s["bin"] in bin_ids]
                                                 ).items() if k in ("path", "stop_points")} if floor else {})}
        carts.append(cart)
        exceptions += _exceptions(cart, stops, streak)
    stops = sum(c["stops"] for c in carts)
    done = sum(c["done"] for c in carts)
    return {"wave": wave.id, "created_at": wave.created_at, "method": wave.method,
            "filters": json.loads(wave.filters_json), "carts": carts, "exceptions": exceptions,
            "stops": stops, "done": done, "percent": _percent(done, stops),
            "orders": len({s["order"] for v in views.values() for s in v["stops"]}),
            "status": _wave_status(wave.status, stops, done, any(c["status"] != "open" for c in carts)),
            "now": now}


def _floor_or_none() -> waves.FloorMap | None:
    try:
        return waves.FloorMap()
    except WmsError:  # no sellable bins left (no_bins): the board shows the carts without the map
        return None


def _bin_ids(codes: set[str]) -> dict[str, int]:
    return dict(db.session.execute(select(Bin.code, Bin.id).where(Bin.code.in_(codes))).all()) if codes else {}


def _minutes(span: timedelta | None) -> int | None:
    return max(0, int(span.total_seconds() // 60)) if span is not None else None


def _picker_scans(user_id: int | None, since: datetime | None) -> tuple[datetime | None, int]:
    """The picker's latest accepted pick scan since the cart was taken, and how many of their latest pick
    scans in a row were refused (wrong bin, wrong item, wrong tote …)."""
    if user_id is None or since is None:
        return None, 0
    latest = db.session.execute(select(Scan.at, Scan.ok).where(Scan.user_id == user_id, Scan.at >= since,
                                                               Scan.mode.in_(PICK_MODES))
                                .order_by(Scan.id.desc()).limit(50)).all()
    streak = 0
    for _, ok in latest:
        if ok:
            break
        streak += 1
    return next((at for at, ok in latest if ok), None), streak


def _exceptions(cart: dict, stops: list[dict], streak: int) -> list[dict]:
    found = []
    for s in stops:
        if s["status"] == "short":
            found.append({"kind": "short", "cart": cart["seq"], "order": s["order"], "sku": s["sku"], "bin": s["bin"],
                          "qty": s["qty"]})
    for order, reason in dict.fromkeys((s["order"], s["hold_reason"]) for s in stops if s["on_hold"]):
        found.append({"kind": "hold", "cart": cart["seq"], "order": order, "reason": reason})
    if streak >= WRONG_SCAN_STREAK:
        found.append({"kind": "wrong_scans", "cart": cart["seq"], "picker": cart["picker"], "count": streak})
    return found


def released_orders() -> dict:
    """What is waiting for a wave: released orders in all, and by channel and carrier (the filters' choices)."""
    rows = db.session.execute(select(SalesOrder.channel, SalesOrder.carrier, func.count())
                              .where(SalesOrder.status == "released")
                              .group_by(SalesOrder.channel, SalesOrder.carrier)).all()
    channels, carriers = Counter(), Counter()
    for channel, carrier, n in rows:
        channels[channel] += n
        carriers[carrier] += n
    return {"total": sum(channels.values()), "channels": sorted(channels.items()),
            "carriers": sorted((c, n) for c, n in carriers.items() if c)}
