"""Safety thresholds: the moment an item's stock falls below its safety quantity (low_stock), or a pick
face's below its minimum (replenish), an alert is raised and pushed to the supervisors; it clears when
stock is back. A replenishment task refills a pick face from a reserve bin."""
from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import func, select

from server.db.models import Bin, BinStock, Item, Lot, PickFace, ReplenishmentTask, StockAlert, utcnow
from server.domain.errors import WmsError
from server.domain.stock import Movement
from server.db.fast import Sql
from server.extensions import db
from server.services import transaction
from server.services.people.auth import Actor

# Told (after commit) of every alert raised or cleared: the realtime layer pushes it to supervisors.
alert_listeners: list[Callable[[dict], None]] = []


def on_hand(item_id: int) -> int:
    """Units of the item in storage bins (what can still be sold; totes and parcels are on their way out)."""
    return int(db.session.execute(select(func.coalesce(func.sum(BinStock.qty), 0)).join(Bin, Bin.id == BinStock.bin_id)
                                  .where(BinStock.item_id == item_id, Bin.kind == "storage")).scalar())


def in_bin(bin_id: int, item_id: int) -> int:
    from server.services.inventory import stock  # stock calls this module on every movement

    return stock.bin_qty(bin_id, item_id)


def after_move(movement: Movement) -> None:
    """Check the thresholds a movement may have crossed (called by stock.move in the same transaction)."""
    # One prebuilt statement says whether there is anything to compare (most moves: nothing).
    row = _THRESHOLDS.first(item=movement.item, bin=movement.bin)
    if row is None:
        return
    safety_qty, face_min = row
    if safety_qty > 0:
        _compare("low_stock", movement.item, None, on_hand(movement.item), safety_qty)
    if face_min is not None:
        _compare("replenish", movement.item, movement.bin, in_bin(movement.bin, movement.item), face_min)


_THRESHOLDS = Sql("""
    SELECT i.safety_qty, f.min_qty FROM items i
    LEFT JOIN pick_faces f ON f.bin_id = :bin AND f.item_id = i.id
    WHERE i.id = :item""")


def _compare(kind: str, item_id: int, bin_id: int | None, qty: int, threshold: int) -> None:
    same_place = StockAlert.bin_id.is_(None) if bin_id is None else StockAlert.bin_id == bin_id
    alert = db.session.execute(select(StockAlert).where(
        StockAlert.kind == kind, StockAlert.item_id == item_id, same_place, StockAlert.status == "open")
    ).scalar_one_or_none()
    if qty < threshold and alert is None:
        alert = StockAlert(kind=kind, item_id=item_id, bin_id=bin_id, qty=qty, threshold=threshold, status="open")
        db.session.add(alert)
        db.session.flush()
        _tell(alert)
    elif qty < threshold:
        alert.qty = qty
    elif alert is not None:
        alert.status, alert.qty, alert.cleared_at = "cleared", qty, utcnow()
        _tell(alert)


def _tell(alert: StockAlert) -> None:
    event = alert_view(alert)
    transaction.after_commit(lambda: [listener(event) for listener in alert_listeners])


def alert_view(alert: StockAlert) -> dict:
    item = db.session.get(Item, alert.item_id)
    bin_ = db.session.get(Bin, alert.bin_id) if alert.bin_id else None
    return {"id": alert.id, "kind": alert.kind, "status": alert.status, "sku": item.sku,
            "name": {"en": item.product.name_en, "zh": item.product.name_zh},
            "bin": bin_.code if bin_ else None, "qty": alert.qty, "threshold": alert.threshold,
            "raised_at": alert.raised_at.isoformat() + "Z"}


def open_alerts() -> list[dict]:
    rows = db.session.execute(select(StockAlert).where(StockAlert.status == "open")
                              .order_by(StockAlert.id.desc()).limit(200)).scalars()
    return [alert_view(a) for a in rows]


def set_safety(sku: str, qty: object, actor: Actor) -> Item:
    """A supervisor sets an item's safety quantity; crossing it now raises (or clears) at once."""
    actor.require("stock.adjust")
    item = _item(sku)
    item.safety_qty = _non_negative(qty, "safety_qty")
    _compare("low_stock", item.id, None, on_hand(item.id), item.safety_qty)  # 0 clears an open alert
    return item


def set_pick_face(bin_code: str, sku: str, min_qty: object, max_qty: object, actor: Actor) -> PickFace:
    actor.require("stock.adjust")
    item, bin_ = _item(sku), _bin(bin_code)
    low, high = _non_negative(min_qty, "min_qty"), _non_negative(max_qty, "max_qty")
    if high <= low:
        raise WmsError("bad_request", detail="max_qty must be above min_qty")
    face = db.session.execute(select(PickFace).where(PickFace.bin_id == bin_.id, PickFace.item_id == item.id)
                              ).scalar_one_or_none() or PickFace(bin_id=bin_.id, item_id=item.id)
    face.min_qty, face.max_qty = low, high
    db.session.add(face)
    db.session.flush()
    _compare("replenish", item.id, bin_.id, in_bin(bin_.id, item.id), low)
    return face


def create_replenishment(bin_code: str, sku: str, actor: Actor) -> ReplenishmentTask:
    """Refill a pick face up to its maximum from the reserve bin holding the oldest free units."""
    actor.require("stock.transfer")
    item, face_bin = _item(sku), _bin(bin_code)
    face = db.session.execute(select(PickFace).where(PickFace.bin_id == face_bin.id, PickFace.item_id == item.id)
                              ).scalar_one_or_none()
    if face is None:
        raise WmsError("not_found", what=f"pick face {bin_code} {sku}")
    wanted = face.max_qty - in_bin(face_bin.id, item.id)
    if wanted <= 0:
        raise WmsError("bad_request", detail=f"pick face {bin_code} is full")
    source = db.session.execute(
        select(BinStock).join(Bin, Bin.id == BinStock.bin_id).join(Lot, Lot.id == BinStock.lot_id).where(
            BinStock.item_id == item.id, BinStock.bin_id != face_bin.id, Bin.kind == "storage",
            Bin.blocked.is_(False), BinStock.qty > BinStock.reserved_qty, Lot.status == "available")
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
    from server.services.inventory import stock

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
    item = db.session.get(Item, task.item_id)
    return {"task": task.id, "status": task.status, "sku": item.sku, "qty": task.qty,
            "from_bin": db.session.get(Bin, task.from_bin_id).code, "to_bin": db.session.get(Bin, task.to_bin_id).code,
            "lot": db.session.get(Lot, task.lot_id).code}


def _item(sku: str) -> Item:
    item = db.session.execute(select(Item).where(Item.sku == str(sku))).scalar_one_or_none()
    if item is None:
        raise WmsError("not_found", what=f"item {sku}")
    return item


def _bin(code: str) -> Bin:
    bin_ = db.session.execute(select(Bin).where(Bin.code == str(code).upper())).scalar_one_or_none()
    if bin_ is None:
        raise WmsError("not_found", what=f"bin {code}")
    return bin_


def _non_negative(value: object, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise WmsError("bad_request", detail=f"{name} must be a whole number, 0 or more")
    return value
