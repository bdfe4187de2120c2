"""The REST API described as OpenAPI 3.1, served at GET /api/v1/openapi.json.

The description is built here (the server has no YAML parser) and written out as docs/openapi.yaml with
`python -m server.api.openapi > docs/openapi.yaml`; tests/server/security checks that both agree, that
every /api/v1 route is described, and fuzz the live server from it."""
from __future__ import annotations

import json
import sys
from typing import Any

from flask import Blueprint, jsonify

from server.domain.errors import CATALOG

bp = Blueprint("openapi", __name__, url_prefix="/api/v1")

# --- schema helpers ---------------------------------------------------------------------------------

STR = {"type": "string"}
NAME = {"type": "string", "minLength": 1, "maxLength": 64}
INT = {"type": "integer"}
QTY = {"type": "integer", "minimum": 1}
BOOL = {"type": "boolean"}
ITEM_LABEL_QTY = {"type": "integer", "minimum": 1, "maximum": 1000}
DATE = {"type": "string", "format": "date"}
TIME = {"type": "string", "format": "date-time"}
OBJ = {"type": "object"}
LIST = {"type": "array"}
TEXT = {"en": STR, "zh": STR}


def obj(properties: dict[str, Any], required: tuple[str, ...] = (), **extra: Any) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "object", "properties": properties}
    if required:
        schema["required"] = list(required)
    return schema | extra


def array(items: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"type": "array", "items": items} | extra


def ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


LINE = obj({"sku": NAME, "barcode": NAME, "qty": QTY}, ("qty",))
ERROR = obj({"ok": {"const": False},
             "error": obj({"code": {"type": "string", "enum": sorted(CATALOG)},
                           "message": obj(TEXT, ("en", "zh"))}, ("code", "message"))},
            ("ok", "error"))
SCAN = obj({
    "scan_id": {"type": "string", "pattern": r"^[A-Za-z0-9][A-Za-z0-9_.:-]{7,63}$",
                "description": "made on the device; the same scan id sent again returns the stored ack"},
    "mode": {"type": "string", "description": "the journey step; lookup by default (see docs/protocol.md)"},
    "code": {"type": "string", "maxLength": 256, "description": "the raw scanned text"},
    "at": TIME,
}, ("scan_id",), additionalProperties=True,
    description="Mode-specific fields (pick_list, receipt, station, qty, ...) ride along; see docs/protocol.md.")
ACK = obj({"ok": BOOL, "scan_id": {"type": ["string", "null"]}, "sound": {"enum": ["ok", "error"]},
           "next": STR, "kind": STR, "code": STR, "result": {}, "error": ERROR["properties"]["error"],
           "warnings": array(STR)}, ("ok", "sound"))

PRINTER = {"code": NAME, "name": {"type": "string", "minLength": 1, "maxLength": 128},
           "transport": {"enum": ["tcp9100", "cups"]},
           "host": {"type": ["string", "null"], "description": "tcp9100: a host name or IPv4 address"},
           "port": {"type": ["integer", "null"], "minimum": 1, "maximum": 65535,
                    "description": "tcp9100; 9100 if left out"},
           "queue": {"type": ["string", "null"], "description": "cups: the queue name"},
           "dpi": {"enum": [203, 300]}, "label_width_mm": {"type": "number", "minimum": 10, "maximum": 500},
           "label_height_mm": {"type": "number", "minimum": 10, "maximum": 500},
           "documents": array({"enum": ["bin_label", "lpn_label", "shipping_label", "packing_list", "exchange_notice",
                                        "badge", "item_label", "rtv_dispatch_note"]},
                                       description="empty: every document"),
           "active": BOOL, "agent": {"type": ["string", "null"], "description": "the printer agent device's code"}}
STATION = {"code": NAME, "name": {"type": "string", "minLength": 1, "maxLength": 128}, "printer": NAME,
           "scanner": {"type": ["string", "null"], "description": "a scanner_bridge device's code"}}

# --- operations -------------------------------------------------------------------------------------

PUBLIC = "public"
ANY = "authenticated"  # any logged-in user or any valid device token
CODES = {400: "Refused: bad_request and the other input errors", 401: "not_authenticated / device_token_invalid",
         403: "forbidden: the role lacks the permission", 404: "not_found (or a more specific *_not_found code)",
         409: "refused by the current state (the error code says which)", 413: "the request body is too large",
         422: "import_rejected: every bad row listed, nothing imported", 429: "too many attempts: wait"}


def op(summary: str, permission: str, *, ok: int = 200, answer: dict | None = None, body: dict | None = None,
       body_required: bool = True, query: dict[str, dict] | None = None, errors: tuple[int, ...] = (),
       media: dict[str, dict] | None = None, tag: str = "", answer_media: dict[str, dict] | None = None
       ) -> dict[str, Any]:
    """One operation. `permission` is what the server checks (see docs/security.md, Role matrix).
    `answer_media`: the success answer's content when it is not JSON (a file)."""
    operation: dict[str, Any] = {"summary": summary, "x-permission": permission}
    if tag:
        operation["tags"] = [tag]
    if query:
        operation["parameters"] = [{"name": n, "in": "query", "required": bool(s.pop("required", False)),
                                    "schema": s} for n, s in ((n, dict(s)) for n, s in query.items())]
    content = media or ({"application/json": {"schema": body}} if body is not None else None)
    if content:
        operation["requestBody"] = {"required": body_required, "content": content}
    responses: dict[str, Any] = {str(ok): {"description": "done", "content": answer_media or {
        "application/json": {"schema": answer or OBJ}}}}
    codes = set(errors) | {400, 413}
    if permission != PUBLIC:
        codes |= {401, 403, 404, 409}
    for code in sorted(codes):
        responses[str(code)] = {"$ref": f"#/components/responses/E{code}"}
    operation["responses"] = responses
    if permission == PUBLIC:
        operation["security"] = []
    return operation


