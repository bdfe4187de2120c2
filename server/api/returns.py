"""Customer returns: open a case, give units their disposition, sign the chain, cancel a case, read
cases, ask for an exchange, the cost report. Inspecting unit by unit is the handheld's scans (`/floor`
modes `return.*`, which can also open, dispose and sign), see docs/returns.md."""
from datetime import date

from flask import Blueprint, jsonify, request

from server.api.common import current_actor, json_body, ok, optional_json
from server.domain.errors import WmsError, Words
from server.services import transaction
from server.services.orders import sales_orders
from server.services.returns import return_cases

bp = Blueprint("returns", __name__, url_prefix="/api/v1/returns")


def _date(name: str) -> date | None:
    value = request.args.get(name)
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        raise WmsError("bad_request", detail=Words(f"{name} must be a date like 2026-11-23",
                                                   f"{name} 须为日期，如 2026-11-23")) from None


@bp.get("")
def list_cases():
    """?status=open|inspected|signing|done|cancelled, ?escalated=1|0."""
    current_actor()
    flag = request.args.get("escalated")
    cases = return_cases.list_cases(request.args.get("status") or None, None if flag is None else flag == "1")
    return jsonify([return_cases.summary(c) for c in cases])


@bp.post("")
def open_case():
    """{"code": tracking or order number, "reason", "unknown_parcel"?, "lines"?, "shipping_cost_cents"?, "note"?}"""
    actor = current_actor()
    actor.require("returns.open")
    body = json_body()
    case = return_cases.open_case(body.get("code"), body.get("reason"), actor, lines=body.get("lines"),
                                  unknown_parcel=body.get("unknown_parcel") is True,
                                  shipping_cost_cents=body.get("shipping_cost_cents"), note=body.get("note"))
    transaction.commit()
    return ok(case=return_cases.case_view(return_cases.find_case(case.number))), 201


@bp.post("/<number>/dispose")
def dispose(number: str):
    """{"units": [unit ids], "disposition": "restock" | "repair" | "scrap" | "rtv"}"""
    actor = current_actor()
    actor.require("returns.inspect")
    body = json_body()
    return_cases.dispose(number, body.get("units"), body.get("disposition"), actor)
    transaction.commit()
    return ok(case=return_cases.case_view(return_cases.find_case(number)))


@bp.post("/<number>/sign")
def sign(number: str):
    """{"level"?, "note"?}: signs the next level (the one given, which must be the next) as this user."""
    actor = current_actor()
    actor.require("returns.inspect")
    body = optional_json() or {}
    if not isinstance(body, dict):
        body = json_body()
    level = body.get("level")
    if level is None:
        level = return_cases.next_level(return_cases.find_case(number))
    return_cases.sign(number, level, actor, body.get("note"))
    transaction.commit()
    return ok(case=return_cases.case_view(return_cases.find_case(number)))


@bp.post("/<number>/cancel")
def cancel(number: str):
    """{"reason"}: the case is called off; nothing had moved in stock."""
    actor = current_actor()
    actor.require("returns.inspect")
    return_cases.cancel_case(number, json_body().get("reason"), actor)
    transaction.commit()
    return ok(case=return_cases.case_view(return_cases.find_case(number)))


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
