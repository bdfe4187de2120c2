"""Who is acting: users by password or badge, devices by a revocable token (stored hashed)."""
from __future__ import annotations

import functools
import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import delete, select
from werkzeug.security import check_password_hash, generate_password_hash

from server import local_time
from server.db.fast import Sql
from server.db.models import Device, EndedSession, User, utcnow
from server.domain import roles
from server.domain.errors import WmsError
from server.extensions import db
from server.services.people import throttle


@dataclass(frozen=True)
class Actor:
    """The user and/or device a request or scan is attributed to (the audit trail's subject)."""

    user_id: int | None = None
    username: str | None = None
    name: str | None = None
    role: str | None = None
    device_id: int | None = None
    device_code: str | None = None
    device_kind: str | None = None

    def require(self, permission: str) -> None:
        if self.role is None and self.device_kind is None:
            raise WmsError("not_authenticated")
        if self.role is not None and not roles.can(self.role, permission):
            raise WmsError("forbidden", role=self.role)
        if self.role is None and permission not in DEVICE_PERMISSIONS.get(self.device_kind, ()):
            raise WmsError("forbidden", role=self.device_kind)


# What a device may do on its own, without a user logged in on it.
DEVICE_PERMISSIONS: dict[str, frozenset[str]] = {
    # A station's fixed scanner packs as the packer signed in at its station (see services/packing.py).
    "scanner_bridge": frozenset({"scan.lookup", "journey.pack"}),
    "printer_agent": frozenset({"printing.agent"}),
    "pda": frozenset(),
}


# Stored instead of a password hash for someone who has none yet: no password ever matches it.
NO_PASSWORD = "!"


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def hash_password(password: str) -> str:
    return generate_password_hash(password)


# Who logs in (prebuilt, server/db/fast.py: a shift's log-ins arrive together): what the log-in answers with
# (user_view), read once. Not the ORM's User, which the attempt's commit would expire and read again.
_LOGIN_COLUMNS = "id, username, name, role, locale, active"
_USER_BY_NAME = Sql(f"SELECT {_LOGIN_COLUMNS}, password_hash FROM users WHERE username = :username")
_USER_BY_BADGE = Sql(f"SELECT {_LOGIN_COLUMNS} FROM users WHERE badge_digest = :key")


def login(username: str, password: str, ip: str = "", known: frozenset[int] = frozenset()) -> Any:
    """The user, if the password is right. The password is always checked: throttling only makes a
    guessed name or address wait its turn (throttle.turn), and the right password from a device where
    this person logged in before (`known` user ids, from the signed cookie) does not wait at all."""
    subject = f"user:{username.strip().lower()[:100]}"
    db.session.flush()  # (a person added in this transaction can log in: tests, first_admin)
    user = _USER_BY_NAME.first(username=username)
    # An unknown name costs one hash check too, so the answer's timing does not tell which names exist.
    # A person imported from the staff list has no usable password until one is set (NO_PASSWORD).
    usable = user is not None and user.password_hash != NO_PASSWORD
    matches = check_password_hash(user.password_hash if usable else _decoy_hash(), password)
    right = user is not None and usable and user.active and matches
    with throttle.turn(subject, ip, skip=right and user.id in known):
        if not right:
            throttle.failed("password", subject, ip)
            raise WmsError("bad_credentials")
        throttle.succeeded("password", subject, ip, user.id)
    return user


def login_by_badge(badge: str, ip: str = "", known: frozenset[int] = frozenset()) -> Any:
    key = digest(badge.strip().upper())
    subject = f"badge:{key[:16]}"
    db.session.flush()
    user = _USER_BY_BADGE.first(key=key)
    allowed = user is not None and user.active and roles.may_use_badge(user.role)
    with throttle.turn(subject, ip, skip=allowed and user.id in known):
        if user is None or not user.active:
            throttle.failed("badge", subject, ip)
            raise WmsError("unknown_badge")
        if not allowed:
            # A real badge, but of someone who must type a password: refused, and counted like a failure.
            throttle.failed("badge", subject, ip)
            raise WmsError("badge_not_allowed", role=user.role,
                           role_zh=roles.ROLE_NAMES.get(user.role, ("", user.role))[1])
        throttle.succeeded("badge", subject, ip, user.id)
    return user


@functools.cache
def _decoy_hash() -> str:
    return hash_password(secrets.token_urlsafe(16))


def session_device(claimed: object, token: object, trust_names: bool) -> str | None:
    """The handheld a person's session runs on: the one its device token proves (the token decides, not
    the name sent with it), never a scanner bridge or a printer agent. Without a token the name sent is
    believed only where `trust_names` (the demo, whose handhelds are not paired); elsewhere the session
    has no device, and the trail says so rather than repeat a claim."""
    if isinstance(token, str) and token:
        device = actor_for_token(token)
        if device.device_kind != "pda":
            raise WmsError("device_not_a_handheld", device=device.device_code)
        return device.device_code
    if trust_names and isinstance(claimed, str) and claimed.strip():
        return claimed.strip()[:64]
    return None


def get_user(user_id: int) -> User | None:
    return db.session.get(User, user_id)


def user_view(user: Any) -> dict:
    """`user`: a User, or a row with its columns (login, login_by_badge)."""
    return {"id": user.id, "username": user.username, "name": user.name, "role": user.role,
            "journeys": roles.journeys_for(user.role), "locale": user.locale,
            "time_zone": local_time.zone_name()}  # the apps show times on the warehouse's clock


