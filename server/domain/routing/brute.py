"""Brute force to check the optimiser against: Held–Karp over the shortest-path distances between the
depot and the pick places — exact for any layout, exponential in the number of places."""
from __future__ import annotations

from collections.abc import Sequence

from server.domain.routing.layout import Layout, distance

MAX_PLACES = 13  # 2^13 · 13² ≈ 1.4 M steps: a few seconds in Python; beyond that, don't


def held_karp(layout: Layout, places: Sequence[tuple[int, float]]) -> tuple[float, list[int]]:
    """The shortest tour's length and visiting order (indices into `places`)."""
    n = len(places)
    if n > MAX_PLACES:
        raise ValueError(f"brute force is for at most {MAX_PLACES} places, not {n}")
    if not n:
        return 0.0, []
    spots = [(layout.x(a), y) for a, y in places]
    home = [distance(layout, layout.depot, s) for s in spots]
    d = [[distance(layout, s, t) for t in spots] for s in spots]
    # best[mask][j]: shortest walk from the depot through the places in mask, ending at j ∈ mask
    inf = float("inf")
    best = [[inf] * n for _ in range(1 << n)]
    for j in range(n):
        best[1 << j][j] = home[j]
    for mask in range(1, 1 << n):
        row = best[mask]
        for j in range(n):
            here = row[j]
            if here == inf:
                continue
            for k in range(n):
                if not mask >> k & 1:
                    step = here + d[j][k]
                    if step < best[mask | 1 << k][k]:
                        best[mask | 1 << k][k] = step
    full = (1 << n) - 1
    length, last = min((best[full][j] + home[j], j) for j in range(n))
    order, mask = [last], full
    while len(order) < n:
        j = order[-1]
        previous = mask ^ 1 << j
        order.append(min((best[previous][k] + d[k][j], k) for k in range(n) if previous >> k & 1)[1])
        mask = previous
    order.reverse()
    return length, order