def background_job(operation: dict[str, Any]) -> dict[str, Any]:
    """An import that answers 202 with a background job for a big file (or `?background=1`)."""
    operation["responses"]["202"] = {"description": "a background job: follow it at the Location",
                                     "content": {"application/json": {"schema": OBJ}}}
    return operation


_TEXT_OR_NUMBER = {"type": ["string", "number", "null"]}
ITEM_FIELDS = obj({name: _TEXT_OR_NUMBER for name in (
    "sku", "style", "name_zh", "name_en", "variant", "unit_barcode", "inner_qty", "inner_barcode", "case_qty",
    "case_barcode", "uom", "tag_price", "unit_cost", "weight_kg", "weight_g", "length_mm", "width_mm", "height_mm",
    "shelf_life_days", "brand", "category", "supplier", "safety_qty")} | {
    "lot_tracked": {"type": ["boolean", "string"]}, "active": {"type": ["boolean", "string"]}},
    description="The item master's fields by name (docs/setup.md); prices in yuan, weight_kg or weight_g.")
BIN_FIELDS = obj({name: _TEXT_OR_NUMBER for name in ("code", "zone", "aisle", "bay", "level", "kind", "capacity",
                                                     "warehouse")} | {"active": {"type": ["boolean", "string"]}})

PATH_TYPES = {"int": INT, "any(approve, reject)": {"type": "string", "enum": ["approve", "reject"]}}


