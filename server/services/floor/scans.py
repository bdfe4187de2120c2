"""The scan pipeline: validate, decode, act in the scan's mode, store the ack under the device's
scan id — all in one transaction, so a replay returns the stored ack and changes nothing."""
from __future__ import annotations

import logging
import re
from collections.abc import Callable, Sequence
from typing import Any

from dataclasses import dataclass

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import ResourceClosedError, IntegrityError, InterfaceError, OperationalError

from server import fastjson
from server.db.fast import Sql, defer, drop_later, pinned, pinned_connection, send_later, together, undefer
from server.db.models import Device, Scan, User, utcnow
from server.domain.barcodes import Decoded, decode
from server.domain.errors import WmsError, Words
from server.extensions import db
from server.services.people import audit
from server.services import transaction
from server.services.people.auth import Actor

log = logging.getLogger(__name__)
SCAN_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]{7,63}$")


@dataclass(frozen=True)
class Mode:
    """One step of a journey that a device can send: a scan (with a code) or an action (without).
    Both are stored under the device's scan id, so a repeated confirm is answered, not applied."""

    permission: str
    act: Callable[[Decoded | None, dict, Actor], dict[str, Any]]
    needs_code: bool = True


MODES: dict[str, Mode] = {}  # each journey registers its modes (server/services/*/modes.py)


def register(name: str, mode: Mode) -> None:
    MODES[name] = mode




def error_ack(scan_id: str | None, error: WmsError) -> dict[str, Any]:
    return {"ok": False, "scan_id": scan_id, "error": error.as_dict(), "sound": "error"}


@dataclass
class Answer:
    ack: dict[str, Any]
    replayed: bool = False  # the device resent a scan already answered: the stored ack, nothing done


def handle(payload: Any, actor: Actor) -> dict[str, Any]:
    """Answer one scan (see handle_all)."""
    return handle_all([(payload, actor)])[0].ack


def handle_all(batch: Sequence[tuple[Any, Actor | None]], via: str | None = None) -> list[Answer]:
    """Answer scans in arrival order, in one transaction: each scan in its own savepoint, so a refused
    or failing scan undoes only its own writes, and one commit for all of them (group commit). The
    floor hands over the scans that queued up while the previous ones were worked: under load the
    per-transaction cost (connection, BEGIN, commit, app context) is paid once for many scans — and so
    are the statements every scan needs (is it a resend, store its ack, its audit row: _Batch).

    Never raises for a bad scan: the error is the ack. The acks are returned only after the commit.
    When the database goes away (restart, failover, network) every scan of the batch is answered
    `try_again`, not stored: the device keeps the scan and sends the same scan id again — if the
    commit did happen, the replay gets the stored ack; if not, the scan is applied then. Either way
    it is neither lost nor applied twice."""
    broken: set[int] = set()
    while True:
        try:
            answers = _answer_batch(batch, via, broken)
            break
        except _ScanBroke as error:
            # A scan's failure left the session needing a rollback (an ORM flush refused by a unique key):
            # nothing of the batch is committed yet, so it is worked again from the start without that scan,
            # which is answered internal_error (not stored) — the others keep their own outcome, once each.
            log.error("scan %s broke its batch's transaction: the batch is worked again without it",
                      _scan_id_of(batch[error.index][0]))
            _discard_session()
            transaction.rolled_back()
            broken.add(error.index)
        except (OperationalError, InterfaceError, _TransactionEnded, _Raced) as error:
            (log.error if isinstance(error, _TransactionEnded) else log.warning)(
                "%d scan(s): not stored, answered try_again (%s: %s)", len(batch), error.__class__.__name__, error)
            _discard_session()
            return [Answer(error_ack(_scan_id_of(payload), WmsError("try_again"))) for payload, _ in batch]
        except Exception:
            # Outside any one scan (each scan's own failure is its ack): nothing of the batch is committed,
            # or the commit itself failed. Sent again, each scan finds its stored ack or is applied then.
            log.exception("%d scan(s): not stored, answered try_again", len(batch))
            _discard_session()
            return [Answer(error_ack(_scan_id_of(payload), WmsError("try_again"))) for payload, _ in batch]
    transaction.committed()
    return answers


def _answer_batch(batch: Sequence[tuple[Any, Actor | None]], via: str | None, broken: set[int]) -> list[Answer]:
    session = db.session()
    if not session.in_transaction():
        session.begin()
    root = session.get_transaction()
    answers = []
    with pinned(session.connection()):
        per_batch = _Batch(batch)
        for index, (payload, actor) in enumerate(batch):
            if index in broken:
                answers.append(Answer(error_ack(_scan_id_of(payload), WmsError("internal_error"))))
                continue
            try:
                answers.append(_answer(payload, actor, via, per_batch))
            except _SessionBroken:
                raise _ScanBroke(index) from None
            if session.get_transaction() is not root:
                # A mode committed or rolled back the whole transaction, other scans' work with it:
                # a bug. What the batch stored is unknown here; the devices' resends find out.
                raise _TransactionEnded(f"scan mode {_mode_of(payload)!r} ended the scans' transaction")
        per_batch.write()
    db.session.commit()
    return answers


