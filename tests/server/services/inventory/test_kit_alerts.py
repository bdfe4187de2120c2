"""Low stock for kits (组合装): a kit with a safety quantity counts its ready-made units plus what its
components on the shelves make; below it, one alert naming the component to restock, cleared when the
components are back. Nested kits count through the kit inside."""
from datetime import date

import pytest
from sqlalchemy import select

from server.db.models import Lot, StockAlert
from server.domain.stock import Movement
from server.extensions import db
from server.services import transaction
from server.services.catalogue import kits
from server.services.catalogue.items import item_by_sku
from server.services.inventory import alerts, stock
from server.services.people.auth import Actor

MANAGER = Actor(user_id=None, username="max", name="Max", role="manager")


@pytest.fixture
def told(app):
    seen = []
    alerts.alert_listeners.append(seen.append)
    yield seen
    alerts.alert_listeners.remove(seen.append)


@pytest.fixture
def gift_set(tiny_warehouse):
    """GIFT-SET: one tee and one mug (3 tees and 1 mug on the shelf: 1 set)."""
    kits.define("GIFT-SET", [kits.Component("TEE-BLK-M", 1), kits.Component("MUG-WHT", 1)], MANAGER)
    commit()
    return tiny_warehouse


def commit():
    db.session.commit()
    transaction.committed()


def seen(told) -> list[tuple]:
    return [(a["sku"], a["qty"], a["threshold"], a["status"], a["limited_by"]) for a in told]


def test_a_kit_below_its_safety_quantity_raises_an_alert_naming_the_component_to_restock(gift_set, told):
    w = gift_set
    alerts.set_safety("GIFT-SET", 1, w.supervisor)  # 1 set can be made: not below
    commit()
    assert told == []
    stock.move(Movement(w.full.id, w.mug.id, w.mug_lot.id, -1, "adjustment"), w.supervisor)  # the last mug
    commit()
    assert seen(told) == [("GIFT-SET", 0, 1, "open", "MUG-WHT")]
    assert [(a["sku"], a["kit"], a["limited_by"]) for a in alerts.open_alerts()] == [("GIFT-SET", True, "MUG-WHT")]
    stock.move(Movement(w.empty.id, w.mug.id, w.mug_lot.id, 2, "receipt"), w.supervisor)
    commit()
    assert told[-1]["status"] == "cleared" and told[-1]["qty"] == 2 and alerts.open_alerts() == []


def test_ready_made_kits_count_towards_the_safety_quantity(gift_set, told):
    w = gift_set
    kit = item_by_sku("GIFT-SET")
    lot = Lot(item_id=kit.id, code="K1", received_on=date(2026, 10, 3))
    db.session.add(lot)
    db.session.flush()
    stock.move(Movement(w.far.id, kit.id, lot.id, 2, "receipt"), w.supervisor)
    alerts.set_safety("GIFT-SET", 3, w.supervisor)  # 2 ready-made + 1 made of components
    commit()
    assert told == []
    stock.move(Movement(w.far.id, kit.id, lot.id, -1, "adjustment"), w.supervisor)  # the kit item itself moves
    commit()
    assert seen(told) == [("GIFT-SET", 2, 3, "open", "MUG-WHT")]


def test_a_kit_inside_a_kit_raises_the_outer_kits_alert(gift_set, told):
    w = gift_set
    kits.define("BIG-SET", [kits.Component("GIFT-SET", 1), kits.Component("TEE-BLK-M", 1)], MANAGER)
    alerts.set_safety("BIG-SET", 1, w.supervisor)
    commit()
    stock.move(Movement(w.full.id, w.mug.id, w.mug_lot.id, -1, "adjustment"), w.supervisor)
    commit()
    assert seen(told) == [("BIG-SET", 0, 1, "open", "MUG-WHT")]  # GIFT-SET has no safety quantity of its own


def test_a_component_of_kits_without_safety_quantities_raises_nothing(gift_set, told):
    w = gift_set
    stock.move(Movement(w.full.id, w.mug.id, w.mug_lot.id, -1, "adjustment"), w.supervisor)
    commit()
    assert told == [] and db.session.execute(select(StockAlert)).first() is None
