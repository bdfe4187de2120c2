"""Ledger arithmetic: stock is the sum of movements and never goes below zero."""
import pytest
from hypothesis import given
from hypothesis import strategies as st

from server.domain.errors import WmsError
from server.domain.stock import Movement, apply, balances


def test_a_bin_holds_the_sum_of_its_movements():
    ledger = [Movement("A-01", "TEE", "L1", 10, "receipt"),
              Movement("A-01", "TEE", "L1", -3, "pick"),
              Movement("A-01", "TEE", "L2", 5, "receipt")]
    assert balances(ledger) == {("A-01", "TEE", "L1"): 7, ("A-01", "TEE", "L2"): 5}


def test_a_place_emptied_to_zero_is_no_longer_listed():
    ledger = [Movement("A-01", "TEE", "L1", 2, "receipt"), Movement("A-01", "TEE", "L1", -2, "pick")]
    assert balances(ledger) == {}


def test_taking_more_than_is_there_is_refused_with_what_is_left():
    with pytest.raises(WmsError) as caught:
        apply(1, Movement("A-01", "TEE", "L1", -2, "pick"), bin_label="A-01")
    assert caught.value.code == "negative_stock"
    assert "Only 1 left in bin A-01" in caught.value.message()["en"]


def test_a_movement_needs_a_quantity_and_a_known_reason():
    with pytest.raises(ValueError):
        Movement("A-01", "TEE", "L1", 0, "pick")
    with pytest.raises(ValueError):
        Movement("A-01", "TEE", "L1", 1, "found it on the floor")


@given(st.lists(st.integers(min_value=-5, max_value=5).filter(bool), max_size=60))
def test_replaying_any_ledger_never_shows_negative_stock(deltas):
    on_hand = 0
    accepted = []
    for delta in deltas:
        movement = Movement("B", "I", "L", delta, "adjustment")
        try:
            on_hand = apply(on_hand, movement)
        except WmsError:
            continue
        accepted.append(movement)
    assert on_hand >= 0
    assert balances(accepted).get(("B", "I", "L"), 0) == on_hand
