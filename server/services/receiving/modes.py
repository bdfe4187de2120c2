"""The receiving journeys as scan modes: receive (PO, cartons, counts, confirm), inspect, put-away.
Each step is one idempotent command under the device's scan id (see services.scans)."""
from __future__ import annotations

from typing import Any

from server.domain import shelf_life
from server.domain.barcodes import Decoded
from server.domain.errors import WmsError
from server.services.catalogue.items import units_per_scan
from server.services.receiving import inspection
from server.services.receiving import putaway
from server.services.receiving import inbound
from server.services.people.auth import Actor
from server.services.floor.scans import Mode, register
from server.db.models import Receipt
from server.extensions import db
from server.domain.stock import quantity


def receive(decoded: Decoded | None, payload: dict, actor: Actor) -> dict[str, Any]:
    """Scan a PO number to start (or resume) its receipt; then scan items into the open carton."""
    if decoded.kind == "po":
        receipt = inbound.start_receipt(decoded.key, actor, bool(payload.get("returned_goods")))
        return {"result": inbound.receipt_view(receipt), "next": "check_carton"}
    qty = quantity(payload.get("qty", 1)) * units_per_scan(decoded)  # a case's GTIN-14 counts its units
    line, _ = inbound.count(payload.get("receipt"), payload.get("carton"), decoded, qty, actor,
                            payload.get("scan_id"), expiry=shelf_life.parse_day(payload.get("expiry"), "expiry"),
                            production=shelf_life.parse_day(payload.get("production_date"), "production_date"))
    receipt = inbound.counting_receipt(payload.get("receipt"), actor)
    return {"kind": "item", "next": "scan_item",
            "result": inbound.receipt_view(receipt) | {
                "counted": {"sku": line.item.sku, "qty": qty, "line_no": line.line_no,
                            "open": line.ordered_qty - line.received_qty}}}


def check_carton(_: Decoded | None, payload: dict, actor: Actor) -> dict[str, Any]:
    carton = inbound.check_carton(payload.get("receipt"), payload.get("condition"), actor)
    receipt = inbound.counting_receipt(payload.get("receipt"), actor)
    return {"kind": "carton", "next": "scan_item",
            "result": inbound.receipt_view(receipt) | {
                "carton": {"seq": carton.seq, "condition": carton.condition,
                           "flagged": inbound.is_flagged(carton),
                           "replacement_requested": carton.replacement_requested}}}


def confirm(_: Decoded | None, payload: dict, actor: Actor) -> dict[str, Any]:
    """The receiver's signature on the count: lots now wait for inspection."""
    inspections = inspection.confirm_receipt(payload.get("receipt"), actor)
    receipt = inspections[0].receipt_id
    signed = db.session.get(Receipt, receipt)
    return {"kind": "receipt", "next": "scan_po",
            "result": {"receipt": receipt, "signed_by": actor.username, "signed_by_name": actor.name,
                       "signed_at": signed.confirmed_at.isoformat() + "Z",
                       "lots": [inspection.inspection_view(i) for i in inspections]}}


def inspect(decoded: Decoded | None, payload: dict, actor: Actor) -> dict[str, Any]:
    result = payload.get("result")
    if result not in ("pass", "defect"):
        raise WmsError("mark_pass_or_defect")
    record, progress = inspection.mark_unit(payload.get("inspection"), decoded, result == "defect",
                                            payload.get("reason"), actor, payload.get("scan_id"))
    view = inspection.inspection_view(record)
    if progress.decision == "continue":
        return {"kind": "unit", "next": "scan_unit", "result": view}
    tasks = [putaway.task_view(t) for t in putaway.open_tasks() if t.lot_id == record.lot_id]
    return {"kind": "unit", "next": "done", "sound": "ok" if progress.decision == "accept" else "error",
            "result": view | {"decision": progress.decision, "putaway": tasks}}


def put_away(decoded: Decoded | None, payload: dict, actor: Actor) -> dict[str, Any]:
    """Scan the licence plate to take a task, then the bin to put it there."""
    if decoded.kind == "lpn":
        task = putaway.task_for_lpn(decoded, actor)
        return {"next": "scan_bin", "result": putaway.task_view(task)}
    task = putaway.put_away(payload.get("task"), decoded, actor, payload.get("scan_id"))
    return {"next": "scan_lpn", "result": putaway.task_view(task)}


register("receive", Mode("journey.receive", receive))
register("receive.carton", Mode("journey.receive", check_carton, needs_code=False))
register("receive.confirm", Mode("journey.receive", confirm, needs_code=False))
register("inspect", Mode("journey.inspect", inspect))
register("putaway", Mode("journey.receive", put_away))
