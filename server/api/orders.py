"""Sales orders: create, import (Taobao pair, generic CSV), review, release, resolve shortages, allocate."""
from datetime import datetime

from flask import Blueprint, current_app, jsonify, request

from server.api.common import current_actor, json_body, ok
from server.domain import roles
from server.domain.errors import WmsError, Words
from server.services import transaction
from server.services.orders import cancellation, import_jobs, order_import, put_back
from server.services.orders import sales_orders
from server.services.picking import pick_lists
from server.domain.errors import ImportRejected

bp = Blueprint("orders", __name__, url_prefix="/api/v1/orders")


def _time(value):
    try:
        return datetime.fromisoformat(value) if value else None
    except (TypeError, ValueError):
        raise WmsError("bad_request", detail=Words(f"bad time {value}", f"时间 {value} 格式错误")) from None


def _priority(value) -> int:
    try:
        priority = int(value or 0)
    except (TypeError, ValueError):
        raise WmsError("bad_request", detail=Words(f"priority must be a whole number, not {value}",
                                                   f"priority 必须是整数，不能是 {value}")) from None
    if isinstance(value, bool) or abs(priority) > 1_000_000:
        raise WmsError("bad_request", detail=Words(f"priority must be a whole number, not {value}",
                                                   f"priority 必须是整数，不能是 {value}"))
    return priority


def _rejected(error: ImportRejected):
    return jsonify({"ok": False, "error": error.as_dict()}), error.http_status


@bp.get("")
def list_orders():
    """?status=&q=&channel=&carrier=&stopped=&min_priority=&cut_off_before=&page=&per_page= →
    {"items", "page", "pages", "total"}, newest first."""
    actor = current_actor()
    args = request.args
    where = sales_orders.OrderFilter.from_args(args)
    found = sales_orders.order_page(where, _whole(args.get("page"), 1), _whole(args.get("per_page"), 50))
    return jsonify(found | {"items": [_for(actor, sales_orders.order_view(o)) for o in found["items"]]})


def _whole(value, default: int) -> int:
    try:
        number = int(value) if value not in (None, "") else default
    except ValueError:
        raise WmsError("bad_request", detail=Words(f"a whole number is expected, not {value}",
                                                   f"须为整数，不能是 {value}")) from None
    if not 1 <= number <= 1_000_000:
        raise WmsError("bad_request", detail=Words(f"a whole number is expected, not {value}",
                                                   f"须为整数，不能是 {value}"))
    return number


@bp.post("/release")
def release_many():
    """{"numbers": ["…" | {"number", "channel"}, …]} or {"all_ready": true} (optionally narrowed as the list
    is: "channel", "carrier", "q"): one result per order."""
    actor = current_actor()
    actor.require("orders.manage")
    body = json_body()
    if body.get("all_ready") is True:
        narrowed = {key: body[key] for key in ("channel", "carrier", "q")
                    if isinstance(body.get(key), str) and body[key]}
        wanted = sales_orders.ready_orders(sales_orders.OrderFilter(**narrowed))
    elif isinstance(body.get("numbers"), list) and body["numbers"] and len(body["numbers"]) <= 5000:
        wanted = []
        for entry in body["numbers"]:
            if isinstance(entry, str):
                wanted.append((entry, None))
            elif isinstance(entry, dict) and isinstance(entry.get("number"), str):
                channel = entry.get("channel")
                wanted.append((entry["number"], channel if isinstance(channel, str) else None))
            else:
                raise WmsError("bad_request", detail=Words("numbers: order numbers or {number, channel}",
                                                               "numbers 的每一项须为订单编号或 {number, channel}"))
    else:
        raise WmsError("bad_request", detail=Words('send {"numbers": [...]} (at most 5000) or {"all_ready": true}',
                                                   '请发送 {"numbers": [...]}（最多 5000 个）或 {"all_ready": true}'))
    results = sales_orders.release_many(wanted, actor)
    return ok(results=results, released=sum(r["released"] for r in results),
              refused=sum(not r["released"] for r in results))


