"""Safety thresholds: an alert the moment stock falls below, cleared when it is back; pick faces ask for
replenishment from the reserve bin with the oldest units; the ledger answers bin-at-time and item history."""
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select

from server.db.models import Lot, StockAlert
from server.domain.errors import WmsError
from server.domain.stock import Movement
from server.extensions import db
from server.services.inventory import alerts
from server.services.inventory import ledger
from server.services.inventory import stock
from server.services import transaction
from server.services.inventory import levels, replenishment


@pytest.fixture
def told(app):
    """The alerts pushed after commit, as the realtime layer receives them."""
    seen = []
    alerts.alert_listeners.append(seen.append)
    yield seen
    alerts.alert_listeners.remove(seen.append)


def commit():
    db.session.commit()
    transaction.committed()


def refusal(call) -> WmsError:
    with pytest.raises(WmsError) as caught:
        call()
    db.session.rollback()
    transaction.rolled_back()
    return caught.value


def test_stock_falling_below_safety_raises_one_alert_and_coming_back_clears_it(tiny_warehouse, told):
    w = tiny_warehouse
    alerts.set_safety("TEE-BLK-M", 3, w.supervisor)  # 3 on hand: not below
    commit()
    assert told == []
    stock.move(Movement(w.full.id, w.tee.id, w.tee_lot.id, -1, "adjustment"), w.supervisor)
    commit()
    assert [(a["kind"], a["sku"], a["qty"], a["threshold"], a["status"]) for a in told] == \
        [("low_stock", "TEE-BLK-M", 2, 3, "open")]
    stock.move(Movement(w.full.id, w.tee.id, w.tee_lot.id, -1, "adjustment"), w.supervisor)
    commit()
    assert len(told) == 1  # still below: the open alert follows the quantity, no second alert
    assert db.session.execute(select(StockAlert.qty)).scalar() == 1
    stock.move(Movement(w.empty.id, w.tee.id, w.tee_lot.id, 5, "receipt"), w.supervisor)
    commit()
    assert told[-1]["status"] == "cleared" and alerts.open_alerts() == []


def test_an_alert_raised_in_a_rolled_back_scan_is_neither_stored_nor_pushed(tiny_warehouse, told):
    w = tiny_warehouse
    alerts.set_safety("MUG-WHT", 1, w.supervisor)
    commit()
    stock.move(Movement(w.full.id, w.mug.id, w.mug_lot.id, -1, "adjustment"), w.supervisor)
    db.session.rollback()
    transaction.rolled_back()
    assert told == [] and alerts.open_alerts() == []


def test_a_pick_face_below_its_minimum_is_refilled_from_the_oldest_reserve(tiny_warehouse, told):
    w = tiny_warehouse
    older = Lot(item_id=w.tee.id, code="L0", received_on=date(2026, 9, 1))
    db.session.add(older)
    db.session.flush()
    stock.move(Movement(w.far.id, w.tee.id, older.id, 10, "receipt"), w.supervisor)
    alerts.set_pick_face("A-01-01-1", "TEE-BLK-M", 4, 8, w.supervisor)  # holds 3: below 4 at once
    commit()
    assert [(a["kind"], a["bin"]) for a in told] == [("replenish", "A-01-01-1")]
    assert refusal(lambda: alerts.set_pick_face("A-01-01-1", "TEE-BLK-M", 5, 5, w.supervisor)).code == "bad_request"
    assert refusal(lambda: alerts.set_pick_face("A-01-01-1", "TEE-BLK-M", 1, 5, w.picker)).code == "forbidden"
    task = replenishment.create_replenishment("A-01-01-1", "TEE-BLK-M", w.picker)
    commit()
    view = replenishment.replenishment_view(task)
    assert (view["from_bin"], view["lot"], view["qty"]) == ("B-01-01-1", "L0", 5)
    assert refusal(lambda: replenishment.complete_replenishment(task.id, "A-01-02-1", "A-01-01-1", w.picker)).code == \
        "wrong_bin"
    replenishment.complete_replenishment(task.id, "B-01-01-1", "A-01-01-1", w.picker)
    commit()
    assert levels.bin_qty(w.full.id, w.tee.id) == 8 and told[-1]["status"] == "cleared"
    assert refusal(lambda: replenishment.complete_replenishment(task.id, "B-01-01-1", "A-01-01-1", w.picker)).code == \
        "not_found"
    assert stock.books_disagreements() == []


def test_the_ledger_says_what_a_bin_held_at_a_time_and_how_an_item_moved(tiny_warehouse):
    w = tiny_warehouse
    before = datetime.utcnow()
    stock.move(Movement(w.full.id, w.tee.id, w.tee_lot.id, -2, "transfer"), w.supervisor, "to A-01-02-1")
    stock.move(Movement(w.empty.id, w.tee.id, w.tee_lot.id, 2, "transfer"), w.supervisor, "from A-01-01-1")
    commit()
    assert ledger.bin_at("A-01-01-1", before)["lines"] == [{"sku": "MUG-WHT", "lot": "L2", "qty": 1},
                                                           {"sku": "TEE-BLK-M", "lot": "L1", "qty": 3}]
    assert ledger.bin_at("a-01-01-1", datetime.utcnow() + timedelta(seconds=1))["total_qty"] == 2
    assert ledger.bin_at("A-01-01-1", datetime(2000, 1, 1))["lines"] == []
    history = ledger.item_history("TEE-BLK-M")
    assert [(m["bin"], m["qty"], m["reason"], m["bin_balance"], m["item_balance"]) for m in history["moves"]] == [
        ("A-01-01-1", 3, "opening_balance", 3, 3), ("A-01-01-1", -2, "transfer", 1, 1),
        ("A-01-02-1", 2, "transfer", 2, 3)]
    assert history["moves"][1]["user"] == "sue" and history["bins"] == {"A-01-01-1": 1, "A-01-02-1": 2}
    assert refusal(lambda: ledger.item_history("NOPE")).code == "not_found"
    assert ledger.check()["balanced"]
