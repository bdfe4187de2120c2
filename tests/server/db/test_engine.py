"""SQLite's one pooled connection goes to a waiting scan before waiting REST requests (FloorFirstPool);
the connection's settings (configure_sqlite); read requests on reader connections (reader_binds)."""
import os
import threading
import time
from contextlib import contextmanager
from types import SimpleNamespace

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

from server.db.engine import READER, _FloorFirstQueue, configure_sqlite, engine_options, floor_thread
from server.extensions import db


def _engine(tmp_path):
    url = f"sqlite:///{tmp_path / 'pool.db'}"
    options = engine_options(url) | {"pool_timeout": 5}
    return create_engine(url, **options)


def _wait_until(condition, seconds=5.0):
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.005)


def test_a_waiting_floor_thread_gets_the_connection_before_earlier_rest_requests(tmp_path, monkeypatch):
    monkeypatch.setattr(_FloorFirstQueue, "patience", 30.0)  # none of the requests has waited too long
    engine = _engine(tmp_path)
    order: list[str] = []
    lock = threading.Lock()

    def use(name: str, floor: bool) -> None:
        if floor:
            floor_thread()
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
            with lock:
                order.append(name)
            time.sleep(0.01)

    held = engine.connect()  # a request in progress holds the only connection
    rest = [threading.Thread(target=use, args=(f"rest-{n}", False)) for n in range(4)]
    for thread in rest:
        thread.start()
    queue = engine.pool._pool
    _wait_until(lambda: len(queue.not_empty._waiters) == 4)
    scan = threading.Thread(target=use, args=("scan", True))
    scan.start()
    _wait_until(lambda: queue.floor_waiting == 1)
    held.close()
    for thread in [*rest, scan]:
        thread.join(10)
    assert order[0] == "scan", order
    assert sorted(order[1:]) == [f"rest-{n}" for n in range(4)]  # and the REST requests all got it after
    engine.dispose()


@contextmanager
def _back_to_back(engine, floor: bool, hold: float, turns: list[int] | None = None):
    """Two threads (floor threads, or REST requests) that take the connection again the moment they return it
    (holding it `hold` s, a query's work); `turns[0]` counts the times they got it."""
    stop = threading.Event()
    turns = turns if turns is not None else [0]

    def use_in_a_row() -> None:
        if floor:
            floor_thread()
        while not stop.is_set():
            with engine.connect() as connection:
                turns[0] += 1  # one holder at a time: the pool has one connection
                connection.execute(text("SELECT 1"))
                time.sleep(hold)

    threads = [threading.Thread(target=use_in_a_row) for _ in range(2)]
    for thread in threads:
        thread.start()
    try:
        yield
    finally:
        stop.set()
        for thread in threads:
            thread.join(5)


def test_scans_back_to_back_do_not_starve_a_rest_request(tmp_path):
    """Two floor threads keep a scan always waiting; a pick-list claim still gets its turn soon after it
    has waited `patience` — not when the scans stop."""
    engine = _engine(tmp_path)
    with _back_to_back(engine, floor=True, hold=0.005):
        _wait_until(lambda: engine.pool._pool.floor_waiting >= 1)
        started = time.monotonic()
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
            waited = time.monotonic() - started
    assert waited < 0.5, f"the REST request waited {waited:.2f} s"
    assert waited >= _FloorFirstQueue.patience * 0.9  # and the scans went first until then
    engine.dispose()


def test_requests_back_to_back_do_not_starve_a_request_that_waits(tmp_path):
    """Two REST threads that take the connection again the moment they return it (a queue of order imports)
    must not keep a third waiting: REST requests take it in the order they asked. Measured before: with
    three REST threads an order creation waited the pool's whole 30 s and failed (internal_error)."""
    engine = _engine(tmp_path)
    turns, ahead = [0], []
    with _back_to_back(engine, floor=False, hold=0.002, turns=turns):
        _wait_until(lambda: len(engine.pool._pool.rest_since) >= 1)
        for _ in range(20):
            asked = turns[0]
            with engine.connect() as connection:
                ahead.append(turns[0] - asked)  # how often the others got it while this one waited
                connection.execute(text("SELECT 1"))
    engine.dispose()
    # In the order they asked: each of the two others at most once ahead of it (the one holding it, the
    # one already waiting), however slow the machine. Counted, not timed.
    assert max(ahead) <= 2, f"a request waited while the others took the connection {max(ahead)} times"


def test_rest_requests_alone_share_the_connection_and_time_out_cleanly(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'pool.db'}",
                           **engine_options(f"sqlite:///{tmp_path / 'pool.db'}") | {"pool_timeout": 0.2})
    held = engine.connect()
    failed: list[Exception] = []

    def wait() -> None:
        try:
            engine.connect()
        except Exception as error:  # noqa: BLE001 — the pool's timeout is what we look for
            failed.append(error)

    thread = threading.Thread(target=wait)
    thread.start()
    thread.join(5)
    assert failed and "QueuePool limit" in str(failed[0])
    held.close()
    with engine.connect() as connection:  # and the connection is usable again once returned
        assert connection.execute(text("SELECT 1")).scalar() == 1
    engine.dispose()


