"""Put-away: accepted goods go to a bin the handheld suggests (or another valid one the receiver
scans); only the bin scan moves the units into stock."""
from __future__ import annotations

import re

from sqlalchemy import func, select

from server.domain.places import SELLABLE
from server.db.models import Bin, BinStock, Item, Lot, PutawayTask, utcnow
from server.domain.barcodes import Decoded
from server.domain.errors import WmsError
from server.domain.stock import Movement
from server.extensions import db
from server.services.receiving import inbound
from server.services.inventory import stock
from server.services.people.auth import Actor

LPN = re.compile(r"^LPN-(\d{6,})$")


def lpn_code(task: PutawayTask) -> str:
    return f"LPN-{task.id:06d}"


def home_zone(item: Item) -> str:
    """Where the item already lives; a new item goes to the first storage zone."""
    zone = db.session.execute(
        select(Bin.zone).join(BinStock, BinStock.bin_id == Bin.id)
        .where(BinStock.item_id == item.id, BinStock.qty > 0, Bin.kind.in_(SELLABLE))
        .group_by(Bin.zone).order_by(func.sum(BinStock.qty).desc()).limit(1)).scalar()
    return zone or inbound.settings()["storage_zones"][0]


def create_tasks(lot: Lot, item: Item, good: int, defective: int) -> list[PutawayTask]:
    tasks = []
    if good > 0:
        zone = home_zone(item)
        tasks.append(PutawayTask(lot_id=lot.id, item_id=item.id, qty=good, zone=zone,
                                 suggested_bin_id=suggest_bin(item.id, zone, good)))
    if defective > 0:
        zone = inbound.settings()["quarantine_zone"]
        tasks.append(PutawayTask(lot_id=lot.id, item_id=item.id, qty=defective, zone=zone,
                                 suggested_bin_id=suggest_bin(item.id, zone, defective)))
    db.session.add_all(tasks)
    db.session.flush()
    return tasks


def _usable(query):
    return query.where(Bin.active.is_(True), Bin.blocked.is_(False))


def suggest_bin(item_id: int, zone: str, qty: int) -> int | None:
    """The item's own bin in the zone that still has room, else the empty bin of the zone nearest
    the receiving dock (the layout's origin), low levels first."""
    held = func.coalesce(func.sum(BinStock.qty), 0)
    same_item = db.session.execute(_usable(
        select(Bin.id).join(BinStock, BinStock.bin_id == Bin.id)
        .where(Bin.zone == zone, BinStock.item_id == item_id, BinStock.qty > 0))
        .group_by(Bin.id).order_by(Bin.code)).scalars().all()
    for bin_id in same_item:
        total = db.session.execute(select(held).where(BinStock.bin_id == bin_id)).scalar()
        capacity = db.session.get(Bin, bin_id).capacity
        if total + qty <= capacity:
            return bin_id
    occupied = select(BinStock.bin_id).where(BinStock.qty > 0)
    promised = select(PutawayTask.suggested_bin_id).where(PutawayTask.status == "open",
                                                          PutawayTask.suggested_bin_id.is_not(None))
    return db.session.execute(_usable(
        select(Bin.id).where(Bin.zone == zone, ~Bin.id.in_(occupied), ~Bin.id.in_(promised)))
        .order_by(Bin.x + Bin.y, Bin.level, Bin.code).limit(1)).scalar()


def task_for_lpn(decoded: Decoded, actor: Actor) -> PutawayTask:
    actor.require("journey.receive")
    match = LPN.match(decoded.key)
    task = db.session.get(PutawayTask, int(match.group(1))) if match else None
    if task is None:
        raise WmsError("unknown_barcode", code=decoded.key)
    if task.status != "open":
        raise WmsError("task_done", task=lpn_code(task))
    return task


def put_away(task_id: object, decoded: Decoded, actor: Actor, scan_id: str | None = None) -> PutawayTask:
    """Scanning the bin confirms: the units enter stock there (a ledger entry), the task is done."""
    actor.require("journey.receive")
    if task_id is None:
        raise WmsError("scan_lpn_first")
    # Locked: the same LPN scanned into bins on two handhelds at once is put away once (the second
    # waits, then sees the task done), never booked into stock twice.
    task = db.session.get(PutawayTask, task_id, with_for_update={"of": PutawayTask}, populate_existing=True) \
        if isinstance(task_id, int) else None
    if task is None:
        raise WmsError("not_found", what=f"put-away task {task_id}")
    if task.status != "open":
        raise WmsError("task_done", task=lpn_code(task))
    if decoded.kind != "bin":
        raise WmsError("unknown_barcode", code=decoded.key)
    target = db.session.execute(select(Bin).where(Bin.code == decoded.key)).scalar_one_or_none()
    if target is None:
        raise WmsError("unknown_barcode", code=decoded.key)
    if target.blocked or not target.active:
        raise WmsError("bin_blocked", bin=target.code)
    if target.zone != task.zone:
        raise WmsError("wrong_zone", bin=target.code, zone=target.zone, expected=task.zone)
    stock.move(Movement(target.id, task.item_id, task.lot_id, task.qty, "receipt"), actor,
               ref=lpn_code(task), scan_id=scan_id)
    task.status, task.bin_id, task.done_by, task.done_at = "done", target.id, actor.user_id, utcnow()
    db.session.flush()
    return task


def task_view(task: PutawayTask) -> dict:
    item = db.session.get(Item, task.item_id)
    lot = db.session.get(Lot, task.lot_id)
    suggested = db.session.get(Bin, task.suggested_bin_id) if task.suggested_bin_id else None
    placed = db.session.get(Bin, task.bin_id) if task.bin_id else None
    return {"task": task.id, "lpn": lpn_code(task), "status": task.status, "sku": item.sku,
            "name": {"en": item.product.name_en, "zh": item.product.name_zh},
            "variant": {"en": item.variant_en, "zh": item.variant_zh}, "lot": lot.code,
            "qty": task.qty, "zone": task.zone, "quarantine": task.zone == inbound.settings()["quarantine_zone"],
            "suggested_bin": suggested.code if suggested else None,
            "bin": placed.code if placed else None}


def open_tasks() -> list[PutawayTask]:
    return list(db.session.execute(select(PutawayTask).where(PutawayTask.status == "open")
                                   .order_by(PutawayTask.id)).scalars())
