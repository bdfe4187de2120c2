"""A packing station's weighing page for supervisors (/sup/stations/<code>): the open parcel, what it
should weigh, what the scale reads, and the override of a refused weight with a written reason
(docs/packing.md, "Weighing")."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for

from server.realtime import floor
from server.services.packing import packing_station
from server.web.common import attempt, page, sup


@sup.get("/stations/<code>")
@page("floor.supervise")
def station_page(actor, code: str):
    view = packing_station.weighing_view(packing_station.find_station(code))
    return render_template("station_weight.html", actor=actor, view=view)


@sup.post("/stations/<code>/weight-override")
@page("floor.supervise")
def station_weight_override(actor, code: str):
    body = {"reason": request.form.get("reason", "")}
    if request.form.get("packaging"):
        body["packaging"] = request.form["packaging"]
    done = attempt(lambda: packing_station.override_weight(code, actor, body))
    if done is not None:
        station, parcel = done
        floor.tell_station(station.code, "pack.close", packing_station.override_ack(station, parcel), actor)
        flash({"en": f"Parcel {parcel.tracking} closed at {parcel.weight_g} g with your reason.",
               "zh": f"包裹 {parcel.tracking} 已按 {parcel.weight_g} 克封箱，并记录了您的原因。"}, "ok")
    return redirect(url_for("supervisor.station_page", code=code))