def _paths() -> dict[str, dict[str, Any]]:
    csv = {"text/csv": {"schema": STR}, "multipart/form-data": {"schema": obj(
        {"file": {"type": "string", "contentMediaType": "application/octet-stream"}}, ("file",))}}
    when = {"date": DATE}
    return {
        # --- auth ---
        "POST /auth/login": op("Log in by password; sets the session cookie", PUBLIC, errors=(401, 429),
                               body=obj({"username": STR, "password": STR, "device": STR}, ("username", "password")),
                               tag="auth"),
        "POST /auth/badge": op("Log in by badge scan (floor roles only: others 403 badge_not_allowed); sets the "
                               "session cookie", PUBLIC, errors=(401, 403, 429),
                               body=obj({"badge": STR, "device": STR}, ("badge",)), tag="auth"),
        "POST /auth/logout": op("Forget the session", PUBLIC, tag="auth"),
        "GET /auth/me": op("The logged-in user and the journeys their role has", ANY, tag="auth"),
        "GET /auth/whoami": op("The user and/or device behind the credentials", ANY, tag="auth"),
        "GET /openapi.json": op("This description", PUBLIC, tag="meta"),
        # --- devices (administrators) ---
        "GET /devices": op("Registered devices", "devices.manage", answer=LIST, tag="devices"),
        "POST /devices": op("Register a device", "devices.manage", ok=201, tag="devices", body=obj({
            "code": NAME, "kind": {"enum": ["pda", "scanner_bridge", "printer_agent"]}, "name": STR},
            ("code", "kind"), additionalProperties=False)),
        "GET /devices/{code}": op("A device (never its token)", "devices.manage", tag="devices"),
        "PATCH /devices/{code}": op("Rename a device (its kind never changes)", "devices.manage", tag="devices",
                                    body=obj({"name": STR}, additionalProperties=False)),
        "POST /devices/{code}/retire": op("Retire a device for good: its token stops now, it is never paired again",
                                          "devices.manage", tag="devices"),
        "POST /devices/{code}/token": op("Issue the device's token (shown once; the old one stops)",
                                         "devices.manage", tag="devices"),
        "POST /devices/{code}/revoke": op("Revoke the device's token", "devices.manage", tag="devices"),
        # --- catalog ---
        "GET /bins": op("Bins (storage places; ?kind= for totes, parcels, transit)", ANY, answer=LIST,
                        query={"zone": STR, "kind": STR, "limit": INT}, tag="catalog"),
        "GET /bins/{code}": op("A bin and what it holds", ANY, tag="catalog"),
        "GET /items": op("Items (?q= SKU or barcode fragment)", ANY, answer=LIST, query={"q": STR, "limit": INT},
                         tag="catalog"),
        "GET /items/{sku}": op("An item (the master: barcodes as {code, packaging, qty}) and where it is", ANY,
                               tag="catalog"),
        # --- the master (day one): the same checks as the imports (docs/setup.md) ---
        "POST /items": op("Create an item", "master.manage", ok=201, errors=(422,), body=ITEM_FIELDS, tag="catalog"),
        "PATCH /items/{sku}": op("Edit an item (only the fields sent)", "master.manage", errors=(422,),
                                 body=ITEM_FIELDS, tag="catalog"),
        "GET /items/export": op("The item master as XLSX (?format=csv: UTF-8 CSV)", "pages.view",
                                query={"format": {"enum": ["xlsx", "csv"]}}, tag="catalog", answer_media={
                                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {
                                        "schema": {"type": "string", "contentMediaType": "application/zip"}},
                                    "text/csv": {"schema": STR}}),
        "POST /bins": op("Create a bin", "master.manage", ok=201, errors=(422,), body=BIN_FIELDS, tag="catalog"),
        "PATCH /bins/{code}": op("Edit a bin (kind, capacity, active …)", "master.manage", errors=(422,),
                                 body=BIN_FIELDS, tag="catalog"),
        "POST /bins/generate": op("Generate a zone's bins: aisles × bays × levels (dry_run: count only)",
                                  "master.manage", ok=201, errors=(422,), tag="catalog", body=obj({
                                      "zone": NAME, "aisles": STR, "bays": STR, "levels": STR, "kind": STR,
                                      "capacity": INT, "warehouse": STR, "dry_run": BOOL},
                                      ("zone", "aisles", "bays", "levels"))),
        "POST /bins/{code}/block": op("Block (freeze) a bin with a written reason", "stock.adjust",
                                      body=obj({"reason": {"type": "string", "minLength": 1}}, ("reason",)),
                                      tag="catalog"),
        "POST /bins/{code}/unblock": op("Unblock a bin", "stock.adjust", tag="catalog"),
        "POST /items/{sku}/block": op("Block (freeze) an item, or one lot of it, with a written reason",
                                      "stock.adjust", tag="catalog", body=obj({
                                          "reason": {"type": "string", "minLength": 1}, "lot": STR}, ("reason",))),
        "POST /items/{sku}/unblock": op("Unblock an item, or one lot of it", "stock.adjust", tag="catalog",
                                        body=obj({"lot": STR}), body_required=False),
        # --- kits (组合装): docs/kits.md ---
        "GET /kits": op("Every kit with its components and availability (?q= SKU, name or component)",
                        "pages.view", answer=LIST, query={"q": STR}, tag="kits"),
        "GET /kits/{sku}": op("A kit: its components, available now, ready-made, limited by", "pages.view",
                              tag="kits"),
        "PUT /kits/{sku}": op("Define a kit or replace its components (the import's checks: every problem)",
                              "master.manage", errors=(422,), tag="kits", body=obj({
                                  "name_zh": STR, "name_en": STR,
                                  "components": array(obj({"sku": NAME, "qty": QTY}, ("sku", "qty")), minItems=1)},
                                  ("components",))),
        "DELETE /kits/{sku}": op("The item is no longer a kit (the item and its stock stay)", "master.manage",
                                 tag="kits"),
        "GET /items/{sku}/available": op(
            "What the shops may sell: {available, ready_made, limited_by}; a plain item: its free units "
            "(ready_made = available, limited_by null)", "pages.view", tag="kits",
            answer=obj({"sku": STR, "available": INT, "ready_made": INT, "limited_by": {"type": ["string", "null"]}},
                       ("available", "ready_made", "limited_by"))),
        "GET /imports": op("The import kinds and the columns each understands", ANY, answer=LIST, tag="imports"),
        "POST /imports/{kind}": op(
            "Import a file (XLSX, or CSV in UTF-8/GBK): every wrong row refused with row, column, code; nothing "
            "written unless good_rows_only. Permission: master.manage (staff: people.manage, opening-stock: "
            "stock.opening)", "master.manage", errors=(422,), tag="imports",
            query={"dry_run": {"enum": ["0", "1"]}, "good_rows_only": {"enum": ["0", "1"]}, "mapping": STR},
            media={"multipart/form-data": {"schema": obj({
                "file": {"type": "string", "contentMediaType": "application/octet-stream"},
                "mapping": {"type": "string", "description": "JSON {field: column name} for other files"}},
                ("file",))}}),
        "GET /stock/check": op("Books against bins (账物卡)", "floor.supervise", tag="stock"),
        # --- inventory ---
        "POST /transfers": op("Move free units bin → bin, or towards another warehouse", "stock.transfer", ok=201,
                              body=obj({"from_bin": NAME, "sku": NAME, "lot": STR, "qty": QTY, "to_bin": NAME,
                                        "to_warehouse": NAME}, ("from_bin", "sku", "qty")), tag="inventory"),
        "GET /transfers": op("Transfers (?status=in_transit&warehouse=WH2)", "stock.transfer", answer=LIST,
                             query={"status": STR, "warehouse": STR}, tag="inventory"),
        "GET /transfers/{transfer_id}": op("A transfer", "stock.transfer", tag="inventory"),
        "POST /transfers/{transfer_id}/receive": op("Units in transit arrive in a bin", "stock.transfer",
                                                    body=obj({"to_bin": NAME}, ("to_bin",)), tag="inventory"),
        "POST /adjustments": op("Correct a bin's stock with a configured reason", "stock.adjust", ok=201,
                                body=obj({"bin": NAME, "sku": NAME, "lot": STR, "qty": {"type": "integer", "not": {
                                    "const": 0}}, "reason": STR, "note": STR}, ("bin", "sku", "qty", "reason")),
                                tag="inventory"),
        "GET /adjustments": op("Adjustments made", "stock.adjust", answer=LIST, tag="inventory"),
        "POST /counts": op("Schedule a cycle count: a zone, an item, some bins or bins not counted lately",
                           "counts.manage", ok=201, body=obj({
                               "zone": NAME, "sku": NAME, "bins": array(NAME, minItems=1),
                               "not_counted_days": {"type": "integer", "minimum": 0},
                               "limit": {"type": "integer", "minimum": 1}, "warehouse": NAME}), tag="inventory"),
        "GET /counts": op("Cycle counts (?status=)", "counts.manage", answer=LIST, query={"status": STR},
                          tag="inventory"),
        "GET /counts/tasks": op("The counter's task list (never book quantities)", "stock.count", answer=LIST,
                                tag="inventory"),
        "GET /counts/{count_id}": op("A count with its lines", "counts.manage", tag="inventory"),
        "POST /counts/{count_id}/cancel": op("Stop a count", "counts.manage", tag="inventory"),
        "POST /count-lines/{line_id}/{decision}": op("Approve (book) or reject a recounted line's variance",
                                                     "counts.manage", tag="inventory"),
        # --- orders ---
        "GET /orders": op("Sales orders, a page at a time, newest first", ANY, answer=obj({
            "items": LIST, "page": INT, "pages": INT, "total": INT}), query={
            "status": STR, "channel": STR, "carrier": STR, "q": STR, "stopped": STR, "min_priority": INT,
            "cut_off_before": STR, "page": INT, "per_page": INT},
            tag="orders"),
        "POST /orders/release": op("Release many orders: one result each", "orders.manage", body=obj({
            "numbers": LIST, "all_ready": BOOL, "channel": STR, "carrier": STR, "q": STR}), tag="orders"),
        "POST /orders": op("Create an order; it is reviewed at once", "orders.manage", ok=201, body=obj({
            "channel": STR, "number": NAME, "customer_name": STR, "phone": STR, "address": STR, "carrier": STR,
            "paid_at": TIME, "priority": INT, "cut_off": TIME, "lines": array(LINE, minItems=1),
            "exchange_of": STR, "exchange_reason": STR}, ("number", "lines")), tag="orders"),
        "POST /orders/import/taobao": background_job(op(
            "Import a Taobao seller export pair", "orders.manage", ok=201, errors=(422,), tag="orders",
            query={"background": {"enum": ["1"]}}, media={"multipart/form-data": {"schema": obj({
                "orders": {"type": "string", "contentMediaType": "text/csv"},
                "items": {"type": "string", "contentMediaType": "text/csv"}}, ("orders", "items"))}})),
        "POST /orders/import": background_job(op("Import orders from a generic CSV", "orders.manage", ok=201,
                                                 errors=(422,), media=csv, tag="orders",
                                                 query={"background": {"enum": ["1"]}})),
        "GET /orders/import-jobs": op("The latest order import jobs", "orders.manage", answer=LIST, tag="orders"),
        "GET /orders/import-jobs/{job_id}": op("An order import job: status, progress, report", "orders.manage",
                                               tag="orders"),
        "GET /orders/{number}": op("An order (?channel=)", ANY, query={"channel": STR}, tag="orders"),
        "POST /orders/{number}/release": op("Check stock and release the order (?channel=)", "orders.manage",
                                            query={"channel": STR}, tag="orders"),
        "POST /orders/{number}/correct": op("Correct a stopped order, review it again", "orders.manage", body=obj({
            "address": STR, "phone": STR, "customer_name": STR, "carrier": STR,
            "paid_at": {"type": ["string", "null"], "format": "date-time"}}), tag="orders"),
        "POST /orders/{number}/lines/{line_no}/resolve": op(
            "A shortage's answer for one line", "orders.manage", tag="orders",
            body=obj({"choice": {"enum": ["wait", "substitute", "cancel_line"]}, "substitute": STR}, ("choice",))),
        "POST /orders/{number}/allocate": op("Reserve stock FIFO/FEFO", "orders.manage", tag="orders"),
        "POST /orders/{number}/hold": op("Put the order on hold (written notice)", "orders.manage", tag="orders",
                                         body=obj({"reason": {"type": "string", "minLength": 1}}, ("reason",))),
        "POST /orders/{number}/release-hold": op("Lift a hold", "orders.manage", tag="orders"),
        "POST /orders/{number}/move-to-hold": op("A held order's picked units leave their totes for a hold bin",
                                                 "journey.pick", body=obj({"bin": NAME}, ("bin",)), tag="orders"),
        "POST /orders/{number}/cancel": op(
            "Cancel the order before handover (取消/退款): reservations released, parcels and labels voided, "
            "put-back tasks for picked units; after handover 409 order_handed_over", "orders.manage", tag="orders",
            query={"channel": STR}, body=obj({"reason": {"type": "string", "minLength": 1}, "channel": STR},
                                             ("reason",))),
        "GET /put-back-tasks": op("Open put-back tasks of cancelled orders", "journey.pick", answer=LIST,
                                  tag="orders"),
        # --- work orders (加工单): kits assembled and taken apart ---
        "GET /work-orders": op("Work orders, newest first (?on_floor=1: what the handheld lists, oldest first)", ANY,
                               answer=LIST, tag="orders", query={"status": STR, "on_floor": STR}),
        "POST /work-orders": op(
            "Assemble or take apart N kits: everything reserved FIFO/FEFO, or 409 work_order_shortage (nothing "
            "written)", "work_orders.manage", ok=201, tag="orders",
            body=obj({"kind": {"enum": ["assemble", "disassemble"]}, "sku": NAME, "qty": QTY}, ("kind", "sku", "qty"))),
        "GET /work-orders/{number}": op("A work order with its steps' progress", ANY, tag="orders"),
        "POST /work-orders/{number}/cancel": op(
            "Cancel a work order: reservations released, units already picked get put-away steps back",
            "work_orders.manage", tag="orders", body=obj({"reason": {"type": "string", "minLength": 1}}, ("reason",))),
        # --- waves and pick lists ---
        "POST /waves": op("Plan (dry_run) or release a pick wave", "orders.manage", ok=201, tag="picking", body=obj({
            "filters": obj({"channel": STR, "carrier": STR, "cut_off_before": TIME, "min_priority": INT,
                            "lines": {"enum": ["single", "multi"]}, "zone": STR, "limit": QTY}),
            "cart": obj({"totes": QTY, "tote_capacity": QTY}),
            "method": {"enum": ["savings", "seed", "fcfs", "single"]}, "dry_run": BOOL})),
        "GET /waves/{wave_id}": op("A wave with its pick lists", ANY, tag="picking"),
        "GET /pick-lists": op("Pick lists (?status=, ?mine=1, ?view=summary: without their stops)", ANY, answer=LIST,
                              query={"status": STR, "mine": STR, "view": {"enum": ["full", "summary"]}},
                              tag="picking"),
        "GET /pick-lists/choice": op("The pick screen: the caller's unfinished lists (whole) and the first 25 open "
                                     "ones (summaries; open_more: there are more), one snapshot", ANY, tag="picking",
                                     answer=obj({"mine": LIST, "open": LIST, "open_more": BOOL},
                                                ("mine", "open", "open_more"))),
        "POST /pick-lists/next/claim": op("Claim the next pick list", "journey.pick", tag="picking"),
        "GET /pick-lists/{pick_list_id}": op("A pick list", ANY, tag="picking"),
        "POST /pick-lists/{pick_list_id}/claim": op("Claim a pick list", "journey.pick", tag="picking"),
        # --- packing and handover ---
        "GET /stations": op("Packing stations", ANY, answer=LIST, tag="packing"),
        "GET /stations/{code}": op("A station's view", ANY, tag="packing"),
        "POST /stations": op("Add a packing station", "devices.manage", ok=201, tag="packing",
                             body=obj(STATION, ("code", "name", "printer"), additionalProperties=False)),
        "PATCH /stations/{code}": op("Change a station's name, printer or fixed scanner (null: none)",
                                     "devices.manage", tag="packing",
                                     body=obj({k: v for k, v in STATION.items() if k != "code"},
                                              additionalProperties=False)),
        "POST /stations/{code}/sign-in": op("The logged-in packer takes the station", "journey.pack", tag="packing"),
        "POST /stations/{code}/sign-out": op("The packer leaves the station", "journey.pack", tag="packing"),
        "POST /stations/{code}/weight-override": op(
            "A supervisor closes the station's open parcel although its weight is off, with a written reason",
            "floor.supervise", tag="packing",
            body=obj({"reason": STR, "of_parcels": {"type": "integer"}, "packaging": STR}, ("reason",),
                     additionalProperties=False)),
        "GET /parcels/{tracking}": op("A parcel", ANY, tag="packing"),
        "GET /manifests": op("Carrier manifests (?status=open|shipped)", ANY, answer=LIST, query={"status": STR},
                             tag="packing"),
        "GET /manifests/{manifest_id}": op("A manifest", ANY, tag="packing"),
        # --- printing ---
        "GET /printers": op("Printers", ANY, answer=LIST, tag="printing"),
        "POST /printers": op("Add a printer (agent: by default the only printer agent, if there is one)",
                             "devices.manage", ok=201, tag="printing",
                             body=obj(PRINTER, ("code", "name", "transport"), additionalProperties=False)),
        "GET /printers/{code}": op("A printer", ANY, tag="printing"),
        "PATCH /printers/{code}": op("Change a printer; active false retires it (no new jobs)", "devices.manage",
                                     tag="printing", body=obj({k: v for k, v in PRINTER.items() if k != "code"},
                                                              additionalProperties=False)),
        "POST /printers/{code}/test-print": op("Queue a test label (code, name, dpi, size, time) on the printer",
                                               "devices.manage", ok=201, tag="printing"),
        "GET /print-jobs": op("The latest print jobs (?printer=)", ANY, answer=LIST, query={"printer": STR},
                              tag="printing"),
        "GET /print-jobs/{job_id}": op("A print job and its history (?zpl=1)", ANY, query={"zpl": STR},
                                       tag="printing"),
        "POST /print-jobs/bin-labels": op("Print a zone's bin labels", "labels.print", ok=201, tag="printing",
                                          body=obj({"zone": NAME, "printer": NAME, "dpi": {"enum": [203, 300]},
                                                    "bins": array(NAME)}, ("zone", "printer"))),
        "POST /print-jobs/item-labels": op("Print item labels (EAN-13 or Code 128, names, variant, tag price, lot "
                                           "and expiry) of the item named in the body", "labels.print", ok=201,
                                           tag="printing", body=obj({"sku": NAME, "qty": ITEM_LABEL_QTY,
                                                                     "printer": NAME, "lot": NAME},
                                                                    ("sku", "printer"))),
        "POST /items/{sku}/labels": op("Print qty item labels of the item (with a lot's code and expiry)",
                                       "labels.print", ok=201, tag="printing",
                                       body=obj({"qty": ITEM_LABEL_QTY, "printer": NAME, "lot": NAME}, ("printer",))),
        "POST /receipts/{receipt_id}/item-labels": op(
            "Print an item label for each unit of the receipt that arrives unlabelled (all: every unit)",
            "labels.print", ok=201, tag="printing", body=obj({"printer": NAME, "all": BOOL},
                                                             ("printer",))),
        "POST /print-jobs/{job_id}/reprint": op("Print a job again, saying why", "labels.print", ok=201,
                                                body=obj({"reason": {"type": "string", "minLength": 1}}, ("reason",)),
                                                tag="printing"),
        # --- receiving ---
        "GET /purchase-orders": op("Purchase orders (?status=&supplier=)", ANY, answer=LIST,
                                   query={"status": STR, "supplier": STR}, tag="receiving"),
        "POST /purchase-orders": op("Create a purchase order", "journey.receive", ok=201, tag="receiving", body=obj({
            "supplier": NAME, "number": NAME, "expected_on": DATE,
            "lines": array(obj(LINE["properties"] | {"expected_on": DATE}, ("qty",)), minItems=1)},
            ("supplier", "lines"))),
        "POST /purchase-orders/import": op("Import purchase orders from CSV (UTF-8 or GBK)", "journey.receive",
                                          ok=201, errors=(422,), media=csv, tag="receiving"),
        "GET /purchase-orders/{number}": op("A purchase order", ANY, tag="receiving"),
        "POST /purchase-orders/{number}/close": op("Close a purchase order", "floor.supervise", tag="receiving"),
        "GET /receipts": op("Receipts of a day (?date=)", ANY, answer=LIST, query=when, tag="receiving"),
        "GET /receipts/{receipt_id}": op("A receipt", ANY, tag="receiving"),
        "GET /inspections": op("Open inspections", ANY, answer=LIST, tag="receiving"),
        "GET /inspections/{inspection_id}": op("An inspection", ANY, tag="receiving"),
        "GET /putaway-tasks": op("Open put-away tasks", ANY, answer=LIST, tag="receiving"),
        "GET /reports/day-end": op("Day-end: what is not cleared, wherever it was started", "reports.view",
                                   answer=obj({"at": STR, "cleared": BOOL, "sections": OBJ, "counts": OBJ}),
                                   tag="receiving"),
        "GET /reports/same-day-clearing": op("Same-day clearing of a day (?date=)", ANY, query=when,
                                             tag="receiving"),
        "GET /reports/suppliers": op("Supplier quality", ANY, answer=LIST, tag="receiving"),
        "POST /suppliers/{supplier}/quality/{product}/approve-reduced": op(
            "Allow reduced inspection for a supplier × item family", "floor.supervise", tag="receiving"),
        "POST /suppliers/{supplier}/quality/{product}/corrective-action": op(
            "Record a supplier's corrective action after a discontinuation", "floor.supervise", tag="receiving",
            body=obj({"note": {"type": "string", "minLength": 1}}, ("note",))),
        # --- sampling ---
        "GET /sampling/plan": op("A sampling plan", ANY, query=(sampling := {
            "policy": {"enum": ["seed", "iso2859"]},
            "lot_size": {"type": "integer", "minimum": 1, "maximum": 10_000_000, "required": True},
            "supplier": STR, "returned": STR, "rate": {"type": "number"}, "aql": {"type": "number"},
            "level": STR, "state": {"enum": ["normal", "tightened", "reduced"]}}), tag="sampling"),
        "GET /sampling/oc": op("A plan's operating characteristic", ANY, query=sampling, tag="sampling"),
        # --- returns ---
        "GET /returns": op("Return cases (?status=&escalated=1|0)", ANY, answer=LIST,
                           query={"status": STR, "escalated": STR}, tag="returns"),
        "GET /returns/settings": op("Return reasons, judgements, dispositions, sign-off chain", ANY,
                                    tag="returns"),
        "GET /returns/costs": op("The cost of returns (?from=&to=)", "reports.view",
                                 query={"from": DATE, "to": DATE}, tag="returns"),
        "GET /returns/{number}": op("A return case", ANY, tag="returns"),
        "POST /returns": op("Open a return case by tracking or order number", "returns.open", ok=201, tag="returns",
                            body=obj({"code": STR, "reason": STR, "unknown_parcel": BOOL, "lines": LIST,
                                      "shipping_cost_cents": INT, "note": STR}, ("code", "reason"))),
        "POST /returns/{number}/dispose": op("Give units their disposition", "returns.inspect", tag="returns",
                                             body=obj({"units": LIST, "disposition": STR}, ("units", "disposition"))),
        "POST /returns/{number}/sign": op("Sign the next level of the chain", "returns.inspect", tag="returns",
                                          body=obj({"level": INT, "note": STR})),
        "POST /returns/{number}/cancel": op("Call a case off, with its reason", "returns.inspect", tag="returns",
                                            body=obj({"reason": STR}, ("reason",))),
        "POST /returns/{number}/exchange": op("An exchange order for a return", "orders.manage", ok=201,
                                              body=obj({"lines": array(obj({"sku": NAME, "qty": QTY}, ("sku",)))}),
                                              body_required=False, tag="returns"),
        # --- returns to vendor ---
        "GET /vendor-returns": op("Returns to vendor (rejected lots going back), newest first", ANY,
                                  answer=obj({"items": LIST, "page": INT, "pages": INT, "total": INT}),
                                  query={"status": {"enum": ["awaiting_approval", "approved", "sent", "cancelled"]},
                                         "q": STR, "page": INT, "per_page": INT}, tag="returns"),
        "GET /vendor-returns/{ref}": op("A return to vendor (RTV-000001 or its id)", ANY, tag="returns"),
        "POST /vendor-returns/{ref}/approve": op("Approve a return to vendor; its dispatch note prints",
                                                 "vendor_returns.approve", body=obj({"printer": NAME}),
                                                 body_required=False, tag="returns"),
        "POST /vendor-returns/{ref}/dispatch-note": op("Print an approved return's dispatch note again",
                                                       "labels.print", body=obj({"printer": NAME}),
                                                       body_required=False, tag="returns"),
        "POST /vendor-returns/{ref}/sent": op("The lot left for its supplier: off the exceptions list",
                                              "floor.supervise", body=obj({"note": STR}), body_required=False,
                                              tag="returns"),
        "POST /vendor-returns/{ref}/cancel": op("Call a return to vendor off, with its reason",
                                                "vendor_returns.approve", body=obj({"reason": STR}, ("reason",)),
                                                tag="returns"),
        # --- scans ---
        "POST /scans": op("A scan over HTTP: the same command and idempotency as the /floor scan event",
                          "the scan mode's permission", body=SCAN, answer=ACK, tag="scans"),
        # --- stock control ---
        "GET /alerts": op("Open stock alerts", "floor.supervise", answer=LIST, tag="stock"),
        "PUT /items/{sku}/safety": op("An item's safety quantity", "stock.adjust", tag="stock",
                                      body=obj({"qty": {"type": "integer", "minimum": 0}}, ("qty",))),
        "PUT /pick-faces": op("A pick face's min and max", "stock.adjust", tag="stock", body=obj({
            "bin": NAME, "sku": NAME, "min_qty": {"type": "integer", "minimum": 0},
            "max_qty": {"type": "integer", "minimum": 1}}, ("bin", "sku", "min_qty", "max_qty"))),
        "POST /replenishments": op("A task to refill a pick face", "stock.transfer", ok=201, tag="stock",
                                   body=obj({"bin": NAME, "sku": NAME}, ("bin", "sku"))),
        "GET /replenishments": op("Replenishment tasks (?status=open)", ANY, answer=LIST, query={"status": STR},
                                  tag="stock"),
        "GET /ledger/bins/{code}": op("What a bin held at a time (?at=)", "floor.supervise", query={"at": TIME},
                                      tag="stock"),
        "GET /ledger/items/{sku}": op("An item's movements (?from=&to=)", "floor.supervise",
                                      query={"from": TIME, "to": TIME}, tag="stock"),
        "GET /ledger/check": op("Books, goods and bin cards recomputed from the ledger", "floor.supervise",
                                tag="stock"),
        **_people_paths(),
    }


