"""Application factory: one place that binds settings, database, Socket.IO and the blueprints."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask, jsonify, request

from server.config import ROOT, async_mode, load_settings
from server.db.engine import configure_sqlite, engine_options, is_sqlite
from server.domain.barcodes import DecoderRules
from server.domain.errors import WmsError
from server.extensions import db, migrate, socketio

MIGRATIONS = str(Path(__file__).parent / "db" / "migrations")


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
        SESSION_COOKIE_SAMESITE="Lax",
        JSON_SORT_KEYS=False,
    )
    app.json.ensure_ascii = False
    app.extensions["wms_decoder_rules"] = DecoderRules.from_settings(settings.get("scan", {}))
    app.extensions["wms_root"] = ROOT

    db.init_app(app)
    migrate.init_app(app, db, directory=MIGRATIONS)
    if is_sqlite(url):
        with app.app_context():
            configure_sqlite(db.engine)

    redis = settings.get("redis", {})
    socketio.init_app(
        app,
        # Explicit, from the worker class: an installed gevent must never be picked silently.
        async_mode=async_mode(settings),
        async_handlers=False,  # one device's scans in order, and no thread started per event
        # Several server processes: every emit goes through Redis to the process holding the socket.
        message_queue=redis.get("url") or None,
        channel=redis.get("channel") or "flask-socketio",
        ping_interval=settings["server"].get("ping_interval", 10),
        ping_timeout=settings["server"].get("ping_timeout", 10),
        logger=False,
        engineio_logger=False,
        # The session is only read at connect; not copying it into every event saves per-scan work.
        manage_session=False,
    )

    import server.services.inventory_modes  # noqa: F401  (registers the transfer and count scan modes)
    import server.services.picking_modes  # noqa: F401  (registers the picking scan modes)
    import server.services.packing_modes  # noqa: F401  (registers the packing and handover scan modes)
    import server.services.receiving_modes  # noqa: F401  (registers the receiving scan modes)
    import server.services.returns_modes  # noqa: F401  (registers the returns scan modes)
    import server.services.stock_modes  # noqa: F401  (registers the replenishment scan mode)
    from server.api import register_api
    from server.realtime import register_namespaces
    from server.web import register_web

    register_api(app)
    register_web(app)
    register_namespaces(socketio)
    _register_error_handlers(app)
    return app


def _register_error_handlers(app: Flask) -> None:
    @app.errorhandler(WmsError)
    def _wms_error(error: WmsError):
        return jsonify({"ok": False, "error": error.as_dict()}), error.http_status

    @app.errorhandler(404)
    def _not_found(error):
        if request.path.startswith("/api/"):
            err = WmsError("not_found", what=request.path)
            return jsonify({"ok": False, "error": err.as_dict()}), 404
        return error

    @app.errorhandler(500)
    def _internal(error):
        err = WmsError("internal_error")
        return jsonify({"ok": False, "error": err.as_dict()}), 500
