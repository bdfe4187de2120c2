"""The scan path's round trips on PostgreSQL (server/db/fast.py): statements sent together (pipeline mode)
must behave as the same statements sent one by one — a deferred SAVEPOINT still marks where a refused scan's
writes are undone, and reads sent together see what the statements before them did."""
from __future__ import annotations

import pytest
from flask_migrate import upgrade

from server.app import MIGRATIONS, create_app
from server.config import load_settings
from server.db import fast
from server.db.fast import Sql
from server.extensions import db
from server.services.people import audit
from tests.server import conftest as service_fixtures

pytestmark = pytest.mark.scale
# The service tests' tiny warehouse (bins, a tee with stock), on this module's migrated PostgreSQL app.
tiny_warehouse = service_fixtures.tiny_warehouse

SAVEPOINT = Sql("SAVEPOINT wms_scan")


@pytest.fixture
def pg_app(tmp_path, postgres):
    url = postgres.url(postgres.create_database())
    app = create_app(load_settings({"WMS_DATA_DIR": str(tmp_path), "WMS_DEMO": "1", "WMS_DATABASE_URL": url}))
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def app(tmp_path, postgres):
    url = postgres.url(postgres.create_database())
    app = create_app(load_settings({"WMS_DATA_DIR": str(tmp_path), "WMS_DEMO": "1", "WMS_DATABASE_URL": url}))
    with app.app_context():
        upgrade(directory=MIGRATIONS)
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def seen():
    """The first word of each statement sent straight to the driver, in order."""
    words: list[str] = []

    def note(text, _params):
        words.append(text.split()[0])
    fast.on_execute.append(note)
    yield words
    fast.on_execute.remove(note)


def test_a_deferred_savepoint_still_undoes_only_its_own_scans_writes(pg_app, seen):
    note = audit.Write("INSERT INTO batch_notes (what) VALUES (:what)")
    session = db.session()
    session.connection().exec_driver_sql("CREATE TEMP TABLE batch_notes (what TEXT)")
    with fast.pinned(session.connection()):
        fast.defer(SAVEPOINT)  # scan 1: kept
        note.run(audit.Inserted(1, {"what": "kept"}), what="kept")
        fast.defer(SAVEPOINT)  # scan 2: refused after writing
        note.run(audit.Inserted(2, {"what": "undone"}), what="undone")
        Sql("ROLLBACK TO SAVEPOINT wms_scan").run()
        fast.defer(SAVEPOINT)  # scan 3: refused before any statement: its savepoint is never sent
        assert fast.undefer(SAVEPOINT)
        rows, count = fast.read_together((Sql("SELECT what FROM batch_notes ORDER BY what"), {}),
                                         (Sql("SELECT count(*) AS n FROM batch_notes"), {}))
    session.rollback()
    assert [r.what for r in rows] == ["kept"] and count[0].n == 1
    assert seen == ["SAVEPOINT", "INSERT", "SAVEPOINT", "INSERT", "ROLLBACK", "SELECT", "SELECT"]


def test_statements_sent_together_raise_as_sqlalchemys_errors(pg_app):
    from sqlalchemy.exc import DataError

    session = db.session()
    with fast.pinned(session.connection()):
        with pytest.raises(DataError, match="division by zero"):
            with fast.together():
                Sql("SELECT 1 / :zero").run(zero=0)
    session.rollback()


def test_writes_sent_later_go_out_with_the_next_read_and_are_recorded_once_they_changed_a_row(app, tiny_warehouse,
                                                                                                 seen):
    note = audit.Write("UPDATE batch_notes SET what = :what WHERE id = :id")
    session = db.session()
    session.connection().exec_driver_sql("CREATE TEMP TABLE batch_notes (id INT, what TEXT)")
    session.connection().exec_driver_sql("INSERT INTO batch_notes VALUES (1, 'before')")
    session.info.pop(audit.BUFFER, None)
    told: list[int] = []
    with fast.pinned(session.connection()):
        fast.defer(SAVEPOINT)
        note.later(audit.Updated(1, {"what": ["before", "after"]}), what="after", id=1)
        note.later(audit.Updated(2, {"what": ["none", "never"]}), what="never", id=2)  # no such row
        Sql("UPDATE bin_stock SET qty = qty WHERE id = (SELECT min(id) FROM bin_stock) AND :one = 1").later(
            told.append, one=1)
        assert seen == [] and audit.BUFFER not in session.info  # nothing went out yet
        rows = Sql("SELECT what FROM batch_notes WHERE id = 1").all()
        recorded = list(session.info.get(audit.BUFFER, []))
    session.rollback()
    assert seen == ["SAVEPOINT", "UPDATE", "UPDATE", "UPDATE", "SELECT"]
    assert [r.what for r in rows] == ["after"] and told == [1]
    assert [(r["id"], r["changed"]) for r in recorded] == [(1, {"what": ["before", "after"]})]


