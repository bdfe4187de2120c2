"""The scan path's hand-written statements stay fast as history grows: each finds its rows by an index."""
import importlib
import pkgutil
import re

import server.services
from server.db.fast import Sql
from server.extensions import db


def scan_path_statements() -> dict[str, Sql]:
    found = {}
    for module in pkgutil.iter_modules(server.services.__path__):
        loaded = importlib.import_module(f"server.services.{module.name}")
        found |= {f"{module.name}.{name}": value for name, value in vars(loaded).items() if isinstance(value, Sql)}
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
