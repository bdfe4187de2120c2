"""The routing rules warehouses use without an optimiser — S-shape, return, midpoint, largest gap and
bin-code order — as the walk each one prescribes: the picks in order plus the aisle ends the rule
makes the picker walk through (the back of a traversed aisle, the front of a returned one).

With several blocks they follow Roodbergen & de Koster (2001, IJPR): the leftmost pick aisle first,
right up to the farthest block with picks, then block by block back towards the front."""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from typing import NamedTuple

from server.domain.routing.layout import Layout, Spot

Places = Sequence[Spot]  # distinct (aisle, y)


class Stop(NamedTuple):
    """A point the walk passes through: a pick place (its index), or an aisle end (place −1)."""

    aisle: int
    y: float
    place: int = -1


class Plan(NamedTuple):
    """The places grouped the way every rule reads them."""

    aisles: list[int]  # aisles with picks, in sweep order
    blocks: dict[int, dict[int, list[int]]]  # block → aisle → place indices, front to back
    far: int  # the farthest block with a pick


def plan(layout: Layout, places: Places) -> Plan:
    blocks: dict[int, dict[int, list[int]]] = defaultdict(dict)
    for index in sorted(range(len(places)), key=lambda i: places[i][1]):
        aisle, y = places[index]
        blocks[layout.block_of(y)].setdefault(aisle, []).append(index)
    aisles = sorted({aisle for aisle, _ in places})
    if layout.depot_aisle > (aisles[0] + aisles[-1]) / 2:  # sweep from the end nearer the depot
        aisles.reverse()
    return Plan(aisles, blocks, max(blocks))


def _picks(places: Places, indices: Sequence[int]) -> list[Stop]:
    return [Stop(places[i][0], places[i][1], i) for i in indices]


def _first_aisle(layout: Layout, places: Places, p: Plan) -> list[Stop]:
    """Up the first pick aisle to the back of the farthest block, picking all of it on the way (only
    back to the front if it is the only pick aisle)."""
    first = p.aisles[0]
    picks = sorted((i for i, (aisle, _) in enumerate(places) if aisle == first), key=lambda i: places[i][1])
    stops = _picks(places, picks)
    if len(p.aisles) > 1:
        stops.append(Stop(first, (p.far + 1) * layout.aisle_length))
    return stops


def sshape(layout: Layout, places: Places) -> list[Stop]:
    """Every pick aisle traversed, alternately up and down; the last one of a block is left the
    shortest way — with an odd count in one block, back out through the front."""
    if not places:
        return []
    p = plan(layout, places)
    stops = _first_aisle(layout, places, p)
    for step, block in enumerate(range(p.far, -1, -1)):
        front, back = block * layout.aisle_length, (block + 1) * layout.aisle_length
        sweep = p.aisles[1:] if step % 2 == 0 else p.aisles[:0:-1]
        rest = [a for a in sweep if a in p.blocks[block]]
        for k, aisle in enumerate(rest):
            down = k % 2 == 0  # each block is entered from its back cross aisle
            picks = p.blocks[block][aisle]
            stops.append(Stop(aisle, back if down else front))
            stops += _picks(places, picks[::-1] if down else picks)
            if k < len(rest) - 1:
                stops.append(Stop(aisle, front if down else back))
    return stops


def _split_at_largest_gap(layout: Layout, block: int, ys: list[float]) -> int:
    """How many picks (from the front) lie before the sub-aisle's largest gap, ends included."""
    bounds = [block * layout.aisle_length] + ys + [(block + 1) * layout.aisle_length]
    gaps = [bounds[i + 1] - bounds[i] for i in range(len(bounds) - 1)]
    return gaps.index(max(gaps))


def _split_at_midpoint(layout: Layout, block: int, ys: list[float]) -> int:
    middle = (block + 0.5) * layout.aisle_length
    return sum(1 for y in ys if y <= middle)


def _return_into(aisle: int, end: float, picks: list[Stop]) -> list[Stop]:
    return [Stop(aisle, end), *picks, Stop(aisle, end)] if picks else []


def _split_rule(split: Callable[[Layout, int, list[float]], int]) -> Callable[[Layout, Places], list[Stop]]:
    """Largest gap and midpoint: the first aisle traversed to the farthest block; then in each block,
    farthest first, the back parts from its back cross aisle going across, the last pick aisle
    traversed, the front parts from its front cross aisle coming back."""

    def rule(layout: Layout, places: Places) -> list[Stop]:
        if not places:
            return []
        p = plan(layout, places)
        stops = _first_aisle(layout, places, p)
        for block in range(p.far, -1, -1):
            front, back = block * layout.aisle_length, (block + 1) * layout.aisle_length
            rest = [a for a in p.aisles[1:] if a in p.blocks[block]]
            if not rest:
                continue
            picks = {a: p.blocks[block][a] for a in rest}
            cut = {a: split(layout, block, [places[i][1] for i in picks[a]]) for a in rest[:-1]}
            for aisle in rest[:-1]:
                stops += _return_into(aisle, back, _picks(places, picks[aisle][cut[aisle]:][::-1]))
            stops += [Stop(rest[-1], back), *_picks(places, picks[rest[-1]][::-1]), Stop(rest[-1], front)]
            for aisle in reversed(rest[:-1]):
                stops += _return_into(aisle, front, _picks(places, picks[aisle][:cut[aisle]]))
        return stops

    return rule


largest_gap = _split_rule(_split_at_largest_gap)
midpoint = _split_rule(_split_at_midpoint)


def return_rule(layout: Layout, places: Places) -> list[Stop]:
    """Each pick aisle entered and left from its front; blocks front to back, snaking across."""
    if not places:
        return []
    p = plan(layout, places)
    stops: list[Stop] = []
    for step, block in enumerate(sorted(p.blocks)):
        front = block * layout.aisle_length
        for aisle in p.aisles if step % 2 == 0 else p.aisles[::-1]:
            if aisle in p.blocks[block]:
                stops += _return_into(aisle, front, _picks(places, p.blocks[block][aisle]))
    return stops


def bin_order(layout: Layout, places: Places) -> list[Stop]:
    """What a naive system does: sort by bin code, i.e. aisle by aisle, front to back."""
    return _picks(places, sorted(range(len(places)), key=lambda i: places[i]))
