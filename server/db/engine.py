"""Engine settings per database: SQLite needs WAL, a busy timeout and BEGIN IMMEDIATE to be safe;
PostgreSQL needs a pool sized to what one server process can use at once, and a check of each connection
taken from it (socket_ping)."""
from __future__ import annotations

import select
import threading
import time
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.pool import QueuePool
from sqlalchemy.util import queue

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
        return {"poolclass": FloorFirstPool, "pool_size": 1, "max_overflow": 0, "pool_timeout": 30,
                "connect_args": {"check_same_thread": False, "timeout": 15}}
    if is_postgresql(url):
        return postgresql_options(settings or {})
    return {"pool_size": 10, "max_overflow": 10, "pool_pre_ping": True}


_thread = threading.local()


def floor_thread() -> None:
    """Mark the calling thread as one that serves floor scans: it takes the next free connection before
    any REST request waiting for one (FloorFirstPool)."""
    _thread.floor = True


class _FloorFirstQueue(queue.Queue):
    """The pool's idle connections. A floor thread waiting for one is served first: a burst of REST
    requests (eighteen pick-list claims at once at a shift change) must not hold a scan's ack for
    their whole queue — measured, a scan waited 300 ms behind them with first-come order.

    REST requests among themselves are served first come, first served.

    But not for ever: with scans queued back to back (saturation) the claims starved — a picker
    waited 1–3 s for the next list (measured). A request that has waited `patience` seconds gets the
    next connection, one at a time: at most one REST transaction between two turns of the floor."""

    patience = 0.05

    def __init__(self, maxsize: int = 0, use_lifo: bool = False) -> None:
        super().__init__(maxsize, use_lifo)
        self.floor_waiting = 0
        self.rest_since: dict[int, float] = {}  # waiting REST threads: since when
        self.rest_had_turn = False  # an overdue request went last: the floor goes next

    def _overdue(self, now: float) -> bool:
        return not self.rest_had_turn and any(now - since >= self.patience for since in self.rest_since.values())

    def get(self, block: bool = True, timeout: float | None = None):
        floor = getattr(_thread, "floor", False)
        me = threading.get_ident()
        with self.not_empty:
            started = time.monotonic()
            if floor:
                self.floor_waiting += 1
            else:
                self.rest_since[me] = started
            try:
                deadline = None if timeout is None else started + timeout
                while True:
                    now = time.monotonic()
                    if not self._empty():
                        if floor and not self._overdue(now):
                            self.rest_had_turn = False
                            break
                        overdue = now - started >= self.patience and not self.rest_had_turn
                        # REST requests in the order they asked: one that returns the connection and asks
                        # again at once must not take it from one already waiting (measured: with three
                        # REST threads an order creation waited the pool's whole 30 s and failed).
                        first = next(iter(self.rest_since)) == me  # dicts keep insertion order
                        if not floor and first and (not self.floor_waiting or overdue):
                            self.rest_had_turn = bool(self.floor_waiting)
                            break
                        # Free, and another waiter's turn: wake the others to look again. The one whose
                        # turn it is may have looked before its turn came (a request a moment short of
                        # `patience` gives way to the floor; by the time the floor looks the request is
                        # overdue, so the floor gives way too) and be asleep: without this, both slept
                        # with the connection free until the next return — which never came (measured:
                        # every scan and claim stalled, 1 run in ~10 at saturation). Someone waiting is
                        # always entitled, so this ends at the first waiter whose turn it is.
                        self.not_empty.notify_all()
                    if not block:
                        raise queue.Empty
                    remaining = None if deadline is None else deadline - now
                    if remaining is not None and remaining <= 0:
                        raise queue.Empty
                    # No polling: a request becomes overdue while the connection is in use (were it free
                    # with no floor thread waiting, the request would have it), and the connection's
                    # return wakes every waiter. (Polling every millisecond once overdue was measured to
                    # cost p99 at 300 handhelds: 38–78 ms with it, 26 ms without.)
                    self.not_empty.wait(remaining)
            finally:
                if floor:
                    self.floor_waiting -= 1
                else:
                    self.rest_since.pop(me, None)
            item = self._get()
            self.not_full.notify()
            return item

    def put(self, item, block: bool = True, timeout: float | None = None) -> None:
        super().put(item, block, timeout)
        with self.not_empty:
            self.not_empty.notify_all()  # the floor's waiter among them, whatever their order


class FloorFirstPool(QueuePool):
    """QueuePool whose waiting floor threads come before other threads (SQLite's one connection)."""

    def __init__(self, creator, pool_size: int = 5, **kw: Any) -> None:
        super().__init__(creator, pool_size=pool_size, **kw)
        self._pool = _FloorFirstQueue(pool_size, use_lifo=kw.get("use_lifo", False))


def pool_size_for(settings: dict[str, Any]) -> int:
    """Connections one server process keeps, and as many floor worker threads (server/realtime/hub.py).
    Few: PostgreSQL's connections are processes (100 by default for the whole cluster), and a scan's
    transaction lasts milliseconds, so a short queue at the pool beats hundreds of idle backends.
    Several processes multiply this number."""
    wanted = int(settings.get("database", {}).get("pool_size") or PG_DEFAULTS["pool_size"])
    return max(1, wanted)


