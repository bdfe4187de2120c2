"""Which units an order line gets: first in, first out by lot receipt date, or first expired,
first out where the lots carry expiry dates. Plain rules over what the bins can still promise."""
from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class StockPlace:
    """Units of one lot in one bin that are not promised to anyone yet."""

    bin: Hashable
    lot: Hashable
    available: int
    received_on: date
    expiry: date | None = None
    bin_code: str = ""


@dataclass(frozen=True)
class Allocation:
    picks: tuple[tuple[StockPlace, int], ...]
    short: int

    @property
    def allocated(self) -> int:
        return sum(qty for _, qty in self.picks)


def issue_order(places: Sequence[StockPlace], fefo: bool) -> list[StockPlace]:
    """The order in which stock is issued. FEFO: earliest expiry first (lots without one last);
    then FIFO by receipt date; ties by lot, then bin code, so the answer never depends on chance."""
    def key(place: StockPlace):
        expiry = (place.expiry is None, place.expiry or date.max) if fefo else (False, date.max)
        return (*expiry, place.received_on, str(place.lot), place.bin_code)

    return sorted((p for p in places if p.available > 0), key=key)


def allocate(qty: int, places: Sequence[StockPlace], fefo: bool = False) -> Allocation:
    """Take `qty` units in issue order; what cannot be covered is `short` (a shortage, 缺货)."""
    if qty <= 0:
        raise ValueError("an order line asks for at least one unit")
    picks: list[tuple[StockPlace, int]] = []
    remaining = qty
    for place in issue_order(places, fefo):
        if remaining == 0:
            break
        take = min(remaining, place.available)
        picks.append((place, take))
        remaining -= take
    return Allocation(tuple(picks), remaining)


def uses_fefo(places: Sequence[StockPlace]) -> bool:
    """FEFO applies to items whose lots carry expiry dates."""
    return any(place.expiry is not None for place in places)
