"""Order batching onto cluster carts: every order on exactly one cart, never more orders than totes,
oversized orders alone, each cart's route picking all its lines — and the real algorithms walking
less than first-come-first-served, which walks less than one order per trip."""
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from server.domain.batching import BATCHERS, Cart, Estimate, Order, plan_batches
from server.domain.routing import Layout, PickPoint, route

SMALL_WAREHOUSE = Layout(aisle_count=10, aisle_length=30.0, aisle_spacing=3.0)
TWO_BLOCKS = Layout(aisle_count=8, aisle_length=15.0, aisle_spacing=3.0, blocks=2, depot_aisle=3.5)
CART = Cart(totes=6, tote_capacity=12)


def orders_for(layout, count, seed):
    """Web-shop orders: mostly one to three lines, a few big ones, bins anywhere in the layout."""
    rng = random.Random(seed)
    out = []
    for n in range(count):
        size = rng.choice([1, 1, 1, 2, 2, 3, 4, 6])
        lines = tuple(PickPoint(rng.randrange(layout.aisle_count), rng.randrange(60) / 60 * layout.depth + 0.25,
                                f"o{n}-{k}") for k in range(size))
        out.append(Order(f"o{n}", lines, sum(rng.choice([1, 1, 2, 3]) for _ in lines)))
    return out


@pytest.fixture(scope="module")
def wave():
    return orders_for(SMALL_WAREHOUSE, 150, seed=1)


@pytest.mark.parametrize("layout", [SMALL_WAREHOUSE, TWO_BLOCKS])
@pytest.mark.parametrize("method", list(BATCHERS))
def test_every_order_rides_on_exactly_one_cart_and_every_cart_fits(layout, method):
    orders = orders_for(layout, 120, seed=2)
    batches = plan_batches(layout, orders, CART, method)
    carried = [o.key for b in batches for o in b.orders]
    assert sorted(carried) == sorted(o.key for o in orders)
    for b in batches:
        assert 1 <= len(b.orders) <= CART.totes
        assert len(b.orders) == 1 or all(o.units <= CART.tote_capacity for o in b.orders)


@pytest.mark.parametrize("method", list(BATCHERS))
def test_each_carts_route_picks_every_line_of_its_orders_once(wave, method):
    for b in plan_batches(SMALL_WAREHOUSE, wave, CART, method):
        lines = [p for o in b.orders for p in o.lines]
        assert sorted(p.key for p in b.route.order) == sorted(p.key for p in lines)
        assert b.route.method == "optimal"
        assert b.length == pytest.approx(route(SMALL_WAREHOUSE, lines).length)


@pytest.mark.parametrize("method", list(BATCHERS))
def test_an_order_too_big_for_a_tote_goes_on_a_cart_by_itself(method):
    big = Order("big", (PickPoint(4, 10.0, "b1"), PickPoint(5, 12.0, "b2")), units=40)
    small = [Order(f"s{i}", (PickPoint(4, 11.0 + i, f"s{i}"),), units=1) for i in range(4)]
    batches = plan_batches(SMALL_WAREHOUSE, [small[0], big, *small[1:]], Cart(totes=8, tote_capacity=20), method)
    alone = [b for b in batches if any(o.key == "big" for o in b.orders)]
    assert len(alone) == 1 and len(alone[0].orders) == 1


def test_savings_walks_less_than_fcfs_which_walks_less_than_one_order_per_trip():
    totals = {m: 0.0 for m in BATCHERS}
    for seed in range(4):
        orders = orders_for(SMALL_WAREHOUSE, 90, seed=10 + seed)
        walked = {m: sum(b.length for b in plan_batches(SMALL_WAREHOUSE, orders, CART, m)) for m in BATCHERS}
        assert walked["savings"] <= walked["fcfs"] <= walked["single"]
        assert walked["seed"] <= walked["fcfs"]
        for m in BATCHERS:
            totals[m] += walked[m]
    assert totals["savings"] <= 0.9 * totals["fcfs"]
    assert totals["fcfs"] <= 0.75 * totals["single"]


def test_fcfs_fills_carts_in_arrival_order(wave):
    batches = plan_batches(SMALL_WAREHOUSE, wave, CART, "fcfs")
    regular = [o.key for o in wave if o.units <= CART.tote_capacity]
    assert [o.key for b in batches if len(b.orders) > 1 for o in b.orders] == regular[:len(regular) // 6 * 6]


def test_the_same_wave_is_batched_the_same_way_every_time(wave):
    for method in BATCHERS:
        first = [[o.key for o in b.orders] for b in plan_batches(SMALL_WAREHOUSE, wave, CART, method)]
        again = [[o.key for o in b.orders] for b in plan_batches(SMALL_WAREHOUSE, list(wave), CART, method)]
        assert first == again


@pytest.mark.parametrize("method", list(BATCHERS))
def test_odd_waves_still_come_out_whole(method):
    assert plan_batches(SMALL_WAREHOUSE, [], CART, method) == []
    empty = Order("nothing to pick", (), units=0)
    one = Order("one", (PickPoint(2, 5.0, "x"),), units=1)
    batches = plan_batches(SMALL_WAREHOUSE, [empty, one], Cart(totes=1, tote_capacity=5), method)
    assert [[o.key for o in b.orders] for b in batches] == [["nothing to pick"], ["one"]]
    assert batches[0].length == 0.0


def test_unknown_methods_and_impossible_carts_are_refused(wave):
    with pytest.raises(ValueError, match="unknown batching method"):
        plan_batches(SMALL_WAREHOUSE, wave, CART, "random")
    with pytest.raises(ValueError):
        Cart(totes=0, tote_capacity=10)
    with pytest.raises(ValueError):
        Order("x", (), units=-1)


points = st.lists(st.builds(PickPoint, st.integers(0, 7), st.integers(0, 60).map(lambda h: h / 2)), max_size=6)


@settings(max_examples=200, deadline=None)
@given(points, points)
def test_the_search_estimate_of_adding_orders_is_the_difference_of_the_estimates(base, extra):
    est = Estimate(TWO_BLOCKS)
    a, b = est.shape(base), est.shape(extra)
    assert est.added(a, b) == pytest.approx(est.value(est.union([a, b])) - est.value(a))
    assert est.added(a, b) >= 0
    assert est.value(est.shape(base + extra)) == pytest.approx(est.value(est.union([a, b])))
