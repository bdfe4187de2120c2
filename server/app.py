"""Application factory: one place that binds settings, database, Socket.IO and the blueprints."""
from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from flask import Flask, current_app, g, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import InterfaceError, OperationalError

from server.config import ROOT, load_settings
from server.db.engine import (READER, configure_sqlite, configure_sqlite_reader, engine_options, is_postgresql,
                              is_sqlite, reader_binds, socket_ping)
from server.db.fast import driver_savepoints
from server.domain.barcodes import DecoderRules
from server.domain.errors import WmsError, Words
from server.extensions import csrf, db, migrate
from server.services.people import audit

MIGRATIONS = str(Path(__file__).parent / "db" / "migrations")
# Flask-WTF's reasons for refusing a form (flask_wtf/csrf.py), as the Chinese message says them.
CSRF_REASONS_ZH = {"The CSRF token is missing": "缺少 CSRF 令牌",
                   "The CSRF session token is missing": "会话中缺少 CSRF 令牌",
                   "The CSRF token has expired": "CSRF 令牌已过期",
                   "The CSRF token is invalid": "CSRF 令牌无效",
                   "The CSRF tokens do not match": "CSRF 令牌不匹配",
                   "The referrer header is missing": "缺少 Referer 请求头",
                   "The referrer does not match the host": "Referer 与本站地址不符"}


def create_app(settings: dict[str, Any] | None = None) -> Flask:
    settings = settings or load_settings()
    Path(settings["data_dir"]).mkdir(parents=True, exist_ok=True)
    url = settings["database"]["url"]

    app = Flask(__name__, template_folder="web/templates", static_folder="web/static")
    app.config.update(
        WMS=settings,
        SECRET_KEY=settings["server"]["secret_key"],
        SQLALCHEMY_DATABASE_URI=url,
        SQLALCHEMY_ENGINE_OPTIONS=engine_options(url, settings),
        SQLALCHEMY_BINDS=reader_binds(url, int(settings["server"].get("threads") or 32)),
        JSON_SORT_KEYS=False,
        **_security_config(settings["server"]),
    )
    app.json.ensure_ascii = False
    app.extensions["wms_decoder_rules"] = DecoderRules.from_settings(settings.get("scan", {}))
    app.extensions["wms_root"] = ROOT

    db.init_app(app)
    migrate.init_app(app, db, directory=MIGRATIONS)
    with app.app_context():
        if is_sqlite(url):
            configure_sqlite(db.engine)
            configure_sqlite_reader(db.engines[READER])
        driver_savepoints(db.engine)
        if is_postgresql(url):
            socket_ping(db.engine)

    csrf.init_app(app)
    audit.install()

    import server.services.lookup.modes  # noqa: F401  (registers the lookup scan mode)
    import server.services.inventory.modes  # noqa: F401  (registers the transfer and count scan modes)
    import server.services.picking.modes  # noqa: F401  (registers the picking scan modes)
    import server.services.packing.modes  # noqa: F401  (registers the packing and handover scan modes)
    import server.services.receiving.modes  # noqa: F401  (registers the receiving scan modes)
    import server.services.returns.modes  # noqa: F401  (registers the returns scan modes)
    import server.services.orders.modes  # noqa: F401  (registers the put-back scan modes)
    import server.services.assembly.modes  # noqa: F401  (registers the work orders' assembly scan modes)
    import server.services.inventory.replenishment_modes  # noqa: F401  (registers the replenishment scan mode)
    from server.api import register_api
    from server.realtime import register_namespaces
    from server.realtime.hub import hub
    from server.web import register_web

    register_api(app)
    register_web(app)
    register_namespaces(hub.configure(app))
    _register_error_handlers(app)
    app.before_request(_mark_read_only)
    app.before_request(_limit_body)
    app.before_request(_protect_forms)
    return app


def _mark_read_only() -> None:
    """GET and HEAD change nothing: on SQLite they read on reader connections (server/db/engine.py).
    Not with a device's token (agents, scanner bridges): using one notes when the device was last seen."""
    g.read_only = request.method in ("GET", "HEAD") and "Authorization" not in request.headers


