"""Work orders over REST: a supervisor orders 2 gift sets assembled, reads it back, a picker may not; a
shortage answers 409 with what is missing; the cancel needs its reason."""
import pytest

from server.extensions import db
from server.services.catalogue import kits
from server.services.people.auth import Actor


@pytest.fixture
def gift_set(tiny_warehouse):
    w = tiny_warehouse
    kits.define("GIFT-SET", [kits.Component("TEE-BLK-M", 1), kits.Component("MUG-WHT", 1)],
                Actor(w.supervisor.user_id, "sue", "Sue", "manager"), name_zh="礼盒", name_en="Gift set")
    db.session.commit()
    return w


def logged_in(app, username):
    client = app.test_client()
    answer = client.post("/api/v1/auth/login", json={"username": username, "password": "pw"})
    assert answer.status_code == 200, answer.get_data(as_text=True)
    return client


def test_a_supervisor_orders_a_gift_set_assembled_and_cancels_it_with_a_reason(app, gift_set):
    boss = logged_in(app, "sue")
    made = boss.post("/api/v1/work-orders", json={"kind": "assemble", "sku": "GIFT-SET", "qty": 1})
    assert made.status_code == 201, made.get_data(as_text=True)
    order = made.get_json()["work_order"]
    assert (order["number"], order["status"], order["next"], order["to_pick"]) == ("WO-000001", "open", "scan_bin", 2)
    assert [(s["bin"], s["sku"], s["qty"]) for s in order["steps"]] == [
        ("A-01-01-1", "TEE-BLK-M", 1), ("A-01-01-1", "MUG-WHT", 1)]

    short = boss.post("/api/v1/work-orders", json={"kind": "assemble", "sku": "GIFT-SET", "qty": 2})
    assert short.status_code == 409
    assert short.get_json()["error"]["message"]["en"] == \
        "Not enough stock to assemble 2 × GIFT-SET: MUG-WHT short 2."  # the first holds the only mug

    picker = logged_in(app, "pia")
    assert picker.post("/api/v1/work-orders", json={"kind": "assemble", "sku": "GIFT-SET", "qty": 1}) \
        .status_code == 403
    assert [o["number"] for o in picker.get("/api/v1/work-orders?on_floor=1").get_json()] == ["WO-000001"]
    assert picker.get("/api/v1/work-orders/WO-000001").get_json()["sku"] == "GIFT-SET"

    assert boss.post("/api/v1/work-orders/WO-000001/cancel", json={}).status_code == 400
    cancelled = boss.post("/api/v1/work-orders/WO-000001/cancel", json={"reason": "wrong kit"})
    assert cancelled.status_code == 200
    assert (cancelled.get_json()["work_order"]["status"], cancelled.get_json()["work_order"]["cancel_reason"]) == (
        "cancelled", "wrong kit")
    assert [o["status"] for o in boss.get("/api/v1/work-orders").get_json()] == ["cancelled"]
    assert boss.get("/api/v1/work-orders/WO-000009").status_code == 404
