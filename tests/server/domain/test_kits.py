"""Kit arithmetic: expansion, self-containment, how many kits free stock makes, and which units an order of
kits takes. Expected figures written out by hand."""
from collections import Counter

from server.domain import kits

# HZK01 = 1 shampoo + 2 socks; BOX = 1 HZK01 + 1 tee (a kit inside a kit).
RECIPES = {"HZK01": [("shampoo", 1), ("socks", 2)], "BOX": [("HZK01", 1), ("tee", 1)]}


def test_leaves_expand_nested_kits():
    assert kits.leaves("BOX", 3, RECIPES) == Counter({"shampoo": 3, "socks": 6, "tee": 3})


def test_a_kit_containing_itself_is_found_however_deep():
    assert kits.cycle("HZK01", RECIPES) is None
    looped = {**RECIPES, "HZK01": [("shampoo", 1), ("BOX", 1)]}
    assert kits.cycle("BOX", looped) == ["BOX", "HZK01", "BOX"]
    assert kits.cycle("X", {"X": [("X", 1)]}) == ["X", "X"]


def test_availability_is_ready_made_plus_the_least_the_components_make():
    free = {"HZK01": 2, "shampoo": 10, "socks": 7}
    found = kits.availability("HZK01", RECIPES, free)
    assert (found.available, found.ready_made, found.limited_by) == (2 + 3, 2, "socks")


def test_availability_of_a_kit_of_kits():
    free = {"BOX": 1, "HZK01": 1, "shampoo": 5, "socks": 4, "tee": 10}
    found = kits.availability("BOX", RECIPES, free)
    # HZK01: 1 ready + min(5, 4 // 2) = 3; tee 10 → 3 boxes built, 1 ready-made.
    assert (found.available, found.ready_made, found.limited_by) == (4, 1, "socks")


def test_no_component_stock_means_none_built():
    found = kits.availability("HZK01", RECIPES, {})
    assert (found.available, found.ready_made, found.limited_by) == (0, 0, "shampoo")


def test_demand_takes_ready_made_first_then_components():
    free = {"HZK01": 1, "shampoo": 10, "socks": 10}
    assert kits.demand("HZK01", 3, RECIPES, free) == Counter({"HZK01": 1, "shampoo": 2, "socks": 4})
    assert free == {"HZK01": 0, "shampoo": 8, "socks": 6}


def test_demand_components_first_then_ready_made():
    free = {"HZK01": 5, "shampoo": 1, "socks": 10}
    assert kits.demand("HZK01", 3, RECIPES, free, ready_first=False) == \
        Counter({"shampoo": 1, "socks": 2, "HZK01": 2})


def test_demand_beyond_free_stock_is_still_asked_for():
    assert kits.demand("HZK01", 2, RECIPES, {}) == Counter({"shampoo": 2, "socks": 4})
    assert kits.demand("tee", 2, RECIPES, {}) == Counter({"tee": 2})
