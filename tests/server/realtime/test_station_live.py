"""A packing station's page on the live server: it is told why its labels wait (the printer is out of
paper) the moment the agent knows, and when they print — each exactly once; a hold placed while the
order is on the station stops its next scan."""
import re
import time
import uuid

from tests.conftest import label_texts

STATION = "PACK-01"


def send(client, mode, code=None, **payload):
    message = {"scan_id": str(uuid.uuid4()), "mode": mode, "station": STATION, **payload}
    return client.call("scan", message | ({"code": code} if code else {}), timeout=10)


def pushes(client, name, until, timeout=20):
    """Pushed events of one kind, collected until `until(events)` holds."""
    seen, deadline = [], time.monotonic() + timeout
    while not until(seen):
        event, data = client.receive(timeout=max(0.1, deadline - time.monotonic()))
        if event == name:
            seen.append(data)
    return seen


def pack_everything(page, order):
    assert send(page, "pack", order["tote"])["ok"]
    for _, qty, barcode in order["lines"]:
        for _ in range(qty):
            assert send(page, "pack", barcode)["ok"]


def test_the_station_sees_its_labels_wait_for_paper_and_then_print_once(
        live_server, printer_agent, healthy_printer, pick_an_order):
    order = pick_an_order()
    live_server.session("packer").post(f"{live_server.url}/api/v1/stations/{STATION}/sign-in",
                                       timeout=10).raise_for_status()
    page = live_server.floor_client("packer", station=STATION)
    try:
        pack_everything(page, order)
        printed_before = len(healthy_printer.printed)
        healthy_printer.set_faults(paper_out=True)
        tracking = send(page, "pack.close")["result"]["closed"]["tracking"]
        waiting = pushes(page, "print_job", lambda seen: any(j["status"] == "waiting" for j in seen))
        assert any(j["reason"] in ("paper_out", "no_status_response") for j in waiting if j["status"] == "waiting")
        assert len(healthy_printer.printed) == printed_before
        healthy_printer.set_faults(paper_out=False)
        done = pushes(page, "print_job", lambda seen: len({j["id"] for j in seen if j["status"] == "printed"}) == 2)
        assert {j["kind"] for j in done if j["status"] == "printed"} == {"shipping_label", "packing_list"}
        # Each label once: a one-label job sent after them to the same printer comes out next (the agent
        # prints a printer's jobs one at a time, in order), so a duplicate would have come out before it.
        boss = live_server.session("supervisor")
        barrier = boss.post(f"{live_server.url}/api/v1/print-jobs/bin-labels", timeout=10, json={
            "printer": live_server.demo["printer"], "zone": "A", "bins": ["A-02-02-2"]}).json()["job"]["id"]
        labels = healthy_printer.wait_for_printed(printed_before + 3, timeout=20)[printed_before:]
        assert len(labels) == 3 and "A-02-02-2" in labels[2].zpl, [label.zpl[:80] for label in labels]
        # and reported printed before the agent stops (a job left `sent` would hold up later tests' agents)
        deadline = time.monotonic() + 20
        while boss.get(f"{live_server.url}/api/v1/print-jobs/{barrier}", timeout=10).json()["status"] != "printed":
            assert time.monotonic() < deadline, "the barrier job was not reported printed"
            time.sleep(0.05)
        assert sum(tracking[-6:] in label.zpl for label in labels[:2]) == 1
    finally:
        page.disconnect()


def test_a_hold_stops_the_order_on_the_station_and_the_packer_sets_it_aside(live_server, pick_an_order):
    order = pick_an_order()
    boss = live_server.session("supervisor")
    page = live_server.floor_client("packer", station=STATION)
    try:
        assert send(page, "pack", order["tote"])["ok"]
        boss.post(f"{live_server.url}/api/v1/orders/{order['number']}/hold", json={"reason": "地址有误 wrong address"},
                  timeout=10).raise_for_status()
        hold = pushes(page, "hold", lambda seen: bool(seen))[0]
        assert hold == {"order": order["number"], "on_hold": True, "reason": "地址有误 wrong address"}
        refused = send(page, "pack", order["lines"][0][2])
        assert refused["error"]["code"] == "order_on_hold"
        aside = send(page, "pack.aside")
        assert aside["ok"] and aside["result"]["set_aside"] == order["number"] and aside["result"]["order"] is None
        assert send(page, "pack", order["tote"])["error"]["code"] == "order_on_hold"
        boss.post(f"{live_server.url}/api/v1/orders/{order['number']}/release-hold", timeout=10).raise_for_status()
        resumed = send(page, "pack", order["tote"])
        assert resumed["ok"] and resumed["result"]["order"]["number"] == order["number"]
        assert send(page, "pack.aside")["ok"]  # leave the station free for the other tests
    finally:
        page.disconnect()


def test_the_shipping_label_that_reaches_the_printer_says_how_many_items_the_parcel_holds(
        live_server, printer_agent, healthy_printer, pick_an_order):
    order = pick_an_order()  # 2 + 1 units
    live_server.session("packer").post(f"{live_server.url}/api/v1/stations/{STATION}/sign-in",
                                       timeout=10).raise_for_status()
    page = live_server.floor_client("packer", station=STATION)
    try:
        pack_everything(page, order)
        printed_before = len(healthy_printer.printed)
        tracking = send(page, "pack.close", weight_g=800)["result"]["closed"]["tracking"]
        pushes(page, "print_job", lambda seen: len({j["id"] for j in seen if j["status"] == "printed"}) == 2)
        labels = healthy_printer.wait_for_printed(printed_before + 2, timeout=20)[printed_before:]
    finally:
        page.disconnect()
    shipping = next(label_texts(label.zpl) for label in labels if tracking in label_texts(label.zpl))
    footer = next(text for text in shipping if text.startswith("Order 订单"))
    # Read as printed, whichever word the line wraps at.
    assert re.sub(r"\s", "", footer).startswith("Order订单·API·3items件·packed打包"), footer
    for label in labels:  # every word printed is a value, never a Python object
        assert not re.search(r"<built-in|<bound method|object at 0x", " ".join(label_texts(label.zpl))), label.zpl
