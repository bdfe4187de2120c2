"""Read the warehouse: bins (with what they hold) and items (with where they are)."""
from flask import Blueprint, jsonify, request
from sqlalchemy import or_, select

from server.api import current_actor
from server.db.models import Bin, Item, ItemBarcode
from server.domain.errors import WmsError
from server.extensions import db
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
    query = select(Bin).order_by(Bin.code).limit(_limit(5000))
    if request.args.get("kind"):
        query = query.where(Bin.kind == request.args["kind"])
    else:
        query = query.where(Bin.kind.not_in(("tote", "parcel", "transit")))
    if request.args.get("zone"):
        query = query.where(Bin.zone == request.args["zone"].upper())
    return jsonify([bin_view(b) | {"x": b.x, "y": b.y, "kind": b.kind}
                    for b in db.session.execute(query).scalars()])


@bp.get("/bins/<code>")
def bin_detail(code: str):
    current_actor()
    return jsonify(lookup.bin_contents(find_bin(code.upper())))


@bp.get("/items")
def items():
    current_actor()
    query = select(Item).order_by(Item.sku).limit(_limit())
    if request.args.get("q"):
        pattern = f"%{request.args['q']}%"
        query = query.where(or_(Item.sku.ilike(pattern),
                                Item.id.in_(select(ItemBarcode.item_id)
                                            .where(ItemBarcode.code.like(pattern)))))
    return jsonify([item_view(i) for i in db.session.execute(query).unique().scalars()])


@bp.get("/items/<sku>")
def item_detail(sku: str):
    current_actor()
    item = db.session.execute(select(Item).where(Item.sku == sku)).unique().scalar_one_or_none()
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