def test_a_check_on_a_write_sent_later_refuses_the_scan_and_undoes_its_writes(app, tiny_warehouse):
    """A pick's take from the bin is sent later with the tote's units and the ledger rows: when the bin
    turns out not to hold the reserved units, the scan is refused negative_stock and none of it stays."""
    from sqlalchemy import select

    from server.db.models import BinStock
    from server.domain.errors import WmsError
    from server.domain.stock import Movement
    from server.services.inventory import stock

    session = db.session()
    place = session.execute(select(BinStock).where(BinStock.qty > 0, BinStock.reserved_qty == 0)).scalars().first()
    other = tiny_warehouse.empty.id  # (as a tote would be)
    session.commit()
    counts = Sql("""SELECT (SELECT count(*) FROM stock_ledger) AS ledger,
                           (SELECT coalesce(sum(qty), 0) FROM bin_stock WHERE bin_id = :bin) AS in_tote""")
    before = counts.first(bin=other)
    with fast.pinned(session.connection()):
        fast.defer(SAVEPOINT)
        with pytest.raises(WmsError) as refused:
            stock.take_reserved(Movement(place.bin_id, place.item_id, place.lot_id, -1, "pick"), other)
            fast.send_later()
        Sql("ROLLBACK TO SAVEPOINT wms_scan").run()
        after = counts.first(bin=other)
    session.rollback()
    assert refused.value.code == "negative_stock"
    assert (after.ledger, after.in_tote) == (before.ledger, before.in_tote)


def test_writes_of_a_scan_undone_before_they_went_out_are_never_sent(pg_app, seen):
    session = db.session()
    with fast.pinned(session.connection()):
        fast.defer(SAVEPOINT)
        Sql("UPDATE bin_stock SET qty = qty WHERE bin_id = :bin").later(bin=-1)
        fast.drop_later()
        assert fast.undefer(SAVEPOINT)
        fast.send_later()
    session.rollback()
    assert seen == []


def test_the_scan_paths_prepared_statements_outlive_a_rollback_on_the_servers_engine(app):
    """psycopg deallocates every prepared statement at a rollback when it prepares its own; the engine turns that
    off (server/db/engine.py), so a REST read's rollback does not cost the next scan its prepared statements."""
    read = Sql("SELECT count(*) AS n, pg_backend_pid() AS backend FROM bins WHERE id > :id")
    kept = Sql("SELECT statement FROM pg_prepared_statements WHERE statement LIKE 'SELECT count(*) AS n, pg_backend%'")
    backends = set()
    for _ in range(3):
        backends.add(read.first(id=0).backend)
        for _ in range(6):  # a REST request's own statements, run often enough for psycopg to prepare them
            db.session.connection().exec_driver_sql("SELECT 1").all()
        db.session.rollback()  # the connection goes back to the pool, rolled back
    assert len(backends) == 1  # (one pooled connection, taken again each time)
    assert len(kept.all()) == 1  # prepared once, still there


def test_the_pick_screen_on_postgresql_shows_what_the_lists_say(app, tiny_warehouse):
    """The pick screen's prebuilt reads (services/picking/waves.choice) against the lists read through the ORM,
    on PostgreSQL: the same lists in the same order, the stop count an integer, the route length a number."""
    from server.domain.batching import Cart
    from server.services.picking import waves
    from tests.server.services.picking.test_waves import released

    w = tiny_warehouse
    for n in range(3):
        released(w, f"O-{n}", "TEE-BLK-M" if n else "MUG-WHT")
    waves.release_wave(waves.WaveFilters(), Cart(totes=1, tote_capacity=10), w.supervisor)
    taken = waves.take_next(w.picker)["pick_list"]
    screen = waves.choice(w.picker.user_id)
    assert [entry["pick_list"] for entry in screen["mine"]] == [taken]
    assert screen["mine"] == waves.pick_lists("claimed", w.picker.user_id, with_stop=True)
    assert screen["open"] == waves.pick_list_summaries("open", None) and len(screen["open"]) == 2
    assert screen["open_more"] is False
    first = screen["open"][0]
    assert type(first["stop_count"]) is int and first["stop_count"] >= 1
    assert isinstance(first["route_length_m"], float) and first["claimed_by"] is None


def test_log_ins_on_postgresql_find_the_person_and_count_failures_by_name(app, tiny_warehouse, monkeypatch):
    """The log-in's prebuilt statements (services/people/auth.py, throttle.py) on PostgreSQL: a badge finds its
    picker; five wrong passwords of one name cost nothing, the sixth waits a second (the failures' times read
    back as times, compared in the window), and the right password still logs in after its wait."""
    from datetime import datetime, timedelta

    from server.services.people import throttle

    now, waits = [1000.0], []
    start = datetime(2026, 11, 11, 8, 0, 0)
    monkeypatch.setattr(throttle, "pause", lambda seconds: (waits.append(round(seconds, 1)),
                                                            now.__setitem__(0, now[0] + seconds)))
    monkeypatch.setattr(throttle, "clock", lambda: now[0])
    monkeypatch.setattr(throttle, "wall", lambda: start + timedelta(seconds=now[0] - 1000.0))
    monkeypatch.setattr(throttle, "_next_turn", {})
    db.session.commit()  # the tiny warehouse's people, for the requests' own sessions
    client = app.test_client()

    answer = client.post("/api/v1/auth/badge", json={"badge": "bdg-pia"}, environ_base={"REMOTE_ADDR": "10.9.0.1"})
    assert answer.status_code == 200 and answer.json["user"]["name"] == "Pia"
    assert answer.json["user"]["role"] == "picker"
    for attempt in range(5):
        wrong = client.post("/api/v1/auth/login", json={"username": "pia", "password": f"guess-{attempt}"},
                            environ_base={"REMOTE_ADDR": "10.9.0.2"})
        assert wrong.json["error"]["code"] == "bad_credentials"
    assert waits == []
    right = app.test_client().post("/api/v1/auth/login", json={"username": "pia", "password": "pw"},
                                   environ_base={"REMOTE_ADDR": "10.9.0.3"})
    assert right.status_code == 200 and right.json["user"]["username"] == "pia"
    assert waits == [1.0]
