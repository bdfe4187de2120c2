"""A wave over REST on the live demo warehouse: released orders go out as routed, batched pick lists."""
import uuid

import requests

from tests.conftest import on_shelves


def stocked_skus(live_server, http, count):
    items = http.get(f"{live_server.url}/api/v1/items?q=GEN&limit=200", timeout=10).json()
    found = []
    for item in items:
        where = http.get(f"{live_server.url}/api/v1/items/{item['sku']}", timeout=10).json()
        if on_shelves(where["lines"]) >= 2:
            found.append(item["sku"])
        if len(found) == count:
            return found
    raise AssertionError("the demo warehouse should hold stock of several items")


def test_released_orders_become_pick_lists_in_walking_order_claimed_once(live_server):
    http = live_server.session("supervisor")
    carrier = f"TEST-{uuid.uuid4().hex[:6]}"
    numbers = []
    for sku in stocked_skus(live_server, http, 5):
        number = f"W-{uuid.uuid4().hex[:8]}"
        created = http.post(f"{live_server.url}/api/v1/orders", timeout=10, json={
            "number": number, "customer_name": "张军", "address": "北京市 朝阳区 建国路443号", "carrier": carrier,
            "paid_at": "2026-11-23T08:00:00", "lines": [{"sku": sku, "qty": 1}]})
        assert created.status_code == 201, created.text
        assert http.post(f"{live_server.url}/api/v1/orders/{number}/release", timeout=10).status_code == 200
        numbers.append(number)
    answer = http.post(f"{live_server.url}/api/v1/waves", timeout=30, json={
        "filters": {"carrier": carrier}, "cart": {"totes": 3, "tote_capacity": 10}, "method": "savings"})
    assert answer.status_code == 201, answer.text
    wave = answer.json()["wave"]
    assert wave["orders"] == 5 and len(wave["pick_lists"]) == 2  # 5 orders, 3 totes a cart
    stops = [s for p in wave["pick_lists"] for s in p["stops"]]
    assert sorted(s["order"] for s in stops) == sorted(numbers)
    assert all(p["route_length_m"] > 0 and p["totes"] <= 3 for p in wave["pick_lists"])

    first = wave["pick_lists"][0]["pick_list"]
    picker = live_server.session("picker")
    assert picker.post(f"{live_server.url}/api/v1/pick-lists/{first}/claim", timeout=10).status_code == 200
    again = live_server.session("picker").post(f"{live_server.url}/api/v1/pick-lists/{first}/claim", timeout=10)
    assert again.status_code == 409 and again.json()["error"]["code"] == "already_claimed"
    assert http.get(f"{live_server.url}/api/v1/orders/{numbers[0]}", timeout=10).json()["status"] == "allocated"


def test_a_picker_choosing_a_list_gets_each_open_list_without_its_stops(live_server):
    http = live_server.session("supervisor")
    carrier = f"TEST-{uuid.uuid4().hex[:6]}"
    for sku in stocked_skus(live_server, http, 4):
        number = f"S-{uuid.uuid4().hex[:8]}"
        assert http.post(f"{live_server.url}/api/v1/orders", timeout=10, json={
            "number": number, "customer_name": "李娜", "address": "上海市 浦东新区 世纪大道100号", "carrier": carrier,
            "paid_at": "2026-11-23T08:00:00", "lines": [{"sku": sku, "qty": 1}]}).status_code == 201
        assert http.post(f"{live_server.url}/api/v1/orders/{number}/release", timeout=10).status_code == 200
    wave = http.post(f"{live_server.url}/api/v1/waves", timeout=30, json={
        "filters": {"carrier": carrier}, "cart": {"totes": 2, "tote_capacity": 10}, "method": "savings"}).json()["wave"]
    ours = {p["pick_list"]: p for p in wave["pick_lists"]}
    picker = live_server.session("picker")
    full = picker.get(f"{live_server.url}/api/v1/pick-lists?status=open", timeout=10)
    summary = picker.get(f"{live_server.url}/api/v1/pick-lists?status=open&view=summary", timeout=10)
    assert summary.status_code == 200
    assert [e["pick_list"] for e in summary.json()] == [e["pick_list"] for e in full.json()]  # same lists, same order
    shown = {e["pick_list"]: e for e in summary.json() if e["pick_list"] in ours}
    assert set(shown) == set(ours) and len(ours) == 2
    for number, entry in shown.items():
        assert "stops" not in entry and entry["stop_count"] == len(ours[number]["stops"])
        assert (entry["totes"], entry["route_length_m"], entry["wave"]) == (
            ours[number]["totes"], ours[number]["route_length_m"], wave["wave"])
    assert len(summary.content) * 3 < len(full.content)

    # The pick screen in one request: after a claim, the list is the picker's own (whole, with the stop
    # to walk to) and no longer open; another user's screen does not count it as theirs.
    taken, other = list(ours)
    assert picker.post(f"{live_server.url}/api/v1/pick-lists/{taken}/claim", timeout=10).status_code == 200
    screen = picker.get(f"{live_server.url}/api/v1/pick-lists/choice", timeout=10)
    assert screen.status_code == 200
    mine = {e["pick_list"]: e for e in screen.json()["mine"]}
    assert mine[taken]["stops"] == ours[taken]["stops"] and mine[taken]["stop"]["bin"] == ours[taken]["stops"][0]["bin"]
    # The open ones: the first 25 in line, as the summaries list them, and whether more wait.
    in_line = picker.get(f"{live_server.url}/api/v1/pick-lists?status=open&view=summary", timeout=10).json()
    assert screen.json()["open"] == in_line[:25] and screen.json()["open_more"] == (len(in_line) > 25)
    assert taken not in {e["pick_list"] for e in in_line} and other in {e["pick_list"] for e in in_line}
    assert taken not in {e["pick_list"] for e in http.get(f"{live_server.url}/api/v1/pick-lists/choice",
                                                          timeout=10).json()["mine"]}
    assert requests.get(f"{live_server.url}/api/v1/pick-lists/choice", timeout=10).status_code == 401

    bad = picker.get(f"{live_server.url}/api/v1/pick-lists?status=open&view=everything", timeout=10)
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "bad_request"
    assert bad.json()["error"]["message"]["en"] and bad.json()["error"]["message"]["zh"]
