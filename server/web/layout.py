"""The layout page: the floor plan a supervisor edits (aisle order, pitch, bay width, cross aisles, depot)
and the warehouse map drawn from it, coloured by fill or by blocked bins."""
from __future__ import annotations

import re

from flask import flash, redirect, render_template, request, url_for

from server.domain import roles
from server.services.catalogue import floor_plan
from server.services.catalogue.items import bin_zones
from server.web import floor_map
from server.web.common import attempt, page, sup


@sup.get("/layout")
@page("pages.view")
def layout_page(actor):
    by = request.args.get("colour", "fill")
    zone = (request.args.get("zone") or "").upper() or None
    plan = floor_plan.current()
    cells = floor_plan.map_cells(zone=zone)
    return render_template("layout.html", actor=actor, plan=plan or floor_plan.FloorPlan(), saved=plan is not None,
                           map=floor_map.svg(cells, plan, by), by=by, zone=zone, zones=bin_zones(),
                           cells=len(cells), can_edit=roles.can(actor.role or "", "master.manage"))


@sup.post("/layout")
@page("pages.view")
def save_layout(actor):
    form = request.form
    plan = floor_plan.FloorPlan(
        aisle_pitch_m=form.get("aisle_pitch_m", "3"), bay_width_m=form.get("bay_width_m", "1.2"),
        bays_per_block=form.get("bays_per_block") or 0, depot_aisle=form.get("depot_aisle") or 0,
        aisles=[a for a in re.split(r"[\s,，;；]+", form.get("aisles", "")) if a])
    placed = attempt(lambda: floor_plan.save(plan, actor))
    if placed is None:
        return redirect(url_for("supervisor.layout_page"))
    flash({"en": f"Layout saved; {placed} bins placed by it.",
           "zh": f"布局已保存，{placed} 个库位按此重新定位。"}, "ok")
    return redirect(url_for("supervisor.layout_page"))