# --- people and suppliers (the "people" branch: server/api/people.py) ---------------------------------

ROLE = {"enum": ["picker", "receiver", "inspector", "packer", "supervisor", "manager", "admin", "viewer"],
        "description": "a role, or a job title of the staff list (拣货员, 仓库主管 …)"}
USER = obj({"username": NAME, "name": STR, "role": STR, "role_name": obj(TEXT), "active": BOOL,
            "employee_no": {"type": ["string", "null"]}, "locale": STR, "has_password": BOOL,
            "badge": {"type": "string", "description": "the badge code (BDG-<staff number>)"},
            "badge_login": {"type": "boolean", "description": "floor roles only log in by badge"},
            "phone": {"type": ["string", "null"], "description": "only for roles with people.manage"},
            "created_at": {"type": ["string", "null"]}})
SUPPLIER = obj({"code": STR, "name": STR, "contact": STR, "active": BOOL})


def _people_paths() -> dict[str, dict[str, Any]]:
    user_fields = {"name": STR, "role": ROLE, "active": BOOL, "employee_no": STR, "phone": STR,
                   "locale": {"enum": ["zh", "en"]}}
    return {
        "GET /users": op("People (?q= user name, name or staff number; paged); phones only for people.manage",
                         "pages.view", query={"q": STR, "page": INT, "per_page": INT}, tag="people",
                         answer=obj({"ok": BOOL, "total": INT, "users": array(USER)})),
        "POST /users": op("Add a person (no password: none works until one is set; floor roles use their badge)",
                          "people.manage", ok=201, tag="people", answer=obj({"ok": BOOL, "user": USER}),
                          body=obj({"username": {"type": "string", "pattern": "^[A-Za-z0-9._-]{1,64}$"},
                                    "password": {"type": "string", "minLength": 10}} | user_fields,
                                   ("username", "role"))),
        "GET /users/{username}": op("A person", "pages.view", tag="people", answer=obj({"ok": BOOL, "user": USER})),
        "PATCH /users/{username}": op("Change a person: name, role, active (deactivate), staff number, phone, locale; "
                                      "never oneself inactive, never the last active admin", "people.manage",
                                      tag="people", body=obj(user_fields), answer=obj({"ok": BOOL, "user": USER})),
        "POST /users/{username}/password": op("Set a person's password (at least 10 characters); answers nothing "
                                              "secret", "people.manage", tag="people",
                                              body=obj({"password": {"type": "string", "minLength": 10}},
                                                       ("password",))),
        "POST /users/{username}/badge-print": op("Print the person's badge (Code 128 of BDG-<staff number>) to a "
                                                 "printer; the code then logs them in (floor roles)",
                                                 "people.manage", ok=201, tag="people",
                                                 body=obj({"printer": NAME}, ("printer",))),
        "GET /suppliers": op("Suppliers (?q= code, name or contact)", ANY, answer=array(SUPPLIER),
                             query={"q": STR, "limit": INT}, tag="suppliers"),
        "POST /suppliers": op("Add a supplier (a code SUP-0001… is made when none is given)", "master.manage",
                              ok=201, tag="suppliers", errors=(422,), answer=obj({"ok": BOOL, "supplier": SUPPLIER}),
                              body=obj({"code": STR, "name": STR, "contact": STR, "active": BOOL}, ("name",))),
        "GET /suppliers/{code}": op("A supplier", ANY, tag="suppliers", answer=obj({"ok": BOOL, "supplier": SUPPLIER})),
        "PATCH /suppliers/{code}": op("Change a supplier: name, contact, active (purchase orders name only active "
                                      "ones)", "master.manage", tag="suppliers", errors=(422,),
                                      body=obj({"name": STR, "contact": STR, "active": BOOL}),
                                      answer=obj({"ok": BOOL, "supplier": SUPPLIER})),
    }


