"""An order's story for its page: the timeline of its statuses (who, when, from which device), the stock it
moved (picked into its tote, packed into its parcels, shipped) and the documents printed for it.

Why from the audit trail and the ledger: every status change is already an audit row (ORM writes and the
prebuilt UPDATEs alike) and every unit moved a ledger row; nothing is written twice to tell the story."""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, select

from server.db.models import (AuditEntry, Bin, Device, Item, LedgerEntry, Lot, Parcel, PickTask, PrintJob, SalesOrder,
                              User)
from server.extensions import db

DOCUMENT_KINDS = ("shipping_label", "packing_list", "exchange_notice")


@dataclass(frozen=True)
class Event:
    at: datetime
    status: str  # the status reached ("imported" for the order's arrival)
    before: str | None
    user: str | None
    device: str | None
    via: str


def timeline(order: SalesOrder) -> list[Event]:
    """The order's arrival and each status it reached, oldest first."""
    events = [Event(order.created_at, "imported", None, None, None, "")]
    since = order.created_at - timedelta(minutes=1)
    # The trail's JSON is compact (orjson): narrow in SQL by table and id, then read each entry.
    marks = (f'"id":{order.id},', f'"id":{order.id}}}')
    entries = db.session.execute(
        select(AuditEntry, User.username, Device.code)
        .outerjoin(User, User.id == AuditEntry.user_id).outerjoin(Device, Device.id == AuditEntry.device_id)
        .where(AuditEntry.tables.contains(",sales_orders,"), AuditEntry.at >= since,
               or_(*(AuditEntry.changes.contains(mark) for mark in marks)))
        .order_by(AuditEntry.id)).all()
    for entry, username, device_code in entries:
        for change in json.loads(entry.changes):
            if change.get("table") != "sales_orders" or change.get("id") != order.id:
                continue
            device = device_code or entry.device_code or None
            if change.get("op") == "insert":
                events[0] = Event(entry.at, "imported", None, username, device, entry.via)
            elif "status" in (change.get("changed") or {}):
                before, after = change["changed"]["status"]
                events.append(Event(entry.at, after, before, username, device, entry.via))
    return events


def movements(order: SalesOrder, limit: int = 500) -> list[dict]:
    """The ledger rows of this order's units: picked from their bins into its tote, packed into its parcels,
    shipped. Oldest first."""
    tasks = db.session.execute(select(PickTask).where(PickTask.order_id == order.id)).scalars().all()
    parcels = db.session.execute(select(Parcel).where(Parcel.order_id == order.id)).scalars().all()
    picked = or_(*(
        (LedgerEntry.reason == "pick") & (LedgerEntry.ref == f"pick list {task.pick_list_id}")
        & (LedgerEntry.item_id == task.item_id)
        & (((LedgerEntry.bin_id == task.bin_id) & (LedgerEntry.lot_id == task.lot_id))
           | (LedgerEntry.bin_id == task.tote_bin_id))
        for task in tasks)) if tasks else None
    conditions = [LedgerEntry.ref.startswith(f"pack {order.number} parcel ", autoescape=True)]
    if parcels:
        conditions.append(LedgerEntry.bin_id.in_([p.bin_id for p in parcels]))
    if picked is not None:
        conditions.append(picked)
    rows = db.session.execute(
        select(LedgerEntry, Bin.code, Item.sku, Lot.code, User.username)
        .join(Bin, Bin.id == LedgerEntry.bin_id).join(Item, Item.id == LedgerEntry.item_id)
        .join(Lot, Lot.id == LedgerEntry.lot_id).outerjoin(User, User.id == LedgerEntry.user_id)
        .where(LedgerEntry.at >= order.created_at - timedelta(minutes=1), or_(*conditions))
        .order_by(LedgerEntry.id).limit(limit)).all()
    return [{"at": row.at, "bin": bin_code, "sku": sku, "lot": lot_code, "qty": row.qty, "reason": row.reason,
             "ref": row.ref, "user": username} for row, bin_code, sku, lot_code, username in rows]


def print_jobs(order: SalesOrder) -> list[PrintJob]:
    """Shipping labels, packing lists and exchange notices printed for the order (reprints too)."""
    jobs = db.session.execute(select(PrintJob).where(PrintJob.kind.in_(DOCUMENT_KINDS),
                                                     PrintJob.title.contains(order.number, autoescape=True))
                              .order_by(PrintJob.id)).scalars().all()
    # A title names the order as "order N" (labels) or "N (1/2)" (lists): not a longer number containing it.
    return [job for job in jobs if job.title.endswith(f"order {order.number}") or f" {order.number} (" in job.title]
