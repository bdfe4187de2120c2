"""The picking floor as a picker walks it: parallel aisles, cross aisles, the depot, the pick points,
and the shortest walking distance between two places."""
from __future__ import annotations

import math
from collections.abc import Hashable, Sequence
from dataclasses import dataclass

Place = tuple[float, float]  # (x, y) in metres; x across the aisles, y along them from the front


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
    def depot(self) -> Place:
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
    """A pick list in walking order: depot → `order` → depot, `length` metres when each leg is walked
    the shortest way (what a picker led bin to bin does), and the method that chose the order."""

    method: str
    order: tuple[PickPoint, ...]
    length: float


def place(layout: Layout, point: PickPoint) -> Place:
    return (layout.x(point.aisle), point.y)


def check_points(layout: Layout, points: Sequence[PickPoint]) -> None:
    for p in points:
        if not (0 <= p.aisle < layout.aisle_count and 0 <= p.y <= layout.depth):
            raise ValueError(f"pick point {p} is outside the layout")


def distance(layout: Layout, a: Place, b: Place) -> float:
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


def tour_length(layout: Layout, order: Sequence[PickPoint]) -> float:
    """Metres from the depot through `order` and back, each leg the shortest way."""
    here = layout.depot
    total = 0.0
    for point in order:
        there = place(layout, point)
        total += distance(layout, here, there)
        here = there
    return total + distance(layout, here, layout.depot)