@bp.get("/<number>")
def get_order(number: str):
    actor = current_actor()
    order = sales_orders.find_order(number, request.args.get("channel"))
    view = sales_orders.order_view(order) | {"cancellation": cancellation.cancellation_view(order)}
    return jsonify(_for(actor, view))


def _for(actor, view: dict) -> dict:
    """An order as this reader may see it: without the customer's details unless their work needs them."""
    if actor.role is not None and roles.can(actor.role, "customers.view"):
        return view
    return view | dict.fromkeys(roles.CUSTOMER_FIELDS) | {"customer_hidden": True}


@bp.post("")
def create():
    actor = current_actor()
    actor.require("orders.manage")  # before the body is read: a refused role gets 403, not 400
    body = json_body()
    lines = body.get("lines")
    if not isinstance(lines, list) or not all(isinstance(line, dict) for line in lines):
        raise WmsError("bad_request", detail=Words("lines must be a list of {sku, qty}",
                                                   "lines 必须是 {sku, qty} 的列表"))
    order = sales_orders.create_order(
        str(body.get("channel") or "api"), str(body.get("number") or ""),
        [sales_orders.NewLine(str(line.get("sku") or line.get("barcode") or ""), line.get("qty")) for line in lines],
        actor, customer_name=str(body.get("customer_name", "")), phone=str(body.get("phone", "")),
        address=str(body.get("address", "")), carrier=str(body.get("carrier", "")),
        paid_at=_time(body.get("paid_at")), priority=_priority(body.get("priority")),
        cut_off=_time(body.get("cut_off")),
        exchange_of=body.get("exchange_of"), exchange_reason=body.get("exchange_reason"))
    if not order.number:
        raise WmsError("bad_request", detail=Words("number is required", "须填写 number"))
    transaction.commit()
    return ok(order=sales_orders.order_view(order)), 201


# A file longer than this goes to a background job by itself: written in one transaction it would hold
# SQLite's only writer for seconds (5,000 lines stalled every scan 8.5 s). `?background=1` sends any file.
BACKGROUND_ABOVE_LINES = 2000


def _background(*files: bytes) -> bool:
    return request.args.get("background") in ("1", "true", "yes") or \
        max(raw.count(b"\n") for raw in files) > BACKGROUND_ABOVE_LINES


def _job_started(kind: str, files: dict[str, bytes], filename: str, actor):
    job = import_jobs.submit(kind, files, filename, actor)
    import_jobs.runner.submit(current_app._get_current_object(), job.id)
    answer = jsonify({"ok": True, "job": import_jobs.view(job)})
    answer.headers["Location"] = f"{bp.url_prefix}/import-jobs/{job.id}"
    return answer, 202


@bp.post("/import/taobao")
def import_taobao():
    """multipart/form-data with the two files of the seller export: `orders` and `items`."""
    actor = current_actor()
    actor.require("orders.manage")
    if "orders" not in request.files or "items" not in request.files:
        raise WmsError("bad_request", detail=Words("upload both files: orders (订单报表) and items (宝贝报表)",
                                                   "请上传两个文件：orders（订单报表）和 items（宝贝报表）"))
    orders, items = request.files["orders"].read(), request.files["items"].read()
    if _background(orders, items):
        return _job_started("taobao", {"orders": orders, "items": items},
                            request.files["orders"].filename or "orders.csv", actor)
    try:
        report = order_import.import_taobao(orders, items, actor)
    except ImportRejected as error:
        return _rejected(error)
    return ok(**report), 201


@bp.post("/import")
def import_generic():
    actor = current_actor()
    upload = request.files.get("file")
    raw = upload.read() if upload is not None else request.get_data()
    if _background(raw):
        actor.require("orders.manage")
        return _job_started("generic", {"file": raw}, (upload.filename if upload else "") or "orders.csv", actor)
    try:
        report = order_import.import_generic(raw, actor)
    except ImportRejected as error:
        return _rejected(error)
    return ok(**report), 201


