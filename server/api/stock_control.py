"""Safety thresholds, pick faces, low-stock alerts and replenishment; what the ledger says about a bin
at a time or an item's movements, and the full books check."""
from datetime import datetime

from flask import Blueprint, jsonify, request

from server.api.common import current_actor, json_body, ok
from server.domain.errors import WmsError, Words
from server.services.inventory import alerts
from server.services.inventory import ledger
from server.services import transaction
from server.services.inventory import replenishment

bp = Blueprint("stock_control", __name__, url_prefix="/api/v1")


def _when(name: str) -> datetime | None:
    value = request.args.get(name)
    if not value:
        return None
    try:
        return datetime.fromisoformat(value.removesuffix("Z"))
    except ValueError:
        raise WmsError("bad_request", detail=Words(f"{name} must be an ISO time like 2026-11-23T10:00:00",
                                                   f"{name} 须为 ISO 格式的时间，如 2026-11-23T10:00:00")) from None


def _committed():
    transaction.commit_and_notify()  # alerts raised or cleared reach the dashboards now


@bp.get("/alerts")
def open_alerts():
    current_actor().require("floor.supervise")
    return jsonify(alerts.open_alerts())


@bp.put("/items/<sku>/safety")
def set_safety(sku: str):
    """{"qty": 10}: the item's safety quantity; stock below it raises a low-stock alert."""
    actor = current_actor()
    actor.require("stock.adjust")  # before the body is read: a refused role gets 403, not 400
    item = alerts.set_safety(sku, json_body().get("qty"), actor)
    _committed()
    return ok(sku=item.sku, safety_qty=item.safety_qty)


@bp.put("/pick-faces")
def set_pick_face():
    """{"bin", "sku", "min_qty", "max_qty"}: below min the bin needs replenishing up to max."""
    actor = current_actor()
    actor.require("stock.adjust")
    body = json_body()
    face = alerts.set_pick_face(str(body.get("bin", "")), str(body.get("sku", "")), body.get("min_qty"),
                                body.get("max_qty"), actor)
    _committed()
    return ok(bin=body["bin"].upper(), sku=body["sku"], min_qty=face.min_qty, max_qty=face.max_qty)


@bp.post("/replenishments")
def create_replenishment():
    """{"bin", "sku"}: a task to refill the pick face from the reserve bin with the oldest free units."""
    actor = current_actor()
    actor.require("stock.transfer")
    body = json_body()
    task = replenishment.create_replenishment(str(body.get("bin", "")), str(body.get("sku", "")), actor)
    _committed()
    return ok(task=replenishment.replenishment_view(task)), 201


@bp.get("/replenishments")
def replenishments():
    current_actor()
    tasks = replenishment.list_tasks(request.args.get("status", "open"))
    return jsonify([replenishment.replenishment_view(t) for t in tasks])


@bp.get("/ledger/bins/<code>")
def bin_at(code: str):
    """?at=2026-11-23T10:00:00 (UTC; default now): what the bin held then."""
    current_actor().require("floor.supervise")
    return jsonify(ledger.bin_at(code, _when("at") or datetime.utcnow()))


@bp.get("/ledger/items/<sku>")
def item_history(sku: str):
    """?from=&to= (UTC): the item's movements with running balances."""
    current_actor().require("floor.supervise")
    return jsonify(ledger.item_history(sku, _when("from"), _when("to")))


@bp.get("/ledger/check")
def check():
    """Books, goods and bin cards recomputed from the ledger (the same as scripts/check_ledger)."""
    current_actor().require("floor.supervise")
    return jsonify(ledger.check())
