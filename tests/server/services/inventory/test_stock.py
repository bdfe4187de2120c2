"""Stock in the database: conditional takes, the append-only ledger, books that match the bins."""
import threading

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from server.db.models import BinStock
from server.domain.errors import WmsError
from server.domain.stock import Movement
from server.extensions import db
from server.services.inventory import stock


def test_taking_stock_lowers_the_bin_and_writes_the_ledger(tiny_warehouse):
    w = tiny_warehouse
    stock.move(Movement(w.full.id, w.tee.id, w.tee_lot.id, -2, "pick"), w.picker, ref="test")
    db.session.commit()
    row = db.session.query(BinStock).filter_by(bin_id=w.full.id, item_id=w.tee.id).one()
    assert row.qty == 1
    assert stock.ledger_totals()[(w.full.id, w.tee.id, w.tee_lot.id)] == 1
    assert stock.books_disagreements() == []


def test_taking_more_than_the_bin_holds_is_refused_and_changes_nothing(tiny_warehouse):
    w = tiny_warehouse
    with pytest.raises(WmsError) as caught:
        stock.move(Movement(w.full.id, w.tee.id, w.tee_lot.id, -4, "pick"), w.picker)
    db.session.rollback()
    assert caught.value.code == "negative_stock"
    assert "Only 3 left in bin A-01-01-1" in caught.value.message()["en"]
    assert stock.ledger_totals()[(w.full.id, w.tee.id, w.tee_lot.id)] == 3
    assert stock.books_disagreements() == []


def test_two_pickers_racing_for_the_last_unit_one_gets_bin_empty(app, tiny_warehouse):
    w = tiny_warehouse
    ids = (w.full.id, w.mug.id, w.mug_lot.id)
    db.session.remove()
    start = threading.Barrier(8)
    outcomes = []

    def picker():
        with app.app_context():
            start.wait()
            try:
                stock.move(Movement(*ids, -1, "pick"))
                db.session.commit()
                outcomes.append("took it")
            except WmsError as error:
                db.session.rollback()
                outcomes.append(error.code)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=picker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["negative_stock"] * 7 + ["took it"]
    assert stock.ledger_totals().get(ids, 0) == 0
    assert stock.books_disagreements() == []


def test_the_ledger_refuses_to_be_rewritten(tiny_warehouse):
    for statement in ("UPDATE stock_ledger SET qty = 100", "DELETE FROM stock_ledger"):
        with pytest.raises(DBAPIError, match="append-only"):
            db.session.execute(text(statement))
        db.session.rollback()


def test_the_database_itself_refuses_a_negative_bin(tiny_warehouse):
    with pytest.raises(DBAPIError):
        db.session.execute(text("UPDATE bin_stock SET qty = -1"))
    db.session.rollback()


def test_a_tampered_bin_shows_up_as_a_disagreement_with_the_books(tiny_warehouse):
    db.session.execute(text("UPDATE bin_stock SET qty = qty + 1 WHERE qty = 3"))
    db.session.commit()
    [disagreement] = stock.books_disagreements()
    assert (disagreement["ledger"], disagreement["bin_stock"]) == (3, 4)