class _Batch:
    """What every scan of a batch needs from the scans table and the trail, done once for the batch:
    which scan ids are already answered (one read for all of them, before the first scan), and the
    scans' rows and audit rows (one insert each, after the last). Two statements a scan fewer
    than reading and writing scan by scan; a scan id sent twice within the batch gets the answer its
    first sending got, as it would from the table."""

    def __init__(self, batch: Sequence[tuple[Any, Actor | None]]) -> None:
        ids = list(dict.fromkeys(scan_id for payload, _ in batch
                                 if (scan_id := _scan_id_of(payload)) is not None and SCAN_ID.match(scan_id)))
        self.acks: dict[str, Stored] = stored_acks(ids)
        self.scans: list[dict[str, Any]] = []
        self.audit: list[dict[str, Any]] = []

    def answered(self, scan_id: str) -> Stored | None:
        return self.acks.get(scan_id)

    def keep(self, scan_id: str, row: dict[str, Any], ack: dict[str, Any], audit_row: dict[str, Any] | None) -> None:
        self.scans.append(row)
        self.acks[scan_id] = Stored(ack, _identity(row["mode"], row["code"], row["user_id"], row["device_id"]))
        if audit_row is not None:
            self.audit.append(audit_row)

    def write(self) -> None:
        """The batch's last writes; on PostgreSQL with its COMMIT in the same round trip, unless the session
        still holds something to write at commit (then the commit sends it, as always)."""
        session = db.session()
        session.flush()
        last = not (session.new or session.dirty or session.deleted or audit.collected(session))
        try:
            with together(commit=last):  # PostgreSQL: both inserts (and the COMMIT) in one round trip
                _INSERT_SCAN.run_many(self.scans)
                audit.insert(self.audit)
        except IntegrityError as error:
            # The same scan id raced in on another connection (another server process, PostgreSQL) since
            # the batch read the table: nothing of the batch is kept, the devices resend, and the
            # resend of that scan finds the stored ack.
            raise _Raced(str(error)) from error


@dataclass(frozen=True)
class Stored:
    """An answered scan: its ack, and what it was (mode, code, who) — a resend must be the same scan."""

    ack: dict[str, Any]
    identity: tuple


def _identity(mode: object, code: object, user_id: int | None, device_id: int | None) -> tuple:
    return (str(mode)[:32], code[:256] if isinstance(code, str) else "", user_id,
            device_id if user_id is None else None)


def _replay(stored: Stored, scan_id: str, mode: object, code: object, actor: Actor) -> dict[str, Any]:
    """A resend gets the stored ack — after the same permission check as a first sending, and only when
    it is the same scan: the same mode, code and person (a device alone: the same device). Another scan
    under a used scan id is refused, not silently answered as if it had been applied."""
    try:
        if not isinstance(mode, str) or mode not in MODES:
            raise WmsError("unsupported_mode", mode=str(mode)[:32])
        actor.require(MODES[mode].permission)
        if _identity(mode, code, actor.user_id, actor.device_id) != stored.identity:
            raise WmsError("scan_id_conflict", scan_id=scan_id)
    except WmsError as error:
        return error_ack(scan_id, error)
    return stored.ack


class _Raced(RuntimeError):
    pass


class _TransactionEnded(RuntimeError):
    pass


def _scan_id_of(payload: Any) -> str | None:
    scan_id = payload.get("scan_id") if isinstance(payload, dict) else None
    return scan_id if isinstance(scan_id, str) else None


def _mode_of(payload: Any) -> str:
    return str(payload.get("mode"))[:32] if isinstance(payload, dict) else "?"


