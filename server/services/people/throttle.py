"""Log-in throttling that slows guessing but never refuses the right password.

After too many failures of one name (or from one client address) each further attempt is *answered
late*: it waits a back-off (doubling up to a bound) counted from the last failure, then the password
decides as always. Nobody is locked out by someone else's guesses: the right password logs in when
its wait is over, and at once from a device where this person logged in before (`known`).
Failures are counted in the database, so every server process sees the same attempts; the queue of
waiting attempts is per process (parallel guesses of one name wait one after the other)."""
from __future__ import annotations

import math
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

from flask import current_app
from server.db.fast import Sql
from server.db.models import utcnow
from server.domain.errors import WmsError
from server.extensions import db

DEFAULTS = {"login_window_seconds": 900, "login_max_failures": 5, "login_max_failures_per_ip": 30,
            "login_max_wait_seconds": 15, "login_max_waiting": 4}

# Replaced by tests, which check the waits without spending them.
pause = time.sleep
clock = time.monotonic
wall = utcnow  # when attempts happened (stored), and the back-off counted from them

_lock = threading.Lock()
_next_turn: dict[str, float] = {}  # name → the clock time its next attempt may be answered
_waiting = 0


def _settings() -> dict:
    return DEFAULTS | current_app.config["WMS"].get("security", {})


@contextmanager
def turn(subject: str, ip: str, skip: bool = False) -> Iterator[float]:
    """Wait this attempt's turn (yields the seconds waited). `skip`: the right password from a device this
    person used before, answered at once. Only when more attempts wait than the process holds, or the
    queue of one name reaches past the longest wait, is an attempt sent back unchecked with
    `too_many_attempts` and when to try again: that happens to parallel guessing, not to a person."""
    if skip:
        yield 0.0
        return
    settings = _settings()
    backoff = max(_backoff(subject, ip, settings), 0.0)
    longest = float(settings["login_max_wait_seconds"])
    global _waiting
    with _lock:
        now = clock()
        # Parallel attempts of one name queue; those from one address only wait their back-off (a shared
        # handheld address must not make a shift's log-ins queue behind each other).
        key = f"name:{subject}"
        at = max(now + backoff, _next_turn.get(key, 0.0))
        wait = at - now
        if wait > 0 and (wait > longest + 0.5 or _waiting >= int(settings["login_max_waiting"])):
            raise WmsError("too_many_attempts", retry_after=max(1, math.ceil(wait)))
        reserved = at + min(backoff, longest) if wait > 0 else None
        if reserved is not None:
            _waiting += 1
            _next_turn[key] = reserved  # a parallel attempt arriving meanwhile waits for this one
        _forget_old(now)
    try:
        if wait > 0:
            pause(wait)
        yield max(wait, 0.0)
    finally:
        if reserved is not None:
            with _lock:
                _waiting -= 1
                if _next_turn.get(key) == reserved:  # nobody queued behind: the next attempt waits its back-off only
                    del _next_turn[key]


def _forget_old(now: float) -> None:
    if len(_next_turn) > 10_000:
        for key in [key for key, at in _next_turn.items() if at < now]:
            del _next_turn[key]


def _backoff(subject: str, ip: str, settings: dict) -> float:
    """Seconds still to wait: 1 s after the limit's failure, doubling with each further one, up to
    `login_max_wait_seconds`, counted from the latest failure (of the name, or of the address)."""
    window = timedelta(seconds=int(settings["login_window_seconds"]))
    now = wall()
    waits = [_remaining(_failures_since_success(subject, now - window), int(settings["login_max_failures"]),
                        settings, now)]
    if ip and int(settings["login_max_failures_per_ip"]) > 0:
        waits.append(_remaining(_failures_from(ip, now - window), int(settings["login_max_failures_per_ip"]),
                                settings, now))
    return max(waits)


def _remaining(failures: list[datetime], limit: int, settings: dict, now: datetime) -> float:
    if limit <= 0 or len(failures) < limit:
        return 0.0
    wait = min(float(settings["login_max_wait_seconds"]), 2.0 ** min(len(failures) - limit, 30))
    return (failures[0] + timedelta(seconds=wait) - now).total_seconds()


def _failures_since_success(subject: str, since: datetime) -> list[datetime]:
    """Failures of this name in the window, newest first, up to its last successful log-in."""
    failures = []
    for at, ok in _SUBJECT_ATTEMPTS.all(subject=subject, since=since):
        if ok:
            break
        failures.append(_moment(at))
    return failures


def _failures_from(ip: str, since: datetime) -> list[datetime]:
    return [_moment(at) for (at,) in _ADDRESS_FAILURES.all(ip=ip, since=since, no=False)]


def _moment(at: datetime | str) -> datetime:
    return at if isinstance(at, datetime) else datetime.fromisoformat(at)  # SQLite: text


# Prebuilt (server/db/fast.py): a shift's log-ins arrive together, and each reads these two and writes one.
_SUBJECT_ATTEMPTS = Sql("""
    SELECT at, ok FROM login_attempts WHERE subject = :subject AND at >= :since ORDER BY at DESC LIMIT 200""")
_ADDRESS_FAILURES = Sql("""
    SELECT at FROM login_attempts WHERE ip = :ip AND at >= :since AND ok = :no ORDER BY at DESC LIMIT 200""")
_ATTEMPT = Sql("""
    INSERT INTO login_attempts (at, kind, subject, ip, ok, user_id) VALUES (:at, :kind, :subject, :ip, :ok, :user)""")


def failed(kind: str, subject: str, ip: str) -> None:
    _record(kind, subject, ip, ok=False, user_id=None)


def succeeded(kind: str, subject: str, ip: str, user_id: int) -> None:
    _record(kind, subject, ip, ok=True, user_id=user_id)


def _record(kind: str, subject: str, ip: str, ok: bool, user_id: int | None) -> None:
    """Committed at once: a failure must count even though the request ends in an error."""
    _ATTEMPT.run(at=wall(), kind=kind, subject=subject, ip=(ip or "")[:64], ok=ok, user=user_id)
    db.session.commit()
