"""Statements sent straight through libpq (server/db/wire.py), on a real PostgreSQL: values go and come back
as psycopg's cursors would give them, statements are prepared once and survive a rollback, a statement
deallocated behind the wire's back costs one failed batch, and a failed statement stops the ones after it."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import psycopg
import pytest

from server.db import wire
from server.db.wire import Statement

pytestmark = pytest.mark.scale

INSERT = Statement(b"INSERT INTO shelf (id, code, name, qty, price, at, sealed) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                   ("id", "code", "name", "qty", "price", "at", "sealed"))
READ = Statement(b"SELECT id, code, name, qty, price, at, sealed FROM shelf WHERE id >= $1 ORDER BY id", ("id",))


@pytest.fixture
def conn(postgres):
    # As the server's engine opens them (server/db/engine.py): psycopg's own preparation off.
    connection = psycopg.connect(postgres.url(postgres.create_database()).replace("+psycopg", ""),
                                 prepare_threshold=None)
    connection.execute("CREATE TABLE shelf (id INT PRIMARY KEY, code TEXT, name TEXT, qty BIGINT, "
                       "price NUMERIC(10, 2), at TIMESTAMP, sealed BOOLEAN)")
    connection.commit()
    yield connection
    connection.close()


@pytest.fixture
def kept():
    return {}  # what the server keeps in the pool entry's info, for the connection's life


def prepared(conn) -> list[str]:
    with conn.cursor() as cursor:
        return [name for (name,) in cursor.execute("SELECT name FROM pg_prepared_statements ORDER BY name")]


def test_values_come_back_as_they_went(conn, kept):
    rows = [{"id": 1, "code": "T-1", "name": "茶杯 tea cup", "qty": 5_000_000_000, "price": Decimal("12.50"),
             "at": datetime(2026, 12, 7, 9, 30, 1, 250000), "sealed": True},
            {"id": 2, "code": "T-2", "name": None, "qty": 0, "price": None, "at": None, "sealed": False}]
    inserted, read = wire.run(conn, kept, [Statement(INSERT.text, INSERT.names, rows, many=True),
                                     Statement(READ.text, READ.names, {"id": 1})])
    assert inserted.rowcount == 2
    assert read.columns == ("id", "code", "name", "qty", "price", "at", "sealed")
    assert read.rows == [(1, "T-1", "茶杯 tea cup", 5_000_000_000, Decimal("12.50"),
                          datetime(2026, 12, 7, 9, 30, 1, 250000), True),
                         (2, "T-2", None, 0, None, None, False)]
    with conn.cursor() as cursor:  # what psycopg's own cursor reads
        assert cursor.execute("SELECT id, code, name, qty, price, at, sealed FROM shelf ORDER BY id").fetchall() \
            == read.rows


def test_a_transaction_is_begun_when_none_is_open(conn, kept):
    row = {"id": 3, "code": "T-3", "name": "x", "qty": 1, "price": Decimal("1"), "at": None, "sealed": None}
    wire.run(conn, kept, [Statement(INSERT.text, INSERT.names, row)])
    assert conn.info.transaction_status == psycopg.pq.TransactionStatus.INTRANS
    conn.rollback()  # not committed by itself: it was inside the transaction
    assert wire.run(conn, kept, [Statement(READ.text, READ.names, {"id": 0})])[0].rows == []


def test_a_statement_is_prepared_once_and_kept_through_rollbacks(conn, kept):
    for _ in range(3):
        wire.run(conn, kept, [Statement(READ.text, READ.names, {"id": 0})])
        conn.rollback()  # what every REST read ends with: psycopg deallocated everything here before
    assert prepared(conn) == ["wms_1"]


def test_a_statement_deallocated_behind_its_back_fails_once_then_is_prepared_again(conn, kept):
    wire.run(conn, kept, [Statement(READ.text, READ.names, {"id": 0})])
    conn.execute("DEALLOCATE ALL")
    conn.commit()
    with pytest.raises(psycopg.errors.InvalidSqlStatementName):
        wire.run(conn, kept, [Statement(READ.text, READ.names, {"id": 0})])
    conn.rollback()
    assert wire.run(conn, kept, [Statement(READ.text, READ.names, {"id": 0})])[0].rows == []


def test_a_failed_statement_stops_the_ones_after_it_and_the_connection_goes_on(conn, kept):
    row = {"id": 4, "code": "T-4", "name": "x", "qty": 1, "price": None, "at": None, "sealed": None}
    later = dict(row, id=5)
    with pytest.raises(psycopg.errors.UniqueViolation):
        wire.run(conn, kept, [Statement(INSERT.text, INSERT.names, row), Statement(INSERT.text, INSERT.names, row),
                        Statement(INSERT.text, INSERT.names, later)])
    assert conn.info.transaction_status == psycopg.pq.TransactionStatus.INERROR
    conn.rollback()
    wire.run(conn, kept, [Statement(INSERT.text, INSERT.names, later)])
    conn.commit()
    assert [r[0] for r in wire.run(conn, kept, [Statement(READ.text, READ.names, {"id": 0})])[0].rows] == [5]


def test_a_statement_without_parameters_is_prepared_too_and_fixed_text_is_not(conn, kept):
    count = Statement(b"SELECT count(*) FROM shelf", (), {})
    assert wire.run(conn, kept, [count, Statement(b"SAVEPOINT here"), count])[2].rows == [(0,)]
    assert prepared(conn) == ["wms_1"]


def test_what_is_kept_for_a_connection_goes_with_it(postgres):
    import gc
    import weakref

    connection = psycopg.connect(postgres.url(postgres.create_database()).replace("+psycopg", ""),
                                 prepare_threshold=None)
    kept = {}
    wire.run(connection, kept, [Statement(b"SELECT 1", (), {})])
    gone = weakref.ref(connection)
    connection.close()
    del connection, kept
    gc.collect()
    assert gone() is None  # pool churn (overflow connections opened and closed) leaves nothing behind
