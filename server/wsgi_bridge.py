"""Flask (WSGI) under the ASGI server: a request's body is read on the event loop, the request is handled in
one of a pool of threads, and the answer comes back in one piece — one hand-off to the thread and one back.

Why not a2wsgi's WSGIMiddleware, which served REST before: it passes every part of an answer (the status
line, each chunk, the end) from the worker thread to the event loop one at a time and waits for each —
three round trips across threads for a plain JSON answer, four with a request body, each waking the loop
and trading the GIL while the loop is busy with scans. Large answers (the 9 MB label renderer) are not
held in memory: past the first `BUFFERED` bytes they go out chunk by chunk, as before.

On SQLite, requests wait for a thread in two lanes (`Lanes`; on PostgreSQL they run as they come): a
pick-list claim — a picker standing ready, empty-handed — is taken before anything else waiting; the rest in
the order they came, one at a time unless the running one is slow. At a shift's start 300 log-ins and
pick-screen reads arrive within a second or two; in one queue each claim waited behind them all (claim p99
2.0–2.6 s, docs/reliability.md). Claims cannot starve the rest: each picker makes one per list.

On PostgreSQL a request waits (at most `FLOOR_FIRST_S`) while the floor has scans queued or being worked
(`Lanes.hold`): each thread running a request takes the GIL from the floor's threads, and a scan's ack
waited behind them when 300 pick screens and claims came at once. Measured in turns, 300 handhelds on two
processes: scan p99 1.9 → 1.6 and 2.0 → 1.8× SQLite's (docs/reliability.md).
"""
from __future__ import annotations

import asyncio
import contextvars
import heapq
import io
import itertools
import re
import threading
import time
from concurrent.futures import Future
from typing import Any
from collections.abc import Callable, Iterator

from a2wsgi.wsgi import build_environ

BUFFERED = 1 << 20  # an answer up to this size is sent in one piece
# Requests taken before any other waiting one: (method, path).
FIRST = (("POST", re.compile(r"/api/v1/pick-lists/(next|\d+)/claim\Z")),)
# A request running this long is slow (a report, a large file): the next one may start beside it.
SLOW_S = 0.1  # (SQLite: on PostgreSQL the bridge runs without lanes)
# PostgreSQL: how long a request may wait for the floor to have no scan queued or under way.
FLOOR_FIRST_S = 0.05


def lane_of(environ: dict) -> int:
    """0: before the rest (FIRST), 1: everything else."""
    method, path = environ.get("REQUEST_METHOD", ""), environ.get("PATH_INFO", "")
    return 0 if any(method == m and pattern.match(path) for m, pattern in FIRST) else 1


class Lanes:
    """A fixed pool of threads taking requests in two lanes: lane 0 first, each lane in arrival order.

    Lane 1 runs one request at a time while that one is quick, and another beside it only once the running
    ones have taken SLOW_S: requests of a few milliseconds gain nothing from running side by side under
    the GIL, and each thread that runs them takes the GIL from the event loop and the floor's worker, so
    that a burst of them held every scan's ack (shift start: first 10 s p99 0.3–1.5 s with 2–8 threads side
    by side, 21.5 ms one at a time; docs/reliability.md). A slow request does not hold up the rest.
    Lane 0 (claims) takes any free thread at once. With `slow_s` 0 every request runs as soon as a thread
    is free (claims still first). With `hold` (PostgreSQL's bridge), a lane-1 request waits while `hold()` is
    true, for at most `patience` from its arrival; `wake()` says that it may have turned false."""

    def __init__(self, threads: int, name: str = "WSGI", slow_s: float = SLOW_S,
                 clock: Callable[[], float] = time.monotonic, hold: Callable[[], bool] | None = None,
                 patience: float = FLOOR_FIRST_S) -> None:
        self._waiting: list[tuple] = []  # heap of (lane, order, future, function, args, arrived)
        self._order = itertools.count()
        self._running: dict[int, float] = {}  # order -> when a lane-1 request started
        self._changed = threading.Condition()
        self._stopping = False
        self.slow_s, self.clock = slow_s, clock
        # hold(): true while lane-1 requests should wait, each for at most `patience` (wake() when it turns false)
        self.hold, self.patience = hold, patience
        self.threads = [threading.Thread(target=self._work, name=f"{name}_{n}", daemon=True)
                        for n in range(max(1, threads))]
        for thread in self.threads:
            thread.start()

    def submit(self, lane: int, function: Callable, *args: Any, held: bool = True) -> Future:
        """`held`: False for the rest of an answer already under way (its chunks), which `hold` never holds."""
        future: Future = Future()
        with self._changed:
            heapq.heappush(self._waiting, (lane, next(self._order), future, function, args,
                                           self.clock() if held else None))
            self._changed.notify()
        return future

    async def run(self, lane: int, function: Callable, *args: Any, held: bool = True) -> Any:
        return await asyncio.wrap_future(self.submit(lane, function, *args, held=held))

    def wake(self) -> None:
        """What `hold` answers has changed (the floor has nothing left to do)."""
        with self._changed:
            self._changed.notify_all()

    def shutdown(self) -> None:
        with self._changed:
            self._stopping = True
            self._changed.notify_all()

    def _wait_s(self) -> float | None:
        """0: the first waiting request may start; else how long until it may (None: until something changes)."""
        if not self._waiting:
            return None
        if self._waiting[0][0] == 0:
            return 0.0
        if self.hold is not None and self._waiting[0][5] is not None and self.hold():
            held_for = self._waiting[0][5] + self.patience - self.clock()
            if held_for > 0:
                return held_for
        if not self._running:
            return 0.0
        latest = max(self._running.values())  # the quickest running one decides: all must be slow
        return max(0.0, latest + self.slow_s - self.clock())

    def _work(self) -> None:
        while True:
            with self._changed:
                while not self._stopping and (wait := self._wait_s()) != 0.0:
                    self._changed.wait(wait)
                if self._stopping:
                    return
                lane, order, future, function, args, _ = heapq.heappop(self._waiting)
                if lane:
                    self._running[order] = self.clock()
                if self._waiting:
                    self._changed.notify()  # a claim behind it may start on another thread
            try:
                if future.set_running_or_notify_cancel():
                    try:
                        future.set_result(function(*args))
                    except BaseException as error:  # noqa: BLE001 - handed to the awaiting request
                        future.set_exception(error)
            finally:
                with self._changed:
                    self._running.pop(order, None)
                    self._changed.notify()


