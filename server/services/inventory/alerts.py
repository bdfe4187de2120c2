"""Safety thresholds: the moment an item's stock falls below its safety quantity (low_stock), or a pick
face's below its minimum (replenish), an alert is raised and pushed to the supervisors; it clears when
stock is back (replenishment.py refills a pick face). A kit (组合装) counts as stock its ready-made units
and what its components' units make; its alert names the component that limits it."""
from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select

from server.db.models import Bin, Item, PickFace, StockAlert, utcnow
from server.domain import kits as kit_rules
from server.domain.errors import WmsError, Words
from server.domain.stock import Movement
from server.db.fast import Sql
from server.extensions import db
from server.services import transaction
from server.services.catalogue import items as catalogue_items
from server.services.catalogue import kits
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
    safety_qty, face_min, a_kit, in_a_kit = row
    if safety_qty > 0:
        _low_stock(movement.item, safety_qty, kits.recipes() if a_kit else {})
    if face_min is not None:
        _compare("replenish", movement.item, movement.bin, levels.bin_qty(movement.bin, movement.item), face_min)
    if in_a_kit:
        _kits_made_of(movement.item)


# in_a_kit: the item is in a kit (or in a kit inside a kit) that has a safety quantity — by index, never a
# scan of every kit: this runs on every stock movement.
_THRESHOLDS = Sql("""
    SELECT i.safety_qty, f.min_qty,
           EXISTS (SELECT 1 FROM kit_components k WHERE k.kit_item_id = i.id) AS a_kit,
           EXISTS (SELECT 1 FROM kit_components k JOIN items p ON p.id = k.kit_item_id
                   WHERE k.component_item_id = i.id
                     AND (p.safety_qty > 0
                          OR EXISTS (SELECT 1 FROM kit_components k2 JOIN items q ON q.id = k2.kit_item_id
                                     WHERE k2.component_item_id = p.id AND q.safety_qty > 0))) AS in_a_kit
    FROM items i
    LEFT JOIN pick_faces f ON f.bin_id = :bin AND f.item_id = i.id
    WHERE i.id = :item""")


def _low_stock(item_id: int, safety_qty: int, recipes: dict | None = None) -> None:
    """An item's units on the shelves against its safety quantity; a kit's, what it makes (kit_stock).
    `recipes`: the kits' (read here when not given; {} when the item is known to be no kit)."""
    recipes = kits.recipes() if recipes is None else recipes
    qty = kit_stock(item_id, recipes).available if item_id in recipes else levels.on_hand(item_id)
    _compare("low_stock", item_id, None, qty, safety_qty)


def kit_stock(kit_id: int, recipes: dict) -> kit_rules.Availability:
    """Ready-made kits on the shelves plus what the components on the shelves make (units on hand, as an
    item's safety stock counts them), and the component that limits them."""
    wanted, stack = {kit_id}, [kit_id]
    while stack:
        for component, _ in recipes.get(stack.pop(), ()):
            if component not in wanted:
                wanted.add(component)
                stack.append(component)
    return kit_rules.availability(kit_id, recipes, {item: levels.on_hand(item) for item in wanted})


def _kits_made_of(item_id: int) -> None:
    """A component moved: every kit made of it (directly or through another kit) that has a safety
    quantity is compared again."""
    recipes = kits.recipes()
    parents, stack = set(), [item_id]
    while stack:
        part = stack.pop()
        for kit, components in recipes.items():
            if kit not in parents and any(component == part for component, _ in components):
                parents.add(kit)
                stack.append(kit)
    if not parents:
        return
    for kit_id, safety_qty in db.session.execute(
            select(Item.id, Item.safety_qty).where(Item.id.in_(parents), Item.safety_qty > 0).order_by(Item.id)):
        _low_stock(kit_id, safety_qty, recipes)


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
            "raised_at": alert.raised_at.isoformat() + "Z", **_kit_limit(alert)}


def _kit_limit(alert: StockAlert) -> dict:
    """A kit's low-stock alert: {"kit": True, "limited_by": the component to restock} (as things are now)."""
    if alert.kind != "low_stock" or not kits.is_kit(alert.item_id):
        return {"kit": False, "limited_by": None}
    limit = kit_stock(alert.item_id, kits.recipes()).limited_by
    sku = db.session.execute(select(Item.sku).where(Item.id == limit)).scalar() if limit is not None else None
    return {"kit": True, "limited_by": sku}


def open_alerts() -> list[dict]:
    rows = db.session.execute(select(StockAlert).where(StockAlert.status == "open")
                              .order_by(StockAlert.id.desc()).limit(200)).scalars()
    return [alert_view(a) for a in rows]


def set_safety(sku: str, qty: object, actor: Actor) -> Item:
    """A supervisor sets an item's safety quantity; crossing it now raises (or clears) at once."""
    actor.require("stock.adjust")
    item = known_item(sku)
    item.safety_qty = _non_negative(qty, "safety_qty")
    _low_stock(item.id, item.safety_qty)  # 0 clears an open alert
    return item


def set_pick_face(bin_code: str, sku: str, min_qty: object, max_qty: object, actor: Actor) -> PickFace:
    actor.require("stock.adjust")
    item, bin_ = known_item(sku), known_bin(bin_code)
    low, high = _non_negative(min_qty, "min_qty"), _non_negative(max_qty, "max_qty")
    if high <= low:
        raise WmsError("bad_request", detail=Words("max_qty must be above min_qty", "max_qty 必须大于 min_qty"))
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
        raise WmsError("bad_request", detail=Words(f"{name} must be a whole number, 0 or more",
                                                   f"{name} 必须是 0 或更大的整数"))
    return value
