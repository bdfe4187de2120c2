"""Day-end (当日清): everything the warehouse has not cleared by the end of the day, wherever it was
started — receipts whose count is not signed, lots not yet inspected, units not put away, parcels closed
but not handed over, open manifests, holds older than a day, return cases still open. The supervisor
prints it before leaving; an empty report means books and floor agree for the night."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select

from server.db.models import (Inspection, Item, Lot, Manifest, Parcel, PutawayTask, Receipt, ReturnCase,
                              SalesOrder, Station, User, utcnow)
from server.extensions import db

HOLD_AGE = timedelta(days=1)


def _who(user_id: int | None) -> str | None:
    return db.session.execute(select(User.username).where(User.id == user_id)).scalar() if user_id else None


def _hours(since: datetime | None, now: datetime) -> float | None:
    return round((now - since).total_seconds() / 3600, 1) if since else None


def day_end(now: datetime | None = None) -> dict:
    """{"at", "cleared", "sections": {name: [rows]}, "counts": {name: n}}; each row says how old it is."""
    now = now or utcnow()
    sections = {
        "receipts_not_signed": [
            {"receipt": r.id, "po": r.po.number, "by": _who(r.created_by), "since": r.created_at,
             "hours": _hours(r.created_at, now)}
            for r in db.session.execute(select(Receipt).where(Receipt.status == "counting")
                                        .order_by(Receipt.created_at)).unique().scalars()],
        "lots_not_inspected": [
            {"inspection": i.id, "lot": lot, "sku": sku, "qty": i.lot_qty, "since": created,
             "hours": _hours(created, now)}
            for i, lot, sku, created in db.session.execute(
                select(Inspection, Lot.code, Item.sku, Receipt.created_at).join(Lot, Lot.id == Inspection.lot_id)
                .join(Item, Item.id == Lot.item_id).join(Receipt, Receipt.id == Inspection.receipt_id)
                .where(Inspection.status == "open").order_by(Receipt.created_at)).all()],
        "units_not_put_away": [
            {"lpn": f"LPN-{t.id:06d}", "lot": lot, "sku": sku, "qty": t.qty, "zone": t.zone}
            for t, lot, sku in db.session.execute(
                select(PutawayTask, Lot.code, Item.sku).join(Lot, Lot.id == PutawayTask.lot_id)
                .join(Item, Item.id == PutawayTask.item_id).where(PutawayTask.status == "open")
                .order_by(PutawayTask.id)).all()],
        "parcels_not_handed_over": [
            {"parcel": p.tracking or f"#{p.id}", "order": number, "carrier": p.carrier, "station": station,
             "since": p.closed_at, "hours": _hours(p.closed_at, now)}
            for p, number, station in db.session.execute(
                select(Parcel, SalesOrder.number, Station.code).join(SalesOrder, SalesOrder.id == Parcel.order_id)
                .join(Station, Station.id == Parcel.station_id)
                .where(Parcel.status == "closed").order_by(Parcel.closed_at)).all()],
        "open_manifests": [
            {"manifest": m.id, "carrier": m.carrier, "parcels": parcels, "by": _who(m.created_by),
             "since": m.created_at, "hours": _hours(m.created_at, now)}
            for m, parcels in db.session.execute(
                select(Manifest, func.count(Parcel.id)).outerjoin(Parcel, Parcel.manifest_id == Manifest.id)
                .where(Manifest.status == "open").group_by(Manifest.id).order_by(Manifest.created_at)).all()],
        "old_holds": [
            {"order": o.number, "channel": o.channel, "reason": o.hold_reason, "by": _who(o.held_by),
             "since": o.held_at, "hours": _hours(o.held_at, now)}
            for o in db.session.execute(select(SalesOrder).where(SalesOrder.status == "on_hold",
                                                                 SalesOrder.held_at <= now - HOLD_AGE)
                                        .order_by(SalesOrder.held_at)).scalars()],
        "returns_open": [
            {"case": c.number, "status": c.status, "reason": c.reason, "received_on": c.received_on}
            for c in db.session.execute(select(ReturnCase).where(ReturnCase.status.in_(("open", "inspected",
                                                                                         "signing")))
                                        .order_by(ReturnCase.received_on, ReturnCase.id)).scalars()],
    }
    return {"at": now, "cleared": not any(sections.values()), "sections": sections,
            "counts": {name: len(rows) for name, rows in sections.items()}}
