"""A revoked (or replaced) device token loses its open sockets within a second or two, in every server
process, whoever revoked it (the CLI in another process, an administrator over REST, another server).

Each process looks once a second at the tokens its own sockets connected with: one small query of the
devices table, made only while such sockets are open here. No message between processes is needed,
so it works the same with one process, several behind Redis, or a revocation made while a process
was busy."""
from __future__ import annotations

import logging
import threading
import time

from flask import Flask

from server.realtime.connections import token_sockets
from server.realtime.hub import hub
from server.services.people import auth

log = logging.getLogger(__name__)
INTERVAL_SECONDS = 1.0
_watching: set[int] = set()
_lock = threading.Lock()


def watch(app: Flask) -> None:
    """Start this process's watcher, once (the first socket with a device token starts it)."""
    with _lock:
        if id(app) in _watching:
            return
        _watching.add(id(app))
    threading.Thread(target=_watch_forever, args=(app,), name="revocations", daemon=True).start()


def _watch_forever(app: Flask) -> None:
    while True:
        time.sleep(INTERVAL_SECONDS)
        try:
            with app.app_context():
                disconnect_revoked()
        except Exception:  # a database hiccup must not end the watch: the next second tries again
            log.exception("checking device tokens failed")


def disconnect_revoked() -> list[str]:
    """Disconnect this process's sockets whose token is no longer the device's token in force."""
    sockets = token_sockets()
    if not sockets:
        return []
    in_force = auth.tokens_in_force({device_id for _, _, device_id, _ in sockets})
    dropped = [(namespace, sid) for namespace, sid, device_id, digest in sockets if in_force.get(device_id) != digest]
    for namespace, sid in dropped:
        hub.disconnect(sid, namespace=namespace)
    return [sid for _, sid in dropped]
