"""The audit trail: every ORM write is recorded with who did it, from which device, when and what
changed, by a session hook — no service has to remember to log. One row per committed transaction, or
per scan of a group-committed batch (`entry`, `insert`).

Prebuilt writes (server/db/fast.py) bypass the hooks: on an audited table they are `Write` statements,
which record their change as they run. Stock and scans are written into tables that are their own
append-only record (stock_ledger and scans, both carrying user and device), so they are not copied here."""
from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from flask import g, has_app_context, has_request_context, request
from flask_sqlalchemy.session import Session
from sqlalchemy import event, inspect, select
from sqlalchemy.orm import ORMExecuteState

from server import fastjson
from server.db.fast import UNAUDITED_TABLES, Sql, pinned_connection
from server.db.models import AuditEntry, User, utcnow
from server.extensions import db
from server.services.people.auth import Actor

# Tables whose writes are their own record (server/db/fast.py says which and why).
UNAUDITED = UNAUDITED_TABLES
# Columns that change on every device request by design: recording them would drown the trail.
IGNORED = frozenset({("devices", "last_seen_at")})
# Only the fact that a secret changed is recorded, never its value (not even its digest).
SECRETS = frozenset({"password_hash", "badge_digest", "token_digest"})
SECRET = "(secret)"
LONGEST_TEXT = 200
# A bulk import of thousands of rows stays one readable entry: the rest is counted per table.
MOST_CHANGES = 500
BUFFER = "wms_audit"


def act_as(actor: Actor | None, via: str | None = None) -> None:
    """Who the writes of this request or socket event are attributed to."""
    g.wms_actor = actor
    if via is not None:
        g.wms_via = via


def install() -> None:
    """Hook the audit into every Flask-SQLAlchemy session (idempotent: create_app runs per test)."""
    for name, hook in (("after_flush", _collect_flush), ("do_orm_execute", _collect_statement),
                       ("before_commit", _write), ("after_transaction_end", _forget)):
        if not event.contains(Session, name, hook):
            event.listen(Session, name, hook)


# -- collecting ---------------------------------------------------------------------------------

def _collect_flush(session, _flush_context) -> None:
    changes = [change for change in (
        *(_row_change(obj, "insert") for obj in session.new),
        *(_row_change(obj, "update") for obj in session.dirty),
        *(_row_change(obj, "delete") for obj in session.deleted),
    ) if change is not None]
    if changes:
        session.info.setdefault(BUFFER, []).extend(changes)


@dataclass(frozen=True)
class Updated:
    """One row a prebuilt UPDATE changed: column -> [old, new], as the session hooks record an update."""

    row_id: Any
    changed: dict[str, list]

    def entry(self, table: str) -> dict:
        return {"table": table, "id": self.row_id, "op": "update",
                "changed": {k: [_shown(k, v[0]), _shown(k, v[1])] for k, v in self.changed.items()}}


@dataclass(frozen=True)
class Inserted:
    """One row a prebuilt INSERT added, recorded as the hooks record an ORM insert."""

    row_id: Any
    values: dict[str, Any]

    def entry(self, table: str) -> dict:
        return {"table": table, "id": self.row_id, "op": "insert",
                "values": {"id": self.row_id} | {k: _shown(k, v) for k, v in self.values.items() if v is not None}}


Change = Updated | Inserted


