"""Work orders (加工单) over REST: create (assemble or take apart N kits), list, one, cancel. The floor works
them through the scan modes of the assembly journey (server/services/assembly/modes.py)."""
from __future__ import annotations

from flask import Blueprint, jsonify, request

from server.api.common import current_actor, json_body, ok
from server.services import transaction
from server.services.assembly import work_orders

bp = Blueprint("work_orders", __name__, url_prefix="/api/v1/work-orders")


@bp.get("")
def listed():
    """Newest first; ?status= one status; ?on_floor=1 what the handheld lists (in progress, or cancelled with
    units still to put back), oldest first."""
    current_actor()
    if request.args.get("on_floor"):
        found = work_orders.on_the_floor()
    else:
        found = work_orders.listed((request.args.get("status") or "")[:16] or None)
    return jsonify([work_orders.view(o) for o in found])


@bp.post("")
def create():
    """{"kind": "assemble"|"disassemble", "sku": the kit, "qty"}: everything it needs is reserved, or 409
    work_order_shortage naming what is missing (nothing written)."""
    actor = current_actor()
    actor.require(work_orders.MANAGE)  # before the body is read: a refused call is 403 whatever it sent
    body = json_body()
    order = work_orders.create(body.get("kind"), body.get("sku"), body.get("qty"), actor)
    transaction.commit()
    return ok(work_order=work_orders.view(order)), 201


@bp.get("/<number>")
def one(number: str):
    current_actor()
    return jsonify(work_orders.view(work_orders.get(number)))


@bp.post("/<number>/cancel")
def cancel(number: str):
    """{"reason"}: reservations released; units already picked get put-away steps back to their bins."""
    actor = current_actor()
    actor.require(work_orders.MANAGE)
    order = work_orders.cancel(number, json_body().get("reason"), actor)
    transaction.commit()
    return ok(work_order=work_orders.view(order))
