"""Hand-written SQL for the scan path. Building and compiling a SQLAlchemy statement costs far more than
running it on SQLite (≈0.3 ms against ≈0.02 ms), and a pick scan runs a dozen: the statements a scan
runs on every ack are written once here, as constant text with named parameters (`:name`), and handed
to the driver on the session's connection, in the scan's transaction. The text is fixed when the module
loads; only the parameter style is adapted to the driver, never a value: values always travel as bound
parameters.

While a batch of scans is worked (`pinned`), statements go straight to the driver's cursor: SQLAlchemy's
execution path (finding the session's connection, events, result metadata) cost 4× what SQLite itself
spends on such a statement. Driver errors are raised as SQLAlchemy's (IntegrityError, OperationalError…),
as the rest of the code expects; `on_execute` callbacks see each statement (profiling, tests).

On PostgreSQL a statement is a round trip to a backend, and every statement here goes straight through libpq
(server/db/wire.py: pipeline mode, prepared once per connection), in a scan batch or not. Statements that
need no answer in between go out together: `read_together`, `together`, a deferred SAVEPOINT (`defer`), and
writes sent later (`Sql.later`: with the next statement, their checks and audit records done when their
answers are read; a scan sends its own before it ends, `send_later`). docs/scale-out.md counts them.

Writes made this way bypass the ORM's unit of work, so the audit trail's session hooks do not see them.
Hence one rule, kept here: a prebuilt INSERT, UPDATE or DELETE on an audited table cannot be built as a
plain `Sql` (it raises at import). It must be an `audit.Write` (server/services/people/audit.py), whose
`run` takes the change to record with the statement's parameters and records it when a row changed.
Only the tables in UNAUDITED_TABLES, each its own record, are written with plain `Sql`.
"""
from __future__ import annotations

import re
import threading
from collections import namedtuple
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Connection, CursorResult, Engine
from sqlalchemy.exc import DBAPIError

from server.db import wire
from server.extensions import db

_NAMED = re.compile(r"(?<![:\w]):(\w+)")
_WRITE = re.compile(r"^(INSERT INTO|UPDATE|DELETE FROM) (\w+)", re.IGNORECASE)
# Tables whose writes are their own record or need none: the ledger and the scans carry their user and
# device (bin_stock is the ledger's sum), floor_telemetry and login_attempts are measurements, and
# audit_entries is the trail itself. Every other table's writes are in the audit trail.
UNAUDITED_TABLES = frozenset({"audit_entries", "login_attempts", "scans", "stock_ledger", "bin_stock",
                              "floor_telemetry"})
# SQLAlchemy's SQLite DateTime format: what every other row of the same column holds.
_SQLITE_DATETIME = "%Y-%m-%d %H:%M:%S.%f"
_COMMIT = wire.Statement(b"COMMIT")


# Callbacks (statement text, parameters) for statements sent straight to the driver.
on_execute: list[Callable[[str, Any], None]] = []


@dataclass(slots=True)
class _Later:
    """A statement waiting to go out with the next one (defer, Sql.later, together)."""

    text: str  # as the callbacks of on_execute see it
    statement: wire.Statement
    done: Callable[[int], None] | None = None  # told the rowcount once it ran; may raise

    @property
    def params(self) -> Any:
        return self.statement.params

    @property
    def write(self) -> bool:
        return self.statement.params is not None or self.done is not None


class _Pin(threading.local):
    connection: Connection | None = None
    deferred: list[_Later] | None = None  # PostgreSQL: statements to send with the next one (defer, later)
    collecting: bool = False  # PostgreSQL, inside `together`: statements wait to go out when the block ends


_pin = _Pin()


@contextmanager
def pinned(connection: Connection) -> Iterator[None]:
    """Statements of this thread run on `connection`'s driver connection until the block ends (and
    only while its transaction is open: after a commit or rollback they take the ordinary path)."""
    before, _pin.connection = _pin.connection, connection
    try:
        yield
    finally:
        _pin.connection, _pin.deferred = before, None


