"""Order batching for cluster picking: which orders share a pick cart (one tote per order) so that the
pickers walk least. One order per trip and first-come-first-served are the baselines; the seed
algorithm and Clarke–Wright savings improved by local search are the real ones.

A cart holds `totes` orders, each in a tote of its own, so a cart takes at most `totes` orders. An
order with more units than a tote holds goes on a cart by itself (splitting an order over totes is
out of scope). Every batch is routed exactly (`route(..., "optimal")`) over all its pick points.

The search cannot route every candidate batch of a 10,000-line wave, so it scores batches with a
cheap estimate of their route: the aisles spanned (depot included) walked there and back, twice the
way up to the farthest block, and per sub-aisle the cheaper of walking through it (its length) and
going in from its nearer end to the farthest pick and back. The estimate is additive over
sub-aisles, so what an order adds to a batch costs only that order's sub-aisles to work out. The
search is granular: each order is only ever compared with a short list of likely partners."""
from __future__ import annotations

import bisect
import heapq
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from server.domain.routing import Layout, PickPoint, Route, route

NEIGHBOURS = 8  # likely partners kept per order
WINDOW = 6  # how far each side to look for them in each of two sort orders
ROUNDS = 3  # savings rounds: the later ones merge the part-filled carts the first one left
PASSES = 3  # local search passes at most; each tries every order once


@dataclass(frozen=True)
class Order:
    key: Hashable
    lines: tuple[PickPoint, ...]
    units: int

    def __post_init__(self) -> None:
        if self.units < 0:
            raise ValueError("an order cannot have negative units")


@dataclass(frozen=True)
class Cart:
    totes: int
    tote_capacity: int  # units

    def __post_init__(self) -> None:
        if self.totes < 1 or self.tote_capacity < 1:
            raise ValueError("a cart has at least one tote holding at least one unit")


@dataclass(frozen=True)
class Batch:
    """The orders on one cart (tote i holds orders[i]) and the route that picks them all."""

    orders: tuple[Order, ...]
    route: Route

    @property
    def length(self) -> float:
        return self.route.length


Cells = dict[int, tuple[float, float, float]]  # sub-aisle (aisle · blocks + block) → lowest, highest y, cost


@dataclass(slots=True)
class Shape:
    """What the estimate needs to know of a set of picks."""

    cells: Cells
    left: float  # leftmost and rightmost aisle, the depot's included
    right: float
    far: int  # farthest block with a pick
    inner: float  # the per-sub-aisle part of the estimate


