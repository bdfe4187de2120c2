"""The master data over REST: bins (with what they hold) and items (with where they are); creating and
editing them goes through the same checks as their imports (server/services/catalogue/*_master.py)."""
import io

import openpyxl
from flask import Blueprint, Response, jsonify, request

from server.api.common import current_actor, json_body, ok, optional_json
from server.domain.errors import WmsError
from server.services import transaction
from server.services.catalogue import bin_master, item_master
from server.services.imports import files
from server.services.catalogue import items as catalogue
from server.services.catalogue.items import find_bin
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
    return jsonify([bin_master.bin_view(b) for b in rows])


@bp.post("/bins")
def create_bin():
    """{"code", "zone"?, "aisle"?, "bay"?, "level"? (read from the code when it has them), "kind"?, "capacity"?}"""
    actor = current_actor()
    actor.require("master.manage")
    bin_, action = bin_master.save(json_body(), actor)
    if action == "updated" or action == "unchanged":
        transaction.rollback()
        raise WmsError("already_exists", what=f"bin {bin_.code}")
    transaction.commit()
    return ok(bin=bin_master.bin_view(bin_)), 201


@bp.post("/bins/generate")
def generate_bins():
    """{"zone": "A", "aisles": "01-20", "bays": "01-30", "levels": "1-4", "kind"?, "capacity"?, "dry_run"?}"""
    actor = current_actor()
    actor.require("master.manage")
    body = json_body()
    report = bin_master.generate(str(body.get("zone") or ""), str(body.get("aisles") or ""),
                                 str(body.get("bays") or ""), str(body.get("levels") or ""),
                                 str(body.get("kind") or "storage"), body.get("capacity"), actor,
                                 warehouse=str(body.get("warehouse") or "WH1"), dry_run=bool(body.get("dry_run")))
    if report["dry_run"]:
        transaction.rollback()
    else:
        transaction.commit()
    return ok(**report), 200 if report["dry_run"] else 201


@bp.get("/bins/<code>")
def bin_detail(code: str):
    current_actor()
    return jsonify(lookup.bin_contents(find_bin(code.upper())))


@bp.patch("/bins/<code>")
def edit_bin(code: str):
    actor = current_actor()
    actor.require("master.manage")
    bin_, action = bin_master.save(json_body(), actor, code=code)
    transaction.commit()
    return ok(bin=bin_master.bin_view(bin_), action=action)


@bp.post("/bins/<code>/block")
def block_bin(code: str):
    """{"reason"}: nothing is put into or taken from a blocked bin until it is unblocked."""
    actor = current_actor()
    actor.require("stock.adjust")
    bin_ = bin_master.set_blocked(code, True, str(json_body().get("reason") or ""), actor)
    transaction.commit()
    return ok(bin=bin_master.bin_view(bin_))


@bp.post("/bins/<code>/unblock")
def unblock_bin(code: str):
    actor = current_actor()
    actor.require("stock.adjust")
    bin_ = bin_master.set_blocked(code, False, "", actor)
    transaction.commit()
    return ok(bin=bin_master.bin_view(bin_))


@bp.get("/items")
def items():
    current_actor()
    return jsonify([item_master.item_view(i) for i in catalogue.search_items(request.args.get("q"), _limit())])


@bp.post("/items")
def create_item():
    """The item master's fields by name (server/services/catalogue/item_master.py COLUMNS): sku, name_zh, …"""
    actor = current_actor()
    actor.require("master.manage")
    body = json_body()
    if body.get("sku") and catalogue.item_by_sku(str(body["sku"])) is not None:
        raise WmsError("already_exists", what=f"item {body['sku']}")
    item, _ = item_master.save(body, actor)
    transaction.commit()
    return ok(item=item_master.item_view(item)), 201


@bp.get("/items/export")
def export_items():
    """The master as ?format=xlsx (default) or csv (UTF-8 with BOM), in the import's own columns."""
    current_actor().require("pages.view")
    header, rows = item_master.export_rows()
    if request.args.get("format") == "csv":
        return Response(files.to_csv(header, rows), mimetype="text/csv",
                        headers={"Content-Disposition": "attachment; filename=item-master.csv"})
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "商品资料"
    sheet.append(header)
    for row in rows:
        sheet.append([files.safe_cell(value) for value in row])  # openpyxl would store "=…" as a formula
    data = io.BytesIO()
    book.save(data)
    return Response(data.getvalue(), mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": "attachment; filename=item-master.xlsx"})


@bp.get("/items/<sku>")
def item_detail(sku: str):
    current_actor()
    item = catalogue.item_by_sku(sku)
    if item is None:
        raise WmsError("not_found", what=f"item {sku}")
    return jsonify(lookup.item_locations(item) | {"item": item_master.item_view(item)})


@bp.patch("/items/<sku>")
def edit_item(sku: str):
    actor = current_actor()
    actor.require("master.manage")
    item, action = item_master.save(json_body(), actor, sku=sku)
    transaction.commit()
    return ok(item=item_master.item_view(item), action=action)


@bp.get("/stock/check")
def stock_check():
    """Books against bins: every place recomputed from the ledger and compared with bin stock."""
    current_actor().require("floor.supervise")
    disagreements = stock.books_disagreements()
    return jsonify({"balanced": not disagreements, "disagreements": [
        {"bin_id": d["place"][0], "item_id": d["place"][1], "lot_id": d["place"][2],
         "ledger": d["ledger"], "bin_stock": d["bin_stock"]} for d in disagreements]})


@bp.post("/items/<sku>/block")
def block_item(sku: str):
    """{"reason", "lot"?}: block (freeze) the item, or one lot of it, with a written reason."""
    actor = current_actor()
    actor.require("stock.adjust")
    body = json_body()
    lot = body.get("lot")
    item = item_master.set_blocked(sku, True, str(body.get("reason") or ""), actor,
                                   lot_code=str(lot) if lot else None)
    transaction.commit()
    return ok(item=item_master.item_view(item), blocked_lots=[
        {"lot": lot.code, "reason": lot.block_reason} for lot in item_master.blocked_lots(item.id)])


@bp.post("/items/<sku>/unblock")
def unblock_item(sku: str):
    """{"lot"?}: unblock the item, or one lot of it."""
    actor = current_actor()
    actor.require("stock.adjust")
    body = optional_json() or {}
    lot = body.get("lot") if isinstance(body, dict) else None
    item = item_master.set_blocked(sku, False, "", actor, lot_code=str(lot) if lot else None)
    transaction.commit()
    return ok(item=item_master.item_view(item), blocked_lots=[
        {"lot": lot.code, "reason": lot.block_reason} for lot in item_master.blocked_lots(item.id)])
