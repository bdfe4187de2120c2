"""PostgreSQL: the scan path's statements sent straight through libpq (psycopg's `pq` binding), in pipeline
mode, prepared once per connection.

Why not psycopg's cursors: a cursor's `execute` costs ≈ 50 µs of Python a statement (cursor, query
conversion, the pipeline's generators, a poll and a send for each statement), ≈ 1 ms of a pick scan's
2 ms of server CPU; the same statements queued on libpq and answered together cost a few µs each
(`scripts/profile_scans.py`, docs/scale-out.md). Values are still dumped and rows loaded by psycopg's
`Transformer` (the connection's own adapters), and errors are psycopg's, raised by the caller as
SQLAlchemy's.

Prepared statements are this module's: a statement is prepared (`Parse`) on a connection in the round
trip that first runs it, and named `wms_<n>`. psycopg's own preparation is off for PostgreSQL
(`prepare_threshold=None`, server/db/engine.py): psycopg deallocates every prepared statement of a
connection (`DEALLOCATE ALL`) at each rollback, and so would drop these too. A statement found missing
(SQLSTATE 26000: someone deallocated it) makes the connection forget all it prepared; the batch fails
`try_again` and its resend prepares them again."""
from __future__ import annotations

import select
from dataclasses import dataclass
from typing import Any

from psycopg import errors, pq
from psycopg.adapt import PyFormat, Transformer

_IDLE = pq.TransactionStatus.IDLE
_OK = (pq.ExecStatus.COMMAND_OK, pq.ExecStatus.TUPLES_OK)
_SYNC = pq.ExecStatus.PIPELINE_SYNC
_BEGIN = b"BEGIN"
_MISSING_STATEMENT = "26000"


@dataclass(slots=True)
class Statement:
    """One statement to send: `text` with `$1…` placeholders, the parameters' names in that order, and
    the values (a dict of them; for `many`, a list of dicts: the statement once per dict). With values (even
    none: `{}`) it is prepared; without (`None`: SAVEPOINT, COMMIT) it is sent as text."""

    text: bytes
    names: tuple[str, ...] = ()
    params: Any = None
    many: bool = False


@dataclass(slots=True)
class Outcome:
    """What a statement returned: its rows (tuples), their columns' names, and the rows it changed
    (summed over the rows of a `many`)."""

    rows: list
    columns: tuple[str, ...] | None
    rowcount: int


class _Link:
    """One psycopg connection's libpq link and what was prepared on it."""

    def __init__(self, raw: Any) -> None:
        self.pg = raw.pgconn
        self.dumper = Transformer(raw)
        self.loader = Transformer(raw)
        self.prepared: dict[tuple[bytes, tuple[int, ...]], bytes] = {}
        self.names = 0  # prepared so far: the next one's name
        self.poll = select.poll()
        self.poll.register(self.pg.socket, select.POLLIN)


_FORMATS: dict[int, list[PyFormat]] = {}