@bp.get("/import-jobs")
def import_job_list():
    """The latest import jobs, newest first."""
    return jsonify([import_jobs.view(job) for job in import_jobs.recent(current_actor(), limit=20)])


@bp.get("/import-jobs/<int(max=2147483647):job_id>")
def import_job(job_id: int):
    """A job's status, progress (rows and orders done of the total, phase) and report."""
    return jsonify(import_jobs.view(import_jobs.get(job_id, current_actor())))


@bp.post("/<number>/release")
def release(number: str):
    try:
        return ok(order=sales_orders.order_view(sales_orders.release(number, current_actor(),
                                                                     request.args.get("channel"))))
    except WmsError as error:
        if error.code in ("shortage", "order_stopped"):
            view = sales_orders.order_view(sales_orders.find_order(number, request.args.get("channel")))
            return jsonify({"ok": False, "error": error.as_dict(), "order": view}), error.http_status
        raise


@bp.post("/<number>/correct")
def correct(number: str):
    """{"address"?, "phone"?, "customer_name"?, "carrier"?, "paid_at"?}: fix a stopped order, review again."""
    actor = current_actor()
    actor.require("orders.manage")
    return ok(order=sales_orders.order_view(sales_orders.correct_order(number, json_body(), actor)))


@bp.post("/<number>/lines/<int(max=2147483647):line_no>/resolve")
def resolve(number: str, line_no: int):
    actor = current_actor()
    actor.require("orders.manage")
    body = json_body()
    order = sales_orders.resolve_line(number, line_no, str(body.get("choice", "")), actor,
                                substitute=body.get("substitute"))
    return ok(order=sales_orders.order_view(order))


@bp.post("/<number>/allocate")
def allocate(number: str):
    actor = current_actor()
    actor.require("orders.manage")
    result = sales_orders.allocate_order(sales_orders.find_order(number))
    transaction.commit()
    return ok(order=sales_orders.order_view(sales_orders.find_order(number)), short=result["short"])


@bp.post("/<number>/hold")
def hold(number: str):
    """A written hold notice (暂缓出货): {"reason": "..."}."""
    actor = current_actor()
    actor.require("orders.manage")
    order = pick_lists.place_hold(number, str(json_body().get("reason") or ""), actor)
    return ok(order=sales_orders.order_view(order))


@bp.post("/<number>/release-hold")
def release_hold(number: str):
    return ok(order=sales_orders.order_view(pick_lists.release_hold(number, current_actor())))


@bp.post("/<number>/move-to-hold")
def move_to_hold(number: str):
    """{"bin": "H-01-01-1"}: the held order's picked units leave their totes for the hold area."""
    actor = current_actor()
    actor.require("journey.pick")
    moved = pick_lists.move_to_hold(number, str(json_body().get("bin") or ""), actor)
    return ok(moved=moved, order=sales_orders.order_view(sales_orders.find_order(number)))


@bp.post("/<number>/cancel")
def cancel(number: str):
    """{"reason": "…", "channel": optional} (or ?channel=): cancel the order before handover; what was
    released, voided and made to put back. After handover: 409 order_handed_over (a return)."""
    actor = current_actor()
    actor.require("orders.manage")
    body = json_body()
    channel = body.get("channel") if isinstance(body.get("channel"), str) else request.args.get("channel")
    return ok(cancellation=cancellation.cancel_order(number, body.get("reason"), actor, channel or None))


# The put-back tasks of cancelled orders (the handheld's Put-back journey lists them).
put_back_bp = Blueprint("put_back", __name__, url_prefix="/api/v1/put-back-tasks")


@put_back_bp.get("")
def put_back_tasks():
    """Open put-back tasks, oldest first: where the units wait (what to scan) and what goes back where."""
    return jsonify(put_back.open_tasks(current_actor()))
