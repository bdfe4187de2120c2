"""Today's app under Flask-SocketIO's threading mode (simple-websocket), gunicorn gthread: a measurement harness
for the A/B against the asyncio server (`python -m server serve`), not a way to run the server.

    WMS_DATA_DIR=var .venv/bin/python scripts/flask_socketio_server.py
    .venv/bin/python scripts/bench_scans.py --serve-with flask-socketio --handhelds 300 --think 2 --seconds 30

The app is `server.app.create_app` unchanged. Its /floor and /printers namespaces (BlockingNamespace subclasses
with plain blocking `on_<event>(sid, ...)` methods) are driven by a thin `flask_socketio.Namespace` adapter: every
event runs on the socket's own gunicorn thread (async_handlers=False, one device's events in order) inside
Flask-SocketIO's request context, with the thread marked as a floor thread for SQLite's connection
(FloorFirstPool), as the floor line's threads are. Rooms returned by `on_connect` are entered before the
connection is accepted; acks are the handlers' return values. `hub.emit` / `hub.disconnect` (pushes from any
thread) are pointed at the Flask-SocketIO server.

Scans (environment):
  WMS_FSIO_BATCH=1 (default) group commit without a floor line: a scan joins a shared queue; whichever socket
      thread holds the floor's lock takes everything queued (up to server.scan_batch) into one `on_scan_batch`
      call — one transaction — and hands each waiting thread its ack (flat combining).
  WMS_FSIO_BATCH=0 each scan is `on_scan` on its own thread: one transaction a scan.
  WMS_FSIO_THREADS gunicorn's threads (default 400): one per open WebSocket, plus REST.

Measured 2026-12-06 (2 cores shared with another engineer's tests; A/B in turns with the asyncio server): at 300
handhelds every 2 s p99 88 / 409 / 91 ms against 30 / 72 / 26 ms; saturation (20 handhelds) 345 scans/s mean
against 587 (59 %), 408 with 40 handhelds. The worker holds ~1,270 threads with 300 sockets open (asyncio: 11).
Group commit by combining beat one transaction a scan here (551 / 351 against 370 / 303 scans/s, 10 s runs).
"""
from __future__ import annotations

import os
import sys
import threading
from collections import deque
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import flask  # noqa: E402

try:
    from flask_socketio import Namespace, SocketIO
except ModuleNotFoundError as missing:  # the benchmarks' own extras, not the server's
    raise SystemExit(f"{missing.name} is missing: .venv/bin/pip install -e '.[bench]'") from None

from server.config import load_settings  # noqa: E402
from server.db import engine as db_engine  # noqa: E402
from server.realtime import wire  # noqa: E402
from server.realtime.hub import hub  # noqa: E402


class _Item:
    __slots__ = ("args", "result", "error", "done")

    def __init__(self, args: tuple) -> None:
        self.args, self.result, self.error, self.done = args, None, None, False


class Combiner:
    """Group commit without a dedicated thread: the caller that holds `turn` works everything queued."""

    def __init__(self, batch: int) -> None:
        self.batch = max(1, batch)
        self.turn = threading.Lock()  # one batch at a time, as the one floor thread on SQLite
        self.queue: deque[_Item] = deque()  # append/popleft are atomic

    def run(self, function: Any, args: tuple) -> Any:
        mine = _Item(args)
        self.queue.append(mine)
        while not mine.done:
            with self.turn:
                while not mine.done and self.queue:  # our own may sit behind a full batch
                    work = [self.queue.popleft() for _ in range(min(self.batch, len(self.queue)))]
                    try:
                        results = function([item.args for item in work])
                        for item, result in zip(work, results, strict=True):
                            item.result = result
                    except BaseException as error:  # noqa: BLE001 - each waiting caller raises it, as the floor line
                        for item in work:
                            item.error = error
                    for item in work:
                        item.done = True
        if mine.error is not None:
            raise mine.error
        return mine.result


class Adapter(Namespace):
    """A Flask-SocketIO namespace that calls a BlockingNamespace's `on_<event>(sid, ...)` methods."""

    def __init__(self, target: Any, combiner: Combiner | None) -> None:
        super().__init__(target.namespace)
        self.target, self.combiner = target, combiner

    def trigger_event(self, event: str, *args: Any) -> Any:
        if getattr(self.target, f"on_{event}", None) is None:
            return None
        # Flask-SocketIO pushes a request context (its engine.io environ), sets request.sid and calls
        # handler(auth) for connect, handler(*args) for the rest.
        return self.socketio._handle_event(lambda *rest: self._call(event, *rest), event, self.namespace, *args)

    def _call(self, event: str, *args: Any) -> Any:
        sid = flask.request.sid
        db_engine._thread.floor = True  # the floor line's threads are floor threads for SQLite's connection
        try:
            if event == "connect":
                rooms = self.target.on_connect(sid, flask.request.environ, args[0] if args else None)
                for room in rooms or ():
                    self.enter_room(sid, room)
                return None
            batched = getattr(self.target, f"on_{event}_batch", None)
            if batched is not None and self.combiner is not None:
                return self.combiner.run(batched, (sid, *args))
            return getattr(self.target, f"on_{event}")(sid, *args)
        finally:
            db_engine._thread.floor = False  # the same gunicorn thread may serve REST later


def create(settings: dict[str, Any]) -> flask.Flask:
    from server.app import create_app
    from server.realtime.floor import FloorNamespace
    from server.realtime.printers import PrinterAgentNamespace

    app = create_app(settings)  # also makes the asyncio hub's (idle) server and floor line: unused here
    server = settings["server"]
    sio = SocketIO(
        app,
        async_mode="threading",
        async_handlers=False,  # one device's events in order, no thread started per event
        manage_session=False,  # as the project ran it: the session is read at connect only
        serializer=wire.Packet,
        ping_interval=server.get("ping_interval", 10),
        ping_timeout=server.get("ping_timeout", 10),
        max_http_buffer_size=int(server.get("max_socket_message_bytes", 65536)),
        logger=False,
        engineio_logger=False,
    )
    batch = os.environ.get("WMS_FSIO_BATCH", "1") != "0"
    combiner = Combiner(int(server.get("scan_batch", 16))) if batch else None
    sio.on_namespace(Adapter(FloorNamespace("/floor"), combiner))
    sio.on_namespace(Adapter(PrinterAgentNamespace("/printers"), combiner))

    # Pushes from any thread (holds, print jobs, alerts, claims; revocations) go to this server.
    hub.emit = lambda event, data, namespace, to=None: sio.server.emit(event, data, namespace=namespace, to=to)
    hub.disconnect = lambda sid, namespace: sio.server.disconnect(sid, namespace=namespace)
    if hub.floor is not None:
        hub.floor.stop()  # its threads would only sleep
    return app


def main() -> None:
    from server.__main__ import run_gunicorn

    threads = int(os.environ.get("WMS_FSIO_THREADS", "400"))
    # As `python -m server serve` but for the worker: gthread, a thread per open WebSocket plus REST.
    run_gunicorn(load_settings(), create, worker_class="gthread", threads=threads,
                 worker_connections=max(1000, threads))


if __name__ == "__main__":
    main()
