"""Application factory: one place that binds settings, database, Socket.IO and the blueprints."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask, jsonify, request

from server.config import ROOT, load_settings
from server.db.engine import configure_sqlite, engine_options
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
        SQLALCHEMY_ENGINE_OPTIONS=engine_options(url),
        SESSION_COOKIE_SAMESITE="Lax",
        JSON_SORT_KEYS=False,
    )
    app.json.ensure_ascii = False
    app.extensions["wms_decoder_rules"] = DecoderRules.from_settings(settings.get("scan", {}))
    app.extensions["wms_root"] = ROOT

    db.init_app(app)
    migrate.init_app(app, db, directory=MIGRATIONS)
    if url.startswith("sqlite"):
        with app.app_context():
            configure_sqlite(db.engine)

    socketio.init_app(
        app,
        async_mode="threading",  # explicit: an installed gevent must never be picked silently
        async_handlers=False,  # one device's scans in order, and no thread started per event
        message_queue=settings["redis"].get("url") or None,
        ping_interval=settings["server"].get("ping_interval", 10),
        ping_timeout=settings["server"].get("ping_timeout", 10),
        logger=False,
        engineio_logger=False,
        # The session is only read at connect; not copying it into every event saves per-scan work.
        manage_session=False,
    )

    import server.services.picking_modes  # noqa: F401  (registers the picking scan modes)
    import server.services.packing_modes  # noqa: F401  (registers the packing and handover scan modes)
    import server.services.receiving_modes  # noqa: F401  (registers the receiving scan modes)
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
