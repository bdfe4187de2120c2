"""Work orders (/sup/work-orders, 加工单): the list with each one's status, the form that orders kits assembled
or taken apart, and a work order's page with its steps' progress and the cancel (with a reason)."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for

from server.domain import roles
from server.services.assembly import work_orders
from server.services.catalogue import kits
from server.web.common import attempt, page, sup

PERMISSION = "work_orders.manage"


@sup.get("/work-orders")
@page(PERMISSION)
def work_orders_page(actor):
    status = (request.args.get("status") or "")[:16] or None
    return render_template("work_orders.html", actor=actor, status=status,
                           orders=[work_orders.view(o) for o in work_orders.listed(status)],
                           kit_skus=kits.kit_skus(), can_act=roles.can(actor.role or "", PERMISSION))


@sup.post("/work-orders")
@page(PERMISSION)
def work_order_create(actor):
    order = attempt(lambda: work_orders.create(request.form.get("kind"), request.form.get("sku"),
                                               request.form.get("qty"), actor))
    if order is None:
        return redirect(url_for("supervisor.work_orders_page"))
    flash({"en": f"Work order {order.number} made: its units are reserved; the handheld (Assembly) picks them.",
           "zh": f"已创建加工单 {order.number}：所需货品已预留，请在手持终端（组装/拆卸）拣货。"}, "ok")
    return redirect(url_for("supervisor.work_order_page", number=order.number))


@sup.get("/work-orders/<number>")
@page(PERMISSION)
def work_order_page(actor, number: str):
    order = work_orders.view(work_orders.get(number))
    return render_template("work_order.html", actor=actor, order=order,
                           can_act=roles.can(actor.role or "", PERMISSION))


@sup.post("/work-orders/<number>/cancel")
@page(PERMISSION)
def work_order_cancel(actor, number: str):
    order = attempt(lambda: work_orders.cancel(number, request.form.get("reason") or "", actor))
    if order is not None:
        back = sum(s.qty - s.done_qty for s in order.steps if s.kind == "put_away")
        flash({"en": f"Work order {order.number} cancelled." + (f" {back} unit(s) to put back (handheld)." if back
                                                                else ""),
               "zh": f"加工单 {order.number} 已取消。" + (f"有 {back} 件待放回（手持终端）。" if back else "")}, "ok")
    return redirect(url_for("supervisor.work_order_page", number=number))
