"""A whole wave picked on the live server by two simulated pickers (python-socketio clients):
wrong bin, wrong item, two pickers meeting at a bin whose last unit is gone (one picks, the other
reports it short and is re-allocated at once), a hold in the middle of picking; afterwards every
list is done and the books balance."""
import uuid

import pytest

from tests.conftest import SHELF, on_shelves


def next_event(client, name, timeout=5):
    """The next pushed event of this name (other pushes, e.g. pick list claims, pass by)."""
    while True:
        event, data = client.receive(timeout=timeout)
        if event == name:
            return data


def send(client, mode, code=None, **payload):
    message = {"scan_id": str(uuid.uuid4()), "mode": mode, **payload} | ({"code": code} if code else {})
    return client.call("scan", message, timeout=10)


def item_in_two_bins(live_server, http):
    """An item whose first FIFO place holds at least 2 units and that is also stocked elsewhere
    (taken from the end of the catalogue: other tests order from its start)."""
    for item in reversed(http.get(f"{live_server.url}/api/v1/items?q=GEN&limit=300", timeout=10).json()):
        lines = [line for line in http.get(f"{live_server.url}/api/v1/items/{item['sku']}", timeout=10).json()["lines"]
                 if SHELF.match(line["bin"])]  # units left in totes or parcels by earlier tests cannot be re-allocated
        if len(lines) >= 2 and lines[0]["qty"] >= 2 and len({line["bin"] for line in lines}) >= 2:
            return item
    pytest.fail("the demo warehouse should stock some item in two bins")


def other_item(live_server, http, not_sku):
    for item in http.get(f"{live_server.url}/api/v1/items?q=TB&limit=100", timeout=10).json():
        if item["sku"] != not_sku and on_shelves(http.get(f"{live_server.url}/api/v1/items/{item['sku']}",
                                                          timeout=10).json()["lines"]) >= 1:
            return item
    pytest.fail("no second stocked item")


def pick_stop(client, list_id, stop, barcode):
    assert send(client, "pick", stop["bin"], pick_list=list_id)["next"] == "scan_item"
    return send(client, "pick", barcode, pick_list=list_id, qty=stop["qty"] - stop["picked"])


def test_a_wave_is_picked_by_two_pickers_through_errors_a_short_and_a_hold(live_server):
    boss = live_server.session("supervisor")
    busy, calm = item_in_two_bins(live_server, boss), None
    calm = other_item(live_server, boss, busy["sku"])
    carrier = f"WAVE-{uuid.uuid4().hex[:6]}"
    numbers = {}
    for name, item in (("first", busy), ("second", busy), ("held", calm)):
        number = f"E2E-{uuid.uuid4().hex[:8]}"
        boss.post(f"{live_server.url}/api/v1/orders", timeout=10, json={
            "number": number, "customer_name": "赵杰", "address": "四川省 成都市 人民南路267号", "carrier": carrier,
            "paid_at": "2026-11-23T07:00:00", "lines": [{"sku": item["sku"], "qty": 1}]}).raise_for_status()
        boss.post(f"{live_server.url}/api/v1/orders/{number}/release", timeout=10).raise_for_status()
        numbers[name] = number
    wave = boss.post(f"{live_server.url}/api/v1/waves", timeout=30, json={
        "filters": {"carrier": carrier}, "cart": {"totes": 1, "tote_capacity": 10}}).json()["wave"]
    list_of = {pl["stops"][0]["order"]: pl for pl in wave["pick_lists"]}
    first, second, held = (list_of[numbers[k]] for k in ("first", "second", "held"))
    assert first["stops"][0]["bin"] == second["stops"][0]["bin"]  # both promised units of the same place

    picker_a, picker_b = live_server.floor_client("picker"), live_server.floor_client("supervisor")
    try:
        for client, user, pick_list in ((picker_a, "picker", first), (picker_b, "supervisor", second)):
            claim = live_server.session(user).post(
                f"{live_server.url}/api/v1/pick-lists/{pick_list['pick_list']}/claim", timeout=10)
            assert claim.status_code == 200, claim.text
            assert send(client, "pick.tote", f"TOTE-{uuid.uuid4().hex[:6].upper()}",
                        pick_list=pick_list["pick_list"], slot=1)["ok"]

        stop = first["stops"][0] | {"picked": 0}
        wrong = send(picker_a, "pick", "Q-01-01-1", pick_list=first["pick_list"])
        assert wrong["error"]["code"] == "wrong_bin" and stop["bin"] in wrong["error"]["message"]["en"]
        assert send(picker_a, "pick", stop["bin"], pick_list=first["pick_list"])["ok"]
        wrong_item = send(picker_a, "pick", calm["barcodes"][0]["code"], pick_list=first["pick_list"])
        assert wrong_item["error"]["code"] == "wrong_item"
        done = send(picker_a, "pick", busy["barcodes"][0]["code"], pick_list=first["pick_list"])
        assert done["ok"] and done["result"]["done"]

        # Picker B reaches the same bin: its last unit is physically gone (the books said otherwise).
        assert send(picker_b, "pick", stop["bin"], pick_list=second["pick_list"])["ok"]
        shorted = send(picker_b, "pick.short", pick_list=second["pick_list"], found=0)
        assert shorted["ok"] and shorted["result"]["re_allocated"] == 1, shorted
        new_stop = shorted["result"]["stop"]
        assert new_stop["bin"] != stop["bin"]
        assert pick_stop(picker_b, second["pick_list"], new_stop, busy["barcodes"][0]["code"])["result"]["done"]

        # A hold arrives while picker A works on the third list.
        live_server.session("picker").post(f"{live_server.url}/api/v1/pick-lists/{held['pick_list']}/claim",
                                           timeout=10).raise_for_status()
        send(picker_a, "pick.tote", f"TOTE-{uuid.uuid4().hex[:6].upper()}", pick_list=held["pick_list"], slot=1)
        hold_stop = held["stops"][0]
        assert send(picker_a, "pick", hold_stop["bin"], pick_list=held["pick_list"])["ok"]
        boss.post(f"{live_server.url}/api/v1/orders/{numbers['held']}/hold",
                  json={"reason": "客户取消 customer cancels"}, timeout=10).raise_for_status()
        assert next_event(picker_a, "hold") == {"order": numbers["held"], "on_hold": True,
                                                  "reason": "客户取消 customer cancels"}
        refused = send(picker_a, "pick", calm["barcodes"][0]["code"], pick_list=held["pick_list"])
        assert refused["error"]["code"] == "order_on_hold"
        boss.post(f"{live_server.url}/api/v1/orders/{numbers['held']}/release-hold", timeout=10).raise_for_status()
        assert send(picker_a, "pick", calm["barcodes"][0]["code"], pick_list=held["pick_list"])["result"]["done"]
    finally:
        picker_a.disconnect()
        picker_b.disconnect()

    for number in numbers.values():
        assert boss.get(f"{live_server.url}/api/v1/orders/{number}", timeout=10).json()["status"] == "picked"
    check = boss.get(f"{live_server.url}/api/v1/stock/check", timeout=10).json()
    assert check == {"balanced": True, "disagreements": []}
    dashboard = boss.get(f"{live_server.url}/sup/picking", timeout=10).text
    assert f'data-pick-list="{second["pick_list"]}"' in dashboard and "Short" in dashboard
