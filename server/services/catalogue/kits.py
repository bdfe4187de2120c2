"""Kit definitions (组合装): which items, how many of each, make one kit. A kit is an item of its own (its
SKU is what the shops sell; ready-made kits are stocked under it, with their own barcode). Defining a kit
checks every component exists, no quantity is zero, and no kit contains itself, however deep."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import delete, select

from server.db.models import Item, KitComponent, Product
from server.domain import kits as rules
from server.domain.errors import WmsError, Words
from server.extensions import db
from server.services.people.auth import Actor
from server.services.catalogue.items import item_by_sku

PERMISSION = "master.manage"


@dataclass(frozen=True)
class Component:
    sku: str
    qty: int


def recipes() -> dict[int, list[tuple[int, int]]]:
    """Every kit's components by item id: {kit id: [(component id, units per kit)]}. Kits are few (a shop
    has tens to hundreds): read whole."""
    out: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for kit, component, qty in db.session.execute(
            select(KitComponent.kit_item_id, KitComponent.component_item_id, KitComponent.qty)
            .order_by(KitComponent.kit_item_id, KitComponent.id)):
        out[kit].append((component, qty))
    return dict(out)


def is_kit(item_id: int | None) -> bool:
    return item_id is not None and db.session.execute(
        select(KitComponent.id).where(KitComponent.kit_item_id == item_id).limit(1)).scalar() is not None


def kit_skus() -> list[str]:
    return list(db.session.execute(select(Item.sku).where(Item.id.in_(select(KitComponent.kit_item_id)))
                                   .order_by(Item.sku)).scalars())


def components_of(kit: Item) -> list[tuple[Item, int]]:
    """The kit's own components (one level) with their units per kit, in the order defined."""
    rows = db.session.execute(
        select(Item, KitComponent.qty).join(KitComponent, KitComponent.component_item_id == Item.id)
        .where(KitComponent.kit_item_id == kit.id).order_by(KitComponent.id)).unique().all()
    return [(item, qty) for item, qty in rows]


def kit_view(kit: Item) -> dict:
    return {"sku": kit.sku, "name": {"en": kit.product.name_en, "zh": kit.product.name_zh},
            "components": [{"sku": item.sku, "qty": qty, "kit": is_kit(item.id),
                            "name": {"en": item.product.name_en, "zh": item.product.name_zh},
                            "variant": {"en": item.variant_en, "zh": item.variant_zh}}
                           for item, qty in components_of(kit)]}


def check(kit_sku: str, components: list[Component], known: dict[str, int | None] | None = None,
          others: dict[int, list[tuple[int, int]]] | None = None) -> list[WmsError]:
    """What is wrong with a kit's definition: an unknown component, a zero (or negative) quantity, a
    component named twice, a kit that contains itself (directly or through another kit). `known` maps SKUs
    to item ids (None: the kit is new); `others`, the other kits' recipes (an import checks a file whole)."""
    known = known if known is not None else {}
    problems: list[WmsError] = []
    if not components:
        problems.append(WmsError("kit_empty", kit=kit_sku))
    seen: set[str] = set()
    for component in components:
        if component.sku == kit_sku:
            problems.append(WmsError("kit_contains_itself", kit=kit_sku, path=f"{kit_sku} → {kit_sku}"))
        elif component.sku not in known and item_by_sku(component.sku) is None:
            problems.append(WmsError("kit_unknown_component", kit=kit_sku, sku=component.sku))
        if component.qty <= 0:
            problems.append(WmsError("kit_bad_qty", kit=kit_sku, sku=component.sku, qty=component.qty))
        if component.sku in seen:
            problems.append(WmsError("kit_component_twice", kit=kit_sku, sku=component.sku))
        seen.add(component.sku)
    if problems:
        return problems
    path = _cycle(kit_sku, components, others)
    if path:
        problems.append(WmsError("kit_contains_itself", kit=kit_sku, path=" → ".join(path)))
    return problems


def _cycle(kit_sku: str, components: list[Component], others: dict | None) -> list[str] | None:
    """A kit → … → kit path through the kits as they would be once this one is saved."""
    graph = {rules_key: list(value) for rules_key, value in (others or recipes()).items()}
    ids = dict(db.session.execute(select(Item.sku, Item.id)).all())
    names = {v: k for k, v in ids.items()}
    kit_key = ids.get(kit_sku, kit_sku)
    graph[kit_key] = [(ids.get(c.sku, c.sku), c.qty) for c in components]
    path = rules.cycle(kit_key, graph)
    return [names.get(step, str(step)) for step in path] if path else None


def define(kit_sku: str, components: list[Component], actor: Actor, name_zh: str = "", name_en: str = "") -> Item:
    """Create a kit or replace its components. A kit not yet in the item master becomes an item of its own
    (named as given). Refused with every problem, nothing written. Does not commit."""
    actor.require(PERMISSION)
    kit_sku = (kit_sku or "").strip()
    if not kit_sku:
        raise WmsError("bad_request", detail=Words("a kit needs its SKU", "组合装货品需要填写商品编码（SKU）"))
    problems = check(kit_sku, components)
    if problems:
        raise problems[0]
    kit = kit_item(kit_sku, name_zh, name_en)
    write(kit, components)
    return kit


def kit_item(kit_sku: str, name_zh: str = "", name_en: str = "") -> Item:
    """The kit's own item: the item master's, else a new one named as given (an import creates every kit's
    item before writing any recipe, so a kit may name another kit of the same file)."""
    return item_by_sku(kit_sku) or _new_kit_item(kit_sku, name_zh or kit_sku, name_en or name_zh or kit_sku)


def write(kit: Item, components: list[Component]) -> None:
    """Replace the kit's components with these, already checked (check())."""
    db.session.execute(delete(KitComponent).where(KitComponent.kit_item_id == kit.id))
    for component in components:
        db.session.add(KitComponent(kit_item_id=kit.id, component_item_id=item_by_sku(component.sku).id,
                                    qty=component.qty))
    db.session.flush()


def _new_kit_item(sku: str, name_zh: str, name_en: str) -> Item:
    product = db.session.execute(select(Product).where(Product.code == sku)).scalar_one_or_none()
    if product is None:
        product = Product(code=sku, name_en=name_en[:200], name_zh=name_zh[:200])
        db.session.add(product)
        db.session.flush()
    item = Item(sku=sku, product_id=product.id, product=product, category="组合装")
    db.session.add(item)
    db.session.flush()
    return item


def undefine(kit_sku: str, actor: Actor) -> None:
    """The item is no longer a kit (its components go; the item stays, with any ready-made stock)."""
    actor.require(PERMISSION)
    kit = item_by_sku(kit_sku)
    if kit is None or not is_kit(kit.id):
        raise WmsError("not_found", what=f"kit {kit_sku}")
    db.session.execute(delete(KitComponent).where(KitComponent.kit_item_id == kit.id))
    db.session.flush()