class Write(Sql):
    """A prebuilt write on an audited table (server/db/fast.py): `run` takes the change to record beside the
    statement's parameters, and records it when the statement changed a row — the one way to run it, so a
    hand-written write cannot skip the trail. `changes`: a Change, a list of them, or a function giving
    them once the write is done (an inserted row's id)."""

    audited = True

    def __init__(self, text: str) -> None:
        super().__init__(text)
        if self.table is None:
            raise TypeError("audit.Write is for INSERT, UPDATE and DELETE statements")

    def run(self, changes: Change | list[Change] | Callable[[], Change | list[Change]], **params: Any) -> Any:
        result = super().run(**params)
        self._record(result.rowcount, changes)
        return result

    def later(self, changes: Change | list[Change], **params: Any) -> None:  # type: ignore[override]
        """`run`, sent later (fast.Sql.later): the change is recorded once the write is done, if it changed a row."""
        super().later(lambda rowcount: self._record(rowcount, changes), **params)

    def _record(self, rowcount: int, changes: Change | list[Change] | Callable[[], Change | list[Change]]) -> None:
        if rowcount:
            made = changes() if callable(changes) else changes
            buffer = db.session.info.setdefault(BUFFER, [])
            buffer.extend(change.entry(self.table) for change in (made if isinstance(made, list) else [made]))

    def run_on(self, connection, **params: Any) -> Any:
        raise TypeError("audit.Write runs on the session's connection, where its change is recorded")

    def run_many(self, rows: list[dict[str, Any]]) -> None:
        raise TypeError("audit.Write runs one statement with its change at a time")

    def later_many(self, rows: list[dict[str, Any]]) -> None:
        raise TypeError("audit.Write runs one statement with its change at a time")


def _row_change(obj: Any, op: str) -> dict | None:
    state = inspect(obj)
    table = state.mapper.local_table.name
    if table in UNAUDITED:
        return None
    if op == "update":
        values = _changed_columns(state, table)
        if not values:
            return None
    else:
        values = {attr.columns[0].name: _shown(attr.columns[0].name, state.dict.get(attr.key))
                  for attr in state.mapper.column_attrs if state.dict.get(attr.key) is not None}
    key = state.mapper.primary_key_from_instance(obj)  # a new row's key: `identity` comes after the flush
    return {"table": table, "id": key[0] if len(key) == 1 else list(key), "op": op,
            ("changed" if op == "update" else "values"): values}


def _changed_columns(state, table: str) -> dict[str, list]:
    """column -> [old, new] for the columns this flush writes."""
    changed = {}
    for attr in state.mapper.column_attrs:
        column = attr.columns[0].name
        history = state.attrs[attr.key].history
        if (table, column) in IGNORED or not history.has_changes():
            continue
        old = history.deleted[0] if history.deleted else None
        new = history.added[0] if history.added else None
        changed[column] = [_shown(column, old), _shown(column, new)]
    return changed


def _collect_statement(execute: ORMExecuteState):
    """Conditional UPDATEs (a claim, a received quantity) bypass the unit of work: record the
    statement and its parameters, once it has run and changed something."""
    if not (execute.is_update or execute.is_delete or execute.is_insert):
        return None
    table = getattr(getattr(execute.statement, "table", None), "name", None)
    if table is None or table in UNAUDITED:
        return None
    result = execute.invoke_statement()
    if getattr(result, "rowcount", -1) != 0:
        compiled = execute.statement.compile(dialect=execute.session.get_bind().dialect)
        params = compiled.params | (execute.parameters if isinstance(execute.parameters, dict) else {})
        execute.session.info.setdefault(BUFFER, []).append({
            "table": table, "op": "update" if execute.is_update else "delete" if execute.is_delete else "insert",
            "sql": " ".join(str(compiled).split())[:LONGEST_TEXT * 2],
            "params": {k: _shown(k, v) for k, v in params.items()}, "rows": getattr(result, "rowcount", -1)})
    return result


def _shown(column: str, value: Any) -> Any:
    """A value as the trail keeps it: JSON-friendly, short, secrets masked."""
    if value is None:
        return None
    if column in SECRETS:
        return SECRET
    if isinstance(value, bool | int | float):
        return value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, bytes):
        return f"({len(value)} bytes)"
    text = str(value) if not isinstance(value, Decimal) else format(value, "f")
    return text if len(text) <= LONGEST_TEXT else f"{text[:LONGEST_TEXT]}… ({len(text)} characters)"


# -- writing ------------------------------------------------------------------------------------

def collected(session) -> bool:
    """Changes are waiting to be written to the trail at commit (the session's hooks collected them)."""
    return bool(session.info.get(BUFFER))


def _write(session) -> None:
    """One audit row for the transaction, inserted in it: it commits (or rolls back) with the writes."""
    row = _entry(session)
    if row is not None:
        _INSERT.run_on(pinned_connection(session), **row)


