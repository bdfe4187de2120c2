"""Flask (WSGI) under the ASGI server: a request's body is read on the event loop, the request is handled in
one of a pool of threads, and the answer comes back in one piece — one hand-off to the thread and one back.

Why not a2wsgi's WSGIMiddleware, which served REST before: it passes every part of an answer (the status
line, each chunk, the end) from the worker thread to the event loop one at a time and waits for each —
three round trips across threads for a plain JSON answer, four with a request body, each waking the loop
and trading the GIL while the loop is busy with scans. Large answers (the 9 MB label renderer) are not
held in memory: past the first `BUFFERED` bytes they go out chunk by chunk, as before.
"""
from __future__ import annotations

import asyncio
import contextvars
import io
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from collections.abc import Callable, Iterator

from a2wsgi.wsgi import build_environ

BUFFERED = 1 << 20  # an answer up to this size is sent in one piece


class WsgiBridge:
    def __init__(self, app: Callable, threads: int, max_body: int) -> None:
        self.app = app
        # A body past this is not read at all: the app sees its Content-Length and answers 413.
        self.max_body = max_body
        self.executor = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="WSGI")

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
        loop = asyncio.get_running_loop()
        answer = _Answer()
        await loop.run_in_executor(self.executor, answer.context.run, answer.run, self.app, environ)
        await send({"type": "http.response.start", "status": answer.status, "headers": answer.headers})
        await send({"type": "http.response.body", "body": b"".join(answer.chunks),
                    "more_body": answer.rest is not None})
        if answer.rest is not None:
            await self._stream(loop, answer, send)

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

    async def _stream(self, loop: asyncio.AbstractEventLoop, answer: _Answer, send: Callable) -> None:
        try:
            while True:
                # In the request's context again (whichever thread): a generator may rely on it.
                chunk = await loop.run_in_executor(self.executor, answer.context.run, next, answer.rest, None)
                if chunk is None:
                    break
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
            await send({"type": "http.response.body", "body": b""})
        finally:
            await loop.run_in_executor(self.executor, answer.context.run, answer.close)


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
