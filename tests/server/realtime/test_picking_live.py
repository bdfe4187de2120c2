"""Picking over Socket.IO on the live server: totes, bin, item, a hold pushed to the picker's device
in real time that stops the next scan, then the release and the pick completed."""
import time
import uuid

import socketio
from tests.conftest import on_shelves


def next_event(client, name, timeout=5):
    """The next pushed event of this name (other pushes, e.g. pick list claims, pass by)."""
    while True:
        event, data = client.receive(timeout=timeout)
        if event == name:
            return data


def drain(client, wait=0.5):
    """Every event pushed to the client until it has been quiet for `wait` seconds."""
    events = []
    while True:
        try:
            events.append(client.receive(timeout=wait))
        except socketio.exceptions.TimeoutError:
            return events


def send(client, mode, code=None, **payload):
    message = {"scan_id": str(uuid.uuid4()), "mode": mode, **payload} | ({"code": code} if code else {})
    return client.call("scan", message, timeout=10)


def test_a_picker_picks_a_wave_and_a_hold_reaches_the_handheld_at_once(live_server):
    supervisor = live_server.session("supervisor")
    item = next(i for i in supervisor.get(f"{live_server.url}/api/v1/items?q=GEN1&limit=100", timeout=10).json()
                if on_shelves(supervisor.get(f"{live_server.url}/api/v1/items/{i['sku']}",
                                             timeout=10).json()["lines"]) >= 2)
    number, carrier = f"P-{uuid.uuid4().hex[:8]}", f"PICK-{uuid.uuid4().hex[:6]}"
    supervisor.post(f"{live_server.url}/api/v1/orders", timeout=10, json={
        "number": number, "customer_name": "朱涛", "address": "江苏省 苏州市 星湖街749号", "carrier": carrier,
        "paid_at": "2026-11-23T08:00:00", "lines": [{"sku": item["sku"], "qty": 1}]}).raise_for_status()
    supervisor.post(f"{live_server.url}/api/v1/orders/{number}/release", timeout=10).raise_for_status()
    wave = supervisor.post(f"{live_server.url}/api/v1/waves", timeout=30, json={
        "filters": {"carrier": carrier}, "cart": {"totes": 2, "tote_capacity": 10}}).json()["wave"]
    list_id = wave["pick_lists"][0]["pick_list"]
    stop = wave["pick_lists"][0]["stops"][0]

    picker = live_server.floor_client("picker")
    colleague = live_server.floor_client("picker", device="PDA-02", watch=["pick_lists"])  # a screen choosing a list
    bystander = live_server.floor_client("receiver", device="PDA-03")  # a device busy with something else
    try:
        # The claim belongs to the picker user, whichever of their sessions made it.
        claim = live_server.session("picker").post(f"{live_server.url}/api/v1/pick-lists/{list_id}/claim", timeout=10)
        assert claim.status_code == 200
        assert next_event(colleague, "pick_lists") == {"event": "pick_list_claimed", "pick_list": list_id,
                                                       "claimed_by": "picker"}
        assert not any(name == "pick_lists" for name, _ in drain(bystander))
        assert send(picker, "pick.tote", f"TOTE-{uuid.uuid4().hex[:6].upper()}", pick_list=list_id, slot=1)["ok"]
        assert send(picker, "pick", stop["bin"], pick_list=list_id)["next"] == "scan_item"

        supervisor.post(f"{live_server.url}/api/v1/orders/{number}/hold", json={"reason": "地址有误 wrong address"},
                        timeout=10).raise_for_status()
        assert next_event(picker, "hold") == {"order": number, "on_hold": True, "reason": "地址有误 wrong address"}
        refused = send(picker, "pick", item["barcodes"][0]["code"], pick_list=list_id)
        assert refused["error"]["code"] == "order_on_hold" and refused["sound"] == "error"

        supervisor.post(f"{live_server.url}/api/v1/orders/{number}/release-hold", timeout=10).raise_for_status()
        assert next_event(picker, "hold")["on_hold"] is False
        done = send(picker, "pick", item["barcodes"][0]["code"], pick_list=list_id)
        assert done["ok"] and done["next"] == "done" and done["result"]["done"]
    finally:
        picker.disconnect()
        colleague.disconnect()
        bystander.disconnect()
    deadline = time.monotonic() + 5
    while supervisor.get(f"{live_server.url}/api/v1/orders/{number}", timeout=5).json()["status"] != "picked":
        assert time.monotonic() < deadline
        time.sleep(0.05)