class WsgiBridge:
    def __init__(self, app: Callable, threads: int, max_body: int, lanes: bool = True,
                 floor: Any = None) -> None:
        self.app = app
        # A body past this is not read at all: the app sees its Content-Length and answers 413.
        self.max_body = max_body
        # Without lanes (PostgreSQL) every request runs as soon as a thread is free, in arrival order: there a
        # request mostly waits for round trips, which overlap side by side, and in pairs run in turns the lanes
        # made two processes slower, not faster (docs/reliability.md, 2026-12-07). It may wait for `floor`
        # (the hub: its floor line's `busy`, and its idle listeners) to finish its scans first.
        hold = (lambda: floor.floor is not None and floor.floor.busy > 0) if floor is not None else None
        self.lanes = Lanes(threads, slow_s=SLOW_S if lanes else 0.0, hold=hold)
        self.lane_of = lane_of if lanes else (lambda _environ: 1)
        if floor is not None:
            floor.idle_listeners.append(self.lanes.wake)

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        if scope["type"] == "websocket":  # only Socket.IO's path takes WebSockets
            await send({"type": "websocket.close", "code": 1000})
            return
        if scope["type"] != "http":
            return
        body = await self._body(scope, receive)
        if body is None:  # the client went away before its request was whole: nothing to answer
            return
        environ = build_environ(scope, io.BytesIO(body))
        # The body is whole in memory, so its length is known even if it came chunked: the app reads it
        # and judges its size (413 past a route's limit) as for any other body.
        if environ.pop("HTTP_TRANSFER_ENCODING", None) is not None or "CONTENT_LENGTH" not in environ:
            environ["CONTENT_LENGTH"] = str(len(body))
        answer = _Answer()
        await self.lanes.run(self.lane_of(environ), answer.context.run, answer.run, self.app, environ)
        await send({"type": "http.response.start", "status": answer.status, "headers": answer.headers})
        await send({"type": "http.response.body", "body": b"".join(answer.chunks),
                    "more_body": answer.rest is not None})
        if answer.rest is not None:
            await self._stream(answer, send)

    async def _body(self, scope: dict, receive: Callable) -> bytes | None:
        declared = next((value for name, value in scope["headers"] if name == b"content-length"), None)
        if declared is not None and declared.isdigit() and int(declared) > self.max_body:
            return b""
        parts, size = [], 0
        while True:
            message = await receive()
            if message["type"] != "http.request":  # http.disconnect
                return None
            parts.append(message.get("body", b""))
            size += len(parts[-1])
            if not message.get("more_body") or size > self.max_body:
                return b"".join(parts)

    async def _stream(self, answer: _Answer, send: Callable) -> None:
        try:
            while True:
                # In the request's context again (whichever thread): a generator may rely on it.
                chunk = await self.lanes.run(1, answer.context.run, next, answer.rest, None, held=False)
                if chunk is None:
                    break
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
            await send({"type": "http.response.body", "body": b""})
        finally:
            await self.lanes.run(1, answer.context.run, answer.close, held=False)


class _Answer:
    """What the app answered, collected in the worker thread."""

    def __init__(self) -> None:
        self.status = 500
        self.headers: list[tuple[bytes, bytes]] = []
        self.chunks: list[bytes] = []
        self.rest: Iterator[bytes] | None = None  # what is left of a large answer, to stream
        self.iterable: Any = None
        self.context = contextvars.copy_context()  # the request runs in it, as in a2wsgi

    def start_response(self, status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Callable:
        # Nothing is sent before the app returns, so a later call (an error page) simply replaces it.
        self.status = int(status.split(" ", 1)[0])
        self.headers = [(name.strip().lower().encode("latin1"), value.strip().encode("latin1"))
                        for name, value in headers]
        return self.chunks.append  # WSGI's write(): part of the answer as well

    def run(self, app: Callable, environ: dict) -> None:
        try:
            self.iterable = app(environ, self.start_response)
            size = sum(map(len, self.chunks))
            chunks = iter(self.iterable)
            for chunk in chunks:
                self.chunks.append(chunk)
                size += len(chunk)
                if size > BUFFERED:
                    self.rest = chunks
                    return
        except BaseException:
            self.close()
            raise
        self.close()

    def close(self) -> None:
        getattr(self.iterable, "close", lambda: None)()