ID = {"type": "integer", "minimum": 0, "maximum": 2_147_483_647}  # `<int(max=2147483647):…>`: larger is 404
PATH_PARAMS = {"transfer_id": ID, "count_id": ID, "line_id": ID, "decision": PATH_TYPES["any(approve, reject)"],
               "line_no": ID, "wave_id": ID, "pick_list_id": ID, "manifest_id": ID, "job_id": ID,
               "receipt_id": ID, "inspection_id": ID}


def spec() -> dict[str, Any]:
    """The whole description, as a plain dict (JSON-ready)."""
    paths: dict[str, dict[str, Any]] = {}
    for key, operation in _paths().items():
        method, path = key.split(" ", 1)
        names = [part[1:-1] for part in path.split("/") if part.startswith("{")]
        if names:
            operation["parameters"] = [{"name": n, "in": "path", "required": True,
                                        "schema": PATH_PARAMS.get(n, NAME)} for n in names] + \
                operation.get("parameters", [])
        words = "".join(c if c.isalnum() else "_" for c in path.strip("/").replace("{", "").replace("}", ""))
        operation["operationId"] = f"{method.lower()}_{words}"
        paths.setdefault(path, {})[method.lower()] = operation
    return {
        "openapi": "3.1.0",
        "info": {"title": "WMS floor REST API", "version": "1",
                 "description": "Warehouse scanning and picking. Errors everywhere have one shape: "
                                "{\"ok\": false, \"error\": {\"code\", \"message\": {\"en\", \"zh\"}}}; codes are "
                                "stable (docs/protocol.md). `x-permission` names what the server checks "
                                "(docs/security.md, Role matrix)."},
        "servers": [{"url": "/api/v1"}],
        "security": [{"session": []}, {"device": []}],
        "paths": paths,
        "components": {
            "securitySchemes": {
                "session": {"type": "apiKey", "in": "cookie", "name": "session",
                            "description": "set by POST /auth/login or /auth/badge"},
                "device": {"type": "http", "scheme": "bearer",
                           "description": "a device token (`python -m server issue-token DEVICE`)"},
            },
            "schemas": {"Error": ERROR, "ScanPayload": SCAN, "ScanAck": ACK},
            "responses": {f"E{code}": {"description": text, "content": {"application/json": {"schema": ref("Error")}}}
                          for code, text in CODES.items()},
        },
    }


@bp.get("/openapi.json")
def openapi_json():
    return jsonify(spec())


def main() -> None:
    """Print the description as YAML (needs PyYAML, a test dependency) or JSON (`--json`)."""
    if "--json" in sys.argv:
        print(json.dumps(spec(), ensure_ascii=False, indent=1))
        return
    import yaml

    print("# Generated by `python -m server.api.openapi > docs/openapi.yaml`: edit server/api/openapi.py.")
    class Plain(yaml.SafeDumper):  # every schema written out in full: no &anchors / *aliases
        def ignore_aliases(self, data: Any) -> bool:
            return True

    print(yaml.dump(spec(), Dumper=Plain, allow_unicode=True, sort_keys=False, width=120), end="")


if __name__ == "__main__":
    main()
