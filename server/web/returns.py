"""Supervisor pages for customer returns: the cases (status, reason, cost, escalated) and one case with
its units, dispositions, the sampling plan for returned goods and the sign-off chain's progress."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for

from server.domain import roles
from server.domain.errors import WmsError
from server.services import transaction
from server.services.printing import item_labels
from server.services.returns import return_cases
from server.web.common import page, sup


@sup.get("/returns")
@page("floor.supervise")
def returns_page(actor):
    status = request.args.get("status") or None
    escalated = True if request.args.get("escalated") == "1" else None
    cases = [return_cases.summary(c) for c in return_cases.list_cases(status, escalated)]
    return render_template("returns.html", actor=actor, cases=cases, status=status, escalated=escalated,
                           statuses=("open", "inspected", "signing", "done", "cancelled"))


@sup.get("/returns/<number>")
@page("floor.supervise")
def return_case_page(actor, number: str):
    case = return_cases.case_view(return_cases.find_case(number))
    return render_template("returns_case.html", actor=actor, case=case,
                           restocked=item_labels.restocked_units(number), printers=item_labels.label_printers(),
                           can_print=roles.can(actor.role or "", "labels.print"))


@sup.post("/returns/<number>/item-labels")
@page("labels.print")
def return_item_labels(actor, number: str):
    """Item labels for the units of the case restocked (one per unit, with its lot)."""
    try:
        jobs = item_labels.print_restocked_return_labels(number, request.form.get("printer", ""), actor)
        transaction.commit_and_notify()
    except WmsError as error:
        transaction.rollback()
        flash(error.message())
        return redirect(url_for("supervisor.return_case_page", number=number))
    labels = sum(job.zpl.count("^XA") for job in jobs)
    flash({"en": f"{labels} item label(s) of return {number} sent to {jobs[0].printer.code}.",
           "zh": f"已将退货 {number} 的 {labels} 张货品标签发送到 {jobs[0].printer.code}。"}, "ok")
    return redirect(url_for("supervisor.return_case_page", number=number))


@sup.post("/returns/<number>/exchange")
@page("orders.manage")
def return_exchange(actor, number: str):
    """The replacement for what comes back (the expected items) as an exchange order."""
    try:
        return_cases.request_exchange(number, actor)
        transaction.commit()
    except WmsError as error:
        transaction.rollback()
        flash(error.message())
    return redirect(url_for("supervisor.return_case_page", number=number))
