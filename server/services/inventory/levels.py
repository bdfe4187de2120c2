"""How many units a place holds: what the thresholds, counts and transfers compare against."""
from __future__ import annotations

from sqlalchemy import func, select

from server.domain.places import SELLABLE
from server.db.models import Bin, BinStock
from server.extensions import db


def bin_qty(bin_id: int, item_id: int) -> int:
    """Units of an item in a bin, every lot, reserved units included (they are still on the shelf)."""
    return int(db.session.execute(select(func.coalesce(func.sum(BinStock.qty), 0)).where(
        BinStock.bin_id == bin_id, BinStock.item_id == item_id)).scalar())


def on_hand(item_id: int) -> int:
    """Units of the item in storage bins (what can still be sold; totes and parcels are on their way out)."""
    return int(db.session.execute(select(func.coalesce(func.sum(BinStock.qty), 0)).join(Bin, Bin.id == BinStock.bin_id)
                                  .where(BinStock.item_id == item_id, Bin.kind.in_(SELLABLE))).scalar())