def actor_for_user(user_id: int, device_code: str | None = None, sid: str | None = None) -> Actor | None:
    """Every REST request and socket asks this first: prebuilt statements (server/db/fast.py). With a
    session's `sid`: None once that session was logged out (one query either way)."""
    db.session.flush()  # a user changed in this transaction is seen as changed
    user = _ACTIVE_USER.first(id=user_id, yes=True, sid=sid or "")
    if user is None:
        return None
    device = _DEVICE.first(code=device_code) if device_code else None
    if device is not None and (device.kind != "pda" or device.retired_at is not None):
        # A person's session may name the handheld it runs on, never a scanner bridge, a printer agent or a
        # retired device: those are who their token says, so the trail cannot be made to blame them.
        device, device_code = None, None
    return Actor(user.id, user.username, user.name, user.role,
                 device.id if device else None, device.code if device else device_code,
                 device.kind if device else None)


_ACTIVE_USER = Sql("""
    SELECT id, username, name, role FROM users
    WHERE id = :id AND active = :yes AND NOT EXISTS (SELECT 1 FROM ended_sessions WHERE sid = :sid)""")


def new_session_id() -> str:
    """A session's own id, kept in its (signed) cookie: what a log-out ends."""
    return secrets.token_hex(16)


def end_session(sid: object, user_id: int | None, keep_hours: float) -> None:
    """Log out on the server: this session's cookie stops working, wherever a copy of it is. Ended
    sessions older than any session can live are forgotten. The caller commits."""
    if not isinstance(sid, str) or not sid:
        return
    db.session.execute(delete(EndedSession).where(EndedSession.ended_at < utcnow() - timedelta(hours=keep_hours)))
    if db.session.get(EndedSession, sid) is None:
        db.session.add(EndedSession(sid=sid[:32], user_id=user_id))
    db.session.flush()
_DEVICE = Sql("SELECT id, code, kind, retired_at FROM devices WHERE code = :code")


def actor_for_token(token: str) -> Actor:
    device = db.session.execute(
        select(Device).where(Device.token_digest == digest(token))).scalar_one_or_none()
    if device is None or device.token_revoked_at is not None or device.retired_at is not None:
        raise WmsError("device_token_invalid")
    device.last_seen_at = utcnow()
    db.session.commit()
    return Actor(device_id=device.id, device_code=device.code, device_kind=device.kind)


def issue_device_token(device_code: str) -> str:
    """A new token for a device; the previous one stops working. Only the digest is kept."""
    device = db.session.execute(
        select(Device).where(Device.code == device_code)).scalar_one_or_none()
    if device is None:
        raise WmsError("not_found", what=f"device {device_code}")
    if device.retired_at is not None:
        raise WmsError("device_retired", device=device.code)
    token = secrets.token_urlsafe(32)
    device.token_digest = digest(token)
    device.token_issued_at = utcnow()
    device.token_revoked_at = None
    db.session.commit()
    return token


def revoke_device_token(device_code: str) -> Device:
    """The token stops working now; every server process drops the device's open sockets within
    a second or two (realtime/revocations.py)."""
    device = db.session.execute(
        select(Device).where(Device.code == device_code)).scalar_one_or_none()
    if device is None:
        raise WmsError("not_found", what=f"device {device_code}")
    device.token_revoked_at = utcnow()
    db.session.commit()
    return device


DEVICE_KINDS = ("pda", "scanner_bridge", "printer_agent")


def register_device(code: str, kind: str, name: str = "") -> Device:
    if kind not in DEVICE_KINDS:
        raise WmsError("unknown_device_kind", kind=str(kind)[:40])
    if db.session.execute(select(Device.id).where(Device.code == code)).first() is not None:
        raise WmsError("duplicate_device", device=code)
    device = Device(code=code, kind=kind, name=name)
    db.session.add(device)
    db.session.commit()
    return device


def list_devices() -> list[Device]:
    """Every device, by code."""
    return list(db.session.execute(select(Device).order_by(Device.code)).scalars())


def device_by_code(code: str) -> Device:
    return db.session.execute(select(Device).where(Device.code == code)).scalar_one()


def tokens_in_force(device_ids: set[int]) -> dict[int, str]:
    """Device id -> digest of its token in force (not revoked), for these devices. The read ends at once
    (rolled back): on SQLite it holds the one pooled connection."""
    in_force = dict(db.session.execute(
        select(Device.id, Device.token_digest)
        .where(Device.id.in_(device_ids), Device.token_revoked_at.is_(None), Device.retired_at.is_(None))).all())
    db.session.rollback()
    return in_force


def device_view(device: Device) -> dict:
    """A device as an administrator sees it: never its token, only whether one is in force."""
    return {"code": device.code, "kind": device.kind, "name": device.name,
            "token": "revoked" if device.token_revoked_at else "active" if device.token_digest else "none",
            "token_issued_at": device.token_issued_at.isoformat() if device.token_issued_at else None,
            "token_revoked_at": device.token_revoked_at.isoformat() if device.token_revoked_at else None,
            "last_seen_at": device.last_seen_at.isoformat() if device.last_seen_at else None,
            "retired_at": device.retired_at.isoformat() if device.retired_at else None}
