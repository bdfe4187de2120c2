"""Pick routing as the picker walks it: the rules' walks worked out by hand, every route visiting every
pick once from the depot and back, lengths that add up, the optimum never beaten, odd inputs."""
import heapq
import random

import pytest

from server.domain.routing import ROUTERS, Layout, PickPoint, distance, route, tour_length, walk_length

# Four aisles 10 m long, 2 m apart; the depot at the front of aisle 0.
TINY = Layout(aisle_count=4, aisle_length=10.0, aisle_spacing=2.0)

# A at 5 m in aisle 0; B (2 m) and C (9 m) in aisle 1, with the largest gap between them; D in aisle 3.
A, B, C, D = (PickPoint(0, 5.0, "A"), PickPoint(1, 2.0, "B"), PickPoint(1, 9.0, "C"), PickPoint(3, 5.0, "D"))


def keys(r):
    return "".join(p.key for p in r.order)


def test_s_shape_traverses_every_pick_aisle_and_leaves_the_odd_last_one_by_the_front():
    r = route(TINY, [D, C, B, A], "sshape")
    # up aisle 0 (A) to the back 10, across 2, down aisle 1 (C, B) to the front 10, across 4,
    # into aisle 3 to D and out again 10, back to the depot 6
    assert keys(r) == "ACBD"
    assert r.length == pytest.approx(10 + 2 + 10 + 4 + 10 + 6)


def test_s_shape_walks_through_to_the_back_even_when_the_picks_are_near_the_front():
    near_front = [PickPoint(1, 1.0), PickPoint(2, 1.0)]
    assert route(TINY, near_front, "sshape").length == pytest.approx(2 + 10 + 2 + 10 + 4)
    assert route(TINY, near_front, "optimal").length == pytest.approx(3 + 4 + 5)


def test_largest_gap_reaches_a_middle_aisle_from_both_ends_but_never_crosses_its_largest_gap():
    r = route(TINY, [A, B, C, D], "largest_gap")
    # aisle 0 traversed (A) 10, across the back 2, C from the back 2, across 4, aisle 3 down (D) 10,
    # across the front 4, B from the front 4, home 2
    assert keys(r) == "ACDB"
    assert r.length == pytest.approx(10 + 2 + 2 + 4 + 10 + 4 + 4 + 2)


def test_midpoint_takes_the_front_half_from_the_front_and_the_back_half_from_the_back():
    r = route(TINY, [A, B, C, D], "midpoint")
    assert keys(r) == "ACDB"
    assert r.length == pytest.approx(38)


def test_return_goes_in_and_out_of_every_pick_aisle_from_the_front():
    r = route(TINY, [A, B, C, D], "return")
    assert keys(r) == "ABCD"
    assert r.length == pytest.approx(10 + 2 + 18 + 4 + 10 + 6)


def test_bin_order_is_the_bin_codes_walked_the_shortest_way():
    r = route(TINY, [D, C, A, B], "bin_order")
    assert keys(r) == "ABCD"
    assert r.length == pytest.approx(tour_length(TINY, [A, B, C, D]))


def test_on_the_hand_worked_list_largest_gap_is_optimal_and_nothing_beats_it():
    best = route(TINY, [A, B, C, D], "optimal")
    assert best.length == pytest.approx(38)
    assert all(best.length <= route(TINY, [A, B, C, D], m).length for m in ROUTERS)


def layouts():
    return [TINY, Layout(10, 30.0, 3.0), Layout(7, 12.0, 2.5, blocks=2, depot_aisle=3),
            Layout(5, 8.0, 4.0, blocks=3, depot_aisle=2.5), Layout(6, 6.0, 3.0, blocks=5, depot_aisle=5)]


def random_points(rng, layout, n):
    return [PickPoint(rng.randrange(layout.aisle_count),
                      rng.choice([0.0, layout.depth, round(rng.uniform(0, layout.depth), 1)]), k) for k in range(n)]


def graph_distance(layout, a, b):
    """Dijkstra on the aisles and cross aisles drawn as a graph: a check on `distance` built
    differently from it."""
    spots = {a, b, layout.depot}
    levels = [k * layout.aisle_length for k in range(layout.blocks + 1)]
    nodes = {(layout.x(i), y) for i in range(layout.aisle_count) for y in levels} | spots
    edges = {}
    for x in {n[0] for n in nodes}:
        if (x / layout.aisle_spacing).is_integer():  # an aisle, not the depot standing between two
            column = sorted(n for n in nodes if n[0] == x)
            for p, q in zip(column, column[1:], strict=False):
                edges.setdefault(p, []).append((q, q[1] - p[1]))
                edges.setdefault(q, []).append((p, q[1] - p[1]))
    for y in levels:
        row = sorted(n for n in nodes if n[1] == y)
        for p, q in zip(row, row[1:], strict=False):
            edges.setdefault(p, []).append((q, q[0] - p[0]))
            edges.setdefault(q, []).append((p, q[0] - p[0]))
    best, todo = {a: 0.0}, [(0.0, a)]
    while todo:
        d, n = heapq.heappop(todo)
        if n == b:
            return d
        for m, w in edges.get(n, []):
            if d + w < best.get(m, float("inf")):
                best[m] = d + w
                heapq.heappush(todo, (d + w, m))
    raise AssertionError("unreachable")