def test_the_connection_never_lies_free_while_a_scan_and_a_request_wait(tmp_path, monkeypatch):
    """The request looks a moment before it has waited `patience` and gives way to the scan; the scan
    looks a moment after, finds the request overdue and gives way to it. Both must not then sleep with
    the connection free (seen at saturation: every scan and claim of the server stalled)."""
    from server.db import engine as engine_module

    engine = _engine(tmp_path)
    queue = engine.pool._pool
    clock = [0.0]

    def monotonic() -> float:  # each look at the clock is a little later: looks are strictly ordered in time
        clock[0] += _FloorFirstQueue.patience * 0.6
        return clock[0]

    def use(floor: bool, done: list) -> None:
        if floor:
            floor_thread()
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        done.append(floor)

    monkeypatch.setattr(engine_module, "time", SimpleNamespace(monotonic=monotonic))  # the pool's clock only
    for _ in range(20):
        held = engine.connect()
        done: list[bool] = []
        request = threading.Thread(target=use, args=(False, done))
        request.start()
        _wait_until(lambda: len(queue.rest_since) == 1)
        scan = threading.Thread(target=use, args=(True, done))
        scan.start()
        _wait_until(lambda: queue.floor_waiting == 1)
        clock[0] = queue.rest_since[request.ident] + _FloorFirstQueue.patience * 0.3  # just short of overdue
        held.close()
        request.join(2)
        scan.join(2)
        assert sorted(done) == [False, True], "the connection lay free while both waited"
    engine.dispose()


def _temp_files() -> list[str]:
    """SQLite's temporary files open in this process (created and unlinked at once, so only
    /proc/self/fd still names them)."""
    names = []
    for fd in os.listdir("/proc/self/fd"):
        try:
            names.append(os.readlink(f"/proc/self/fd/{fd}"))
        except OSError:
            continue
    return [name for name in names if "etilqs_" in name]


def test_a_scans_savepoint_is_journalled_in_memory_and_still_undoes_its_writes(tmp_path):
    # Every scan runs in a savepoint; SQLite copies each page it changes into a sub-journal, which it
    # moved to a temporary file past 64 KiB — under load that was most of the floor's write calls.
    engine = _engine(tmp_path)
    configure_sqlite(engine)
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE scans_like (id INTEGER PRIMARY KEY, body BLOB)"))
        connection.execute(text("INSERT INTO scans_like (body) WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL"
                                " SELECT i + 1 FROM n WHERE i < 200) SELECT zeroblob(3000) FROM n"))
    with engine.connect() as connection:
        with connection.begin():
            savepoint = connection.begin_nested()
            # 200 pages changed inside the savepoint: 800 KiB of journal, far past the spill threshold.
            connection.execute(text("UPDATE scans_like SET body = zeroblob(2999)"))
            assert _temp_files() == []
            savepoint.rollback()
        rows = connection.execute(text("SELECT count(*) FROM scans_like WHERE length(body) = 3000")).scalar_one()
    assert rows == 200  # the savepoint's change undone
    engine.dispose()


def test_a_read_request_is_answered_from_the_last_commit_while_a_scan_holds_the_writer(app, tiny_warehouse):
    """SQLite: GET requests read on connections of their own (reader_binds), so a list or a page does
    not wait for the one writing connection — nor, holding it, make a scan or a claim wait."""
    client = app.test_client()
    assert client.post("/api/v1/auth/login", json={"username": "sue", "password": "pw"}).status_code == 200
    # The test's requests share the fixture's app context, so its session: end it after each request,
    # as the server's own app context for each request does.
    db.session.remove()
    writer = db.engine
    holding, release = threading.Event(), threading.Event()

    def scan_writing() -> None:  # a transaction on the writer, not yet committed: BEGIN IMMEDIATE holds the lock
        with writer.connect() as connection:
            connection.execute(text("UPDATE bins SET zone = 'Z' WHERE code = 'A-01-02-1'"))
            holding.set()
            release.wait(10)
            connection.commit()

    thread = threading.Thread(target=scan_writing)
    thread.start()
    try:
        assert holding.wait(5)
        asked = time.monotonic()
        during = client.get("/api/v1/bins/A-01-02-1")
        waited = time.monotonic() - asked
        db.session.remove()
    finally:
        release.set()
        thread.join(10)
    assert during.status_code == 200 and during.json["bin"]["zone"] == "A"  # the last commit, not the write under way
    assert waited < 5  # the writer's pool would have made it wait its whole 30 s timeout, then fail
    assert client.get("/api/v1/bins/A-01-02-1").json["bin"]["zone"] == "Z"  # committed: the next read sees it


def test_a_reader_connection_cannot_write(app):
    """A read route that tried to write would fail loudly, not write outside the writer's lock."""
    with db.engines[READER].connect() as connection, pytest.raises(OperationalError, match="readonly"):
        connection.execute(text("UPDATE bins SET zone = 'Z'"))
