"""Supervisor pages (Jinja) and the handheld app's static files."""
from __future__ import annotations

import hashlib
import json
from functools import wraps
from pathlib import Path

from flask import (
    Blueprint,
    Flask,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    send_from_directory,
    session,
    url_for,
)
from sqlalchemy import func, select

from server.config import ROOT
from server.db.models import Bin, BinStock, Item, Printer, Scan, User
from server.domain.errors import WmsError
from server.extensions import db
from server.services.people import audit
from server.services.people import auth
from server.services.printing import print_jobs

HANDHELD = ROOT / "handheld_web"
SOCKET_IO_CLIENT = HANDHELD / "node_modules" / "socket.io-client" / "dist"

handheld = Blueprint("handheld", __name__)
sup = Blueprint("supervisor", __name__, url_prefix="/sup")


@handheld.get("/")
def landing():
    return render_template("landing.html")


@handheld.get("/hh/")
def handheld_index():
    return send_from_directory(HANDHELD, "index.html", max_age=0)


@handheld.get("/hh/sw.js")
def handheld_service_worker():
    """The app shell's service worker, told which files make the shell and a version of their
    content: any change to them makes a new worker (and cache) that replaces the old one."""
    files = sorted(p.name for p in HANDHELD.iterdir()
                   if p.is_file() and p.suffix in {".js", ".css", ".html"} and p.name != "sw.js"
                   and not p.name.startswith("station"))  # the packing station page is not the handheld app
    digest = hashlib.sha256()
    for path in [HANDHELD / "sw.js", SOCKET_IO_CLIENT / "socket.io.min.js", *(HANDHELD / f for f in files)]:
        digest.update(path.name.encode() + b"\0" + (path.read_bytes() if path.is_file() else b""))
    shell = {"version": digest.hexdigest()[:16], "files": ["./", *files, "vendor/socket.io.min.js"]}
    body = f"self.HH_SHELL = {json.dumps(shell)};\n" + (HANDHELD / "sw.js").read_text(encoding="utf-8")
    return Response(body, mimetype="text/javascript", headers={
        "Cache-Control": "no-cache", "Service-Worker-Allowed": "/hh/"})


@handheld.get("/station/<code>")
def station_page(code: str):  # one page for every station: station.js reads the code from the URL
    return send_from_directory(HANDHELD, "station.html", max_age=0)


@handheld.get("/hh/vendor/<path:name>")
def handheld_vendor(name: str):
    return send_from_directory(SOCKET_IO_CLIENT, name)


@handheld.get("/hh/vendor/zpl-renderer-js/<any('index.esm.js', 'index.umd.js'):name>")
def zpl_renderer(name: str):  # ~9 MB: only the label preview page imports it, on demand
    return send_from_directory(HANDHELD / "node_modules" / "zpl-renderer-js" / "dist", name)


@handheld.get("/hh/<path:name>")
def handheld_file(name: str):
    if name.startswith(("node_modules", "package")) or Path(name).suffix not in {
            ".js", ".css", ".html", ".png", ".svg", ".json", ".webmanifest", ".ico"}:
        abort(404)
    return send_from_directory(HANDHELD, name, max_age=0)


def _supervisor_actor():
    user_id = session.get("user_id")
    actor = auth.actor_for_user(user_id) if user_id else None
    if actor is None:
        return None
    return actor


def page(permission: str):
    """A supervisor page: log in first, and only roles with the permission see it."""
    def decorate(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            actor = _supervisor_actor()
            if actor is None:
                return redirect(url_for("supervisor.login", next=request.path))
            try:
                actor.require(permission)
                audit.act_as(actor)
                return view(actor, *args, **kwargs)
            except WmsError as error:
                return render_template("error.html", error=error, actor=actor), error.http_status
        return wrapper
    return decorate


@sup.route("/login", methods=["GET", "POST"])
def login():
    error = None
    if request.method == "POST":
        try:
            user = auth.login(request.form.get("username", ""), request.form.get("password", ""),
                              request.remote_addr or "")
        except WmsError as exc:
            error = exc
        else:
            session.clear()
            session["user_id"] = user.id
            session.permanent = True  # expires after [server] session_hours, like the handheld's
            target = request.args.get("next", "")
            return redirect(target if target.startswith("/sup") else url_for("supervisor.home"))
    return render_template("login.html", error=error), error.http_status if error else 200


@sup.get("/logout")
def logout():
    session.clear()
    return redirect(url_for("supervisor.login"))


@sup.get("/")
@page("labels.print")
def home(actor):
    zones = db.session.execute(
        select(Bin.zone, func.count(Bin.id)).where(Bin.kind != "tote")
        .group_by(Bin.zone).order_by(Bin.zone)).all()
    counts = {
        "bins": db.session.execute(select(func.count(Bin.id)).where(Bin.kind != "tote")).scalar(),
        "items": db.session.execute(select(func.count(Item.id))).scalar(),
        "units": db.session.execute(select(func.coalesce(func.sum(BinStock.qty), 0))).scalar(),
        "scans": db.session.execute(select(func.count(Scan.id))).scalar(),
    }
    return render_template("home.html", actor=actor, zones=zones, counts=counts,
                           jobs=print_jobs.recent_jobs(5))


@sup.get("/bins")
@page("labels.print")
def bins(actor):
    zone = request.args.get("zone", "A").upper()
    rows = db.session.execute(
        select(Bin, func.coalesce(func.sum(BinStock.qty), 0))
        .outerjoin(BinStock, BinStock.bin_id == Bin.id).where(Bin.zone == zone)
        .group_by(Bin.id).order_by(Bin.code)).all()
    zones = db.session.execute(select(Bin.zone).where(Bin.kind != "tote").distinct()
                               .order_by(Bin.zone)).scalars().all()
    printers = db.session.execute(select(Printer).order_by(Printer.code)).scalars().all()
    return render_template("bins.html", actor=actor, zone=zone, zones=zones, rows=rows,
                           printers=printers)


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
    printer = request.args.get("printer") or None
    printers = db.session.execute(select(Printer.code).order_by(Printer.code)).scalars().all()
    return render_template("jobs.html", actor=actor, jobs=print_jobs.recent_jobs(100, printer), printers=printers,
                           printer=printer, highlight=request.args.get("highlight", type=int))


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
    return render_template("job.html", actor=actor, job=job,
                           history=print_jobs.job_history(job_id))


@sup.get("/scans")
@page("floor.supervise")
def scans(actor):
    rows = db.session.execute(
        select(Scan, User.username).outerjoin(User, User.id == Scan.user_id)
        .order_by(Scan.id.desc()).limit(200)).all()
    return render_template("scans.html", actor=actor, rows=rows)


def register_web(app: Flask) -> None:
    from server.web import inventory  # noqa: F401  (adds the cycle count pages to `sup`)
    from server.web import labels, picking, receiving, reports, returns, telemetry  # noqa: F401  (add their pages to `sup`)
    from server.web import audit_trail  # noqa: F401  (adds the audit trail page to `sup`)

    app.register_blueprint(handheld)
    app.register_blueprint(sup)
    app.register_blueprint(labels.bp)
