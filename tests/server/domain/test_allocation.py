"""FIFO / FEFO allocation: the oldest lot (or the first to expire) is issued first."""
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from server.domain.allocation import StockPlace, allocate, uses_fefo


def place(bin_code, lot, available, received, expiry=None):
    return StockPlace(bin=bin_code, lot=lot, available=available, received_on=received, expiry=expiry,
                      bin_code=bin_code)


OLD = place("A-02-01-1", "L-OLD", 3, date(2026, 9, 1))
NEW = place("A-01-01-1", "L-NEW", 10, date(2026, 11, 1))


def test_the_oldest_lot_is_issued_first_even_from_a_farther_bin():
    result = allocate(5, [NEW, OLD])
    assert [(p.lot, q) for p, q in result.picks] == [("L-OLD", 3), ("L-NEW", 2)]
    assert result.short == 0


def test_the_first_to_expire_goes_first_when_lots_carry_expiry():
    early = place("B-01-01-1", "L-EXP-EARLY", 4, date(2026, 11, 5), expiry=date(2027, 1, 1))
    late = place("B-01-02-1", "L-EXP-LATE", 4, date(2026, 8, 1), expiry=date(2027, 6, 1))
    assert uses_fefo([early, late])
    assert [p.lot for p, _ in allocate(6, [late, early], fefo=True).picks] == ["L-EXP-EARLY", "L-EXP-LATE"]
    assert [p.lot for p, _ in allocate(6, [late, early], fefo=False).picks] == ["L-EXP-LATE", "L-EXP-EARLY"]


def test_what_stock_cannot_cover_is_reported_short():
    result = allocate(20, [NEW, OLD])
    assert result.allocated == 13 and result.short == 7


def test_a_line_asks_for_at_least_one_unit():
    with pytest.raises(ValueError):
        allocate(0, [NEW])


@given(st.lists(st.tuples(st.integers(0, 20), st.integers(1, 300)), max_size=8), st.integers(1, 60))
def test_allocation_never_promises_more_than_a_place_has_nor_more_than_asked(stock, qty):
    places = [place(f"A-01-{n:02d}-1", f"L{n}", available, date.fromordinal(738000 + day))
              for n, (available, day) in enumerate(stock)]
    result = allocate(qty, places)
    assert all(0 < taken <= p.available for p, taken in result.picks)
    assert result.allocated + result.short == qty
    assert result.short == max(0, qty - sum(p.available for p in places))
    received = [p.received_on for p, _ in result.picks]
    assert received == sorted(received)
