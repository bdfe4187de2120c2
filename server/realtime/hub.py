"""The process's Socket.IO server (python-socketio on asyncio), and the one door the rest of the code
uses to reach it from any thread.

Why asyncio: with one thread per WebSocket (Flask-SocketIO's threading mode) about half of a scan's
server time went to the transport — three threads and a ping per connection, under the GIL — and the
p99 at 300 handhelds stayed far above 25 ms (docs/reliability.md). Here every connection is a task on
one event loop; the scan itself (blocking SQLAlchemy work) runs in a small pool of worker threads
inside the Flask app context, as one REST request would."""
from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from collections.abc import Callable

import socketio
from flask import Flask

from server.db.engine import floor_thread


ConnectionRefusedError = socketio.exceptions.ConnectionRefusedError


class Hub:
    """Emits and disconnects, callable from the event loop or any worker thread.
    Before a server runs (the CLI, in-process tests) emits go nowhere: no socket is open here."""

    def __init__(self) -> None:
        self.server: socketio.AsyncServer | None = None
        self.loop: asyncio.AbstractEventLoop | None = None
        self.app: Flask | None = None
        self.workers: ThreadPoolExecutor | None = None

    def configure(self, app: Flask) -> socketio.AsyncServer:
        settings = app.config["WMS"]
        server, redis = settings["server"], settings.get("redis", {})
        manager = None
        if redis.get("url"):
            # Several server processes: every emit goes through Redis to the process holding the socket.
            manager = socketio.AsyncRedisManager(redis["url"], channel=redis.get("channel") or "flask-socketio")
        self.server = socketio.AsyncServer(
            async_mode="asgi",
            client_manager=manager,
            async_handlers=False,  # one device's events in order; other devices are not held up
            ping_interval=server.get("ping_interval", 10),
            ping_timeout=server.get("ping_timeout", 10),
            # A scan is a few hundred bytes: a larger message is a mistake or an attack, and drops the socket.
            max_http_buffer_size=int(server.get("max_socket_message_bytes", 65536)),
            logger=False,
            engineio_logger=False,
        )
        self.app = app
        # SQLite has one writer and one pooled connection: one worker thread keeps scans in arrival
        # order without queueing on the pool. PostgreSQL overlaps round trips with a few.
        size = int(app.config["SQLALCHEMY_ENGINE_OPTIONS"].get("pool_size") or 1)
        self.workers = ThreadPoolExecutor(max_workers=size, thread_name_prefix="floor", initializer=floor_thread)
        return self.server

    def started(self) -> None:
        """Called on the event loop once the server runs: threads may hand it work from now on."""
        self.loop = asyncio.get_running_loop()

    # -- from any thread ----------------------------------------------------------------------------

    def emit(self, event: str, data: Any, namespace: str, to: str | list[str] | None = None) -> None:
        self._schedule(lambda server: server.emit(event, data, namespace=namespace, to=to))

    def disconnect(self, sid: str, namespace: str) -> None:
        self._schedule(lambda server: server.disconnect(sid, namespace=namespace))

    def _schedule(self, call: Callable[[socketio.AsyncServer], Any]) -> None:
        if self.server is None or self.loop is None:
            return
        coro = call(self.server)
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is self.loop:
            self.loop.create_task(coro)
        else:
            asyncio.run_coroutine_threadsafe(coro, self.loop)

    # -- on the event loop ----------------------------------------------------------------------------

    async def in_app(self, function: Callable, *args: Any) -> Any:
        """Run blocking work (database, services) in a worker thread inside the Flask app context."""
        return await asyncio.get_running_loop().run_in_executor(self.workers, self._in_app, function, args)

    def _in_app(self, function: Callable, args: tuple) -> Any:
        with self.app.app_context():
            return function(*args)


hub = Hub()


class BlockingNamespace(socketio.AsyncNamespace):
    """A namespace whose handlers are plain blocking methods `on_<event>(sid, ...)`: each runs in a worker
    thread inside the app context. `on_connect(sid, environ, auth)` returns the rooms to enter, entered
    before the connection is accepted, so nothing sent to them right after is missed."""

    async def trigger_event(self, event: str, *args: Any) -> Any:
        handler = getattr(self, f"on_{event}", None)
        if handler is None:
            return None
        if event == "connect":
            sid = args[0]
            rooms = await hub.in_app(handler, *args)
            for room in rooms or ():
                await self.enter_room(sid, room)
            return None
        return await hub.in_app(handler, *args)
