"""Read the warehouse: bins (with what they hold) and items (with where they are)."""
from flask import Blueprint, jsonify, request

from server.api.common import current_actor
from server.domain.errors import WmsError
from server.services.catalogue import items as catalogue
from server.services.catalogue.items import bin_view, find_bin, item_view
from server.services.lookup import answers as lookup
from server.services.inventory import stock

bp = Blueprint("catalog", __name__, url_prefix="/api/v1")


def _limit(default: int = 500) -> int:
    try:
        return max(1, min(int(request.args.get("limit", default)), 5000))
    except ValueError:
        return default


@bp.get("/bins")
def bins():
    current_actor()
    # Totes, parcels and transit are bins in the ledger (units travel in them), not places on the shelves.
    zone = request.args.get("zone")
    rows = catalogue.list_bins(request.args.get("kind"), zone.upper() if zone else None, _limit(5000))
    return jsonify([bin_view(b) | {"x": b.x, "y": b.y, "kind": b.kind} for b in rows])


@bp.get("/bins/<code>")
def bin_detail(code: str):
    current_actor()
    return jsonify(lookup.bin_contents(find_bin(code.upper())))


@bp.get("/items")
def items():
    current_actor()
    return jsonify([item_view(i) for i in catalogue.search_items(request.args.get("q"), _limit())])


@bp.get("/items/<sku>")
def item_detail(sku: str):
    current_actor()
    item = catalogue.item_by_sku(sku)
    if item is None:
        raise WmsError("not_found", what=f"item {sku}")
    return jsonify(lookup.item_locations(item))


@bp.get("/stock/check")
def stock_check():
    """Books against bins: every place recomputed from the ledger and compared with bin stock."""
    current_actor().require("floor.supervise")
    disagreements = stock.books_disagreements()
    return jsonify({"balanced": not disagreements, "disagreements": [
        {"bin_id": d["place"][0], "item_id": d["place"][1], "lot_id": d["place"][2],
         "ledger": d["ledger"], "bin_stock": d["bin_stock"]} for d in disagreements]})
