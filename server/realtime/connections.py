"""Who is behind each open socket of this process, per namespace (/floor, /printers)."""
from __future__ import annotations

import threading

from server.services.people.auth import Actor


class Connections:
    """Who is behind each open socket: resolved once at connect, used by every event after."""

    def __init__(self) -> None:
        self._actors: dict[str, Actor] = {}
        # sid -> digest of the device token it connected with: a revoked or replaced token ends it.
        self._tokens: dict[str, str] = {}
        self._lock = threading.Lock()

    def add(self, sid: str, actor: Actor, token_digest: str | None = None) -> None:
        with self._lock:
            self._actors[sid] = actor
            if token_digest:
                self._tokens[sid] = token_digest

    def get(self, sid: str) -> Actor | None:
        return self._actors.get(sid)

    def drop(self, sid: str) -> None:
        with self._lock:
            self._actors.pop(sid, None)
            self._tokens.pop(sid, None)

    def by_token(self) -> list[tuple[str, int, str]]:
        """(sid, device id, token digest) of every socket that connected with a device token."""
        with self._lock:
            return [(sid, self._actors[sid].device_id, digest) for sid, digest in self._tokens.items()
                    if sid in self._actors]


_by_namespace: dict[str, Connections] = {}


def of_namespace(namespace: str) -> Connections:
    """The table of a namespace's sockets: one per namespace, made by the first to ask."""
    return _by_namespace.setdefault(namespace, Connections())


def token_sockets() -> list[tuple[str, str, int, str]]:
    """(namespace, sid, device id, token digest) of every socket here that connected with a device token."""
    return [(namespace, sid, device_id, digest) for namespace, connections in list(_by_namespace.items())
            for sid, device_id, digest in connections.by_token()]