@contextmanager
def together(commit: bool = False) -> Iterator[None]:
    """PostgreSQL: the statements run in this block on the pinned connection go out together (psycopg's
    pipeline mode) and are answered in one round trip, not one each; what they return is not read in the
    block. An error is raised as SQLAlchemy's when the block ends. On SQLite (no round trips) a no-op.

    `commit`: the transaction's COMMIT goes out with them, one round trip fewer; the caller's commit then
    finds nothing open and sends nothing (psycopg). Only for the last writes of a transaction, with nothing
    left for the session to flush. If a statement fails, the COMMIT is skipped with the rest (pipeline
    mode) and the transaction is rolled back as before."""
    if not _deferring() or _pin.collecting:
        yield
        return
    connection = _pin.connection
    waiting = len(_pin.deferred or ())
    _pin.collecting = True
    try:
        yield
    except BaseException:
        if _pin.deferred:  # the block's statements were never sent
            del _pin.deferred[waiting:]
        raise
    finally:
        _pin.collecting = False
    if commit:
        _wait(_Later("COMMIT", _COMMIT))
    raw = connection.connection.dbapi_connection
    _sent_together(connection, raw, _send_deferred(raw) or [])


def defer(sql: Sql) -> None:
    """`sql` (no parameters, nothing to read: a SAVEPOINT) on the pinned connection. PostgreSQL: it goes out
    with the next statement, in the same round trip (pipeline mode); if no statement follows before the
    batch ends, it is never sent. Any statement on the connection sends it first, the ORM's too
    (driver_savepoints hooks the engine). SQLite: now."""
    if _deferring():
        _wait(_Later(sql.text("postgresql"), sql.statement(None)))
        return
    connection = _pin.connection
    sql.run_on(connection if connection is not None else db.session.connection())


def undefer(sql: Sql) -> bool:
    """True if `sql` was the last statement deferred and is still unsent: taken back, as never sent."""
    if _pin.deferred and _pin.deferred[-1].text == sql.text("postgresql"):
        _pin.deferred.pop()
        return True
    return False


def _deferring() -> bool:
    connection = _pin.connection
    return connection is not None and connection.in_transaction() and connection.dialect.name == "postgresql"


def _wait(item: _Later) -> None:
    if _pin.deferred is None:
        _pin.deferred = []
    _pin.deferred.append(item)


def _later(sql: Sql, params: Any, many: bool, done: Callable[[int], None] | None) -> None:
    if _deferring():
        _wait(_Later(sql.text("postgresql"), sql.statement(params, many), done))
        return
    if many:
        Sql.run_many(sql, params)
        return
    rowcount = Sql.run(sql, **params).rowcount
    if done is not None:
        done(rowcount)


def send_later() -> None:
    """The writes waiting to go out (Sql.later) are sent now, in one round trip, and their `done` told: a scan
    sends its own before it ends, so that what they raise is the scan's. A lone deferred SAVEPOINT stays."""
    if not _pin.deferred or not any(item.write for item in _pin.deferred):
        return
    connection = _pin.connection
    raw = connection.connection.dbapi_connection
    _sent_together(connection, raw, _send_deferred(raw) or [])


def drop_later() -> None:
    """Forget the writes still waiting (a scan undone before they went out: nothing to send or undo)."""
    if _pin.deferred:
        _pin.deferred = [item for item in _pin.deferred if not item.write] or None


def _send_deferred(raw: Any) -> list[_Later] | None:
    """Take the deferred statements of the pinned connection if `raw` is its driver connection."""
    deferred = _pin.deferred
    if not deferred or _pin.connection is None or raw is not _pin.connection.connection.dbapi_connection:
        return None
    _pin.deferred = None
    for item in deferred:
        for callback in on_execute:
            callback(item.text, item.params)
    return deferred


def _tell(items: list[_Later], outcomes: list[wire.Outcome]) -> None:
    """After the round trip: each write's rowcount to its `done` (a check that raises stops the rest)."""
    for item, outcome in zip(items, outcomes, strict=False):
        if item.done is not None:
            item.done(outcome.rowcount)


def _sent_together(connection: Connection, raw: Any, items: list[_Later]) -> None:
    """`items` in one round trip (a driver error raised as SQLAlchemy's), then their `done` told."""
    _tell(items, _wired(connection, raw, [item.statement for item in items], "(statements sent together)", None))