def a_wave(live_server, lines_per_order, totes):
    """Orders (one per entry of `lines_per_order`: [(sku, qty)]) released into a wave of their own, its
    first pick list claimed by the picker: (pick list id, order numbers, the list's stops)."""
    boss = live_server.session("supervisor")
    carrier, numbers = f"WAVE-{uuid.uuid4().hex[:6]}", []
    for lines in lines_per_order:
        numbers.append(f"P-{uuid.uuid4().hex[:8]}")
        boss.post(f"{live_server.url}/api/v1/orders", timeout=10, json={
            "number": numbers[-1], "customer_name": "朱涛", "address": "江苏省 苏州市 星湖街749号", "carrier": carrier,
            "paid_at": "2026-11-23T08:00:00", "lines": [{"sku": sku, "qty": qty} for sku, qty in lines]}
        ).raise_for_status()
        boss.post(f"{live_server.url}/api/v1/orders/{numbers[-1]}/release", timeout=10).raise_for_status()
    wave = boss.post(f"{live_server.url}/api/v1/waves", timeout=30, json={
        "filters": {"carrier": carrier}, "cart": {"totes": totes, "tote_capacity": 50}}).json()["wave"]
    pick_list = wave["pick_lists"][0]
    live_server.session("picker").post(f"{live_server.url}/api/v1/pick-lists/{pick_list['pick_list']}/claim",
                                       timeout=10).raise_for_status()
    return pick_list["pick_list"], numbers, pick_list["stops"]


def barcode_of(live_server, sku):
    item = live_server.session("supervisor").get(f"{live_server.url}/api/v1/items/{sku}", timeout=10).json()
    return item["item"]["barcodes"][0]["code"]


def test_a_tote_holding_another_orders_unpacked_units_is_refused_naming_that_order(live_server, pick_an_order):
    packed_later = pick_an_order()  # picked into its tote, not packed
    sku = next(sku for sku, _, _ in packed_later["lines"])
    list_id, (number,), stops = a_wave(live_server, [[(sku, 1)]], totes=1)
    picker = live_server.floor_client("picker")
    try:
        refused = send(picker, "pick.tote", packed_later["tote"], pick_list=list_id, slot=1)
        assert refused["ok"] is False and refused["error"]["code"] == "tote_in_use", refused
        assert packed_later["number"] in refused["error"]["message"]["en"]
        assert packed_later["number"] in refused["error"]["message"]["zh"]
        assert "周转箱" in refused["error"]["message"]["zh"]

        # Packed, the tote is empty: the next order may have it.
        live_server.session("packer").post(f"{live_server.url}/api/v1/stations/PACK-01/sign-in",
                                           timeout=10).raise_for_status()
        station = live_server.floor_client("packer", station="PACK-01")
        try:
            for code in [packed_later["tote"], *(b for _, qty, b in packed_later["lines"] for _ in range(qty))]:
                assert send(station, "pack", code, station="PACK-01")["ok"]
            assert send(station, "pack.close", station="PACK-01")["ok"]
        finally:
            station.disconnect()
        bound = send(picker, "pick.tote", packed_later["tote"], pick_list=list_id, slot=1)
        assert bound["ok"], bound
        # Picked to the end, so nothing of this wave stays promised in the shared demo warehouse.
        assert send(picker, "pick", stops[0]["bin"], pick_list=list_id)["ok"]
        picked = send(picker, "pick", barcode_of(live_server, sku), pick_list=list_id)
        assert picked["ok"], picked
    finally:
        picker.disconnect()


def test_the_next_stop_at_the_bin_just_scanned_takes_the_item_without_the_bin_again(live_server):
    boss = live_server.session("supervisor")
    # From the start of the catalogue: test_wave_live takes its contested bin from the end.
    sku = next(i["sku"] for i in boss.get(f"{live_server.url}/api/v1/items?q=GEN&limit=300", timeout=10).json()
               if on_shelves(boss.get(f"{live_server.url}/api/v1/items/{i['sku']}", timeout=10).json()["lines"]) >= 8)
    list_id, _, stops = a_wave(live_server, [[(sku, 1)], [(sku, 1)]], totes=2)
    assert [stop["bin"] for stop in stops][:2] == [stops[0]["bin"]] * 2, stops  # two orders, one bin
    barcode = barcode_of(live_server, sku)
    picker = live_server.floor_client("picker")
    try:
        for slot in (1, 2):
            assert send(picker, "pick.tote", f"TOTE-{uuid.uuid4().hex[:6].upper()}", pick_list=list_id,
                        slot=slot)["ok"]
        assert send(picker, "pick", stops[0]["bin"], pick_list=list_id)["next"] == "scan_item"
        first = send(picker, "pick", barcode, pick_list=list_id)
        assert first["ok"] and first["next"] == "scan_item", first
        assert first["result"]["stop"]["bin"] == stops[0]["bin"] and first["result"]["stop"]["bin_confirmed"]
        second = send(picker, "pick", barcode, pick_list=list_id)  # no bin scan in between
        assert second["ok"], second
        assert second["result"]["picked_task"] != first["result"]["picked_task"]
    finally:
        picker.disconnect()
