"""The orders desk (/sup/orders): the list with search, filters and paging; release the selected or all ready
orders at once (one result each); an order's page with its timeline, lines, reservations, stock movements and
printed documents, and the actions a supervisor takes on it (correct, resolve a shortage, release, hold,
release the hold, cancel)."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for

from server.domain import roles
from server.domain.errors import WmsError, Words
from server.services import transaction
from server.services.orders import cancellation, order_history, sales_orders
from server.services.picking import pick_lists
from server.web.common import attempt, page, sup

STATUSES = ("pending_review", "released", "allocated", "picking", "picked", "packed", "shipped", "on_hold",
            "cancelled")
CHANNELS = ("taobao", "tmall", "jd", "pdd", "douyin", "api", "csv")
# Stop reasons a supervisor filters by (review codes; the words come from the errors' messages).
STOP_REASONS = (("unknown_sku", "Unknown SKU", "未知货品"), ("unpaid", "Unpaid", "未付款"),
                ("missing_address", "No address", "无地址"), ("shortage", "Shortage", "缺货"))
# Where an order is still the warehouse's to stop: after these, a hold or a cancellation cannot act.
_CHOICES_ZH = {"wait": "等待到货", "substitute": "已替换", "cancel_line": "已取消"}
BEFORE_HANDOVER = ("pending_review", "released", "allocated", "picking", "picked", "packed")


@sup.get("/orders")
@page("orders.manage")
def orders_page(actor):
    return _list(actor, results=None)


@sup.post("/orders/release")
@page("orders.manage")
def orders_release(actor):
    """The selected orders (checkboxes `order` = channel/number), or every ready order the list's filters
    narrow to (`all_ready`): each released or refused with its reason, shown on the list."""
    if request.form.get("all_ready"):
        wanted = sales_orders.ready_orders(_filter(request.form))
    else:
        wanted = [tuple(reversed(value.split("/", 1))) for value in request.form.getlist("order") if "/" in value]
        if not wanted:
            flash(WmsError("bad_request", detail=Words("tick the orders to release first",
                                                       "请先勾选要释放的订单")).message())
            return redirect(url_for("supervisor.orders_page", **_filter(request.form).as_args(
                request.form.get("cut_off_before", ""))))
    results = sales_orders.release_many(wanted, actor)
    return _list(actor, results=results, args=request.form)


def _filter(args) -> sales_orders.OrderFilter:
    try:
        return sales_orders.OrderFilter.from_args(args)
    except WmsError as error:
        flash(error.message())
        return sales_orders.OrderFilter()


def _list(actor, results: list[dict] | None, args=None):
    args = args if args is not None else request.args
    where = _filter(args)
    found = sales_orders.order_page(where, request.args.get("page", default=1, type=int), per_page=50)
    links = where.as_args(args.get("cut_off_before", ""))
    return render_template("orders.html", actor=actor, found=found, where=where, links=links, results=results,
                           statuses=STATUSES, channels=CHANNELS, stop_reasons=STOP_REASONS,
                           ready=len(sales_orders.ready_orders(where, limit=5000)),
                           cut_off_text=args.get("cut_off_before", ""),
                           views={o.id: sales_orders.order_view(o) for o in found["items"]})


@sup.get("/orders/<number>")
@page("orders.manage")
def order_page(actor, number: str):
    order = sales_orders.find_order(number, request.args.get("channel") or None)
    view = sales_orders.order_view(order)
    if not roles.can(actor.role or "", "customers.view"):
        view |= dict.fromkeys(roles.CUSTOMER_FIELDS, None) | {"customer_hidden": True}
    timeline = order_history.timeline(order)
    return render_template("order.html", actor=actor, order=view, timeline=timeline,
                           reached=_stage_reached(order.status, [e.status for e in timeline], bool(view["review"])),
                           movements=order_history.movements(order),
                           jobs=order_history.print_jobs(order), cancellation=cancellation.cancellation_view(order),
                           can_act=roles.can(actor.role or "", "orders.manage"),
                           before_handover=order.status in BEFORE_HANDOVER)


# The stepper's stages (imported, reviewed, released, allocated, picked, packed, shipped) each status reaches.
_STAGE = {"pending_review": 1, "released": 2, "allocated": 3, "picking": 3, "picked": 4, "packed": 5, "shipped": 6}


def _stage_reached(status: str, history: list[str], stopped: bool) -> int:
    """The last stage the order reached: by its status, or — held or cancelled — the furthest it got before."""
    reached = _STAGE.get(status, max((_STAGE.get(s, 0) for s in history), default=0))
    return 0 if reached == 1 and stopped else reached


def _back(number: str, channel: str | None):
    return redirect(url_for("supervisor.order_page", number=number, channel=channel or None))


@sup.post("/orders/<number>/release")
@page("orders.manage")
def order_release(actor, number: str):
    channel = request.form.get("channel") or None
    try:
        sales_orders.release(number, actor, channel)
        flash({"en": f"Order {number} released.", "zh": f"订单 {number} 已释放。"}, "ok")
    except WmsError as error:  # a shortage or a stop is kept on the order (committed by release itself)
        flash(error.message())
    return _back(number, channel)


@sup.post("/orders/<number>/correct")
@page("orders.manage")
def order_correct(actor, number: str):
    changes = {field: request.form[field] for field in ("customer_name", "phone", "address", "carrier")
               if field in request.form}
    if attempt(lambda: sales_orders.correct_order(number, changes, actor)):
        flash({"en": f"Order {number} corrected and reviewed again.", "zh": f"订单 {number} 已更正并重新审核。"}, "ok")
    return _back(number, request.form.get("channel"))


@sup.post("/orders/<number>/lines/<int(max=2147483647):line_no>/resolve")
@page("orders.manage")
def order_resolve_line(actor, number: str, line_no: int):
    choice = request.form.get("choice", "")
    if attempt(lambda: sales_orders.resolve_line(number, line_no, choice, actor,
                                                 substitute=(request.form.get("substitute") or "").strip() or None)):
        flash({"en": f"Line {line_no}: {choice.replace('_', ' ')}.",
               "zh": f"第 {line_no} 行：{_CHOICES_ZH.get(choice, choice)}。"}, "ok")
    return _back(number, request.form.get("channel"))


@sup.post("/orders/<number>/hold")
@page("orders.manage")
def order_hold(actor, number: str):
    reason = (request.form.get("reason") or "").strip()
    if attempt(lambda: pick_lists.place_hold(number, reason, actor)):
        flash({"en": f"Order {number} is on hold.", "zh": f"订单 {number} 已暂缓。"}, "ok")
    return _back(number, request.form.get("channel"))


@sup.post("/orders/<number>/release-hold")
@page("orders.manage")
def order_release_hold(actor, number: str):
    if attempt(lambda: pick_lists.release_hold(number, actor)):
        flash({"en": f"Order {number}: hold released.", "zh": f"订单 {number} 已解除暂缓。"}, "ok")
    return _back(number, request.form.get("channel"))


@sup.post("/orders/<number>/cancel")
@page("orders.manage")
def order_cancel(actor, number: str):
    """取消/退款 before handover: reservations released, picked units to put back, parcels and labels voided."""
    channel = request.form.get("channel") or None
    try:
        done = cancellation.cancel_order(number, request.form.get("reason") or "", actor, channel)
    except WmsError as error:
        transaction.rollback()
        flash(error.message())
        return _back(number, channel)
    tasks = len(done["put_back"])
    flash({"en": f"Order {number} cancelled." + (f" {tasks} put-back task(s) for the handheld." if tasks else ""),
           "zh": f"订单 {number} 已取消。" + (f"已生成 {tasks} 个放回任务（手持终端）。" if tasks else "")}, "ok")
    return _back(number, channel)
