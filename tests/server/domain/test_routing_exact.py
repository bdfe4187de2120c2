"""The optimal route is optimal: the sweep against brute force (Held–Karp) on small random warehouses,
one block and several, and the state space Ratliff & Rosenthal describe for one block."""
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from server.domain.routing import EXACT_MAX_BLOCKS, Layout, PickPoint, route
from server.domain.routing.brute import held_karp
from server.domain.routing.exact import after_cross, after_move, moves


@st.composite
def small_instances(draw, blocks):
    aisles = draw(st.integers(1, 6))
    length = draw(st.sampled_from([5.0, 10.0, 30.0]))
    depot = draw(st.one_of(st.integers(0, aisles - 1), st.sampled_from([(aisles - 1) / 2])))
    layout = Layout(aisles, length, draw(st.sampled_from([1.0, 3.0, 7.5])), blocks=blocks, depot_aisle=depot)
    # positions on a 0.5 m grid so that ends, middle cross aisles and duplicates all turn up
    y = st.integers(0, int(2 * layout.depth)).map(lambda half_metres: half_metres / 2)
    points = draw(st.lists(st.builds(PickPoint, st.integers(0, aisles - 1), y), max_size=8))
    return layout, points


def brute_force(layout, points):
    return held_karp(layout, list(dict.fromkeys((p.aisle, p.y) for p in points)))[0]


@settings(max_examples=300, deadline=None)
@given(small_instances(blocks=1))
def test_on_one_block_the_optimal_route_is_as_short_as_brute_force_finds(instance):
    layout, points = instance
    assert route(layout, points).length == pytest.approx(brute_force(layout, points), abs=1e-9)


@settings(max_examples=100, deadline=None)
@given(st.integers(2, EXACT_MAX_BLOCKS).flatmap(small_instances))
def test_with_middle_cross_aisles_the_optimal_route_is_still_exact(instance):
    layout, points = instance
    assert route(layout, points).length == pytest.approx(brute_force(layout, points), abs=1e-9)


def test_beyond_the_exact_limit_the_local_search_stays_within_a_few_percent_of_brute_force():
    rng = random.Random(3)
    layout = Layout(8, 6.0, 3.0, blocks=EXACT_MAX_BLOCKS + 1)
    gaps = []
    for _ in range(30):
        points = [PickPoint(rng.randrange(8), round(rng.uniform(0, layout.depth), 1)) for _ in range(9)]
        best = brute_force(layout, points)
        found = route(layout, points).length
        assert found >= best - 1e-9
        gaps.append(found / best - 1)
    assert sum(gaps) / len(gaps) < 0.02 and max(gaps) < 0.10


def test_one_block_needs_only_ratliff_and_rosenthals_classes():
    """Codes per node: 0 untouched, 2·label + odd. Between aisles the sweep meets exactly
    (0,0,0C), (U,U,1C), (E,0,1C), (0,E,1C), (E,E,1C) and (E,E,2C); the seventh, (0,0,1C), is the
    closed tour at the end."""
    ys = [[], [2.0], [2.0, 8.0]]
    between, frontier = set(), {(0, 0)}
    while True:
        placed = {after_move(s, 0, m.front, m.back, m.joined) for s in frontier for y in ys for m in moves(y, 10.0)}
        crossed = set()
        for s in placed:
            for front in (0, 1, 2):
                half = after_cross(s, 0, front, False)
                for back in (0, 1, 2):
                    if half is not None and (full := after_cross(half, 1, back, False)) is not None:
                        crossed.add(full)
        if placed <= between and crossed <= frontier:
            break
        between |= placed
        frontier |= crossed
    classes = {(0, 0), (3, 3), (2, 0), (0, 2), (2, 2), (2, 4)}  # 0/0/0C, U/U/1C, E/0, 0/E, E/E/1C, E/E/2C
    assert between == frontier == classes


def test_an_aisle_is_covered_in_one_of_the_six_ways():
    assert [m.kind for m in moves([], 10.0)] == ["none", "once", "twice"]
    covers = {m.kind: m for m in moves([1.0, 3.0, 8.0], 10.0)}
    assert {k: covers[k].cost for k in covers} == {
        "once": 10.0, "twice": 20.0, "from_front": 16.0, "from_back": 18.0, "gap": 10.0}
    assert (covers["gap"].front, covers["gap"].back, covers["gap"].joined, covers["gap"].gap) == (2, 2, False, 1)


def test_a_pick_list_of_hundreds_is_routed_in_full():
    rng = random.Random(8)
    layout = Layout(20, 30.0, 3.0)
    points = [PickPoint(rng.randrange(20), rng.uniform(0, 30)) for _ in range(300)]
    r = route(layout, points)
    assert len(r.order) == 300
    assert r.length <= route(layout, points, "sshape").length + 1e-9
