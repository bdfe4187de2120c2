"""The server as one ASGI application: Socket.IO (/floor, /printers) on the event loop, every other path
(REST, pages, static files) the Flask app in a pool of threads (server/wsgi_bridge.py).

    gunicorn -k server.asgi.Worker 'server.asgi:create()'      # what `python -m server serve` runs
"""
from __future__ import annotations

from typing import Any

import socketio
from flask import Flask
from uvicorn_worker import UvicornWorker

from server.db.engine import is_sqlite
from server.realtime.hub import hub
from server.services.inventory import shelf_life
from server.services.orders.import_jobs import runner
from server.wsgi_bridge import WsgiBridge


def asgi_app(app: Flask) -> socketio.ASGIApp:
    """`app` from create_app (which configured the hub): Socket.IO first, Flask for the rest."""
    runner.resume_left_behind(app)  # order imports a stopped server left half done carry on
    shelf_life.daily.start(app)  # expired lots blocked and sent to quarantine on the day they expire
    threads = int(app.config["WMS"]["server"].get("threads") or 32)
    # SQLite: claims first, quick requests one at a time (they only contend for the GIL); PostgreSQL: as they
    # come, once the floor has no scan queued or under way (or after 50 ms).
    sqlite = is_sqlite(app.config["SQLALCHEMY_DATABASE_URI"])
    flask = WsgiBridge(app, threads, int(app.config["MAX_CONTENT_LENGTH"]), lanes=sqlite,
                       floor=None if sqlite else hub)
    return socketio.ASGIApp(hub.server, other_asgi_app=flask, on_startup=hub.started)


def create(settings: dict[str, Any] | None = None) -> socketio.ASGIApp:
    """The server's application; refuses (server/startup.py) as `python -m server serve` does, for those
    who run gunicorn themselves."""
    from server.app import create_app
    from server.config import load_settings
    from server.startup import check

    settings = settings or load_settings()
    check(settings)
    return asgi_app(create_app(settings))


class Worker(UvicornWorker):
    """gunicorn's worker: one event loop (uvloop) per process, httptools and websockets underneath."""

    CONFIG_KWARGS = {
        "loop": "uvloop",
        "http": "httptools",
        "ws": "websockets-sansio",
        "lifespan": "on",  # the hub learns its event loop at startup
        # Engine.IO pings each socket itself (server.ping_interval); a second, WebSocket-level ping is
        # only more traffic.
        "ws_ping_interval": None,
        "ws_ping_timeout": None,
    }