def _wired(connection: Connection, raw: Any, statements: list[wire.Statement], text: str, params: Any,
           many: bool = False) -> list[wire.Outcome]:
    """`statements` through libpq in one round trip (server/db/wire.py); a driver error raised as SQLAlchemy's."""
    dialect = connection.dialect
    try:
        return wire.run(raw, connection.connection.info, statements)
    except dialect.loaded_dbapi.Error as error:
        raise DBAPIError.instance(text, params, error, dialect.loaded_dbapi.Error, dialect=dialect,
                                  ismulti=many) from error


def read_together(*statements: tuple[Sql, dict[str, Any]]) -> list[list]:
    """Each statement's rows, in order, on the session's connection. PostgreSQL: sent together (pipeline
    mode) and answered in one round trip; each statement still runs after the one before it, so rows a
    statement locks are read as their last holder left them. SQLite: one after the other."""
    connection = _pin.connection
    if connection is None or not connection.in_transaction():
        connection = db.session.connection()
    dialect = connection.dialect
    if dialect.name != "postgresql":
        return [sql.run_on(connection, **params).all() for sql, params in statements]
    raw = connection.connection.dbapi_connection
    earlier = _send_deferred(raw) or []
    for sql, params in statements:
        for callback in on_execute:
            callback(sql.text("postgresql"), params)
    outcomes = _wired(connection, raw, [item.statement for item in earlier]
                      + [sql.statement(params) for sql, params in statements], "(statements sent together)", None)
    _tell(earlier, outcomes)  # the earlier writes' checks first: what they raise comes before these rows
    return [_Result.wired(outcome, sql).all()
            for (sql, _), outcome in zip(statements, outcomes[len(earlier):], strict=True)]


class Sql:
    """One statement. `{lock}` marks where PostgreSQL takes a row lock (`FOR UPDATE`), `{skip_locked}` where
    it takes one on rows no other transaction holds (`FOR UPDATE SKIP LOCKED`); SQLite needs neither
    (BEGIN IMMEDIATE already serialises writers)."""

    audited = False  # True for audit.Write: its run() records what it changes in the audit trail

    def __init__(self, text: str) -> None:
        text = " ".join(text.split())
        write = _WRITE.match(text)
        self.table = write.group(2).lower() if write else None
        self.op = write.group(1).split()[0].lower() if write else None
        if self.table is not None and self.table not in UNAUDITED_TABLES and not self.audited:
            raise TypeError(f"a prebuilt {self.op} on {self.table} must be an audit.Write, which records "
                            "it in the audit trail (server/db/fast.py)")
        postgres = text.replace("{lock}", " FOR UPDATE").replace("{skip_locked}", " FOR UPDATE SKIP LOCKED")
        self._by_dialect = {
            "sqlite": text.replace("{lock}", "").replace("{skip_locked}", ""),
            "postgresql": _NAMED.sub(r"%(\1)s", postgres.replace("%", "%%")),  # (psycopg's style: callbacks, REST)
        }
        self._row: type | None = None  # rows with the columns' names, made on first use
        names: list[str] = []  # server/db/wire.py's style: $1, $2… in the order the names first appear

        def placeholder(found: re.Match) -> str:
            if found.group(1) not in names:
                names.append(found.group(1))
            return f"${names.index(found.group(1)) + 1}"

        self._wire = (_NAMED.sub(placeholder, postgres).encode(), tuple(names))

    def text(self, dialect: str) -> str:
        return self._by_dialect[dialect]

    def statement(self, params: Any, many: bool = False) -> wire.Statement:
        """This statement as sent through libpq (PostgreSQL, server/db/wire.py)."""
        return wire.Statement(self._wire[0], self._wire[1], params, many)

    def run(self, **params: Any) -> CursorResult | _Result:
        connection = _pin.connection
        if connection is not None and connection.in_transaction():
            return self._direct(connection, _bound(params, connection.dialect.name), many=False)
        return self._run_on(db.session.connection(), params)

    def run_on(self, connection: Connection, **params: Any) -> CursorResult | _Result:
        """On a given session's connection (e.g. in a session hook, whose session may not be db.session)."""
        return self._run_on(connection, params)

    def _run_on(self, connection: Connection, params: dict[str, Any]) -> CursorResult | _Result:
        dialect = connection.dialect.name
        if (connection is _pin.connection or dialect == "postgresql") and connection.in_transaction():
            return self._direct(connection, _bound(params, dialect), many=False)
        return connection.exec_driver_sql(self._by_dialect[dialect], _bound(params, dialect))

    def run_many(self, rows: list[dict[str, Any]]) -> None:
        """The statement once per row, in one driver call (executemany)."""
        if not rows:
            return
        connection = _pin.connection
        if connection is not None and connection.in_transaction():
            dialect = connection.dialect.name
            self._direct(connection, [_bound(row, dialect) for row in rows], many=True).close()
            return
        connection = db.session.connection()
        dialect = connection.dialect.name
        if dialect == "postgresql":
            self._direct(connection, rows, many=True)
            return
        connection.exec_driver_sql(self._by_dialect[dialect], [_bound(row, dialect) for row in rows])

    def later(self, done: Callable[[int], None] | None = None, **params: Any) -> None:
        """A write whose outcome is not needed at once. In a batch on PostgreSQL it goes out with the next
        statement on the connection, in the same round trip (send_later: at the latest when the scan ends);
        `done` is told its rowcount then, and what `done` raises is raised there. Otherwise it runs now."""
        _later(self, params, False, done)

    def later_many(self, rows: list[dict[str, Any]]) -> None:
        """run_many, sent as `later` sends."""
        if rows:
            _later(self, rows, True, None)

    def _direct(self, connection: Connection, params: Any, many: bool) -> _Result:
        if connection.dialect.name == "postgresql":
            return _Result.wired(_run_wired(connection, self._by_dialect["postgresql"], self.statement(params, many)),
                                 self)
        cursor = _execute(connection, self._by_dialect[connection.dialect.name], params, many)
        return _Result(cursor, self.row_type(cursor))

    def row_type(self, cursor: Any) -> type | None:
        """Rows with the columns' names (made once, from the first cursor that has any)."""
        if self._row is None and cursor.description is not None:
            self._row = namedtuple("Row", [c[0] for c in cursor.description], rename=True)
        return self._row

    def wired_row_type(self, columns: tuple[str, ...] | None) -> type | None:
        if self._row is None and columns is not None:
            self._row = namedtuple("Row", columns, rename=True)
        return self._row

    def first(self, **params: Any) -> Any:
        return self.run(**params).first()

    def all(self, **params: Any) -> list:
        return self.run(**params).all()

    def scalar(self, **params: Any) -> Any:
        return self.run(**params).scalar()


