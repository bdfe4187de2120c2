"""Supervisor pages for cycle counts: schedule a count (zone, item, bins, not counted for N days), follow
its progress, and decide recounted variances (expected vs counted vs recounted) with Approve / Reject."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for

from server.domain.errors import WmsError
from server.services.inventory import counts
from server.services.inventory import control
from server.web.common import page, sup


def _scope(form) -> dict:
    """The form's one chosen way to pick bins, as the count service takes it."""
    how = form.get("by", "zone")
    value = form.get(how, "").strip()
    if how == "not_counted_days":
        return {"not_counted_days": int(value) if value.isdigit() else value,
                "limit": int(form["limit"]) if form.get("limit", "").isdigit() else None}
    if how == "bins":
        return {"bins": [code for code in value.replace(",", " ").split() if code]}
    return {how: value}


@sup.get("/counts")
@page("counts.manage")
def counts_page(actor):
    return render_template("counts.html", actor=actor, counts=[counts.count_view(c, with_lines=False)
                                                               for c in counts.counts()],
                           warehouses=control.settings().get("warehouses", []))


@sup.post("/counts")
@page("counts.manage")
def schedule_count(actor):
    scope = _scope(request.form)
    if request.form.get("warehouse"):
        scope["warehouse"] = request.form["warehouse"]
    try:
        count = counts.schedule(scope, actor)
    except WmsError as error:
        flash(error.message())
        return redirect(url_for("supervisor.counts_page"))
    control.commit()
    return redirect(url_for("supervisor.count_page", count_id=count.id))


@sup.get("/counts/<int:count_id>")
@page("counts.manage")
def count_page(actor, count_id: int):
    return render_template("counts_detail.html", actor=actor, count=counts.count_view(counts.find_count(count_id)))


@sup.post("/count-lines/<int:line_id>/<any(approve, reject):decision>")
@page("counts.manage")
def decide_line(actor, line_id: int, decision: str):
    try:
        line = (counts.approve if decision == "approve" else counts.reject)(line_id, actor)
    except WmsError as error:
        flash(error.message())
        return redirect(request.referrer or url_for("supervisor.counts_page"))
    control.commit()
    return redirect(url_for("supervisor.count_page", count_id=line.count_id))
