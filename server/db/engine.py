"""Engine settings per database: SQLite needs WAL, a busy timeout and BEGIN IMMEDIATE to be safe."""
from __future__ import annotations

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.pool import QueuePool


def engine_options(url: str) -> dict:
    if url.startswith("sqlite"):
        # One connection: writers queue in Python instead of sleeping in SQLite's busy handler
        # (a pool of 8 gave 1.7 s worst-case acks; see shared/research/calibration-scans.md).
        return {"poolclass": QueuePool, "pool_size": 1, "max_overflow": 0, "pool_timeout": 30,
                "connect_args": {"check_same_thread": False, "timeout": 15}}
    return {"pool_size": 10, "max_overflow": 10, "pool_pre_ping": True}


def configure_sqlite(engine: Engine) -> None:
    """WAL, foreign keys, and write transactions that take the lock up front."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        # The driver's own transaction handling is off so that `begin` below decides.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=15000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        # A deferred BEGIN that later writes fails with SQLITE_BUSY_SNAPSHOT under load.
        connection.exec_driver_sql("BEGIN IMMEDIATE")
