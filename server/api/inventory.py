"""Transfers, cycle counts and adjustments over REST. A counter's routes never carry book quantities."""
from flask import Blueprint, jsonify, request

from server.api.common import current_actor, json_body, ok
from server.services.inventory import counts
from server.services.inventory import control
from server.domain.stock import quantity

bp = Blueprint("inventory", __name__, url_prefix="/api/v1")


# --- transfers ----------------------------------------------------------------------------------

@bp.post("/transfers")
def create_transfer():
    """{"from_bin", "sku", "lot"?, "qty", "to_bin"? | "to_warehouse"?}: bin → bin at once, or towards
    another warehouse (in transit until received there)."""
    actor = current_actor()
    actor.require("stock.transfer")  # before the body is read: a refused role gets 403, not 400/404
    body = json_body()
    made = control.transfer(body.get("from_bin"), control.find_sku(body.get("sku")),
                              quantity(body.get("qty")), actor, to_code=body.get("to_bin"),
                              to_warehouse=body.get("to_warehouse"), lot_code=body.get("lot"))
    control.commit()
    return ok(transfers=[control.transfer_view(row) for row in made]), 201


@bp.get("/transfers")
def list_transfers():
    """?status=in_transit&warehouse=WH2: what is on its way to a warehouse."""
    current_actor().require("stock.transfer")
    rows = control.transfers(request.args.get("status"), request.args.get("warehouse"))
    return jsonify([control.transfer_view(row) for row in rows])


@bp.get("/transfers/<int(max=2147483647):transfer_id>")
def get_transfer(transfer_id: int):
    current_actor().require("stock.transfer")
    return jsonify(control.transfer_view(control.find_transfer(transfer_id)))


@bp.post("/transfers/<int(max=2147483647):transfer_id>/receive")
def receive_transfer(transfer_id: int):
    """{"to_bin"}: the travelling units arrive in a bin of the destination warehouse."""
    actor = current_actor()
    actor.require("stock.transfer")
    row = control.receive(transfer_id, json_body().get("to_bin"), actor)
    control.commit()
    return ok(transfer=control.transfer_view(row))


# --- adjustments --------------------------------------------------------------------------------

@bp.post("/adjustments")
def create_adjustment():
    """{"bin", "sku", "lot"?, "qty" (signed), "reason" (config [inventory] adjustment_reasons), "note"?}."""
    actor = current_actor()
    actor.require("stock.adjust")
    body = json_body()
    rows = control.adjust(body.get("bin"), body.get("sku"), body.get("qty"), body.get("reason"), actor,
                            note=str(body.get("note") or ""), lot_code=body.get("lot"))
    control.commit()
    return ok(adjustments=[control.adjustment_view(row) for row in rows]), 201


@bp.get("/adjustments")
def list_adjustments():
    current_actor().require("stock.adjust")
    return jsonify([control.adjustment_view(row) for row in control.adjustments()])


# --- cycle counts: the supervisor's side ------------------------------------------------------------

@bp.post("/counts")
def schedule_count():
    """{"zone"} | {"sku"} | {"bins": [codes]} | {"not_counted_days", "limit"?}, each with "warehouse"?."""
    actor = current_actor()
    actor.require("counts.manage")
    count = counts.schedule(json_body(), actor)
    control.commit()
    return ok(count=counts.count_view(count)), 201


@bp.get("/counts")
def list_counts():
    current_actor().require("counts.manage")
    return jsonify([counts.count_view(c, with_lines=False) for c in counts.counts(request.args.get("status"))])


@bp.get("/counts/<int(max=2147483647):count_id>")
def get_count(count_id: int):
    current_actor().require("counts.manage")
    return jsonify(counts.count_view(counts.find_count(count_id)))


@bp.post("/counts/<int(max=2147483647):count_id>/cancel")
def cancel_count(count_id: int):
    count = counts.cancel(count_id, current_actor())
    control.commit()
    return ok(count=counts.count_view(count, with_lines=False))


@bp.post("/count-lines/<int(max=2147483647):line_id>/<any(approve, reject):decision>")
def decide(line_id: int, decision: str):
    """A recounted line: approve books the recount's variance, reject leaves the books as they are."""
    line = (counts.approve if decision == "approve" else counts.reject)(line_id, current_actor())
    control.commit()
    return ok(line=counts.line_view(line))


# --- cycle counts: the counter's side (no book quantities) ---------------------------------------

@bp.get("/counts/tasks")
def count_tasks():
    return jsonify(counts.tasks(current_actor()))
