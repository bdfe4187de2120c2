"""The migrations on PostgreSQL: `python -m server setup --demo` builds the schema the models
describe (as tests/server/db checks on SQLite), and the database itself keeps the ledger
append-only and bin stock non-negative."""
from __future__ import annotations

import os

import psycopg
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from server.app import create_app
from server.config import load_settings
from server.extensions import db
from tests.scale.conftest import setup_database

pytestmark = pytest.mark.scale


@pytest.fixture(scope="module")
def migrated(postgres, tmp_path_factory):
    database = postgres.create_database()
    data_dir = tmp_path_factory.mktemp("pg-schema")
    setup_database(os.environ | {"WMS_DATABASE_URL": postgres.url(database), "WMS_DATA_DIR": str(data_dir)})
    return database, data_dir


def test_the_migrated_postgresql_database_matches_the_models(postgres, migrated):
    database, data_dir = migrated
    app = create_app(load_settings({"WMS_DATABASE_URL": postgres.url(database), "WMS_DATA_DIR": str(data_dir)}))
    with app.app_context():
        try:
            with db.engine.connect() as connection:
                differences = compare_metadata(MigrationContext.configure(connection), db.metadata)
        finally:
            db.engine.dispose()
    assert differences == []


def test_postgresql_refuses_to_change_or_delete_a_ledger_entry(postgres, migrated):
    with postgres.connect(migrated[0]) as conn:
        rows = conn.execute("SELECT count(*) FROM stock_ledger").fetchone()[0]
        assert rows > 0, "the demo warehouse books its opening stock in the ledger"
        for statement in ("UPDATE stock_ledger SET qty = qty + 1", "DELETE FROM stock_ledger"):
            with pytest.raises(psycopg.errors.RaiseException, match="stock_ledger is append-only"):
                conn.execute(statement)
        assert conn.execute("SELECT count(*) FROM stock_ledger").fetchone()[0] == rows
        # Appending is what the ledger is for.
        conn.execute("INSERT INTO stock_ledger (at, bin_id, item_id, lot_id, qty, reason, ref) "
                     "SELECT now(), bin_id, item_id, lot_id, 1, 'count', 'schema test' FROM stock_ledger LIMIT 1")
        conn.execute("UPDATE bin_stock SET qty = qty + 1 WHERE (bin_id, item_id, lot_id) = "
                     "(SELECT bin_id, item_id, lot_id FROM stock_ledger WHERE ref = 'schema test')")


def test_postgresql_refuses_negative_stock_and_over_reservation(postgres, migrated):
    with postgres.connect(migrated[0]) as conn:
        with pytest.raises(psycopg.errors.CheckViolation):
            conn.execute("UPDATE bin_stock SET qty = -1 WHERE id = (SELECT min(id) FROM bin_stock)")
        with pytest.raises(psycopg.errors.CheckViolation):
            conn.execute("UPDATE bin_stock SET reserved_qty = qty + 1 WHERE id = (SELECT min(id) FROM bin_stock)")