@pytest.mark.parametrize("layout", layouts())
def test_the_shortest_walk_between_two_places_is_the_shortest_path_through_the_aisles(layout):
    rng = random.Random(11)
    for _ in range(40):
        p, q = random_points(rng, layout, 2)
        a, b = (layout.x(p.aisle), p.y), (layout.x(q.aisle), q.y)
        assert distance(layout, a, b) == pytest.approx(graph_distance(layout, a, b))
        assert distance(layout, layout.depot, b) == pytest.approx(graph_distance(layout, layout.depot, b))


def walked(layout, path):
    """The length of a walk through `path` from the depot and back, leg by leg."""
    spots = [layout.depot] + [(layout.x(a), y) for a, y in path] + [layout.depot]
    return sum(distance(layout, spots[i], spots[i + 1]) for i in range(len(spots) - 1))


@pytest.mark.parametrize("layout", layouts())
@pytest.mark.parametrize("method", list(ROUTERS))
def test_every_route_visits_each_pick_once_and_its_length_is_the_walk_it_describes(layout, method):
    rng = random.Random(method)
    for n in (1, 2, 5, 12, 30):
        points = random_points(rng, layout, n)
        r = route(layout, points, method)
        assert sorted(p.key for p in r.order) == list(range(n))
        picked = [spot for spot in r.path if spot in {(p.aisle, p.y) for p in points}]
        assert list(dict.fromkeys(picked)) == list(dict.fromkeys((p.aisle, p.y) for p in r.order))
        assert r.length == pytest.approx(walked(layout, r.path))
        # walking each leg the shortest way can only be shorter than what the rule prescribes
        assert tour_length(layout, r.order) <= r.length + 1e-9
        if method in ("optimal", "bin_order"):
            assert r.length == pytest.approx(tour_length(layout, r.order))


@pytest.mark.parametrize("layout", layouts())
def test_the_optimal_route_is_never_longer_than_any_rule(layout):
    rng = random.Random(5)
    for n in (1, 3, 8, 20, 60):
        for _ in range(5):
            points = random_points(rng, layout, n)
            best = route(layout, points).length
            for method in ROUTERS:
                assert best <= route(layout, points, method).length + 1e-9, method


@pytest.mark.parametrize("method", list(ROUTERS))
def test_no_picks_is_a_route_of_no_metres(method):
    r = route(TINY, [], method)
    assert (r.length, r.order, r.method) == (0.0, (), method)


@pytest.mark.parametrize("method", list(ROUTERS))
def test_picks_in_one_aisle_are_fetched_in_and_back_out(method):
    points = [PickPoint(2, 7.0, "far"), PickPoint(2, 3.0, "near")]
    r = route(TINY, points, method)
    assert r.length == pytest.approx(2 * (4 + 7))
    assert [p.key for p in r.order] == ["near", "far"]


def test_picks_on_the_front_and_back_cross_aisles_are_reached_there():
    points = [PickPoint(0, 0.0, "at the depot"), PickPoint(3, 10.0, "back corner"), PickPoint(3, 0.0, "front")]
    r = route(TINY, points)
    assert r.length == pytest.approx(2 * 6 + 2 * 10)  # up aisle 3 and back: nothing shorter reaches the corner
    assert {p.key for p in r.order} == {"at the depot", "back corner", "front"}
    only_depot = route(TINY, [PickPoint(0, 0.0, "here")])
    assert (only_depot.length, len(only_depot.order)) == (0.0, 1)


def test_several_picks_at_one_place_are_one_stop_kept_together_in_the_order_given():
    points = [PickPoint(3, 4.0, "x1"), PickPoint(1, 6.0, "y"), PickPoint(3, 4.0, "x2"), PickPoint(3, 4.0, "x1")]
    for method in ROUTERS:
        order = [p.key for p in route(TINY, points, method).order]
        assert len(order) == 4
        at = order.index("x1")
        assert order[at:at + 3] == ["x1", "x2", "x1"], method


def test_a_depot_between_two_aisles_is_left_and_reached_along_the_front():
    layout = Layout(4, 10.0, 2.0, depot_aisle=1.5)
    r = route(layout, [PickPoint(1, 2.0), PickPoint(2, 2.0)])
    assert r.length == pytest.approx((1 + 2) + (2 + 2 + 2) + (2 + 1))
    assert walk_length(layout, []) == 0.0


def test_a_block_is_as_long_as_aisle_length_and_y_runs_through_all_blocks():
    layout = Layout(3, 10.0, 2.0, blocks=2)
    assert layout.depth == 20.0
    r = route(layout, [PickPoint(0, 15.0), PickPoint(2, 12.0)])  # both behind the middle cross aisle
    # up aisle 0; over to aisle 2 by the middle cross aisle (closer than the back); down and home
    assert r.length == pytest.approx(15 + (5 + 4 + 2) + (12 + 4))


def test_unknown_methods_and_picks_off_the_floor_are_refused():
    with pytest.raises(ValueError, match="unknown routing method"):
        route(TINY, [A], "tsp")
    with pytest.raises(ValueError, match="outside"):
        route(TINY, [PickPoint(4, 1.0)])
    with pytest.raises(ValueError, match="outside"):
        route(TINY, [PickPoint(0, 10.5)])
    with pytest.raises(ValueError):
        Layout(4, 10.0, 2.0, depot_aisle=3.5)
