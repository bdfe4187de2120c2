"""The orders desk's REST side on the live server: order numbers a label can carry, one number in two
channels, a paged and filtered list, and releasing many orders at once with one result each."""
import uuid

import pytest

JSON = {"X-Requested-With": "test"}


@pytest.fixture(scope="module")
def boss(live_server):
    return live_server.session("supervisor")


def new_order(live_server, boss, number: str, qty: int = 1, channel: str = "shop", **extra):
    body = {"channel": channel, "number": number, "customer_name": "王芳", "address": "上海市浦东新区 1 号",
            "paid_at": "2026-12-06T09:00:00", "lines": [{"sku": live_server.demo["item_sku"], "qty": qty}]} | extra
    return boss.post(f"{live_server.url}/api/v1/orders", json=body, timeout=10)


@pytest.mark.parametrize(("number", "code"), [
    ("订单0001", "order_number_characters"),
    ("SO 17", "order_number_characters"),
    ("SO^FD17", "order_number_characters"),
    ("X" * 41, "order_number_too_long"),
    ("", "order_number_missing"),
])
def test_an_order_number_a_label_barcode_cannot_carry_is_refused_with_words(live_server, boss, number, code):
    answer = new_order(live_server, boss, number)
    assert answer.status_code == 400 and answer.json()["error"]["code"] == code
    message = answer.json()["error"]["message"]
    assert message["en"] and message["zh"] and "{" not in message["en"] + message["zh"]


def test_marketplace_numbers_are_accepted(live_server, boss):
    suffix = uuid.uuid4().hex[:6].upper()
    for number in (f"39{uuid.uuid4().int % 10**17:017d}", f"261206-{suffix}", f"JD/{suffix}#2"):
        assert new_order(live_server, boss, number).status_code == 201, number


def test_a_number_two_channels_share_must_name_its_channel(live_server, boss):
    number = f"DUP-{uuid.uuid4().hex[:8].upper()}"
    assert new_order(live_server, boss, number, channel="taobao").status_code == 201
    assert new_order(live_server, boss, number, channel="jd").status_code == 201
    ambiguous = boss.get(f"{live_server.url}/api/v1/orders/{number}", timeout=10)
    assert ambiguous.status_code == 409 and ambiguous.json()["error"]["code"] == "order_number_ambiguous"
    assert "jd, taobao" in ambiguous.json()["error"]["message"]["en"]
    named = boss.get(f"{live_server.url}/api/v1/orders/{number}?channel=jd", timeout=10)
    assert named.status_code == 200 and named.json()["channel"] == "jd"
    released = boss.post(f"{live_server.url}/api/v1/orders/{number}/release?channel=taobao", timeout=10)
    assert released.status_code == 200 and released.json()["order"]["channel"] == "taobao"


def test_the_list_is_paged_and_filtered(live_server, boss):
    prefix = f"PG{uuid.uuid4().hex[:6].upper()}-"
    for n in range(7):
        assert new_order(live_server, boss, f"{prefix}{n}").status_code == 201
    first = boss.get(f"{live_server.url}/api/v1/orders", params={"q": prefix, "per_page": 3}, timeout=10).json()
    assert (first["total"], first["pages"], first["page"]) == (7, 3, 1)
    assert [o["number"] for o in first["items"]] == [f"{prefix}6", f"{prefix}5", f"{prefix}4"]  # newest first
    last = boss.get(f"{live_server.url}/api/v1/orders", params={"q": prefix, "per_page": 3, "page": 3},
                    timeout=10).json()
    assert [o["number"] for o in last["items"]] == [f"{prefix}0"]
    stopped = new_order(live_server, boss, f"{prefix}X", address="")
    assert stopped.status_code == 201
    by_reason = boss.get(f"{live_server.url}/api/v1/orders", params={"q": prefix, "stopped": "missing_address"},
                         timeout=10).json()
    assert [o["number"] for o in by_reason["items"]] == [f"{prefix}X"]
    bad = boss.get(f"{live_server.url}/api/v1/orders", params={"page": "two"}, timeout=10)
    assert bad.status_code == 400


def test_releasing_many_orders_answers_each_one(live_server, boss):
    prefix = f"RL{uuid.uuid4().hex[:6].upper()}-"
    assert new_order(live_server, boss, f"{prefix}1").status_code == 201
    assert new_order(live_server, boss, f"{prefix}2", qty=10**6).status_code == 201  # far more than the stock
    assert new_order(live_server, boss, f"{prefix}3", paid_at=None).status_code == 201  # unpaid: stopped
    answer = boss.post(f"{live_server.url}/api/v1/orders/release",
                       json={"numbers": [f"{prefix}1", f"{prefix}2", f"{prefix}3", f"{prefix}404"]}, timeout=30)
    assert answer.status_code == 200
    results = {r["order"]: (r["released"], r.get("error", {}).get("code")) for r in answer.json()["results"]}
    assert results == {f"{prefix}1": (True, None), f"{prefix}2": (False, "shortage"),
                       f"{prefix}3": (False, "order_stopped"), f"{prefix}404": (False, "not_found")}
    assert (answer.json()["released"], answer.json()["refused"]) == (1, 3)
    assert boss.get(f"{live_server.url}/api/v1/orders/{prefix}1", timeout=10).json()["status"] == "released"


def test_release_all_ready_releases_every_unstopped_order(live_server, boss):
    prefix = f"AR{uuid.uuid4().hex[:6].upper()}-"
    for n in range(3):
        assert new_order(live_server, boss, f"{prefix}{n}").status_code == 201
    assert new_order(live_server, boss, f"{prefix}9", address="").status_code == 201  # stopped: not ready
    answer = boss.post(f"{live_server.url}/api/v1/orders/release", json={"all_ready": True, "q": prefix},
                       timeout=60).json()  # narrowed as the list is (and other tests' orders left alone)
    assert {r["order"]: r["released"] for r in answer["results"]} == {f"{prefix}{n}": True for n in range(3)}
    picker = live_server.session("picker").post(f"{live_server.url}/api/v1/orders/release",
                                                json={"all_ready": True}, timeout=10)
    assert picker.status_code == 403


def test_an_import_row_with_a_bad_order_number_is_named_and_nothing_is_imported(live_server, boss):
    good = f"IM{uuid.uuid4().hex[:6].upper()}"
    sku = live_server.demo["item_sku"]
    sheet = ("order_no,channel,customer_name,phone,address,carrier,sku,qty,paid_at,priority,cut_off\n"
             f"{good},shop,王芳,13800000000,上海市 1 号,SF,{sku},1,2026-12-06T09:00:00,0,\n"
             f"订单{good},shop,李雷,13800000001,上海市 2 号,SF,{sku},1,2026-12-06T09:00:00,0,\n")
    answer = boss.post(f"{live_server.url}/api/v1/orders/import", files={"file": ("orders.csv", sheet.encode())},
                       headers=JSON, timeout=30)
    assert answer.status_code == 422, answer.text
    rows = [(p["row"], p["code"]) for p in answer.json()["error"]["rows"]]
    assert rows == [(3, "order_number_characters")]
    assert boss.get(f"{live_server.url}/api/v1/orders/{good}", timeout=10).status_code == 404
