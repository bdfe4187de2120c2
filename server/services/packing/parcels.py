"""Facts of a parcel that packing and handover both read: its carrier, tracking number, units and the
exchange notice's number."""
from __future__ import annotations

from collections import Counter

from flask import current_app
from sqlalchemy import func, select

from server.db.models import LedgerEntry, Parcel, SalesOrder
from server.extensions import db


def settings() -> dict:
    return current_app.config["WMS"]["packing"]


def parcel_units(parcel: Parcel) -> Counter:
    rows = db.session.execute(select(LedgerEntry.item_id, func.sum(LedgerEntry.qty)).where(
        LedgerEntry.bin_id == parcel.bin_id, LedgerEntry.reason == "pack").group_by(LedgerEntry.item_id))
    return Counter({item: int(qty) for item, qty in rows if qty})


def carrier_for(order: SalesOrder) -> dict:
    carriers = settings()["carriers"]
    named = order.carrier.strip().upper()
    for carrier in carriers:
        if named and named in {a.upper() for a in carrier.get("aliases", [])} | {carrier["code"].upper()}:
            return carrier
    return next(c for c in carriers if c["code"] == settings()["default_carrier"])


def tracking_number(carrier: dict, parcel_id: int) -> str:
    """Prefix + 10-digit parcel number + a mod-10 check digit (a misread number fails the check)."""
    digits = f"{parcel_id:010d}"
    weighted = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(digits)))
    return f"{carrier['tracking_prefix']}{digits}{(10 - weighted % 10) % 10}"


def exchange_notice_number(order: SalesOrder) -> str:
    return f"EXN-{order.id:06d}"
