"""The scan path's hand-written statements stay fast as history grows: each finds its rows by an index."""
import importlib
import pkgutil
import re

import server.services
from server.db.fast import Sql
from server.extensions import db


def scan_path_statements() -> dict[str, Sql]:
    found = {}
    for module in pkgutil.walk_packages(server.services.__path__, "server.services."):
        loaded = importlib.import_module(module.name)
        short = module.name.removeprefix("server.services.")
        found |= {f"{short}.{name}": value for name, value in vars(loaded).items() if isinstance(value, Sql)}
    return found


def test_no_scan_path_statement_reads_a_whole_table(app):
    statements = scan_path_statements()
    assert len(statements) > 20  # the scan path's statements were found
    full_scans = {}
    with app.app_context():
        connection = db.session.connection()
        for name, statement in statements.items():
            text = re.sub(r"(?<![:\w]):\w+", "NULL", statement.text("sqlite"))
            plan = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {text}").all()
            scans = [row[3] for row in plan if row[3].startswith("SCAN")]
            if scans:
                full_scans[name] = scans
    assert full_scans == {}


def test_a_rolled_back_savepoint_undoes_only_its_own_driver_writes(app):
    """Scans take their savepoints through the driver (fast.driver_savepoints): a refused scan's
    writes go, the batch's earlier ones stay."""
    from server.db import fast
    from server.services.people import audit

    note = audit.Write("INSERT INTO batch_notes (what) VALUES (:what)")
    seen = []
    fast.on_execute.append(lambda text, _params: seen.append(text))
    try:
        with app.app_context():
            session = db.session()
            session.connection().exec_driver_sql("CREATE TEMP TABLE batch_notes (what TEXT)")
            with fast.pinned(session.connection()):
                kept = session.begin_nested()
                session.connection()
                note.run(audit.Inserted(1, {"what": "kept"}), what="kept")
                kept.commit()
                refused = session.begin_nested()
                session.connection()
                note.run(audit.Inserted(2, {"what": "undone"}), what="undone")
                refused.rollback()
                rows = [row.what for row in Sql("SELECT what FROM batch_notes").all()]
            session.rollback()
    finally:
        fast.on_execute.pop()
    assert rows == ["kept"]
    sent = [text.split()[0] for text in seen if "SAVEPOINT" in text]
    assert sent == ["SAVEPOINT", "RELEASE", "SAVEPOINT", "ROLLBACK"]


def test_on_sqlite_a_write_sent_later_runs_at_once_and_its_check_raises_there(app):
    """No round trips to save on SQLite: `later` is `run`, its `done` told the rowcount at once."""
    from server.db import fast

    told = []
    with app.app_context():
        session = db.session()
        with fast.pinned(session.connection()):
            Sql("UPDATE bin_stock SET qty = qty WHERE bin_id = :bin").later(told.append, bin=-1)
            assert told == [0]

            def refuse(rowcount):
                raise ValueError(f"changed {rowcount}")
            try:
                Sql("UPDATE bin_stock SET qty = qty WHERE bin_id = :bin").later(refuse, bin=-1)
            except ValueError as error:
                told.append(str(error))
        session.rollback()
    assert told == [0, "changed 0"]
