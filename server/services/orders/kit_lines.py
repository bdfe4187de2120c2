"""Kits on orders (组合装): how many kits the shops may sell. An ordered kit's demand — its ready-made units
and its components — becomes the order's `part` lines at release (sales_orders.demand_of_kits, write_parts;
server/domain/kits.py does the arithmetic)."""
from __future__ import annotations

from sqlalchemy import select

from server.db.models import Item
from server.domain import kits as rules
from server.domain.errors import WmsError
from server.extensions import db
from server.services.catalogue import kits
from server.services.catalogue.items import item_by_sku
from server.services.orders.sales_orders import free_stock, made_of


def free_units(recipes: dict, kit_id: int) -> dict[int, int]:
    """Free units of the kit and of everything it is made of, nested kits included."""
    return {item_id: free_stock(item_id) for item_id in made_of(recipes, kit_id)}


def availability(sku: str) -> dict:
    """What the shops may sell of a kit now (no overselling): free ready-made kits plus what the components'
    free units make (the least of them, by their quantities), and the component that limits it."""
    kit = item_by_sku(sku)
    recipes = kits.recipes()
    if kit is None or not rules.is_kit(kit.id, recipes):
        raise WmsError("not_a_kit", sku=sku)
    found = rules.availability(kit.id, recipes, free_units(recipes, kit.id))
    limited_by = db.session.execute(select(Item.sku).where(Item.id == found.limited_by)).scalar() \
        if found.limited_by is not None else None
    return {"sku": kit.sku, "available": found.available, "ready_made": found.ready_made,
            "limited_by": limited_by}
