"""Purchase orders (REST and CSV import), receipts, inspections waiting, put-away tasks."""
from datetime import date, datetime

from flask import Blueprint, jsonify, request

from server.api.common import current_actor, json_body, ok
from server.domain.errors import WmsError, Words
from server.services.imports.files import decode_text
from server.services.receiving import inspection
from server.services.receiving import putaway
from server.services.receiving import inbound
from server.services.reports import day_end, report_queries
from server.domain.errors import ImportRejected

bp = Blueprint("receiving", __name__, url_prefix="/api/v1")


def _date(value):
    try:
        return date.fromisoformat(value) if value else None
    except (TypeError, ValueError):  # TypeError: not a string at all (a number, a list …)
        raise WmsError("bad_request", detail=Words(f"bad date {value}", f"日期 {value} 格式错误")) from None


@bp.get("/purchase-orders")
def purchase_orders():
    current_actor()
    rows = inbound.list_pos(request.args.get("status"), request.args.get("supplier"))
    return jsonify([inbound.po_view(po) for po in rows])


@bp.get("/purchase-orders/<number>")
def purchase_order(number: str):
    current_actor()
    po = inbound.po_by_number(number.upper())
    if po is None:
        raise WmsError("no_po", po=number)
    return jsonify(inbound.po_view(po))


@bp.post("/purchase-orders")
def create_purchase_order():
    actor = current_actor()
    actor.require("journey.receive")  # before the body is read: a refused role gets 403, not 400
    body = json_body()
    lines = body.get("lines")
    if not isinstance(lines, list) or not all(isinstance(line, dict) for line in lines):
        raise WmsError("bad_request", detail=Words("lines must be a list of {sku, qty}",
                                                   "lines 必须是 {sku, qty} 的列表"))
    lines = [line | {"expected_on": _date(line.get("expected_on"))} for line in lines]
    po = inbound.create_po(str(body.get("supplier", "")), lines, actor,
                             number=body.get("number"), expected_on=_date(body.get("expected_on")))
    return ok(purchase_order=inbound.po_view(po)), 201


@bp.post("/purchase-orders/import")
def import_purchase_orders():
    """Body: the CSV itself (text/csv, UTF-8 or GBK) or a multipart upload named `file`."""
    actor = current_actor()
    actor.require("journey.receive")
    raw = request.files["file"].read() if "file" in request.files else request.get_data()
    text = decode_text(raw)  # UTF-8 or GBK decided strictly: never garbled Chinese
    try:
        created = inbound.import_pos_csv(text, actor)
    except ImportRejected as rejected:
        return jsonify({"ok": False, "error": rejected.as_dict()}), rejected.http_status
    return ok(purchase_orders=[inbound.po_view(po) for po in created]), 201


@bp.post("/purchase-orders/<number>/close")
def close_purchase_order(number: str):
    return ok(purchase_order=inbound.po_view(inbound.close_po(number, current_actor())))


@bp.get("/receipts")
def receipts():
    current_actor()
    day = _date(request.args.get("date")) or date.today()
    return jsonify(report_queries.receipts_of(day))


@bp.get("/inspections")
def inspections():
    current_actor()
    return jsonify([inspection.inspection_view(i) for i in inspection.open_inspections()])


@bp.get("/inspections/<int(max=2147483647):inspection_id>")
def inspection_detail(inspection_id: int):
    current_actor()
    return jsonify(inspection.inspection_view(inspection.get_inspection(inspection_id)))


@bp.get("/putaway-tasks")
def putaway_tasks():
    current_actor()
    return jsonify([putaway.task_view(t) for t in putaway.open_tasks()])


@bp.get("/receipts/<int(max=2147483647):receipt_id>")
def receipt(receipt_id: int):
    current_actor()
    return jsonify(inbound.receipt_view(inbound.get_receipt(receipt_id)))


@bp.get("/reports/same-day-clearing")
def same_day_clearing():
    current_actor()
    return jsonify(report_queries.same_day_clearing(_date(request.args.get("date")) or date.today()))


@bp.get("/reports/day-end")
def day_end_report():
    """Day-end (当日清): what the warehouse has not cleared, wherever it was started (docs/reports.md)."""
    current_actor().require("reports.view")
    report = day_end.day_end()
    return jsonify(_utc_times(report))


def _utc_times(value):
    """Times as ISO 8601 UTC (`…Z`), as every other answer gives them."""
    if isinstance(value, datetime):
        return value.isoformat() + "Z"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {key: _utc_times(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_utc_times(item) for item in value]
    return value


@bp.get("/reports/suppliers")
def supplier_quality():
    current_actor()
    return jsonify(report_queries.supplier_quality())


@bp.post("/suppliers/<supplier>/quality/<product>/approve-reduced")
def approve_reduced(supplier: str, product: str):
    return ok(quality=inspection.approve_reduced(supplier, product, current_actor()))


@bp.post("/suppliers/<supplier>/quality/<product>/corrective-action")
def corrective_action(supplier: str, product: str):
    actor = current_actor()
    actor.require("floor.supervise")
    note = json_body().get("note")
    return ok(quality=inspection.record_corrective_action(supplier, product, str(note or ""), actor))