def _run_wired(connection: Connection, text: str, statement: wire.Statement) -> wire.Outcome:
    """PostgreSQL: `statement` on the pinned connection, after what was waiting (defer, later) in the same
    round trip, or collected to go out when a `together` block ends (then its outcome is not known yet)."""
    if _pin.collecting and connection is _pin.connection:  # (the callbacks see it when it is sent)
        _wait(_Later(text, statement))
        return wire.Outcome([], None, -1)
    raw = connection.connection.dbapi_connection
    deferred = _send_deferred(raw) or []  # (before this statement, in the callbacks too)
    for callback in on_execute:
        callback(text, statement.params)
    if deferred:  # it may be one of those sent before it that failed
        text = f"(sent together with the statements before it) {text}"
    outcomes = _wired(connection, raw, [item.statement for item in deferred] + [statement], text,
                      statement.params, statement.many)
    _tell(deferred, outcomes)  # the earlier writes' checks first: what they raise comes before this one's rows
    return outcomes[-1]


def _execute(connection: Connection, text: str, params: Any, many: bool = False) -> Any:
    """SQLite: `text` on the connection's driver cursor; a driver error raised as SQLAlchemy's."""
    dialect = connection.dialect
    raw = connection.connection.dbapi_connection
    for callback in on_execute:
        callback(text, params)
    cursor = raw.cursor()
    try:
        _send(cursor, text, params, many)
    except dialect.loaded_dbapi.Error as error:
        cursor.close()
        raise DBAPIError.instance(text, params, error, dialect.loaded_dbapi.Error, dialect=dialect,
                                  ismulti=many) from error
    return cursor


def _send(cursor: Any, text: str, params: Any, many: bool) -> None:
    if params is None:
        cursor.execute(text)
    else:
        (cursor.executemany if many else cursor.execute)(text, params)


def pinned_connection(session: Any) -> Connection:
    """The connection `session` works on: the pinned one while a batch is worked on it (no lookup
    through the session's transaction), else the session's own."""
    connection = _pin.connection
    if connection is not None and session is db.session() and connection.in_transaction():
        return connection
    return session.connection()


