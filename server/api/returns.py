"""Customer returns: read cases, ask for an exchange, the cost report. The returns journey itself
(open, inspect, dispose, sign) is scans: `/floor` modes `return.*`, see docs/returns.md."""
from datetime import date

from flask import Blueprint, jsonify, request

from server.api.common import current_actor, json_body, ok, optional_json
from server.domain.errors import WmsError
from server.services import transaction
from server.services.orders import sales_orders
from server.services.returns import return_cases

bp = Blueprint("returns", __name__, url_prefix="/api/v1/returns")


def _date(name: str) -> date | None:
    value = request.args.get(name)
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        raise WmsError("bad_request", detail=f"{name} must be a date like 2026-11-23") from None


@bp.get("")
def list_cases():
    """?status=open|inspected|signing|done|cancelled, ?escalated=1|0."""
    current_actor()
    flag = request.args.get("escalated")
    cases = return_cases.list_cases(request.args.get("status") or None, None if flag is None else flag == "1")
    return jsonify([return_cases.summary(c) for c in cases])


@bp.get("/settings")
def settings():
    current_actor()
    return jsonify(return_cases.settings_view())


@bp.get("/costs")
def costs():
    """?from=YYYY-MM-DD&to=YYYY-MM-DD (received dates, inclusive)."""
    current_actor().require("reports.view")
    return jsonify(return_cases.return_costs(_date("from"), _date("to")))


@bp.get("/<number>")
def get_case(number: str):
    current_actor()
    return jsonify(return_cases.case_view(return_cases.find_case(number)))


@bp.post("/<number>/exchange")
def exchange(number: str):
    """{"lines"?: [{"sku", "qty"}]} (default: the items expected back) -> 201 the exchange order."""
    actor = current_actor()
    actor.require("orders.manage")  # before the body is read: a refused role gets 403, not 400
    body = optional_json() or {}
    if not isinstance(body, dict):
        body = json_body()
    order = return_cases.request_exchange(number, actor, body.get("lines"))
    transaction.commit()
    return ok(order=sales_orders.order_view(sales_orders.get_order(order.id)),
              case=return_cases.case_view(return_cases.find_case(number))), 201
