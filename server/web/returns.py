"""Supervisor pages for customer returns: the cases (status, reason, cost, escalated) and one case with
its units, dispositions, the sampling plan for returned goods and the sign-off chain's progress."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for

from server.domain.errors import WmsError
from server.services import transaction
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
    return render_template("returns_case.html", actor=actor, case=case)


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