def _answer(payload: Any, actor: Actor | None, via: str | None, batch: _Batch) -> Answer:
    if actor is None:  # the socket outlived its session (e.g. server restart mid-handshake)
        return Answer(error_ack(_scan_id_of(payload), WmsError("not_authenticated")))
    audit.act_as(actor, via)  # this scan's writes are its user's and device's in the trail
    if not isinstance(payload, dict):
        return Answer(error_ack(None, WmsError("bad_request", detail=Words("the scan must be a JSON object",
                                                                              "扫描数据必须是 JSON 对象"))))
    scan_id = payload.get("scan_id")
    if not isinstance(scan_id, str) or not SCAN_ID.match(scan_id):
        return Answer(error_ack(scan_id if isinstance(scan_id, str) else None, WmsError("bad_scan_id")))

    code = payload.get("code")
    mode = payload.get("mode") or "lookup"
    stored = batch.answered(scan_id)
    if stored is not None:
        return Answer(_replay(stored, scan_id, mode, code, actor), replayed=True)

    decoded: Decoded | None = None
    scan = _Savepoint()
    try:
        if not isinstance(mode, str) or mode not in MODES:  # a list or object is no mode (and unhashable)
            raise WmsError("unsupported_mode", mode=str(mode)[:32])
        step = MODES[mode]
        actor.require(step.permission)
        ack = {"ok": True, "scan_id": scan_id, "sound": "ok", "next": "scan_any"}
        if step.needs_code:
            if not isinstance(code, str):
                raise WmsError("bad_request", detail=Words("the scan has no code text", "扫描数据缺少条码文本（code）"))
            decoded = decode(code, current_app.extensions["wms_decoder_rules"])
            ack |= {"kind": decoded.kind, "code": decoded.gtin or decoded.sscc or decoded.key}
            if decoded.warnings:
                ack["warnings"] = list(decoded.warnings)
        ack.update(step.act(decoded, payload, actor))
        scan.still_open()
        audit_row = scan.keep()
    except WmsError as error:
        scan.undo()  # whatever the mode half-wrote goes; only the refusal is kept
        ack, audit_row = error_ack(scan_id, error), None
    except (OperationalError, InterfaceError, _TransactionEnded):
        raise  # the database is away (handle_all() answers try_again), or a mode ended the transaction
    except Exception:
        # A bug must still get an answer, or the device resends this scan forever and every later
        # scan queues behind it. Not stored: once fixed, the same scan id can succeed.
        log.exception("scan %s in mode %s failed", scan_id, mode)
        scan.undo()
        if not scan.usable():
            raise _SessionBroken from None
        return Answer(error_ack(scan_id, WmsError("internal_error")))

    # Stored with the batch (_Batch.write), in the same transaction: the ack is sent only after the commit.
    batch.keep(scan_id, {
        "scan_id": scan_id, "at": utcnow(), "user_id": actor.user_id, "device_id": actor.device_id,
        "mode": str(mode)[:32], "code": code[:256] if isinstance(code, str) else "",
        "kind": ack.get("kind"), "ok": ack["ok"], "error_code": ack["error"]["code"] if not ack["ok"] else None,
        "ack_json": fastjson.dumps(ack)}, ack, audit_row)
    return Answer(ack)


class _Savepoint:
    """One scan's writes within the batch's transaction: kept (with its own audit row, attributed to
    the scan's user and device) or undone, with what waited for the commit and what the trail had
    collected from them.

    Most scans (every pick step) hold no ORM object at all: their statements go straight to the
    driver (server/db/fast.py). For them the savepoint is sent to the driver too, without SQLAlchemy's
    nested-transaction bookkeeping (9 % of a pick scan's instructions). That is safe only while the
    session holds nothing a rollback would have to expire: so only when it is empty when the scan
    starts, and if the scan is undone, whatever it loaded or added meanwhile is dropped from the
    session — as SQLAlchemy's own rollback would, and all of it is this scan's."""

    def __init__(self) -> None:
        self.marks = transaction.mark(), audit.mark()
        session = db.session()
        self.root = session.get_transaction()
        if not session.identity_map and not session.new and not session.deleted:
            self.savepoint = None
            self.connection = pinned_connection(session)
            defer(_SAVEPOINT)  # PostgreSQL: sent with the scan's first statement, one round trip fewer
        else:
            self.savepoint = session.begin_nested()
            # SQLAlchemy emits SAVEPOINT when the nested transaction first asks for the connection;
            # statements sent straight to the driver (server/db/fast.py) do not ask: ask now.
            session.connection()

    def _open(self) -> bool:
        if self.savepoint is not None:
            return self.savepoint.is_active
        return db.session().get_transaction() is self.root and self.root.is_active

    def usable(self) -> bool:
        """Whether the batch's transaction can go on after this scan was undone (a failed ORM flush on
        a driver savepoint leaves the whole session needing a rollback)."""
        return db.session().get_transaction() is self.root and self.root.is_active

    def still_open(self) -> None:
        if not self._open():
            raise _TransactionEnded("a scan mode ended the scans' transaction")

    def keep(self) -> dict[str, Any] | None:
        """Keep the scan's writes; its audit row, to insert with the batch."""
        send_later()  # the scan's writes still waiting (PostgreSQL): what they raise is this scan's
        row = audit.entry()  # flushes what the scan changed through the ORM first, inside the savepoint
        if self.savepoint is not None:
            self.savepoint.commit()
        # A driver savepoint is not released: the commit keeps what every open savepoint holds, and
        # the next scan's `SAVEPOINT wms_scan` (same name) is the one a ROLLBACK TO finds — the most
        # recent. One statement a scan fewer; a batch opens at most `scan_batch` of them.
        return row

    def undo(self) -> None:
        drop_later()  # writes not sent yet: nothing to send, nothing to undo
        if self.savepoint is None:
            if self._open() and not undefer(_SAVEPOINT):  # (never sent: nothing to undo on the database)
                _ROLLBACK_TO.run_on(self.connection)
                _RELEASE.run_on(self.connection)
            db.session.expunge_all()  # the session was empty when the scan began: all of it is the scan's
        elif self._open() or self.root.is_active:
            try:
                self.savepoint.rollback()  # also after a failed flush inside it, which leaves it inactive
            except ResourceClosedError:  # the mode itself closed it
                pass
        transaction.rollback_to(self.marks[0])
        audit.rollback_to(self.marks[1])


