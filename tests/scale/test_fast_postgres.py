"""The scan path's round trips on PostgreSQL (server/db/fast.py): statements sent together (pipeline mode)
must behave as the same statements sent one by one — a deferred SAVEPOINT still marks where a refused scan's
writes are undone, and reads sent together see what the statements before them did."""
from __future__ import annotations

import pytest

from server.app import create_app
from server.config import load_settings
from server.db import fast
from server.db.fast import Sql
from server.extensions import db
from server.services.people import audit

pytestmark = pytest.mark.scale

SAVEPOINT = Sql("SAVEPOINT wms_scan")


@pytest.fixture
def pg_app(tmp_path, postgres):
    url = postgres.url(postgres.create_database())
    app = create_app(load_settings({"WMS_DATA_DIR": str(tmp_path), "WMS_DEMO": "1", "WMS_DATABASE_URL": url}))
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


def test_a_deferred_savepoint_still_undoes_only_its_own_scans_writes(pg_app):
    note = audit.Write("INSERT INTO batch_notes (what) VALUES (:what)")
    seen: list[str] = []
    fast.on_execute.append(lambda text, _params: seen.append(text.split()[0]))
    try:
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
    finally:
        fast.on_execute.pop()
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