def postgresql_options(settings: dict[str, Any]) -> dict:
    database, server = settings.get("database", {}), settings.get("server", {})
    lock_timeout = int(database.get("lock_timeout_ms", PG_DEFAULTS["lock_timeout_ms"]))
    # A row lock held by a stuck transaction must not hang every scan behind it: give up after
    # lock_timeout (an OperationalError: the scans of its batch are answered try_again, nothing of them is
    # stored, and the devices resend them).
    options = f"-c lock_timeout={lock_timeout}" if lock_timeout > 0 else ""
    return {
        "pool_size": pool_size_for(settings),
        "max_overflow": int(database.get("max_overflow", PG_DEFAULTS["max_overflow"])),
        "pool_timeout": int(database.get("pool_timeout", PG_DEFAULTS["pool_timeout"])),
        # A connection the server or a load balancer dropped (restart, failover, idle cut) is replaced
        # before a scan uses it, instead of failing that scan: socket_ping (no round trip), not pre-ping.
        # psycopg's own server-side preparation off: it deallocates every prepared statement of a connection
        # at each rollback, the scan path's too (server/db/wire.py prepares those itself).
        "connect_args": {"application_name": f"wms-{server.get('port', 'cli')}", "options": options,
                         "prepare_threshold": None},
    }


READER = "reader"  # bind key of SQLite's read-only connections (server/extensions.py routes reads to them)


def reader_binds(url: str, threads: int) -> dict:
    """SQLite: read-only requests (GET) get connections of their own, one per REST thread. The one
    writing connection is the floor's first; a list of open pick lists or a supervisor's page waited for
    it behind the scans — and, each read taking the write lock too, a claim waited behind the reads
    (measured at saturation: claims 58 → 436 ms once the handhelds read their lists as the app does).
    In WAL mode a reader sees the last commit and neither waits for the writer nor holds it up."""
    if not is_sqlite(url):
        return {}  # PostgreSQL: the pool already has connections enough, and readers never block writers
    return {READER: {"url": url, "poolclass": QueuePool, "pool_size": max(1, threads), "max_overflow": 0,
                     "pool_timeout": 30, "connect_args": {"check_same_thread": False, "timeout": 15}}}


def configure_sqlite_reader(engine: Engine) -> None:
    """Reader connections cannot write (query_only: a read route that tried would fail loudly instead of
    writing outside the writer's lock), and read one snapshot a request (a deferred BEGIN)."""
    _sqlite_connections(engine, ("PRAGMA busy_timeout=15000", "PRAGMA query_only=ON", "PRAGMA temp_store=MEMORY"),
                        begin="BEGIN")


_WRITER_PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=NORMAL",
    "PRAGMA busy_timeout=15000",
    "PRAGMA foreign_keys=ON",
    # Each scan runs in a savepoint: SQLite copies every page the scan changes into a sub-journal
    # so that ROLLBACK TO can undo it. Kept in a file, that was half of the floor thread's system
    # calls under load (strace: 43 → 23 a scan); in memory it is a copy.
    "PRAGMA temp_store=MEMORY",
)


def configure_sqlite(engine: Engine) -> None:
    """WAL, foreign keys, and write transactions that take the lock up front."""
    # A deferred BEGIN that later writes fails with SQLITE_BUSY_SNAPSHOT under load.
    _sqlite_connections(engine, _WRITER_PRAGMAS, begin="BEGIN IMMEDIATE")


def _sqlite_connections(engine: Engine, pragmas: tuple[str, ...], begin: str) -> None:
    """Each new connection gets `pragmas`; each transaction starts with `begin`."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        # The driver's own transaction handling is off so that `begin` decides.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        for pragma in pragmas:
            cursor.execute(pragma)
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        connection.exec_driver_sql(begin)


def socket_ping(engine: Engine) -> None:
    """PostgreSQL: a connection checked out of the pool is checked without a round trip. A server that
    restarted, failed over or cut the connection has closed its end (and said why): the socket is readable
    while nothing was asked. Such a connection is replaced before use (the pool tries another), as a
    pre-ping would, but a live one costs one poll() instead of a round trip to a backend — SQLAlchemy's
    pre-ping and psycopg's BEGIN were two round trips a scan batch. A connection lost with no word (a cable
    pulled) is found by its first statement, as a ping would find it: that batch is answered try_again."""

    @event.listens_for(engine, "checkout")
    def _alive(dbapi_connection, _record, _proxy):
        if dbapi_connection.closed or dbapi_connection.broken or _readable(dbapi_connection.fileno()):
            raise DisconnectionError("the server closed the connection")


def _readable(fd: int) -> bool:
    """An idle connection's socket has something to read (or hung up): the server has said goodbye."""
    poller = select.poll()
    poller.register(fd, select.POLLIN | select.POLLPRI)
    return bool(poller.poll(0))
