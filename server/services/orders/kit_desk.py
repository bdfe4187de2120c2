"""What the kits page and the kits REST calls show: each kit with its components and what the shops may
sell of it now (kit_lines.availability), and any item's availability for the shops (a plain item: its
free units, all of them "ready made")."""
from __future__ import annotations

from server.domain.errors import WmsError
from server.services.catalogue import kits
from server.services.catalogue.items import item_by_sku
from server.services.orders import kit_lines
from server.services.orders.sales_orders import free_stock


def available(sku: str) -> dict:
    """{"sku", "available", "ready_made", "limited_by"}: a kit's sellable units (ready-made and what its
    components make) and the component that limits them; a plain item's free units (limited by nothing
    but itself, so `limited_by` is None). An unknown SKU is not_found."""
    item = item_by_sku(sku)
    if item is None:
        raise WmsError("not_found", what=f"item {sku}")
    if kits.is_kit(item.id):
        return kit_lines.availability(sku)
    free = max(0, free_stock(item.id))
    return {"sku": item.sku, "available": free, "ready_made": free, "limited_by": None}


def kit_detail(sku: str) -> dict:
    """A kit as kits.kit_view shows it, with its availability and its safety quantity; not_a_kit else."""
    kit = item_by_sku(sku)
    if kit is None or not kits.is_kit(kit.id):
        raise WmsError("not_a_kit", sku=sku)
    found = kit_lines.availability(kit.sku)
    return kits.kit_view(kit) | {"available": found["available"], "ready_made": found["ready_made"],
                                 "limited_by": found["limited_by"], "safety_qty": kit.safety_qty}


def kit_list(q: str | None = None) -> list[dict]:
    """Every kit (kit_detail), by SKU; `q` keeps those whose SKU, name or a component's SKU contains it."""
    words = (q or "").strip().lower()
    out = []
    for sku in kits.kit_skus():
        view = kit_detail(sku)
        haystack = " ".join([view["sku"], view["name"]["en"] or "", view["name"]["zh"] or "",
                             *(c["sku"] for c in view["components"])]).lower()
        if words in haystack:
            out.append(view)
    return out
