"""The shortest pick tour, exactly: Ratliff & Rosenthal's sweep over the aisles (1983), carried over to
any number of cross aisles the way Roodbergen & de Koster (2001) do for two blocks.

The tour is built as a multigraph on the warehouse graph: a node where each aisle meets each cross
aisle ("levels" 0 … blocks, 0 = front), the pick places inside the sub-aisles between them. A tour is
a connected multigraph in which the depot and every pick place have positive even degree. The sweep
goes aisle by aisle, left to right; of the partial multigraph it keeps only what the rest of the
sweep can still change — for each node on the sweep line its degree (none, odd, even) and which of
them share a component — and the cheapest cost of each such state. With one block these are exactly
Ratliff & Rosenthal's seven classes; with more blocks the state space grows but stays small.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from functools import cache
from typing import NamedTuple

from server.domain.routing.layout import Layout

# A state holds one code per level at the sweep line: 0 = the node has no edge yet; otherwise
# 2·label + (1 if its degree is odd), where nodes sharing a label share a component. Labels are
# renumbered in order of first appearance so equal situations compare equal.
State = tuple[int, ...]


class Move(NamedTuple):
    """One way to cover the picks of a sub-aisle (Ratliff & Rosenthal's six): edges it adds at the
    front and back end, whether it links the two ends, and what it costs."""

    kind: str  # none | once | twice | from_front | from_back | gap
    front: int
    back: int
    joined: bool
    cost: float
    gap: int = -1  # for "gap": the skipped gap lies after pick number `gap` (0-based)


def moves(ys: Sequence[float], length: float, walkable: bool = True) -> list[Move]:
    """The candidate covers of a sub-aisle whose picks sit at sorted local positions `ys`.

    Double edges only ever skip one gap (skipping two would strand the picks between), and among
    the gaps between picks only the largest is worth skipping."""
    if not ys:
        if not walkable:
            return [Move("none", 0, 0, False, 0.0)]
        return [Move("none", 0, 0, False, 0.0), Move("once", 1, 1, True, length),
                Move("twice", 2, 2, True, 2 * length)]
    options = [Move("once", 1, 1, True, length), Move("twice", 2, 2, True, 2 * length),
               Move("from_front", 2, 0, False, 2 * ys[-1]), Move("from_back", 0, 2, False, 2 * (length - ys[0]))]
    if len(ys) > 1:
        gap, after = max((ys[i + 1] - ys[i], -i) for i in range(len(ys) - 1))
        options.append(Move("gap", 2, 2, False, 2 * (length - gap), -after))
    return options


def _canonical(odd: list[int], label: list[int]) -> State:
    renumber: dict[int, int] = {}
    codes = []
    for parity, old in zip(odd, label, strict=True):
        if not old:
            codes.append(0)
            continue
        new = renumber.setdefault(old, len(renumber) + 1)
        codes.append(2 * new + parity)
    return tuple(codes)


@cache
def after_move(state: State, level: int, front: int, back: int, joined: bool) -> State:
    """The state once a sub-aisle between `level` and `level + 1` got a move's edges."""
    odd = [code & 1 for code in state]
    label = [code >> 1 for code in state]
    fresh = max(label) + 1
    for slot, edges in ((level, front), (level + 1, back)):
        if edges:
            if not label[slot]:
                label[slot], fresh = fresh, fresh + 1
            odd[slot] ^= edges & 1
    if joined:
        gone = label[level + 1]
        label = [label[level] if lab == gone else lab for lab in label]
    return _canonical(odd, label)


@cache
def after_cross(state: State, level: int, edges: int, required: bool) -> State | None:
    """The state once the cross aisle at `level` got `edges` (0–2) edges to the next aisle and the
    node left behind is final; None if that node would end odd, or empty though required, or its
    component would be cut off from everything still to come."""
    code = state[level]
    if code == 0:
        if edges == 1 or (edges == 0 and required):
            return None
        if edges == 0:
            return state
        label = [c >> 1 for c in state]
        label[level] = max(label) + 1  # a spur out of an untouched node: how a bare depot is left
        return _canonical([c & 1 for c in state], label)
    if code & 1:
        return state if edges == 1 else None
    if edges == 1:
        return None
    if edges == 2:
        return state
    if all(other >> 1 != code >> 1 for i, other in enumerate(state) if i != level):
        return None
    rest = list(state)
    rest[level] = 0
    return _canonical([c & 1 for c in rest], [c >> 1 for c in rest])


def closed(state: State, required: Sequence[int]) -> bool:
    """Whether the partial multigraph is a whole tour: all degrees even, one component."""
    return (all(not code & 1 for code in state) and len({code >> 1 for code in state if code}) == 1
            and all(state[level] for level in required))


class Column(NamedTuple):
    x: float
    walkable: bool  # False for the depot's own column when it stands between two aisles
    picks: tuple[tuple[tuple[float, int], ...], ...]  # per block: (local y, place index), sorted
    depot: bool


def columns(layout: Layout, places: Sequence[tuple[int, float]]) -> list[Column]:
    """The aisles the sweep must cross — every aisle between the leftmost and the rightmost place to
    visit (an empty aisle can still be the way to the back) — plus the depot's own column."""
    depot_x = layout.depot[0]
    per_aisle: dict[int, list[list[tuple[float, int]]]] = defaultdict(lambda: [[] for _ in range(layout.blocks)])
    for index, (aisle, y) in enumerate(places):
        block = layout.block_of(y)
        per_aisle[aisle][block].append((y - block * layout.aisle_length, index))
    xs = [layout.x(a) for a in per_aisle] + [depot_x]
    left, right = min(xs), max(xs)
    out = []
    for aisle in range(layout.aisle_count):
        x = layout.x(aisle)
        if left <= x <= right:
            picks = per_aisle.get(aisle) or [[] for _ in range(layout.blocks)]
            out.append(Column(x, True, tuple(tuple(sorted(b)) for b in picks), x == depot_x))
    if all(c.x != depot_x for c in out):
        out.append(Column(depot_x, False, tuple(() for _ in range(layout.blocks)), True))
        out.sort(key=lambda c: c.x)
    return out


Choice = tuple[int, int, Move | int]  # (column, block, its Move) or (column, level, edges to the next column)


def sweep(layout: Layout, cols: Sequence[Column]) -> tuple[float, list[Choice]]:
    """The cheapest tour's cost and the choices that make it, column by column."""
    levels = layout.blocks + 1
    costs: dict[State, float] = {(0,) * levels: 0.0}
    trail: list[tuple[int, int, dict[State, tuple[State, Move | int]]]] = []
    for ci, col in enumerate(cols):
        for block, picks in enumerate(col.picks):
            options = moves([y for y, _ in picks], layout.aisle_length, col.walkable)
            nxt: dict[State, float] = {}
            back: dict[State, tuple[State, Move | int]] = {}
            for state, cost in costs.items():
                for move in options:
                    placed = after_move(state, block, move.front, move.back, move.joined)
                    total = cost + move.cost
                    if total < nxt.get(placed, float("inf")):
                        nxt[placed], back[placed] = total, (state, move)
            costs = nxt
            trail.append((ci, block, back))
        if ci == len(cols) - 1:
            break
        width = cols[ci + 1].x - col.x
        for level in range(levels):
            depot_here = col.depot and level == 0
            nxt, back = {}, {}
            for state, cost in costs.items():
                for edges in (0, 1, 2):
                    crossed = after_cross(state, level, edges, depot_here)
                    if crossed is None:
                        continue
                    total = cost + edges * width
                    if total < nxt.get(crossed, float("inf")):
                        nxt[crossed], back[crossed] = total, (state, edges)
            costs = nxt
            trail.append((ci, level, back))
    required = (0,) if cols[-1].depot else ()
    best, state = min((cost, state) for state, cost in costs.items() if closed(state, required))
    choices: list[Choice] = []
    for ci, where, back in reversed(trail):
        state, choice = back[state]
        choices.append((ci, where, choice))
    choices.reverse()
    return best, choices


def edges_of(layout: Layout, cols: Sequence[Column], choices: Sequence[Choice],
             places: int) -> list[tuple[int, int]]:
    """The chosen multigraph as a list of edges, one entry per copy. Nodes 0 … places−1 are the pick
    places; then come the aisle/cross-aisle junctions (see `junction`)."""
    levels = layout.blocks + 1

    def junction(ci: int, level: int) -> int:
        return places + ci * levels + level

    edges: list[tuple[int, int]] = []
    for ci, where, choice in choices:
        if isinstance(choice, int):
            edges += [(junction(ci, where), junction(ci + 1, where))] * choice
            continue
        chain = [junction(ci, where)] + [index for _, index in cols[ci].picks[where]] + [junction(ci, where + 1)]
        for i in range(len(chain) - 1):
            edges += [(chain[i], chain[i + 1])] * copies(choice, i, len(chain) - 2)
    return edges


def copies(move: Move, i: int, last: int) -> int:
    """How many times `move` walks the i-th piece of its sub-aisle (0 = from the front end to the
    first pick, `last` = from the last pick to the back end)."""
    skipped = {"from_front": last, "from_back": 0, "gap": move.gap + 1}.get(move.kind, -1)
    if i == skipped or move.kind == "none":
        return 0
    return 1 if move.kind == "once" else 2


def euler_circuit(edges: Sequence[tuple[int, int]], start: int) -> list[int]:
    """Hierholzer: a closed walk from `start` using every edge once (all degrees are even)."""
    incident: dict[int, list[int]] = defaultdict(list)
    for i, (a, b) in enumerate(edges):
        incident[a].append(i)
        incident[b].append(i)
    used = [False] * len(edges)
    next_edge: dict[int, int] = defaultdict(int)
    stack, walk = [start], []
    while stack:
        node = stack[-1]
        options = incident[node]
        while next_edge[node] < len(options) and used[options[next_edge[node]]]:
            next_edge[node] += 1
        if next_edge[node] == len(options):
            walk.append(stack.pop())
            continue
        i = options[next_edge[node]]
        used[i] = True
        a, b = edges[i]
        stack.append(b if a == node else a)
    walk.reverse()
    return walk


def optimal_sequence(layout: Layout, places: Sequence[tuple[int, float]]) -> tuple[float, list[int]]:
    """The shortest tour's length and the order (indices into `places`, each once) in which it first
    reaches each place; `places` are distinct (aisle, y)."""
    if not places:
        return 0.0, []
    cols = columns(layout, places)
    cost, choices = sweep(layout, cols)
    depot = next(i for i, c in enumerate(cols) if c.depot)
    walk = euler_circuit(edges_of(layout, cols, choices, len(places)), len(places) + depot * (layout.blocks + 1))
    order = list(dict.fromkeys(node for node in walk if node < len(places)))
    return cost, order
