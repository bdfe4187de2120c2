"""Supervisor pages: log in and out, the home page, bins and their labels, print jobs, the latest scans."""
from __future__ import annotations

from flask import current_app, flash, g, redirect, render_template, request, session, url_for

from server import fastjson
from server.api.login_client import client_address, known_users, remember
from server.domain import places, roles
from server.domain.errors import WmsError
from server.services import transaction
from server.services.catalogue import items as catalogue
from server.services.floor import scans as floor_scans
from server.services.people import auth
from server.services.printing import print_jobs
from server.services.reports import overview
from server.web.common import in_nav, page, sup


@sup.route("/login", methods=["GET", "POST"])
def login():
    error = None
    if request.method == "POST":
        try:
            user = auth.login(request.form.get("username", ""), request.form.get("password", ""),
                              client_address(), known_users())
        except WmsError as exc:
            error = exc
        else:
            session.clear()
            session["user_id"] = user.id
            session["sid"] = auth.new_session_id()
            session.permanent = True  # expires after [server] session_hours, like the handheld's
            target = request.args.get("next", "")
            # The floor's roles have no overview here: their work is on the handheld.
            home = url_for("supervisor.home") if in_nav(user, "supervisor.home") else "/hh/"
            return remember(redirect(target if target.startswith("/sup") else home), user.id)
    return render_template("login.html", error=error), error.http_status if error else 200


@sup.get("/logout")
def logout():
    """Ends the session on the server too (auth.end_sessions): the old cookie no longer works."""
    g.read_only = False  # a GET that writes (the ended session): not on a read-only reader connection
    if session.get("sid"):
        auth.end_session(session["sid"], session.get("user_id"), current_app.config["WMS"]["server"]["session_hours"])
        transaction.commit()
    session.clear()
    return redirect(url_for("supervisor.login"))


@sup.get("/")
@page("labels.print")
def home(actor):
    zones = overview.bins_per_zone()
    counts = overview.totals()
    return render_template("home.html", actor=actor, zones=zones, counts=counts,
                           jobs=print_jobs.recent_jobs(5))


@sup.get("/bins")
@page("labels.print")
def bins(actor):
    zones = catalogue.bin_zones()
    zone = (request.args.get("zone") or (zones[0] if zones else "A")).upper()
    rows = catalogue.bins_with_units(zone)
    printers = print_jobs.list_printers()
    return render_template("bins.html", actor=actor, zone=zone, zones=zones, rows=rows,
                           printers=printers, kinds=places.KINDS,
                           can_block=roles.can(actor.role or "", "stock.adjust"))


@sup.post("/bins/print")
@page("labels.print")
def print_bins(actor):
    zone = request.form.get("zone", "").upper()
    dpi = request.form.get("dpi")
    try:
        job = print_jobs.print_bin_labels(zone, request.form.get("printer", ""), actor,
                                        dpi=int(dpi) if dpi else None)
    except (WmsError, ValueError) as error:
        error = error if isinstance(error, WmsError) else WmsError("bad_dpi", dpi=dpi)
        flash(error.message())
        return redirect(url_for("supervisor.bins", zone=zone))
    return redirect(url_for("supervisor.jobs", highlight=job.id))


@sup.get("/print-jobs")
@page("labels.print")
def jobs(actor):
    args = request.args
    where = {name: (args.get(name) or "").strip()[:64] or None for name in ("printer", "status", "q")}
    jobs, older = print_jobs.job_page(where["printer"], where["status"], where["q"], args.get("before", type=int))
    return render_template("jobs.html", actor=actor, jobs=jobs, printers=print_jobs.printer_codes(), where=where,
                           links={k: v for k, v in where.items() if v}, older=older, newest=not args.get("before"),
                           printer=where["printer"], highlight=args.get("highlight", type=int),
                           statuses=("queued", "waiting", "sent", "printed", "failed"))


@sup.post("/print-jobs/<int:job_id>/reprint")
@page("labels.print")
def reprint(actor, job_id: int):
    try:
        job = print_jobs.reprint(job_id, actor, request.form.get("reason"))
    except WmsError as error:
        flash(error.message())
        return redirect(url_for("supervisor.jobs"))
    return redirect(url_for("supervisor.jobs", highlight=job.id))


@sup.get("/print-jobs/<int:job_id>")
@page("labels.print")
def job_detail(actor, job_id: int):
    job = print_jobs.get_job(job_id)
    return render_template("job.html", actor=actor, job=job, history=print_jobs.job_history(job_id),
                           show_zpl=roles.can(actor.role or "", "customers.view"))


@sup.get("/scans")
@page("floor.supervise")
def scans(actor):
    args = request.args
    where = floor_scans.ScanFilter(**{name: (args.get(name) or "").strip()[:64] or None
                                      for name in ("user", "device", "mode", "code", "result")})
    rows, older = floor_scans.scan_page(where, args.get("before", type=int))
    links = {name: value for name, value in vars(where).items() if value}
    return render_template("scans.html", actor=actor, rows=[(s, user, device, _answer(s)) for s, user, device in rows],
                           where=where, links=links, older=older, newest=not args.get("before"),
                           modes=sorted(floor_scans.MODES))


def _answer(scan) -> dict | None:
    """What the device was told when it was refused: the stored ack's words (en/zh)."""
    if scan.ok:
        return None
    try:
        return fastjson.loads(scan.ack_json).get("error", {}).get("message")
    except ValueError:
        return None

