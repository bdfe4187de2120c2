"""Best-effort tours where the exact sweep gets too big (five blocks and more): start from each of the
warehouse rules, improve each by local search — Or-opt and 2-opt on the shortest-path distances —
until no move helps, and keep the shortest."""
from __future__ import annotations

from collections.abc import Callable, Sequence

from server.domain.routing.heuristics import Places, Stop
from server.domain.routing.layout import Layout, distance


def _length(d: list[list[float]], tour: list[int]) -> float:
    return sum(d[tour[i - 1]][tour[i]] for i in range(len(tour)))


def _two_opt(d: list[list[float]], tour: list[int]) -> bool:
    """Reverse one stretch of the tour where that shortens it; True if something changed."""
    n = len(tour)
    for i in range(n - 1):
        a, b = tour[i], tour[i + 1]
        for j in range(i + 2, n if i else n - 1):
            c, e = tour[j], tour[(j + 1) % n]
            if d[a][c] + d[b][e] < d[a][b] + d[c][e] - 1e-9:
                tour[i + 1:j + 1] = tour[i + 1:j + 1][::-1]
                return True
    return False


def _or_opt(d: list[list[float]], tour: list[int]) -> bool:
    """Move a run of one to three stops elsewhere (either way round) where that shortens the tour."""
    n = len(tour)
    for size in (1, 2, 3):
        for start in range(1, n - size + 1):  # position 0 is the depot: it stays first
            run = tour[start:start + size]
            before, after = tour[start - 1], tour[(start + size) % n]
            gain = d[before][run[0]] + d[run[-1]][after] - d[before][after]
            rest = tour[:start] + tour[start + size:]
            for k in range(len(rest)):
                p, q = rest[k], rest[(k + 1) % len(rest)]
                for piece in (run, run[::-1]):
                    if d[p][piece[0]] + d[piece[-1]][q] - d[p][q] < gain - 1e-9:
                        tour[:] = rest[:k + 1] + piece + rest[k + 1:]
                        return True
    return False


def improved_sequence(layout: Layout, places: Places, starts: Sequence[Callable[[Layout, Places], list[Stop]]]
                      ) -> list[int]:
    """The shortest of the `starts` orders after improving each until neither Or-opt nor 2-opt
    finds a shorter tour."""
    if not places:
        return []
    spots = [layout.depot] + [(layout.x(a), y) for a, y in places]
    d = [[distance(layout, s, t) for t in spots] for s in spots]
    tours = []
    for start in starts:
        tour = [0] + [stop.place + 1 for stop in start(layout, places) if stop.place >= 0]
        while _or_opt(d, tour) or _two_opt(d, tour):
            pass
        tours.append(tour)
    return [i - 1 for i in min(tours, key=lambda t: _length(d, t))[1:]]