def _entry(session) -> dict[str, Any] | None:
    """The audit row for what was collected so far (attributed to the current actor), taken out of the
    buffer; None when nothing was changed."""
    session.flush()  # what commit would flush next: the last changes join the buffer first
    changes = session.info.pop(BUFFER, None)
    if not changes:
        return None
    actor, via = _who()
    return {"at": utcnow(), "user_id": actor.user_id if actor else None,
            "device_id": actor.device_id if actor else None,
            "device_code": (actor.device_code or "") if actor else "",
            "via": via[:200], "tables": _tables(changes), "changes": fastjson.dumps(_bounded(changes))}


# Prebuilt (server/db/fast.py): every scan that changes something writes one.
_INSERT = Sql("""
    INSERT INTO audit_entries (at, user_id, device_id, device_code, via, tables, changes)
    VALUES (:at, :user_id, :device_id, :device_code, :via, :tables, :changes)""")


def entry() -> dict[str, Any] | None:
    """The trail's row for what was collected so far (attributed to the current actor), to insert with
    `insert`: each scan of a group-committed batch gets its own row, with its own user and device.
    What the ORM holds is flushed now, so its writes happen where the caller is (e.g. in a savepoint)."""
    return _entry(db.session)


def insert(rows: list[dict[str, Any]]) -> None:
    """Rows made by `entry`, in one statement (a batch of scans: one insert, not one a scan)."""
    _INSERT.run_many(rows)


def mark() -> int:
    """Where the collected changes stand, to drop what follows if a savepoint is rolled back."""
    return len(db.session.info.get(BUFFER, ()))


def rollback_to(position: int) -> None:
    if BUFFER in db.session.info:
        del db.session.info[BUFFER][position:]


def _forget(session, transaction) -> None:
    if transaction.parent is None:  # a rollback drops what the trail had collected
        session.info.pop(BUFFER, None)


def _who() -> tuple[Actor | None, str]:
    if not has_app_context():
        return None, "system"
    via = g.get("wms_via") or (f"{request.method} {request.path}" if has_request_context() else "system")
    return g.get("wms_actor"), via


def _tables(changes: list[dict]) -> str:
    return "," + ",".join(dict.fromkeys(change["table"] for change in changes)) + ","


def _bounded(changes: list[dict]) -> list[dict]:
    if len(changes) <= MOST_CHANGES:
        return changes
    rest: dict[str, int] = {}
    for change in changes[MOST_CHANGES:]:
        rest[change["table"]] = rest.get(change["table"], 0) + 1
    return [*changes[:MOST_CHANGES], {"table": "(more)", "op": "more", "counts": rest}]


# -- reading ------------------------------------------------------------------------------------

def browse(user: str = "", device: str = "", table: str = "", since: datetime | None = None,
           until: datetime | None = None, page: int = 1, per_page: int = 50) -> dict:
    """A page of the trail, newest first, with the filters a supervisor asks by."""
    query = select(AuditEntry, User.username).outerjoin(User, User.id == AuditEntry.user_id)
    if user:
        query = query.where(User.username == user)
    if device:
        query = query.where(AuditEntry.device_code == device)
    if table:
        query = query.where(AuditEntry.tables.contains(f",{table},", autoescape=True))
    if since:
        query = query.where(AuditEntry.at >= since)
    if until:
        query = query.where(AuditEntry.at < until)
    rows = db.session.execute(query.order_by(AuditEntry.id.desc()).offset((page - 1) * per_page)
                              .limit(per_page + 1)).all()
    return {"entries": [entry_view(entry, username) for entry, username in rows[:per_page]],
            "page": page, "has_next": len(rows) > per_page}


def audited_tables() -> list[str]:
    return sorted(name for name in db.metadata.tables if name not in UNAUDITED and name != "alembic_version")


def entry_view(entry: AuditEntry, username: str | None) -> dict:
    return {"id": entry.id, "at": entry.at, "user": username, "device": entry.device_code, "via": entry.via,
            "tables": entry.tables.strip(",").split(",") if entry.tables.strip(",") else [],
            "changes": json.loads(entry.changes)}
