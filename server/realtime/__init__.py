"""Socket.IO entrypoints: floor devices (/floor) and printer agents (/printers)."""
from __future__ import annotations

import threading

import socketio

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


def register_namespaces(server: socketio.AsyncServer) -> None:
    from server.realtime.floor import FloorNamespace
    from server.realtime.printers import PrinterAgentNamespace, announce_job
    from server.realtime.floor import (announce_alert, announce_floor, announce_hold, announce_job_state,
                                       announce_progress)
    from server.services.inventory import alerts
    from server.services.picking import pick_lists
    from server.services.printing import print_jobs
    from server.services.picking import waves

    server.register_namespace(FloorNamespace("/floor"))
    server.register_namespace(PrinterAgentNamespace("/printers"))
    if announce_job not in print_jobs.job_listeners:
        print_jobs.job_listeners.append(announce_job)
    if announce_alert not in alerts.alert_listeners:
        alerts.alert_listeners.append(announce_alert)
    if announce_job_state not in print_jobs.state_listeners:
        print_jobs.state_listeners.append(announce_job_state)
    if announce_hold not in pick_lists.hold_listeners:
        pick_lists.hold_listeners.append(announce_hold)
    if announce_progress not in pick_lists.progress_listeners:
        pick_lists.progress_listeners.append(announce_progress)
    if announce_floor not in waves.floor_listeners:
        waves.floor_listeners.append(announce_floor)