def run(raw: Any, kept: dict, statements: list[Statement]) -> list[Outcome]:
    """`statements` on psycopg connection `raw`, in order, in one round trip (and a `BEGIN` first if no
    transaction is open yet, as psycopg would send). Raises the first statement's error (a psycopg
    error) once all are answered; the statements after a failed one are not run (pipeline mode).
    `kept`: a dict that lives as long as the connection (SQLAlchemy's pool entry `info`), where what was
    prepared on it is kept. (Not a dict keyed by the connection: the link holds it, and it would never go.)"""
    link = kept.get("wms_wire")
    if link is None or link.pg is not raw.pgconn:
        link = kept["wms_wire"] = _Link(raw)
    pg = link.pg
    sent: list[int] = []  # a result's statement index; -1 for BEGIN, -2 - k for the k-th new Parse
    parsed: list[tuple[tuple[bytes, tuple[int, ...]], bytes]] = []
    begin = pg.transaction_status == _IDLE
    synced = False
    pg.enter_pipeline_mode()
    try:
        if begin:
            pg.send_query_params(_BEGIN, None)
            sent.append(-1)
        for index, statement in enumerate(statements):
            rows = statement.params if statement.many else [statement.params]
            for row in rows:
                if row is None:  # fixed text (SAVEPOINT, COMMIT): not worth preparing
                    pg.send_query_params(statement.text, None)
                    sent.append(index)
                    continue
                formats = _FORMATS.get(len(statement.names))
                if formats is None:
                    formats = _FORMATS[len(statement.names)] = [PyFormat.AUTO] * len(statement.names)
                values = link.dumper.dump_sequence([row[name] for name in statement.names], formats)
                key = (statement.text, tuple(link.dumper.types))
                name = link.prepared.get(key)
                if name is None:
                    link.names += 1
                    name = b"wms_%d" % link.names
                    pg.send_prepare(name, statement.text, param_types=key[1])
                    sent.append(-2 - len(parsed))
                    parsed.append((key, name))
                    link.prepared[key] = name  # (taken back below if its Parse fails)
                pg.send_query_prepared(name, values, param_formats=link.dumper.formats)
                sent.append(index)
        pg.pipeline_sync()
        synced = True
        results = _answers(link)
    except BaseException:
        for key, _ in parsed:
            link.prepared.pop(key, None)
        _drain(link, synced)
        raise
    finally:
        if pg.pipeline_status != pq.PipelineStatus.OFF:
            try:
                pg.exit_pipeline_mode()
            except errors.OperationalError:
                pass
    return _outcomes(link, raw.info.encoding, statements, sent, parsed, results)


def _outcomes(link: _Link, encoding: str, statements: list[Statement], sent: list[int],
              parsed: list[tuple[tuple[bytes, tuple[int, ...]], bytes]], results: list) -> list[Outcome]:
    outcomes = [Outcome([], None, 0) for _ in statements]
    failed: Exception | None = None
    for index, result in zip(sent, results, strict=True):
        if result.status not in _OK:
            if index <= -2:
                link.prepared.pop(parsed[-2 - index][0], None)
            if failed is None and result.status == pq.ExecStatus.FATAL_ERROR:
                failed = errors.error_from_result(result, encoding=encoding)
            continue
        if index < 0:
            continue
        outcome = outcomes[index]
        if result.command_tuples is not None:
            outcome.rowcount += result.command_tuples
        if result.status == pq.ExecStatus.TUPLES_OK:
            if outcome.columns is None:
                outcome.columns = tuple(result.fname(i).decode() for i in range(result.nfields))
            if result.ntuples:
                link.loader.set_pgresult(result)
                outcome.rows.extend(link.loader.load_rows(0, result.ntuples, tuple))
    if failed is not None:
        if getattr(failed, "sqlstate", None) == _MISSING_STATEMENT:
            link.prepared.clear()
        raise failed
    return outcomes


def _answers(link: _Link) -> list:
    """Every statement's result up to the pipeline's sync (waiting for the socket in between)."""
    pg, results = link.pg, []
    while pg.flush():
        _wait(link, select.POLLIN | select.POLLOUT)
        pg.consume_input()
    while True:
        if pg.is_busy():
            _wait(link, select.POLLIN)
            pg.consume_input()
            continue
        result = pg.get_result()
        if result is None:  # the end of one statement's results
            continue
        if result.status == _SYNC:
            return results
        results.append(result)


def _drain(link: _Link, synced: bool) -> None:
    """After an error while sending or reading: read what is left up to the sync, so the connection is
    usable (or found broken by the pool)."""
    try:
        if link.pg.pipeline_status != pq.PipelineStatus.OFF:
            if not synced:
                link.pg.pipeline_sync()
            _answers(link)
    except Exception:  # noqa: BLE001 - the first error is the one raised; a broken link is the pool's to find
        pass


def _wait(link: _Link, events: int) -> None:
    # The GIL is released while poll() waits, as psycopg's own wait does.
    link.poll.modify(link.pg.socket, events)
    link.poll.poll()
