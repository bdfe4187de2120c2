"""The picking floor as a picker walks it: parallel aisles, cross aisles, the depot, the pick points,
and the shortest walking distance between two places."""
from __future__ import annotations

import math
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass

Position = tuple[float, float]  # (x, y) in metres; x across the aisles, y along them from the front
Spot = tuple[int, float]  # (aisle, y): a place in an aisle


@dataclass(frozen=True)
class Layout:
    """Aisles 0 … aisle_count−1, `aisle_spacing` metres apart centre to centre, joined by a front cross
    aisle (y = 0), a back cross aisle and, with several blocks, middle cross aisles between blocks.

    `aisle_length` is the length of ONE block; the aisles run through every block, so y goes from 0
    at the front to `depth` = blocks · aisle_length at the back, and the cross aisles lie at
    y = k · aisle_length. Cross aisles are lines (no width). The depot, where carts start and end,
    is on the front cross aisle at aisle `depot_aisle`'s x; a fraction (4.5) puts it between aisles.
    """

    aisle_count: int
    aisle_length: float
    aisle_spacing: float
    blocks: int = 1
    depot_aisle: float = 0

    def __post_init__(self) -> None:
        if self.aisle_count < 1 or self.blocks < 1:
            raise ValueError("a layout has at least one aisle and one block")
        if self.aisle_length <= 0 or self.aisle_spacing <= 0:
            raise ValueError("aisle length and spacing are positive")
        if not 0 <= self.depot_aisle <= self.aisle_count - 1:
            raise ValueError("the depot sits on the front cross aisle, between the first and last aisle")

    @property
    def depth(self) -> float:
        return self.blocks * self.aisle_length

    @property
    def depot(self) -> Position:
        return (self.depot_aisle * self.aisle_spacing, 0.0)

    def x(self, aisle: int) -> float:
        return aisle * self.aisle_spacing

    def block_of(self, y: float) -> int:
        """The block holding y; a point on a middle cross aisle counts in the block behind it."""
        return min(int(y // self.aisle_length), self.blocks - 1)


@dataclass(frozen=True)
class PickPoint:
    """A place to pick from: the aisle (0-based), y metres from the front cross aisle (0 ≤ y ≤ depth),
    and the caller's own key (a pick-task id, a bin code) that routing carries along untouched."""

    aisle: int
    y: float
    key: Hashable = None


@dataclass(frozen=True)
class Route:
    """A pick list in walking order and the walk that goes with it.

    The walk leaves the depot, passes through `path` — the pick places of `order` plus any aisle
    ends the method insists on (S-shape walks through to the back of an aisle even when its last
    pick is near the front) — and returns to the depot, each leg the shortest way; `length` is its
    metres. For "optimal" and "bin_order" the path is just the picks."""

    method: str
    order: tuple[PickPoint, ...]
    length: float
    path: tuple[Spot, ...] = ()


def check_points(layout: Layout, points: Sequence[PickPoint]) -> None:
    for p in points:
        if not (0 <= p.aisle < layout.aisle_count and 0 <= p.y <= layout.depth):
            raise ValueError(f"pick point {p} is outside the layout")


def distance(layout: Layout, a: Position, b: Position) -> float:
    """Shortest walk between two places: along one aisle if they share it, else to a cross aisle,
    across, and back into the other aisle — through the best cross aisle."""
    (xa, ya), (xb, yb) = a, b
    low, high = min(ya, yb), max(ya, yb)
    if xa == xb:
        return high - low
    length = layout.aisle_length
    level = min(math.floor(high / length), layout.blocks)
    if level * length >= low:  # a cross aisle lies between them: the walk is monotone in y
        vertical = high - low
    else:  # both inside one block: out through its front or its back cross aisle
        vertical = min(low + high - 2 * level * length, 2 * (level + 1) * length - low - high)
    return abs(xa - xb) + vertical


def walk_length(layout: Layout, spots: Iterable[Spot]) -> float:
    """Metres from the depot through `spots` and back, each leg the shortest way."""
    here = layout.depot
    total = 0.0
    for aisle, y in spots:
        there = (layout.x(aisle), y)
        total += distance(layout, here, there)
        here = there
    return total + distance(layout, here, layout.depot)


def tour_length(layout: Layout, order: Sequence[PickPoint]) -> float:
    """Metres from the depot through the picks in `order` and back, each leg the shortest way."""
    return walk_length(layout, ((p.aisle, p.y) for p in order))
