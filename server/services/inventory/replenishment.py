"""Replenishment: a task refills a pick face up to its maximum from the reserve bin holding the oldest
free units; scanning both bins moves them in the ledger and closes the task (and its alert clears)."""
from __future__ import annotations

from sqlalchemy import select

from server.domain.places import SELLABLE
from server.db.models import Bin, BinStock, Item, Lot, PickFace, ReplenishmentTask, StockAlert, utcnow
from server.domain.errors import WmsError, Words
from server.domain.stock import Movement
from server.extensions import db
from server.services.inventory import alerts, levels, stock
from server.services.people.auth import Actor


def create_replenishment(bin_code: str, sku: str, actor: Actor) -> ReplenishmentTask:
    """Refill a pick face up to its maximum from the reserve bin holding the oldest free units."""
    actor.require("stock.transfer")
    item, face_bin = alerts.known_item(sku), alerts.known_bin(bin_code)
    face = db.session.execute(select(PickFace).where(PickFace.bin_id == face_bin.id, PickFace.item_id == item.id)
                              ).scalar_one_or_none()
    if face is None:
        raise WmsError("not_found", what=f"pick face {bin_code} {sku}")
    wanted = face.max_qty - levels.bin_qty(face_bin.id, item.id)
    if wanted <= 0:
        raise WmsError("bad_request", detail=Words(f"pick face {bin_code} is full", f"拣货位 {bin_code} 已满"))
    source = db.session.execute(
        select(BinStock).join(Bin, Bin.id == BinStock.bin_id).join(Lot, Lot.id == BinStock.lot_id).where(
            BinStock.item_id == item.id, BinStock.bin_id != face_bin.id, Bin.kind.in_(SELLABLE),
            Bin.blocked.is_(False), BinStock.qty > BinStock.reserved_qty, Lot.status == "available",
            Lot.block_reason.is_(None))
        .order_by(Lot.received_on, BinStock.id).limit(1)).scalar_one_or_none()
    if source is None:
        raise WmsError("shortage", order=f"{bin_code}", lines=f"{sku} × {wanted}")
    alert = db.session.execute(select(StockAlert.id).where(
        StockAlert.kind == "replenish", StockAlert.bin_id == face_bin.id, StockAlert.item_id == item.id,
        StockAlert.status == "open")).scalar()
    task = ReplenishmentTask(item_id=item.id, from_bin_id=source.bin_id, to_bin_id=face_bin.id, lot_id=source.lot_id,
                             qty=min(wanted, source.qty - source.reserved_qty), alert_id=alert,
                             created_by=actor.user_id)
    db.session.add(task)
    db.session.flush()
    return task


def complete_replenishment(task_id: object, from_code: object, to_code: object, actor: Actor,
                           scan_id: str | None = None) -> ReplenishmentTask:
    """The units are in the pick face: the scanned reserve and pick bins must be the task's; they move
    in the ledger (transfer) and the task is done."""
    actor.require("stock.transfer")
    task = db.session.get(ReplenishmentTask, task_id) if isinstance(task_id, int) else None
    if task is None or task.status != "open":
        raise WmsError("not_found", what=f"open replenishment task {task_id}")
    for scanned, expected in ((from_code, task.from_bin_id), (to_code, task.to_bin_id)):
        code = db.session.get(Bin, expected).code
        if str(scanned or "").strip().upper() != code:
            raise WmsError("wrong_bin", scanned=scanned, expected=code)
    ref = f"replenishment {task.id}"
    stock.move(Movement(task.from_bin_id, task.item_id, task.lot_id, -task.qty, "transfer"), actor, ref, scan_id)
    stock.move(Movement(task.to_bin_id, task.item_id, task.lot_id, task.qty, "transfer"), actor, ref, scan_id)
    task.status, task.done_at = "done", utcnow()
    return task


def replenishment_view(task: ReplenishmentTask) -> dict:
    """A move task as the handheld's Moves journey shows it: why (a pick face to refill, or an expired lot
    going to quarantine), what, how many, from where to where."""
    item = db.session.get(Item, task.item_id)
    lot, to_bin = db.session.get(Lot, task.lot_id), db.session.get(Bin, task.to_bin_id)
    return {"task": task.id, "status": task.status, "sku": item.sku, "qty": task.qty,
            "why": "expired" if to_bin.kind == "quarantine" else "refill",
            "name": {"en": item.product.name_en, "zh": item.product.name_zh},
            "variant": {"en": item.variant_en, "zh": item.variant_zh},
            "from_bin": db.session.get(Bin, task.from_bin_id).code, "to_bin": to_bin.code,
            "lot": lot.code, "expiry": lot.expiry.isoformat() if lot.expiry else None}


def list_tasks(status: str = "open") -> list[ReplenishmentTask]:
    """Replenishment tasks of a status, oldest first."""
    return list(db.session.execute(select(ReplenishmentTask).where(
        ReplenishmentTask.status == status).order_by(ReplenishmentTask.id)).scalars())