_SAVEPOINT_NAME = re.compile(r"sa_savepoint_\d+\Z")


def driver_savepoints(engine: Engine) -> None:
    """SAVEPOINT, RELEASE and ROLLBACK TO sent as fixed text to the driver. SQLAlchemy's own compile a
    statement each time; every scan takes a savepoint and releases it (two statements a scan). The
    session's savepoint bookkeeping (what a rollback expires) is untouched: only the sending changes."""

    def sender(verb: str) -> Callable[[Connection, str], None]:
        def send(connection: Connection, name: str) -> None:
            if not _SAVEPOINT_NAME.match(name):  # SQLAlchemy names them; anything else is not ours to send
                raise ValueError(f"unexpected savepoint name {name!r}")
            text = f"{verb} {name}"
            if connection.dialect.name == "postgresql":
                _run_wired(connection, text, wire.Statement(text.encode()))
            else:
                _execute(connection, text, None).close()
        return send

    @event.listens_for(engine, "before_cursor_execute")
    def _deferred_first(connection, cursor, *_):
        # A statement through SQLAlchemy (the ORM's flush, exec_driver_sql) on the pinned connection: what
        # was deferred (defer, later) goes first, as it would have.
        raw = connection.connection.dbapi_connection
        deferred = _send_deferred(raw)
        if deferred:
            _sent_together(connection, raw, deferred)

    engine.dialect.do_savepoint = sender("SAVEPOINT")
    engine.dialect.do_release_savepoint = sender("RELEASE SAVEPOINT")
    engine.dialect.do_rollback_to_savepoint = sender("ROLLBACK TO SAVEPOINT")


class _Result:
    """What callers use of a CursorResult: first(), all(), scalar(), rowcount. Rows are tuples that
    also answer to their columns' names."""

    __slots__ = ("_cursor", "_row", "rowcount")

    def __init__(self, cursor: Any, row: type | None) -> None:
        self._cursor, self._row, self.rowcount = cursor, row, cursor.rowcount
        if row is None and cursor.description is None:  # a write: nothing to fetch
            cursor.close()

    def first(self) -> Any:
        found = self._cursor.fetchone()
        self.close()
        return None if found is None else self._row._make(found)

    def all(self) -> list:
        make = self._row._make
        rows = [make(found) for found in self._cursor.fetchall()]
        self.close()
        return rows

    def scalar(self) -> Any:
        found = self._cursor.fetchone()
        self.close()
        return None if found is None else found[0]

    def close(self) -> None:
        self._cursor.close()

    @staticmethod
    def wired(outcome: wire.Outcome, sql: Sql) -> _Rows:
        return _Rows(outcome.rows, sql.wired_row_type(outcome.columns), outcome.rowcount)


class _Rows:
    """_Result's interface over rows already read (PostgreSQL, server/db/wire.py)."""

    __slots__ = ("_rows", "_row", "rowcount")

    def __init__(self, rows: list, row: type | None, rowcount: int) -> None:
        self._rows, self._row, self.rowcount = rows, row, rowcount

    def first(self) -> Any:
        return self._row._make(self._rows[0]) if self._rows else None

    def all(self) -> list:
        make = self._row._make
        return [make(found) for found in self._rows]

    def scalar(self) -> Any:
        return self._rows[0][0] if self._rows else None

    def close(self) -> None:
        pass


def _bound(params: dict[str, Any], dialect: str) -> dict[str, Any]:
    if dialect != "sqlite":
        return params
    return {k: v.strftime(_SQLITE_DATETIME) if isinstance(v, datetime) else v for k, v in params.items()}


def forget_row(model: type, row_id: int) -> None:
    """One row changed by hand-written SQL: an ORM copy of it in this session is read again on next use."""
    obj = db.session.identity_map.get(db.session.identity_key(model, row_id))
    if obj is not None:
        db.session.expire(obj)


def forget(model: type, **match: Any) -> None:
    """Rows of `model` changed by hand-written SQL: the ORM copies this session holds of them (matched by
    the given column values) are read again on their next use instead of showing the old values."""
    for obj in list(db.session.identity_map.values()):
        if isinstance(obj, model) and all(obj.__dict__.get(k, v) == v for k, v in match.items()):
            db.session.expire(obj)
