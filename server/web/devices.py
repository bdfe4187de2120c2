"""The Devices page (设备): printers, packing stations, handhelds, scanner bridges and printer agents — add,
edit, retire, pair (the token and its QR code shown once), revoke, test print. Everyone who may view the
supervisor pages sees it; only `devices.manage` (managers, the admin) may act."""
from __future__ import annotations

from flask import flash, make_response, redirect, render_template, request, url_for

from server.domain import roles
from server.domain.errors import WmsError
from server.services.devices import registry
from server.services.printing import print_jobs
from server.web.common import page, sup

PRINTER_FORM = ("name", "transport", "host", "port", "queue", "dpi", "label_width_mm", "label_height_mm", "agent")


def _render(actor, paired: dict | None = None):
    response = make_response(render_template(
        "devices.html", actor=actor, paired=paired,
        printers=[print_jobs.printer_view(p) for p in registry.list_printers()],
        stations=[registry.station_view(s) for s in registry.list_stations()],
        devices=[registry.device_view(d) for d in registry.list_devices()],
        transports=registry.TRANSPORTS, documents=registry.DOCUMENTS, kinds=registry.PAIRABLE,
        can_manage=roles.can(actor.role or "", "devices.manage")))
    response.headers["Cache-Control"] = "no-store"  # a pairing token is shown once: never kept by a cache
    return response


def _back(section: str):
    return redirect(url_for("supervisor.devices_page") + f"#{section}")


def _printer_body(creating: bool) -> dict:
    form = request.form
    body = {field: form[field].strip() for field in PRINTER_FORM if field in form}
    if creating:
        body["code"] = form.get("code", "")
    body["documents"] = form.getlist("documents")
    if form.get("transport") == "cups":
        body.pop("host", None), body.pop("port", None)
    else:
        body.pop("queue", None)
    if "agent" in body and not body["agent"]:
        body["agent"] = None
    if not creating:
        body["active"] = form.get("active") == "1"
    return body


def _attempt(section: str, action):
    """Do it and go back to the page's section; a refusal is shown there (nothing of it was written)."""
    try:
        action()
    except WmsError as error:
        flash(error.message())
    return _back(section)


@sup.get("/devices")
@page("pages.view")
def devices_page(actor):
    return _render(actor)


@sup.post("/devices/printers")
@page("devices.manage")
def add_printer(actor):
    return _attempt("printers", lambda: registry.add_printer(_printer_body(True), actor))


@sup.post("/devices/printers/<code>")
@page("devices.manage")
def edit_printer(actor, code: str):
    return _attempt("printers", lambda: registry.edit_printer(code, _printer_body(False), actor))


@sup.post("/devices/printers/<code>/test-print")
@page("devices.manage")
def test_print(actor, code: str):
    try:
        job = registry.queue_test_print(code, actor)
    except WmsError as error:
        flash(error.message())
        return _back("printers")
    return redirect(url_for("supervisor.jobs", highlight=job.id))


@sup.post("/devices/stations")
@page("devices.manage")
def add_station(actor):
    form = request.form
    body = {"code": form.get("code", ""), "name": form.get("name", ""), "printer": form.get("printer", ""),
            "scanner": form.get("scanner") or None}
    return _attempt("stations", lambda: registry.add_station(body, actor))


@sup.post("/devices/stations/<code>")
@page("devices.manage")
def edit_station(actor, code: str):
    form = request.form
    body = {"name": form.get("name", ""), "printer": form.get("printer", ""), "scanner": form.get("scanner") or None}
    return _attempt("stations", lambda: registry.edit_station(code, body, actor))


@sup.post("/devices/device")
@page("devices.manage")
def add_device(actor):
    form = request.form
    body = {"code": form.get("code", ""), "kind": form.get("kind", ""), "name": form.get("name", "")}
    return _attempt("devices", lambda: registry.add_device(body, actor))


@sup.post("/devices/device/<code>")
@page("devices.manage")
def edit_device(actor, code: str):
    return _attempt("devices", lambda: registry.edit_device(code, {"name": request.form.get("name", "")}, actor))


@sup.post("/devices/device/<code>/pair")
@page("devices.manage")
def pair_device(actor, code: str):
    """The token is shown in this answer only (and as a QR code): it is stored hashed, never shown again."""
    try:
        device, token = registry.pair_device(code, actor)
    except WmsError as error:
        flash(error.message())
        return _back("devices")
    text = registry.pairing_text(request.url_root, device, token)
    paired = {"device": registry.device_view(device), "token": token, "text": text,
              "qr_svg": registry.pairing_qr_svg(text)}
    return _render(actor, paired)


@sup.post("/devices/device/<code>/revoke")
@page("devices.manage")
def revoke_device(actor, code: str):
    return _attempt("devices", lambda: registry.revoke_device(code, actor))


@sup.post("/devices/device/<code>/retire")
@page("devices.manage")
def retire_device(actor, code: str):
    return _attempt("devices", lambda: registry.retire_device(code, actor))