_SAVEPOINT = Sql("SAVEPOINT wms_scan")
_RELEASE = Sql("RELEASE SAVEPOINT wms_scan")
_ROLLBACK_TO = Sql("ROLLBACK TO SAVEPOINT wms_scan")
_STORED_ACKS_AT_ONCE = 32  # scan ids a read: statements for 1…32 of them, built once each


_STORED_ACKS: dict[int, Sql] = {}


def _stored_acks_sql(count: int) -> Sql:
    """`SELECT … WHERE scan_id IN (:id0, :id1, …)` for `count` ids: constant text, the ids bound."""
    sql = _STORED_ACKS.get(count)
    if sql is None:
        places = ", ".join(f":id{n}" for n in range(count))
        sql = _STORED_ACKS[count] = Sql(
            f"SELECT scan_id, ack_json, mode, code, user_id, device_id FROM scans WHERE scan_id IN ({places})")
    return sql


_INSERT_SCAN = Sql("""
    INSERT INTO scans (scan_id, at, user_id, device_id, mode, code, kind, ok, error_code, ack_json)
    VALUES (:scan_id, :at, :user_id, :device_id, :mode, :code, :kind, :ok, :error_code, :ack_json)""")


class _SessionBroken(Exception):
    """A scan's failure left the session unusable for the rest of its batch."""


class _ScanBroke(Exception):
    def __init__(self, index: int) -> None:
        super().__init__(index)
        self.index = index


def _discard_session() -> None:
    try:
        db.session.rollback()
    except Exception:  # the connection is gone; the pool replaces it (pre-ping on PostgreSQL)
        db.session.invalidate()
    transaction.rolled_back()


def stored_acks(scan_ids: Sequence[str]) -> dict[str, Stored]:
    """The stored acks of those of `scan_ids` already answered, with what each scan was."""
    found: dict[str, Stored] = {}
    for start in range(0, len(scan_ids), _STORED_ACKS_AT_ONCE):
        ids = scan_ids[start:start + _STORED_ACKS_AT_ONCE]
        for scan_id, ack_json, mode, code, user_id, device_id in _stored_acks_sql(len(ids)).all(
                **{f"id{n}": v for n, v in enumerate(ids)}):
            found[scan_id] = Stored(fastjson.loads(ack_json), _identity(mode, code, user_id, device_id))
    return found


def recent_scans(limit: int = 200) -> list:
    """(scan, username or None) of the latest scans, newest first."""
    return db.session.execute(
        select(Scan, User.username).outerjoin(User, User.id == Scan.user_id)
        .order_by(Scan.id.desc()).limit(limit)).all()


@dataclass(frozen=True)
class ScanFilter:
    user: str | None = None  # username
    device: str | None = None  # device code
    mode: str | None = None
    code: str | None = None  # what was scanned, from its start
    result: str | None = None  # "ok" or "refused"


def scan_page(where: ScanFilter, before: int | None = None, per_page: int = 100) -> tuple[list, int | None]:
    """(scan, username, device code) newest first, older than scan row `before`; and the `before` of the next
    page (None on the last). Paged by id, not by counting: the scans table is the floor's longest."""
    query = (select(Scan, User.username, Device.code).outerjoin(User, User.id == Scan.user_id)
             .outerjoin(Device, Device.id == Scan.device_id))
    if where.user:
        query = query.where(User.username == where.user)
    if where.device:
        query = query.where(Device.code == where.device)
    if where.mode:
        query = query.where(Scan.mode == where.mode)
    if where.code:
        query = query.where(Scan.code.startswith(where.code, autoescape=True))
    if where.result in ("ok", "refused"):
        query = query.where(Scan.ok.is_(where.result == "ok"))
    if before:
        query = query.where(Scan.id < before)
    rows = db.session.execute(query.order_by(Scan.id.desc()).limit(per_page + 1)).all()
    return rows[:per_page], (rows[per_page - 1][0].id if len(rows) > per_page else None)