class Estimate:
    """The cheap route estimate the search optimises (see the module docstring). Written for speed:
    the search calls `added` about half a million times for a 10,000-line wave."""

    def __init__(self, layout: Layout) -> None:
        self.blocks = layout.blocks
        self.length = layout.aisle_length
        self.spacing = layout.aisle_spacing
        self.depot = layout.depot_aisle

    def cell(self, lo: float, hi: float) -> tuple[float, float, float]:
        return (lo, hi, min(self.length, 2 * min(hi, self.length - lo)))

    def shape(self, points: Sequence[PickPoint]) -> Shape:
        spans: dict[int, tuple[float, float]] = {}
        for p in points:
            block = min(int(p.y // self.length), self.blocks - 1)
            key, y = p.aisle * self.blocks + block, p.y - block * self.length
            lo, hi = spans.get(key, (y, y))
            spans[key] = (min(lo, y), max(hi, y))
        return self._shape({key: self.cell(lo, hi) for key, (lo, hi) in spans.items()})

    def _shape(self, cells: Cells) -> Shape:
        aisles = [key // self.blocks for key in cells] + [self.depot]
        return Shape(cells, min(aisles), max(aisles), max((key % self.blocks for key in cells), default=0),
                     sum(c[2] for c in cells.values()))

    def value(self, s: Shape) -> float:
        return 2 * ((s.right - s.left) * self.spacing + s.far * self.length) + s.inner

    def union(self, shapes: Sequence[Shape]) -> Shape:
        cells: Cells = {}
        for s in shapes:
            for key, cell in s.cells.items():
                old = cells.get(key)
                if old is None:
                    cells[key] = cell
                elif cell[0] < old[0] or cell[1] > old[1]:
                    cells[key] = self.cell(min(cell[0], old[0]), max(cell[1], old[1]))
        return self._shape(cells)

    def added(self, base: Shape, extra: Shape) -> float:
        """Estimate(base ∪ extra) − Estimate(base), looking only at extra's sub-aisles."""
        change = 0.0
        length = self.length
        cells = base.cells
        for key, cell in extra.cells.items():
            old = cells.get(key)
            if old is None:
                change += cell[2]
                continue
            lo = cell[0] if cell[0] < old[0] else old[0]
            hi = cell[1] if cell[1] > old[1] else old[1]
            reach = 2 * (hi if hi < length - lo else length - lo)
            change += (reach if reach < length else length) - old[2]
        widen = (base.left - extra.left if extra.left < base.left else 0) + (
            extra.right - base.right if extra.right > base.right else 0)
        deeper = extra.far - base.far if extra.far > base.far else 0
        return change + 2 * (widen * self.spacing + deeper * length)

    def saving(self, a: Shape, b: Shape) -> float:
        """Estimate(a) + Estimate(b) − Estimate(a ∪ b): what one trip for both saves over two."""
        if len(a.cells) < len(b.cells):
            a, b = b, a
        return self.value(b) - self.added(a, b)


def by_span(shapes: Mapping[int, Shape] | Sequence[Shape]) -> Callable[[int], tuple[float, ...]]:
    """A sort key that puts sets spanning the same aisles (and reaching as deep) side by side."""
    return lambda i: (shapes[i].right, shapes[i].left, shapes[i].far, -shapes[i].inner, i)


def partners(est: Estimate, shapes: Mapping[int, Shape]) -> dict[int, list[int]]:
    """For each shape, the others with the best pairwise savings among its neighbours in two sort
    orders — by the aisles spanned, and by its costliest sub-aisle and depth. Symmetric: if j is on
    i's list, i is on j's."""

    def by_main(i: int) -> tuple[float, ...]:
        cells = shapes[i].cells
        if not cells:
            return (-1, 0.0, i)
        key = max(cells, key=lambda k: (cells[k][2], k))
        return (key, cells[key][1], i)

    pool: dict[int, set[int]] = {i: set() for i in shapes}
    for sort_key in (by_span(shapes), by_main):
        ranked = sorted(shapes, key=sort_key)
        for pos, i in enumerate(ranked):
            pool[i].update(ranked[max(0, pos - WINDOW):pos] + ranked[pos + 1:pos + 1 + WINDOW])
    best = {i: [j for _, j in sorted((-est.saving(shapes[i], shapes[j]), j) for j in others)[:NEIGHBOURS]]
            for i, others in pool.items()}
    for i, others in best.items():
        for j in others:
            if i not in best[j]:
                best[j].append(i)
    return best


class Pool(NamedTuple):
    """The orders as the search sees them."""

    est: Estimate
    shapes: list[Shape]  # per order
    regular: list[int]  # the orders that fit a tote
    alone: list[list[int]]  # the others, a cart each
    near: dict[int, list[int]]  # likely partners of each regular order


def pool(layout: Layout, orders: Sequence[Order], cart: Cart) -> Pool:
    est = Estimate(layout)
    shapes = [est.shape(o.lines) for o in orders]
    regular = [i for i, o in enumerate(orders) if o.units <= cart.tote_capacity]
    alone = [[i] for i, o in enumerate(orders) if o.units > cart.tote_capacity]
    return Pool(est, shapes, regular, alone, partners(est, {i: shapes[i] for i in regular}))


def single(layout: Layout, orders: Sequence[Order], cart: Cart) -> list[list[int]]:
    return [[i] for i in range(len(orders))]


def fcfs(layout: Layout, orders: Sequence[Order], cart: Cart) -> list[list[int]]:
    """Carts filled in arrival order; an order too big for a tote goes alone."""
    batches: list[list[int]] = []
    current: list[int] = []
    for i, order in enumerate(orders):
        if order.units > cart.tote_capacity:
            batches.append([i])
            continue
        current.append(i)
        if len(current) == cart.totes:
            batches.append(current)
            current = []
    return batches + ([current] if current else [])


def seed(layout: Layout, orders: Sequence[Order], cart: Cart) -> list[list[int]]:
    """Seed batching (de Koster, van der Poort & Wolters 1999): the costliest order left starts a
    cart; then the order adding least to the estimated route joins, until the cart is full."""
    p = pool(layout, orders, cart)
    ranked = sorted(p.regular, key=by_span(p.shapes))
    position = {i: at for at, i in enumerate(ranked)}
    free = list(range(len(ranked)))  # positions in `ranked` of the orders not yet on a cart

    def is_free(i: int) -> bool:
        at = bisect.bisect_left(free, position[i])
        return at < len(free) and free[at] == position[i]

    batches = list(p.alone)
    for start in sorted(p.regular, key=lambda i: (-p.est.value(p.shapes[i]), i)):
        if not is_free(start):
            continue
        del free[bisect.bisect_left(free, position[start])]
        batch, shape = [start], p.shapes[start]
        while len(batch) < cart.totes and free:
            candidates = {j for i in batch for j in p.near[i] if j not in batch and is_free(j)}
            if not candidates:  # no partner left: the nearest free orders in span order
                at = bisect.bisect_left(free, position[start])
                candidates = {ranked[q] for q in free[max(0, at - WINDOW):at + WINDOW]}
            best = min(candidates, key=lambda j: (p.est.added(shape, p.shapes[j]), j))
            del free[bisect.bisect_left(free, position[best])]
            batch.append(best)
            shape = p.est.union([shape, p.shapes[best]])
        batches.append(batch)
    return batches


def savings(layout: Layout, orders: Sequence[Order], cart: Cart) -> list[list[int]]:
    """Clarke–Wright savings, recomputed after every merge (C&W(ii)): merge the two batches whose
    joint route saves most over their separate ones while the cart has totes for both; then local
    search moves and swaps orders between batches while that shortens the estimate."""
    p = pool(layout, orders, cart)
    est = p.est
    groups = _merge(est, cart.totes, {i: [i] for i in p.regular}, {i: p.shapes[i] for i in p.regular}, p.near)
    for _ in range(ROUNDS - 1):
        part = dict(enumerate(g for g in groups if len(g) < cart.totes))
        if len(part) < 2:
            break
        shapes = {k: est.union([p.shapes[i] for i in g]) for k, g in part.items()}
        merged = _merge(est, cart.totes, part, shapes, partners(est, shapes))
        if len(merged) == len(part):
            break
        groups = [g for g in groups if len(g) == cart.totes] + merged
    return p.alone + _local_search(p, cart.totes, groups)


def _merge(est: Estimate, totes: int, groups: dict[int, list[int]], shapes: dict[int, Shape],
           near: dict[int, list[int]]) -> list[list[int]]:
    """Merge groups by best saving first, each merged group's savings with its members' partners
    recomputed; `shapes` and `near` are per group."""
    members = {g: list(orders) for g, orders in groups.items()}
    origin = {g: [g] for g in groups}  # the groups a merged group was made from
    owner = {g: g for g in groups}
    shape = dict(shapes)
    stamp = dict.fromkeys(groups, 0)  # bumped on every merge: older heap entries are stale
    heap: list[tuple[float, int, int, int, int]] = []

    def offer(a: int, b: int) -> None:
        if len(members[a]) + len(members[b]) <= totes:
            a, b = min(a, b), max(a, b)
            heapq.heappush(heap, (-est.saving(shape[a], shape[b]), a, b, stamp[a], stamp[b]))

    for a in groups:
        for b in near[a]:
            if a < b:
                offer(a, b)
    while heap:
        _, a, b, sa, sb = heapq.heappop(heap)
        if a not in members or b not in members or stamp[a] != sa or stamp[b] != sb:
            continue
        for g in origin[b]:
            owner[g] = a
        origin[a] += origin.pop(b)
        members[a] += members.pop(b)
        shape[a] = est.union([shape[a], shape.pop(b)])
        stamp[a] += 1
        if len(members[a]) < totes:
            for c in {owner[q] for g in origin[a] for q in near[g]} - {a}:
                offer(a, c)
    return list(members.values())


def _local_search(p: Pool, totes: int, groups: list[list[int]]) -> list[list[int]]:
    """Move an order to another cart, or swap two, whenever the estimate drops — only towards the
    carts of the order's likely partners; first improvement, until a pass changes nothing."""
    est, shapes = p.est, p.shapes
    batches = [list(g) for g in groups]
    where = {i: b for b, g in enumerate(batches) for i in g}
    shape = [est.union([shapes[i] for i in g]) for g in batches]
    rests: dict[int, dict[int, tuple[Shape, float]]] = {}  # batch → order → (shape without it, saving)

    def rest(b: int) -> dict[int, tuple[Shape, float]]:
        if b not in rests:  # each "without" from the unions before and after it: linear, not quadratic
            members = batches[b]
            before, after = [est.union([])], [est.union([])]
            for i, j in zip(members, reversed(members), strict=True):
                before.append(est.union([before[-1], shapes[i]]))
                after.append(est.union([after[-1], shapes[j]]))
            whole = est.value(shape[b])
            rests[b] = {}
            for k, i in enumerate(members):
                without = est.union([before[k], after[len(members) - 1 - k]])
                rests[b][i] = (without, whole - est.value(without))
        return rests[b]

    for _ in range(PASSES):
        improved = False
        for i in sorted(where):
            a = where[i]
            rest_a, freed = rest(a)[i]
            best = 1e-9
            move: tuple[int, int | None] | None = None
            for b in sorted({where[j] for j in p.near[i]} - {a}):
                if len(batches[b]) < totes and freed > best:
                    gain = freed - est.added(shape[b], shapes[i])
                    if gain > best:
                        best, move = gain, (b, None)
                for j, (rest_b, freed_b) in rest(b).items():
                    if freed + freed_b <= best:  # what the two leave behind bounds what a swap gains
                        continue
                    gain = freed + freed_b - est.added(rest_b, shapes[i])
                    if gain <= best:
                        continue
                    gain -= est.added(rest_a, shapes[j])
                    if gain > best:
                        best, move = gain, (b, j)
            if move is None:
                continue
            improved = True
            b, other = move
            batches[a].remove(i)
            batches[b].append(i)
            where[i] = b
            if other is not None:
                batches[b].remove(other)
                batches[a].append(other)
                where[other] = a
            for c in (a, b):
                shape[c] = est.union([shapes[k] for k in batches[c]])
                rests.pop(c, None)
        if not improved:
            break
    return [g for g in batches if g]


BATCHERS: dict[str, Callable[[Layout, Sequence[Order], Cart], list[list[int]]]] = {
    "single": single, "fcfs": fcfs, "seed": seed, "savings": savings}


def plan_batches(layout: Layout, orders: Sequence[Order], cart: Cart, method: str = "savings") -> list[Batch]:
    """The orders grouped onto carts by `method` (a key of BATCHERS), each batch routed optimally.
    Deterministic; batches come in the order of their earliest order, orders in a batch (its totes)
    in arrival order."""
    if method not in BATCHERS:
        raise ValueError(f"unknown batching method {method!r}; one of {', '.join(BATCHERS)}")
    groups = sorted((sorted(g) for g in BATCHERS[method](layout, orders, cart) if g), key=lambda g: g[0])
    return [Batch(tuple(orders[i] for i in g), route(layout, [p for i in g for p in orders[i].lines]))
            for g in groups]


__all__ = ["BATCHERS", "Batch", "Cart", "Order", "plan_batches"]
