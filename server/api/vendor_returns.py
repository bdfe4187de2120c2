"""Returns to vendor (RTV): list and read them, a manager approves (the dispatch note prints), the dispatch
note again, marked sent when the lot leaves, cancelled with a reason. See docs/returns.md."""
from __future__ import annotations

from flask import Blueprint, jsonify, request

from server.api.common import current_actor, json_body, ok, optional_json
from server.domain.errors import WmsError, Words
from server.services import transaction
from server.services.printing import print_jobs
from server.services.returns import vendor_returns

bp = Blueprint("vendor_returns", __name__, url_prefix="/api/v1/vendor-returns")


def _optional_body() -> dict:
    body = optional_json()
    if body is None:
        return {}
    if not isinstance(body, dict):
        raise WmsError("bad_request", detail=Words("the body is a JSON object", "请求体须为 JSON 对象"))
    return body


def _text(body: dict, name: str) -> str | None:
    value = body.get(name)
    if value is not None and not isinstance(value, str):
        raise WmsError("bad_request", detail=Words(f"{name} is a text", f"{name} 须为文本"))
    return value


@bp.get("")
def list_vendor_returns():
    """?status=awaiting_approval|approved|sent|cancelled&q=&page=&per_page="""
    current_actor()
    status = request.args.get("status") or None
    if status is not None and status not in vendor_returns.STATES:
        raise WmsError("bad_request", detail=Words(f"status must be one of {', '.join(vendor_returns.STATES)}",
                                                   f"status 须为 {'、'.join(vendor_returns.STATES)} 之一"))
    page = max(1, request.args.get("page", 1, type=int) or 1)
    per_page = min(200, max(1, request.args.get("per_page", 50, type=int) or 50))
    rows, total = vendor_returns.search(request.args.get("q", ""), status, page, per_page)
    return jsonify({"items": [vendor_returns.view(r) for r in rows], "page": page,
                    "pages": max(1, -(-total // per_page)), "total": total})


@bp.get("/<ref>")
def get_vendor_return(ref: str):
    current_actor()
    return jsonify(vendor_returns.view(vendor_returns.find(ref)))


@bp.post("/<ref>/approve")
def approve(ref: str):
    """{"printer"?}: approved by this manager; the dispatch note prints (the receiving dock's printer by default)."""
    actor = current_actor()
    actor.require("vendor_returns.approve")
    job = vendor_returns.approve(ref, actor, _text(_optional_body(), "printer"))
    transaction.commit()
    return ok(vendor_return=vendor_returns.view(vendor_returns.find(ref)), job=print_jobs.job_view(job))


@bp.post("/<ref>/dispatch-note")
def dispatch_note(ref: str):
    """{"printer"?}: the dispatch note printed again."""
    actor = current_actor()
    actor.require("labels.print")
    job = vendor_returns.print_dispatch_note(ref, actor, _text(_optional_body(), "printer"))
    transaction.commit()
    return ok(job=print_jobs.job_view(job))


@bp.post("/<ref>/sent")
def sent(ref: str):
    """{"note"?}: the lot left for its supplier (carrier, waybill …); it leaves the exceptions list."""
    actor = current_actor()
    actor.require("floor.supervise")
    vendor_returns.mark_sent(ref, actor, _text(_optional_body(), "note"))
    transaction.commit()
    return ok(vendor_return=vendor_returns.view(vendor_returns.find(ref)))


@bp.post("/<ref>/cancel")
def cancel(ref: str):
    """{"reason"}: called off before it leaves."""
    actor = current_actor()
    actor.require("vendor_returns.approve")
    vendor_returns.cancel(ref, json_body().get("reason"), actor)
    transaction.commit()
    return ok(vendor_return=vendor_returns.view(vendor_returns.find(ref)))
