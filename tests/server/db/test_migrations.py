"""The migrations build exactly the schema the models describe, on a database that has data."""
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text

from server.extensions import db


def test_the_migrated_database_matches_the_models(app):
    with db.engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), db.metadata)
    assert differences == []


def test_the_database_enforces_the_rules_the_models_declare(tiny_warehouse):
    names = {row[0] for row in db.session.execute(text(
        "SELECT name FROM sqlite_master WHERE type = 'trigger'"))}
    assert {"stock_ledger_no_update", "stock_ledger_no_delete"} <= names
    schema = db.session.execute(text("SELECT sql FROM sqlite_master WHERE name = 'purchase_order_lines'")).scalar()
    assert "received_qty <= ordered_qty" in schema
