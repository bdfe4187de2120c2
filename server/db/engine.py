"""Engine settings per database: SQLite needs WAL, a busy timeout and BEGIN IMMEDIATE to be safe;
PostgreSQL needs a pool sized to what one server process can use at once, and pre-ping."""
from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.pool import QueuePool

# Used when no settings are passed (tools and tests that only have a URL).
PG_DEFAULTS = {"pool_size": 10, "max_overflow": 5, "pool_timeout": 30, "lock_timeout_ms": 10000}


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def is_postgresql(url: str) -> bool:
    return url.startswith("postgresql")


def engine_options(url: str, settings: dict[str, Any] | None = None) -> dict:
    if is_sqlite(url):
        # One connection: writers queue in Python instead of sleeping in SQLite's busy handler
        # (a pool of 8 gave 1.7 s worst-case acks; see shared/research/calibration-scans.md).
        return {"poolclass": QueuePool, "pool_size": 1, "max_overflow": 0, "pool_timeout": 30,
                "connect_args": {"check_same_thread": False, "timeout": 15}}
    if is_postgresql(url):
        return postgresql_options(settings or {})
    return {"pool_size": 10, "max_overflow": 10, "pool_pre_ping": True}


def pool_size_for(settings: dict[str, Any]) -> int:
    """Connections one server process keeps. Never more than the worker can use at once (its
    threads or greenlets), and by default far fewer: PostgreSQL's connections are processes (100
    by default for the whole cluster), and a scan's transaction lasts milliseconds, so a short
    queue at the pool beats hundreds of idle backends. Several processes multiply this number."""
    database, server = settings.get("database", {}), settings.get("server", {})
    wanted = int(database.get("pool_size") or PG_DEFAULTS["pool_size"])
    concurrency = int(server.get("threads") or wanted)
    return max(1, min(wanted, concurrency))


def postgresql_options(settings: dict[str, Any]) -> dict:
    database, server = settings.get("database", {}), settings.get("server", {})
    lock_timeout = int(database.get("lock_timeout_ms", PG_DEFAULTS["lock_timeout_ms"]))
    # A row lock held by a stuck transaction must not hang every scan behind it: give up after
    # lock_timeout (the scan gets an internal_error ack, is not stored, and the device resends).
    options = f"-c lock_timeout={lock_timeout}" if lock_timeout > 0 else ""
    return {
        "pool_size": pool_size_for(settings),
        "max_overflow": int(database.get("max_overflow", PG_DEFAULTS["max_overflow"])),
        "pool_timeout": int(database.get("pool_timeout", PG_DEFAULTS["pool_timeout"])),
        # A connection the server or a load balancer dropped (restart, failover, idle cut) is
        # replaced before a scan uses it, instead of failing that scan.
        "pool_pre_ping": True,
        "connect_args": {"application_name": f"wms-{server.get('port', 'cli')}", "options": options},
    }


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
