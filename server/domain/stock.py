"""Stock arithmetic: every movement is a ledger entry; what a bin holds is the sum of its entries."""
from __future__ import annotations

from collections.abc import Hashable, Iterable
from dataclasses import dataclass

from server.domain.errors import WmsError

# Why stock moved. Every ledger entry names one; later journeys add theirs here.
# "opening" is a warehouse's opening stock (期初库存) loaded on day one (services/inventory/opening_stock.py).
# "put_back": units of a cancelled order back from its tote or parcel to a shelf (orders/cancellation.py).
# "work_order": units picked from a shelf into a work order's bin (or taken out of it again by a cancel);
# "assembly" / "disassembly": components out and a kit in (or a kit out and its components in) inside that
# bin (services/assembly/work_orders.py).
# "scrap" writes off returned units found worthless (their value is the return's write-off cost).
REASONS = ("opening_balance", "opening", "receipt", "putaway", "pick", "pack", "transfer", "count",
           "adjustment", "return", "reversal", "ship", "scrap", "put_back", "work_order", "assembly", "disassembly")


@dataclass(frozen=True)
class Movement:
    bin: Hashable
    item: Hashable
    lot: Hashable
    qty: int  # positive in, negative out
    reason: str

    def __post_init__(self) -> None:
        if self.qty == 0:
            raise ValueError("a movement of zero units is not a movement")
        if self.reason not in REASONS:
            raise ValueError(f"unknown reason {self.reason!r}")

    @property
    def place(self) -> tuple[Hashable, Hashable, Hashable]:
        return (self.bin, self.item, self.lot)


def apply(on_hand: int, movement: Movement, bin_label: str = "") -> int:
    """New quantity after one movement; a take larger than what is there is refused."""
    after = on_hand + movement.qty
    if after < 0:
        raise WmsError("negative_stock", available=on_hand, qty=-movement.qty,
                       bin=bin_label or str(movement.bin))
    return after


def balances(movements: Iterable[Movement]) -> dict[tuple[Hashable, Hashable, Hashable], int]:
    """Replay a ledger in order: what every (bin, item, lot) holds; places at zero are left out."""
    on_hand: dict[tuple[Hashable, Hashable, Hashable], int] = {}
    for movement in movements:
        on_hand[movement.place] = apply(on_hand.get(movement.place, 0), movement)
    return {place: qty for place, qty in on_hand.items() if qty}


def quantity(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise WmsError("bad_quantity", qty=value)
    try:
        qty = int(value)
    except ValueError:
        raise WmsError("bad_quantity", qty=value) from None
    if qty <= 0 or qty > 2_147_483_647:  # the database's integer: more is a typo, never a delivery
        raise WmsError("bad_quantity", qty=qty)
    return qty
