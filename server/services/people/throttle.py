"""Log-in throttling: after too many failures in a short window, a user name (or a client address)
must wait. Counted in the database, so every server process sees the same attempts."""
from __future__ import annotations

import math
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select

from server.db.models import LoginAttempt, utcnow
from server.domain.errors import WmsError
from server.extensions import db

DEFAULTS = {"login_window_seconds": 300, "login_max_failures": 5, "login_max_failures_per_ip": 30}


def _limits() -> tuple[timedelta, int, int]:
    security = DEFAULTS | current_app.config["WMS"].get("security", {})
    return (timedelta(seconds=int(security["login_window_seconds"])), int(security["login_max_failures"]),
            int(security["login_max_failures_per_ip"]))


def check(subject: str, ip: str) -> None:
    """Refuse with `too_many_attempts` (and how long to wait) while either counter is at its limit."""
    window, per_subject, per_ip = _limits()
    now = utcnow()
    waits = [_wait(_failures_since_success(subject, now - window), per_subject, window, now)]
    if ip and per_ip > 0:
        waits.append(_wait(_failures_from(ip, now - window), per_ip, window, now))
    wait = max(waits)
    if wait > 0:
        raise WmsError("too_many_attempts", retry_after=wait)


def _failures_since_success(subject: str, since: datetime) -> list[datetime]:
    """Failures of this name in the window, newest first, up to its last successful log-in."""
    rows = db.session.execute(
        select(LoginAttempt.at, LoginAttempt.ok).where(LoginAttempt.subject == subject, LoginAttempt.at >= since)
        .order_by(LoginAttempt.at.desc()).limit(200)).all()
    failures = []
    for at, ok in rows:
        if ok:
            break
        failures.append(at)
    return failures


def _failures_from(ip: str, since: datetime) -> list[datetime]:
    return list(db.session.execute(
        select(LoginAttempt.at).where(LoginAttempt.ip == ip, LoginAttempt.at >= since, LoginAttempt.ok.is_(False))
        .order_by(LoginAttempt.at.desc()).limit(1000)).scalars())


def _wait(failures: list[datetime], limit: int, window: timedelta, now: datetime) -> int:
    """Seconds until fewer than `limit` failures remain in the window (0: not throttled)."""
    if limit <= 0 or len(failures) < limit:
        return 0
    return max(1, math.ceil((failures[limit - 1] + window - now).total_seconds()))


def failed(kind: str, subject: str, ip: str) -> None:
    _record(kind, subject, ip, ok=False, user_id=None)


def succeeded(kind: str, subject: str, ip: str, user_id: int) -> None:
    _record(kind, subject, ip, ok=True, user_id=user_id)


def _record(kind: str, subject: str, ip: str, ok: bool, user_id: int | None) -> None:
    """Committed at once: a failure must count even though the request ends in an error."""
    db.session.add(LoginAttempt(kind=kind, subject=subject, ip=(ip or "")[:64], ok=ok, user_id=user_id))
    db.session.commit()
