"""The process's Socket.IO server (python-socketio on asyncio), and the one door the rest of the code
uses to reach it from any thread.

Why asyncio: with one thread per WebSocket (Flask-SocketIO's threading mode, measured again on today's
scan path: docs/scale-out.md, "Worker") a 300-handheld floor keeps over a thousand threads under the
GIL; each scan costs more CPU and the p99 stays far above 25 ms. Here every connection is a task on
one event loop; the scan itself (blocking SQLAlchemy work) runs in a small pool of worker threads
inside the Flask app context, as one REST request would."""
from __future__ import annotations

import asyncio
import logging
import queue
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any
from collections.abc import Callable

import socketio
from flask import Flask
from sqlalchemy.exc import InterfaceError, OperationalError

from server.db.engine import floor_thread
from server.domain.errors import WmsError
from server.realtime import wire

log = logging.getLogger(__name__)

ConnectionRefusedError = socketio.exceptions.ConnectionRefusedError


class Hub:
    """Emits and disconnects, callable from the event loop or any worker thread.
    Before a server runs (the CLI, in-process tests) emits go nowhere: no socket is open here."""

    def __init__(self) -> None:
        self.server: socketio.AsyncServer | None = None
        self.loop: asyncio.AbstractEventLoop | None = None
        self.app: Flask | None = None
        self.floor: FloorLine | None = None
        # Told whenever the floor line has nothing queued or under way (the REST bridge, on PostgreSQL).
        self.idle_listeners: list[Callable[[], None]] = []

    def configure(self, app: Flask) -> socketio.AsyncServer:
        settings = app.config["WMS"]
        server, redis = settings["server"], settings.get("redis", {})
        manager = None
        if redis.get("url"):
            # Several server processes: every emit goes through Redis to the process holding the socket.
            manager = socketio.AsyncRedisManager(redis["url"], channel=redis.get("channel") or "flask-socketio")
        self.server = wire.Server(
            async_mode="asgi",
            client_manager=manager,
            serializer=wire.Packet,
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
        if self.floor is not None:
            self.floor.stop()
        self.floor = FloorLine(app, size, int(server.get("scan_batch", 16)), self.idle_listeners)
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
        """Run blocking work (database, services) in a floor worker thread inside the Flask app context."""
        return await self.floor.submit(function, args, batched=False)

    async def in_batch(self, function: Callable[[list[tuple]], list], *args: Any) -> Any:
        """Like in_app, but `function` takes a list of argument tuples and returns one result each:
        calls queued one after another are worked together in one call (scans: group commit)."""
        return await self.floor.submit(function, args, batched=True)


@dataclass
class _Work:
    function: Callable
    args: tuple
    future: asyncio.Future
    batched: bool
    loop: asyncio.AbstractEventLoop = field(repr=False)


class _Line:
    """The floor's queue: scans (batched work) before other events (a socket's connect, a scale's weight),
    each kind in arrival order. At a shift's start 300 handhelds connect within seconds, and a scan of a
    picker already at work waited behind their whole queue. A connect that has waited `patience` goes
    next all the same, so that scans back to back cannot starve it."""

    patience = 0.05

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._scans: deque[_Work] = deque()
        self._others: deque[tuple[float, _Work | None]] = deque()
        self._changed = threading.Condition()
        self.clock = clock

    def put(self, work: _Work | None) -> None:
        with self._changed:
            if work is not None and work.batched:
                self._scans.append(work)
            else:
                self._others.append((self.clock(), work))
            self._changed.notify()

    def get(self) -> _Work | None:
        with self._changed:
            while not (self._scans or self._others):
                self._changed.wait()
            return self._take()

    def get_nowait(self) -> _Work | None:
        with self._changed:
            if not (self._scans or self._others):
                raise queue.Empty
            return self._take()

    def _take(self) -> _Work | None:
        if self._others and (not self._scans or self.clock() - self._others[0][0] >= self.patience):
            return self._others.popleft()[1]
        return self._scans.popleft()


class FloorLine:
    """The floor's worker threads and their queue (_Line: scans first, each kind in arrival order). Work for
    the same batched function that queued up while the thread was busy is taken together, up to `batch`
    items: one hand-off, one app context, one transaction for all of them — and one wake-up of the event
    loop with the results. One device's events still come in order: it sends the next only once the one
    before is answered (`async_handlers=False`)."""

    def __init__(self, app: Flask, threads: int, batch: int, idle_listeners: list | None = None) -> None:
        self.app, self.batch = app, max(1, batch)
        self.queue = _Line()
        self.busy = 0  # events queued or under way
        self._busy_lock = threading.Lock()
        self.idle_listeners = idle_listeners if idle_listeners is not None else []
        self.threads = [threading.Thread(target=self._work, name=f"floor_{n}", daemon=True) for n in range(threads)]
        for thread in self.threads:
            thread.start()

    def stop(self) -> None:
        for _ in self.threads:
            self.queue.put(None)

    def submit(self, function: Callable, args: tuple, batched: bool) -> asyncio.Future:
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        with self._busy_lock:
            self.busy += 1
        self.queue.put(_Work(function, args, future, batched, loop))
        return future

    def _work(self) -> None:
        floor_thread()
        held: _Work | None = None
        while True:
            first = held or self.queue.get()
            held = None
            if first is None:
                return
            work = [first]
            while first.batched and len(work) < self.batch:
                try:
                    more = self.queue.get_nowait()
                except queue.Empty:
                    break
                if more is None:
                    self.queue.put(None)  # the stop is for whoever sees it next
                    break
                if not more.batched or more.function != first.function:
                    held = more  # next in line, worked right after this batch
                    break
                work.append(more)
            self._run(work)

    def _run(self, work: list[_Work]) -> None:
        try:
            with self.app.app_context():
                if work[0].batched:
                    results = work[0].function([item.args for item in work])
                else:
                    results = [work[0].function(*work[0].args)]
            outcome = [(item.future, result, None) for item, result in zip(work, results, strict=True)]
        except BaseException as error:  # noqa: BLE001 - handed to the awaiting handler, as an executor does
            outcome = [(item.future, None, error) for item in work]
        with self._busy_lock:  # (before the results are handed over: whoever awaits them sees it)
            self.busy -= len(work)
            idle = self.busy == 0
        if idle:
            for listener in self.idle_listeners:
                listener()
        work[0].loop.call_soon_threadsafe(_settle, outcome)


def _settle(outcome: list[tuple[asyncio.Future, Any, BaseException | None]]) -> None:
    for future, result, error in outcome:
        if future.done():  # the awaiting handler went away (its socket closed)
            continue
        if error is not None:
            future.set_exception(error)
        else:
            future.set_result(result)


hub = Hub()


class BlockingNamespace(socketio.AsyncNamespace):
    """A namespace whose handlers are plain blocking methods `on_<event>(sid, ...)`: each runs in a floor
    worker thread inside the app context. With `on_<event>_batch(calls)` as well, events that queued up
    together are handed over in one call (a list of argument tuples; one result each).
    `on_connect(sid, environ, auth)` returns the rooms to enter, entered
    before the connection is accepted, so nothing sent to them right after is missed."""

    async def trigger_event(self, event: str, *args: Any) -> Any:
        handler = getattr(self, f"on_{event}", None)
        if handler is None:
            return None
        if event == "connect":
            sid = args[0]
            try:
                rooms = await hub.in_app(handler, *args)
            except (OperationalError, InterfaceError) as error:
                # The database is away (restart, failover): refused with try_again, and the clients
                # connect again by themselves (not_authenticated alone ends a handheld's session).
                log.warning("%s connect refused, the database is away: %s", self.namespace, error)
                refusal = WmsError("try_again")
                raise ConnectionRefusedError(refusal.message()["en"], refusal.as_dict()) from None
            for room in rooms or ():
                await self.enter_room(sid, room)
            return None
        batched = getattr(self, f"on_{event}_batch", None)
        if batched is not None:
            return await hub.in_batch(batched, *args)
        return await hub.in_app(handler, *args)
