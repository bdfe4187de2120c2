"""Printers and print jobs: create label jobs, follow their state, reprint."""
from flask import Blueprint, jsonify, request

from server.api.common import current_actor, json_body, ok
from server.domain.errors import WmsError, Words
from server.services import transaction
from server.services.devices import registry
from server.services.printing import item_labels as item_labels_service
from server.services.printing import print_jobs

bp = Blueprint("printing", __name__, url_prefix="/api/v1")


@bp.get("/printers")
def printers():
    current_actor()
    return jsonify([print_jobs.printer_view(p) for p in print_jobs.list_printers()])


@bp.post("/printers")
def add_printer():
    actor = current_actor()
    actor.require("devices.manage")  # before the body is read: a refused role gets 403, not 400
    return ok(printer=print_jobs.printer_view(registry.add_printer(json_body(), actor))), 201


@bp.get("/printers/<code>")
def printer(code: str):
    current_actor()
    return jsonify(print_jobs.printer_view(registry.get_printer(code)))


@bp.patch("/printers/<code>")
def edit_printer(code: str):
    actor = current_actor()
    actor.require("devices.manage")
    return ok(printer=print_jobs.printer_view(registry.edit_printer(code, json_body(), actor)))


@bp.post("/printers/<code>/test-print")
def test_print(code: str):
    """A test label through the printer's agent, like every job: follow it at /print-jobs/<id>."""
    actor = current_actor()
    actor.require("devices.manage")
    return ok(job=print_jobs.job_view(registry.queue_test_print(code, actor))), 201


@bp.get("/print-jobs")
def jobs():
    current_actor()
    return jsonify([print_jobs.job_view(j) for j in print_jobs.recent_jobs(printer_code=request.args.get("printer"))])


@bp.get("/print-jobs/<int(max=2147483647):job_id>")
def job(job_id: int):
    actor = current_actor()
    with_zpl = request.args.get("zpl") == "1"
    if with_zpl:  # a label's ZPL carries what it prints: a shipping label, the customer's address
        actor.require("customers.view")
    view = print_jobs.job_view(print_jobs.get_job(job_id), with_zpl=with_zpl)
    return jsonify(view | {"history": print_jobs.job_history(job_id)})


@bp.post("/print-jobs/bin-labels")
def bin_labels():
    actor = current_actor()
    actor.require("labels.print")  # before the body is read: a refused role gets 403, not 400
    body = json_body()
    zone, printer = body.get("zone"), body.get("printer")
    if not isinstance(zone, str) or not isinstance(printer, str):
        raise WmsError("bad_request", detail=Words("zone and printer are required", "须填写 zone 和 printer"))
    dpi = body.get("dpi")
    if dpi is not None and not isinstance(dpi, int):
        raise WmsError("bad_dpi", dpi=dpi)
    job = print_jobs.print_bin_labels(zone.upper(), printer, actor, dpi=dpi,
                                    bin_codes=body.get("bins"))
    return ok(job=print_jobs.job_view(job)), 201


@bp.post("/print-jobs/<int(max=2147483647):job_id>/reprint")
def reprint(job_id: int):
    actor = current_actor()
    actor.require("labels.print")
    job = print_jobs.reprint(job_id, actor, json_body().get("reason"))
    return ok(job=print_jobs.job_view(job)), 201


# --- item labels (货品标签): server/services/printing/item_labels.py -----------------------------------

def _label_request(body: dict) -> tuple[object, str, str | None]:
    qty, printer, lot = body.get("qty", 1), body.get("printer"), body.get("lot")
    if not isinstance(printer, str) or not printer.strip():
        raise WmsError("bad_request", detail=Words("printer is required", "须填写 printer"))
    if lot is not None and not isinstance(lot, str):
        raise WmsError("bad_request", detail=Words("lot must be a lot code", "lot 须为批次号"))
    return qty, printer.strip(), (lot or None)


@bp.post("/items/<sku>/labels")
def item_labels(sku: str):
    """{"qty", "printer", "lot"?}: qty item labels of the item (with the lot's code and expiry)."""
    actor = current_actor()
    actor.require("labels.print")
    qty, printer, lot = _label_request(json_body())
    job = item_labels_service.print_item_labels(item_labels_service.find_item(sku), qty, printer, actor, lot=lot)
    transaction.commit_and_notify()
    return ok(job=print_jobs.job_view(job)), 201


@bp.post("/print-jobs/item-labels")
def item_labels_by_sku():
    """{"sku", "qty", "lot"?, "printer"}: the same as POST /items/<sku>/labels, the SKU in the body."""
    actor = current_actor()
    actor.require("labels.print")
    body = json_body()
    qty, printer, lot = _label_request(body)
    job = item_labels_service.print_item_labels(item_labels_service.find_item(body.get("sku")), qty, printer, actor,
                                                lot=lot)
    transaction.commit_and_notify()
    return ok(job=print_jobs.job_view(job)), 201


@bp.post("/receipts/<int(max=2147483647):receipt_id>/item-labels")
def receipt_item_labels(receipt_id: int):
    """{"printer", "all"?}: a label for each unit of the receipt that arrives unlabelled (all: every unit)."""
    actor = current_actor()
    actor.require("labels.print")
    body = json_body()
    _, printer, _ = _label_request(body)
    jobs = item_labels_service.print_receipt_labels(receipt_id, printer, actor, everything=body.get("all") is True)
    transaction.commit_and_notify()
    return ok(jobs=[print_jobs.job_view(j) for j in jobs]), 201
