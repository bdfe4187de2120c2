"""The kits over REST (in-process): list and read a kit with its availability, define one (refused with every
problem, nothing written), replace and remove it; any item's availability for the shops; who may do what;
and kits.csv through the generic imports route."""
from __future__ import annotations

import io
from pathlib import Path

import pytest

from server.db.models import User
from server.extensions import db, writes_too
from server.services.catalogue import kits
from server.services.catalogue.items import item_by_sku
from server.services.people.auth import hash_password
from tests.server.conftest import log_in_on_the_pages

DAY_ONE = Path(__file__).resolve().parents[2] / "data" / "day-one"


@pytest.fixture
def clients(app, tiny_warehouse):
    """The tiny warehouse (3 tees, 1 mug on the shelf); a manager (max) and a supervisor (sue) logged in."""
    db.session.add(User(username="max", name="Max", role="manager", password_hash=hash_password("pw")))
    db.session.commit()
    manager = log_in_on_the_pages(app.test_client(), "max")
    supervisor = log_in_on_the_pages(app.test_client(), "sue")
    writes_too()  # the fixture's app context outlives the log-ins' page reads (read-only connection)
    return manager, supervisor


GIFT_SET = {"name_zh": "礼盒", "name_en": "Gift set",
            "components": [{"sku": "TEE-BLK-M", "qty": 1}, {"sku": "MUG-WHT", "qty": 1}]}


def test_a_kit_is_defined_read_replaced_and_removed(clients):
    manager, supervisor = clients
    created = manager.put("/api/v1/kits/GIFT-SET", json=GIFT_SET)
    assert created.status_code == 201 and created.json["action"] == "created"
    kit = supervisor.get("/api/v1/kits/GIFT-SET").json
    assert (kit["name"], kit["available"], kit["ready_made"], kit["limited_by"]) == (
        {"en": "Gift set", "zh": "礼盒"}, 1, 0, "MUG-WHT")
    assert [(c["sku"], c["qty"]) for c in kit["components"]] == [("TEE-BLK-M", 1), ("MUG-WHT", 1)]
    assert [k["sku"] for k in supervisor.get("/api/v1/kits").json] == ["GIFT-SET"]
    assert supervisor.get("/api/v1/kits?q=nothing").json == []

    replaced = manager.put("/api/v1/kits/GIFT-SET", json={"components": [{"sku": "TEE-BLK-M", "qty": 2}]})
    assert replaced.status_code == 200 and replaced.json["action"] == "updated"
    assert supervisor.get("/api/v1/items/GIFT-SET/available").json == {
        "sku": "GIFT-SET", "available": 1, "ready_made": 0, "limited_by": "TEE-BLK-M"}  # 3 tees, 2 a kit

    assert manager.delete("/api/v1/kits/GIFT-SET").status_code == 200
    assert supervisor.get("/api/v1/kits/GIFT-SET").status_code == 404
    assert item_by_sku("GIFT-SET") is not None  # the item stays


def test_a_wrong_kit_is_refused_with_every_problem_and_nothing_written(clients):
    manager, _ = clients
    answer = manager.put("/api/v1/kits/BAD-SET", json={"components": [
        {"sku": "NO-SUCH", "qty": 1}, {"sku": "MUG-WHT", "qty": 0}, {"sku": "BAD-SET", "qty": 1}]})
    assert answer.status_code == 422 and answer.json["error"]["code"] == "import_rejected"
    assert [(row["row"], row["code"]) for row in answer.json["error"]["rows"]] == [
        (1, "kit_unknown_component"), (2, "kit_bad_qty"), (3, "kit_contains_itself")]
    assert item_by_sku("BAD-SET") is None
    empty = manager.put("/api/v1/kits/BAD-SET", json={"components": []})
    assert empty.status_code == 400 and empty.json["error"]["code"] == "kit_empty"


def test_a_plain_items_availability_is_its_free_units(clients):
    _, supervisor = clients
    assert supervisor.get("/api/v1/items/TEE-BLK-M/available").json == {
        "sku": "TEE-BLK-M", "available": 3, "ready_made": 3, "limited_by": None}
    assert supervisor.get("/api/v1/items/NO-SUCH/available").status_code == 404


def test_a_supervisor_reads_kits_but_may_not_change_them(clients):
    manager, supervisor = clients
    manager.put("/api/v1/kits/GIFT-SET", json=GIFT_SET)
    assert supervisor.put("/api/v1/kits/GIFT-SET", json=GIFT_SET).status_code == 403
    assert supervisor.delete("/api/v1/kits/GIFT-SET").status_code == 403
    assert kits.kit_skus() == ["GIFT-SET"]


def test_the_kits_file_goes_through_the_imports_route(clients):
    manager, _ = clients
    raw = "组合装商品编码,组合装商品名称,子商品编码,数量\nMUG-PAIR,对杯,MUG-WHT,2\nBAD-SET,坏,NO-SUCH,1\n".encode("gbk")
    answer = manager.post("/api/v1/imports/kits", data={"file": (io.BytesIO(raw), "kits.csv")},
                          headers={"X-Requested-With": "test"})
    assert answer.status_code == 422
    assert [(e["row"], e["column"], e["code"]) for e in answer.json["errors"]] == [
        (3, "子商品编码", "kit_unknown_component")]
    assert kits.kit_skus() == []