def _security_config(server: dict[str, Any]) -> dict[str, Any]:
    """Cookies, form tokens and body limits (docs/security.md)."""
    return {
        "SESSION_COOKIE_HTTPONLY": True,  # page scripts never need the session cookie
        "SESSION_COOKIE_SAMESITE": "Lax",  # another site's forms and scripts do not get it on a POST
        "SESSION_COOKIE_SECURE": bool(server.get("secure_cookies", False)),  # on behind HTTPS
        "PERMANENT_SESSION_LIFETIME": timedelta(hours=float(server.get("session_hours", 12))),
        # Counted from the log-in, not the last request: a log-in lasts a shift at most (docs/security.md).
        # Re-signing the cookie on every request also cost ~10 % of a pick-list claim's time (py-spy).
        "SESSION_REFRESH_EACH_REQUEST": False,
        # Forms are checked in _protect_forms (pages only); a token lives as long as its session.
        "WTF_CSRF_CHECK_DEFAULT": False,
        "WTF_CSRF_TIME_LIMIT": None,
        "MAX_CONTENT_LENGTH": int(server.get("max_import_bytes", 8 * 1024 * 1024)),
        "WMS_MAX_REQUEST_BYTES": int(server.get("max_request_bytes", 1024 * 1024)),
    }


# Routes that take files (CSV imports) may take up to MAX_CONTENT_LENGTH; the rest far less.
IMPORT_ENDPOINTS = frozenset({"orders.import_taobao", "orders.import_generic", "receiving.import_purchase_orders",
                              "imports.run", "supervisor.setup_import",
                              "supervisor.orders_import_upload"})


def _limit_body() -> None:
    limit = current_app.config["MAX_CONTENT_LENGTH"]
    if request.endpoint not in IMPORT_ENDPOINTS:
        limit = min(limit, current_app.config["WMS_MAX_REQUEST_BYTES"])
    request.max_content_length = limit  # a body without a length stops at the limit while read
    if (request.content_length or 0) > limit:
        raise WmsError("payload_too_large", limit=limit)


def _protect_forms() -> None:
    """The supervisor pages' forms carry a CSRF token. The JSON API is guarded otherwise
    (api.refuse_cross_site_writes): it reads only JSON bodies, and uploads need a custom header."""
    if not request.path.startswith("/api/"):
        csrf.protect()


def _register_error_handlers(app: Flask) -> None:
    @app.errorhandler(WmsError)
    def _wms_error(error: WmsError):
        headers = {"Retry-After": str(error.params["retry_after"])} if "retry_after" in error.params else {}
        return jsonify({"ok": False, "error": error.as_dict()}), error.http_status, headers

    @app.errorhandler(413)
    def _too_large(_error):
        err = WmsError("payload_too_large", limit=request.max_content_length)
        return jsonify({"ok": False, "error": err.as_dict()}), 413

    @app.errorhandler(CSRFError)
    def _csrf_refused(error: CSRFError):
        reason = error.description.rstrip(".")
        err = WmsError("csrf_failed", detail=Words(reason, CSRF_REASONS_ZH.get(reason, "安全令牌校验未通过")))
        if request.path.startswith("/sup"):
            return render_template("error.html", error=err, actor=None), 400
        return jsonify({"ok": False, "error": err.as_dict()}), 400

    @app.errorhandler(404)
    def _not_found(error):
        if request.path.startswith("/api/"):
            err = WmsError("not_found", what=request.path)
            return jsonify({"ok": False, "error": err.as_dict()}), 404
        return error

    @app.errorhandler(OperationalError)
    @app.errorhandler(InterfaceError)
    def _database_away(error):
        # A database restart or failover: a clear 503 the handheld and the pages retry, not a 500.
        # (SQLite's OperationalError also means a wrong statement: only "locked" is the database away.)
        if not is_postgresql(str(db.engine.url)) and "locked" not in str(error.orig):
            app.logger.exception("%s %s failed", request.method, request.path)
            db.session.rollback()
            return jsonify({"ok": False, "error": WmsError("internal_error").as_dict()}), 500
        app.logger.warning("%s %s: the database is away (%s)", request.method, request.path, error.orig)
        try:
            db.session.rollback()
        except Exception:  # noqa: BLE001 - the connection is gone; the pool replaces it
            db.session.invalidate()
        err = WmsError("database_unavailable")
        if request.path.startswith("/sup"):
            return render_template("error.html", error=err, actor=None), 503, {"Retry-After": "2"}
        return jsonify({"ok": False, "error": err.as_dict()}), 503, {"Retry-After": "2"}

    @app.errorhandler(500)
    def _internal(error):
        err = WmsError("internal_error")
        return jsonify({"ok": False, "error": err.as_dict()}), 500
