"""Kits (组合装) over REST: the kits with their components and availability, defining or replacing one
(the import's checks: every problem at once), removing one; and any item's availability for the shops."""
from flask import Blueprint, jsonify, request

from server.api.common import current_actor, json_body, ok
from server.services import transaction
from server.services.catalogue import kit_import, kits
from server.services.orders import kit_desk

bp = Blueprint("kits", __name__, url_prefix="/api/v1")
READ = "pages.view"


@bp.get("/kits")
def kit_list():
    current_actor().require(READ)
    return jsonify(kit_desk.kit_list(request.args.get("q")))


@bp.get("/kits/<sku>")
def kit_detail(sku: str):
    current_actor().require(READ)
    return jsonify(kit_desk.kit_detail(sku))


@bp.put("/kits/<sku>")
def define_kit(sku: str):
    """{"name_zh"?, "name_en"?, "components": [{"sku", "qty"}]}: refused (422) with every problem."""
    actor = current_actor()
    actor.require(kits.PERMISSION)
    body = json_body()
    _, action = kit_import.save(sku, body.get("components"), actor, name_zh=body.get("name_zh") or "",
                                name_en=body.get("name_en") or "")
    transaction.commit()
    return ok(action=action, kit=kit_desk.kit_detail(sku)), 201 if action == "created" else 200


@bp.delete("/kits/<sku>")
def remove_kit(sku: str):
    actor = current_actor()
    kits.undefine(sku, actor)
    transaction.commit()
    return ok(sku=sku)


@bp.get("/items/<sku>/available")
def item_available(sku: str):
    current_actor().require(READ)
    return jsonify(kit_desk.available(sku))
