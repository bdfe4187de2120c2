"""The warehouse's layout as data a supervisor edits: the order of the aisles left to right, their pitch,
the bay width, a cross aisle every so many bays (blocks) and where the depot is. Saving it places every
bin (x across the aisles, y along them) so pick routes, multi-block ones included, follow the real floor;
the map draws it (server/web/floor_map.py)."""
from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field

from sqlalchemy import func, select

from server.db.models import Bin, BinStock, SiteFact, utcnow
from server.domain.errors import WmsError, Words
from server.extensions import db
from server.services.catalogue.items import NOT_ON_SHELVES
from server.services.people.auth import Actor


@dataclass
class FloorPlan:
    aisle_pitch_m: float = 3.0  # centre to centre
    bay_width_m: float = 1.2  # along an aisle
    bays_per_block: int = 0  # a cross aisle after every this many bays; 0: one block (front and back only)
    depot_aisle: float = 0  # the depot on the front cross aisle, at this aisle (0-based; 4.5 = between)
    aisles: list[str] = field(default_factory=list)  # "A-01", … left to right; others follow by name

    def as_dict(self) -> dict:
        return asdict(self)


def _key(warehouse: str) -> str:
    return f"layout:{warehouse}"


def current(warehouse: str = "WH1") -> FloorPlan | None:
    """The saved plan; None while the warehouse has none (bins then stand where they were generated)."""
    fact = db.session.get(SiteFact, _key(warehouse))
    return FloorPlan(**json.loads(fact.value)) if fact else None


def aisle_name(bin_: Bin) -> str:
    return f"{bin_.zone}-{bin_.aisle}"


def _placeable(warehouse: str) -> list[Bin]:
    bins = db.session.execute(select(Bin).where(Bin.kind.not_in(NOT_ON_SHELVES), Bin.warehouse == warehouse)
                              ).scalars()
    return [b for b in bins if str(b.bay).isdigit()]


def aisle_order(plan: FloorPlan, bins: list[Bin]) -> list[str]:
    """The plan's aisles first, in its order; aisles it does not name after them, by zone and aisle."""
    named = [a for a in plan.aisles if a]
    rest = sorted({aisle_name(b) for b in bins} - set(named))
    return named + rest


def check(plan: FloorPlan) -> FloorPlan:
    try:
        plan = FloorPlan(aisle_pitch_m=float(plan.aisle_pitch_m), bay_width_m=float(plan.bay_width_m),
                         bays_per_block=int(plan.bays_per_block or 0), depot_aisle=float(plan.depot_aisle or 0),
                         aisles=[a.strip().upper() for a in plan.aisles if a and a.strip()])
    except (TypeError, ValueError):
        raise WmsError("bad_layout", detail=Words("numbers are expected", "请填写数字")) from None
    if not (0.5 <= plan.aisle_pitch_m <= 50 and 0.1 <= plan.bay_width_m <= 20):
        raise WmsError("bad_layout", detail=Words("aisle pitch 0.5–50 m, bay width 0.1–20 m",
                                                  "巷道间距须为 0.5–50 米，货架列宽须为 0.1–20 米"))
    if not 0 <= plan.bays_per_block <= 500 or plan.depot_aisle < 0:
        raise WmsError("bad_layout", detail=Words("bays per block 0–500, depot aisle 0 or more",
                                                  "横向通道间隔须为 0–500 列，出发点巷道须为 0 或更大"))
    if len(set(plan.aisles)) != len(plan.aisles):
        raise WmsError("bad_layout", detail=Words("an aisle is named twice", "有巷道重复列出"))
    return plan


def save(plan: FloorPlan, actor: Actor, warehouse: str = "WH1") -> int:
    """Store the plan and place every bin by it; returns how many bins were placed. The caller commits."""
    actor.require("master.manage")
    plan = check(plan)
    fact = db.session.get(SiteFact, _key(warehouse))
    value = json.dumps(plan.as_dict(), ensure_ascii=False)
    if fact is None:
        db.session.add(SiteFact(key=_key(warehouse), value=value))
    else:
        fact.value, fact.updated_at = value, utcnow()
    return place(plan, warehouse)


def place(plan: FloorPlan, warehouse: str = "WH1", only: set[str] | None = None) -> int:
    """x, y of the bins from the plan (all of them, or the codes in `only`)."""
    bins = _placeable(warehouse)
    index = {name: n for n, name in enumerate(aisle_order(plan, bins))}
    placed = 0
    for bin_ in bins:
        if only is not None and bin_.code not in only:
            continue
        x, y = index[aisle_name(bin_)] * plan.aisle_pitch_m, (int(bin_.bay) - 0.5) * plan.bay_width_m
        if (bin_.x, bin_.y) != (x, y):
            bin_.x, bin_.y = x, y
            placed += 1
    db.session.flush()
    return placed


def place_new(codes: set[str], warehouse: str = "WH1") -> None:
    """Bins just created or moved: placed by the saved plan, if there is one."""
    plan = current(warehouse)
    if plan is not None and codes:
        place(plan, warehouse, only=codes)


def routing_shape(plan: FloorPlan | None, ys: list[float], aisle_count: int) -> tuple[float, int, float]:
    """(block length, blocks, depot aisle) routing walks: the plan's cross aisles and depot, or — without
    a plan — one block as long as the bins reach (a half bay past the last), the depot at the first aisle."""
    one_block = max(ys) + min(ys)
    if plan is None:
        return one_block, 1, 0
    depot = min(max(plan.depot_aisle, 0), aisle_count - 1)
    if not plan.bays_per_block:
        return one_block, 1, depot
    length = plan.bays_per_block * plan.bay_width_m
    return length, max(1, math.ceil(max(ys) / length - 1e-9)), depot


@dataclass
class Cell:
    """One bay of one aisle on the map: its bins (all levels), their capacity, units and blocks."""

    aisle: str
    zone: str
    bay: int
    x: float
    y: float
    codes: list[str] = field(default_factory=list)
    capacity: int = 0
    units: int = 0
    blocked: int = 0
    kinds: set[str] = field(default_factory=set)

    @property
    def fill(self) -> float:
        return self.units / self.capacity if self.capacity else (1.0 if self.units else 0.0)


def map_cells(warehouse: str = "WH1", zone: str | None = None) -> list[Cell]:
    """The bays of the warehouse (or of one zone) with what their bins hold, for the map."""
    units = dict(db.session.execute(select(BinStock.bin_id, func.sum(BinStock.qty)).group_by(BinStock.bin_id)).all())
    cells: dict[tuple[str, int], Cell] = {}
    for bin_ in _placeable(warehouse):
        if zone and bin_.zone != zone:
            continue
        key = (aisle_name(bin_), int(bin_.bay))
        cell = cells.setdefault(key, Cell(key[0], bin_.zone, key[1], bin_.x, bin_.y))
        cell.codes.append(bin_.code)
        cell.capacity += bin_.capacity or 0
        cell.units += int(units.get(bin_.id) or 0)
        cell.blocked += 1 if bin_.blocked else 0
        cell.kinds.add(bin_.kind)
    return sorted(cells.values(), key=lambda c: (c.x, c.aisle, c.bay))
