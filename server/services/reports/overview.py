"""The supervisor home page's figures: bins per zone and the warehouse's totals."""
from __future__ import annotations

from sqlalchemy import func, select

from server.db.models import Bin, BinStock, Item, Scan
from server.domain.places import NOT_ON_SHELVES
from server.extensions import db


def bins_per_zone() -> list:
    """(zone, bins) of every zone of places on the shelves (totes, parcels and transit left out), by zone."""
    return db.session.execute(
        select(Bin.zone, func.count(Bin.id)).where(Bin.kind.not_in(NOT_ON_SHELVES))
        .group_by(Bin.zone).order_by(Bin.zone)).all()


def totals() -> dict:
    """Bins on the shelves, items, units in bins and scans stored."""
    return {
        "bins": db.session.execute(select(func.count(Bin.id)).where(Bin.kind.not_in(NOT_ON_SHELVES))).scalar(),
        "items": db.session.execute(select(func.count(Item.id))).scalar(),
        "units": db.session.execute(select(func.coalesce(func.sum(BinStock.qty), 0))).scalar(),
        "scans": db.session.execute(select(func.count(Scan.id))).scalar(),
    }
