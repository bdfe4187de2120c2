"""Hand-written SQL for the scan path. Building and compiling a SQLAlchemy statement costs far more than
running it on SQLite (≈0.3 ms against ≈0.02 ms), and a pick scan runs a dozen: the statements a scan
runs on every ack are written once here, as constant text with named parameters (`:name`), and handed
to the driver on the session's connection — in the scan's transaction, with the engine's events
(statement counting, the pool) as usual. The text is fixed when the module loads; only the parameter
style is adapted to the driver, never a value: values always travel as bound parameters.

Writes made this way bypass the ORM's unit of work, so the audit trail does not see them by itself:
callers that change audited tables record the change with `audit.record`.
"""
from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from sqlalchemy.engine import CursorResult

from server.extensions import db

_NAMED = re.compile(r"(?<![:\w]):(\w+)")
# SQLAlchemy's SQLite DateTime format: what every other row of the same column holds.
_SQLITE_DATETIME = "%Y-%m-%d %H:%M:%S.%f"


class Sql:
    """One statement. `{lock}` marks where PostgreSQL takes a row lock (`FOR UPDATE`); SQLite needs
    none (BEGIN IMMEDIATE already serialises writers)."""

    def __init__(self, text: str) -> None:
        text = " ".join(text.split())
        self._by_dialect = {
            "sqlite": text.replace("{lock}", ""),
            "postgresql": _NAMED.sub(r"%(\1)s", text.replace("%", "%%")).replace("{lock}", " FOR UPDATE"),
        }

    def text(self, dialect: str) -> str:
        return self._by_dialect[dialect]

    def run(self, **params: Any) -> CursorResult:
        connection = db.session.connection()
        dialect = connection.dialect.name
        return connection.exec_driver_sql(self._by_dialect[dialect], _bound(params, dialect))

    def run_many(self, rows: list[dict[str, Any]]) -> None:
        """The statement once per row, in one driver call (executemany)."""
        if not rows:
            return
        connection = db.session.connection()
        dialect = connection.dialect.name
        connection.exec_driver_sql(self._by_dialect[dialect], [_bound(row, dialect) for row in rows])

    def first(self, **params: Any) -> Any:
        return self.run(**params).first()

    def all(self, **params: Any) -> list:
        return self.run(**params).all()

    def scalar(self, **params: Any) -> Any:
        return self.run(**params).scalar()


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
