"""Safety thresholds: the moment an item's stock falls below its safety quantity (low_stock), or a pick
face's below its minimum (replenish), an alert is raised and pushed to the supervisors; it clears when
stock is back (replenishment.py refills a pick face)."""
from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select

from server.db.models import Bin, Item, PickFace, StockAlert, utcnow
from server.domain.errors import WmsError
from server.domain.stock import Movement
from server.db.fast import Sql
from server.extensions import db
from server.services import transaction
from server.services.catalogue import items as catalogue_items
from server.services.inventory import levels
from server.services.people.auth import Actor

# Told (after commit) of every alert raised or cleared: the realtime layer pushes it to supervisors.
alert_listeners: list[Callable[[dict], None]] = []


def after_move(movement: Movement) -> None:
    """Check the thresholds a movement may have crossed (called by stock.move in the same transaction)."""
    # One prebuilt statement says whether there is anything to compare (most moves: nothing).
    row = _THRESHOLDS.first(item=movement.item, bin=movement.bin)
    if row is None:
        return
    safety_qty, face_min = row
    if safety_qty > 0:
        _compare("low_stock", movement.item, None, levels.on_hand(movement.item), safety_qty)
    if face_min is not None:
        _compare("replenish", movement.item, movement.bin, levels.bin_qty(movement.bin, movement.item), face_min)


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
    item = known_item(sku)
    item.safety_qty = _non_negative(qty, "safety_qty")
    _compare("low_stock", item.id, None, levels.on_hand(item.id), item.safety_qty)  # 0 clears an open alert
    return item


def set_pick_face(bin_code: str, sku: str, min_qty: object, max_qty: object, actor: Actor) -> PickFace:
    actor.require("stock.adjust")
    item, bin_ = known_item(sku), known_bin(bin_code)
    low, high = _non_negative(min_qty, "min_qty"), _non_negative(max_qty, "max_qty")
    if high <= low:
        raise WmsError("bad_request", detail="max_qty must be above min_qty")
    face = db.session.execute(select(PickFace).where(PickFace.bin_id == bin_.id, PickFace.item_id == item.id)
                              ).scalar_one_or_none() or PickFace(bin_id=bin_.id, item_id=item.id)
    face.min_qty, face.max_qty = low, high
    db.session.add(face)
    db.session.flush()
    _compare("replenish", item.id, bin_.id, levels.bin_qty(bin_.id, item.id), low)
    return face


def known_item(sku: object) -> Item:
    """The item with this SKU, or not_found (a supervisor's form names it; it is not a scan)."""
    item = catalogue_items.item_by_sku(str(sku))
    if item is None:
        raise WmsError("not_found", what=f"item {sku}")
    return item


def known_bin(code: object) -> Bin:
    """The bin with this code, or not_found."""
    bin_ = db.session.execute(select(Bin).where(Bin.code == str(code).upper())).scalar_one_or_none()
    if bin_ is None:
        raise WmsError("not_found", what=f"bin {code}")
    return bin_


def _non_negative(value: object, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise WmsError("bad_request", detail=f"{name} must be a whole number, 0 or more")
    return value
