"""Pick-path routing: the order to walk a pick list in, over a layout of parallel aisles and cross aisles
with the depot where carts start and end. "optimal" is exact up to four blocks (Ratliff & Rosenthal's
sweep, carried over to several cross aisles) and a local search beyond; the other methods are the
rules warehouses use without an optimiser."""
from __future__ import annotations

from collections.abc import Callable, Sequence

from server.domain.routing.exact import optimal_sequence
from server.domain.routing.heuristics import Places, Stop, bin_order, largest_gap, midpoint, return_rule, sshape
from server.domain.routing.layout import (Layout, PickPoint, Route, Spot, check_points, distance, tour_length,
                                          walk_length)
from server.domain.routing.search import improved_sequence

# The exact sweep's state space grows about sevenfold per cross aisle: 4 blocks take ~50 ms a route,
# 5 blocks ~0.5 s. Past that a local search is the better trade.
EXACT_MAX_BLOCKS = 4


def optimal(layout: Layout, places: Places) -> list[Stop]:
    if layout.blocks <= EXACT_MAX_BLOCKS:
        order = optimal_sequence(layout, places)[1]
    else:
        order = improved_sequence(layout, places, (sshape, largest_gap, midpoint, return_rule))
    return [Stop(*places[i], i) for i in order]


ROUTERS: dict[str, Callable[[Layout, Places], list[Stop]]] = {
    "optimal": optimal,
    "sshape": sshape,
    "largest_gap": largest_gap,
    "return": return_rule,
    "midpoint": midpoint,
    "bin_order": bin_order,
}


def route(layout: Layout, points: Sequence[PickPoint], method: str = "optimal") -> Route:
    """The pick list in walking order by `method` (a key of ROUTERS). Points at the same place are
    one stop and stay together, in the order given."""
    if method not in ROUTERS:
        raise ValueError(f"unknown routing method {method!r}; one of {', '.join(ROUTERS)}")
    check_points(layout, points)
    at: dict[Spot, list[PickPoint]] = {}
    for point in points:
        at.setdefault((point.aisle, point.y), []).append(point)
    places = list(at)
    stops = ROUTERS[method](layout, places)
    order = tuple(p for stop in stops if stop.place >= 0 for p in at[places[stop.place]])
    path = tuple((stop.aisle, stop.y) for stop in stops)
    return Route(method, order, walk_length(layout, path), path)


__all__ = ["EXACT_MAX_BLOCKS", "ROUTERS", "Layout", "PickPoint", "Route", "distance", "route", "tour_length",
           "walk_length"]
