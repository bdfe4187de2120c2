"""An order cancelled while its picker is mid-list, on the live server: the picker's device is told at
once, the order's stops are gone and the list goes on with the others; the unit already in its tote goes
back to the shelf through the put-back task, by real scans."""
import uuid

from tests.server.realtime.test_picking_live import a_wave, barcode_of, next_event, send
from tests.conftest import on_shelves


def two_skus(live_server):
    boss = live_server.session("supervisor")
    found = []
    for item in boss.get(f"{live_server.url}/api/v1/items?q=GEN1&limit=100", timeout=10).json():
        if on_shelves(boss.get(f"{live_server.url}/api/v1/items/{item['sku']}", timeout=10).json()["lines"]) >= 3:
            found.append(item["sku"])
        if len(found) == 2:
            return found
    raise AssertionError("the demo warehouse has no two items in stock")


def test_a_picker_mid_list_is_told_and_the_picked_unit_is_put_back_by_scans(live_server):
    boss = live_server.session("supervisor")
    first_sku, second_sku = two_skus(live_server)
    list_id, numbers, stops = a_wave(live_server, [[(first_sku, 1)], [(second_sku, 1)]], totes=2)
    assert sorted(stop["order"] for stop in stops) == sorted(numbers)
    cancelled, kept = stops[0]["order"], stops[1]["order"]
    totes = {n: f"TOTE-{uuid.uuid4().hex[:6].upper()}" for n in (1, 2)}
    barcodes = {stop["sku"]: barcode_of(live_server, stop["sku"]) for stop in stops}
    picker = live_server.floor_client("picker")
    try:
        for slot, tote in totes.items():
            assert send(picker, "pick.tote", tote, pick_list=list_id, slot=slot)["ok"]
        assert send(picker, "pick", stops[0]["bin"], pick_list=list_id)["ok"]
        picked = send(picker, "pick", barcodes[stops[0]["sku"]], pick_list=list_id)
        assert picked["ok"], picked
        tote = totes[picked["result"]["put_into_tote"]]

        answer = boss.post(f"{live_server.url}/api/v1/orders/{cancelled}/cancel", timeout=10,
                           json={"reason": "买家退款 refund requested"})
        assert answer.status_code == 200, answer.text
        result = answer.json()["cancellation"]
        assert (result["status"], result["cancelled_from"]) == ("cancelled", "picking")
        task = result["put_back"][0]
        assert (task["source"], task["remaining"], task["lines"][0]["suggested_bin"]) == (tote, 1, stops[0]["bin"])

        told = next_event(picker, "order_cancelled")
        assert (told["order"], told["pick_lists"]) == (cancelled, [list_id])
        assert told["reason"] == "买家退款 refund requested"
        assert told["put_back"] == [{"task": task["task"], "scan": tote, "source": tote}]

        # A second cancellation is refused by name; the list goes on with the other order only.
        again = boss.post(f"{live_server.url}/api/v1/orders/{cancelled}/cancel", timeout=10, json={"reason": "x"})
        assert again.status_code == 409 and again.json()["error"]["code"] == "order_already_cancelled"
        bin_scan = send(picker, "pick", stops[1]["bin"], pick_list=list_id)
        assert bin_scan["ok"] and bin_scan["result"]["stop"]["order"] == kept, bin_scan
        statuses = {row["order"]: row["status"] for row in bin_scan["result"]["pick_list"]["stops"]}
        assert statuses[cancelled] == "picked"
        done = send(picker, "pick", barcodes[stops[1]["sku"]], pick_list=list_id)
        assert done["ok"] and done["result"]["done"], done

        # The put-back, by scans: the tote, the unit, the bin.
        listed = live_server.session("picker").get(f"{live_server.url}/api/v1/put-back-tasks", timeout=10).json()
        assert task["task"] in [t["task"] for t in listed]
        opened = send(picker, "putback", tote)
        assert opened["ok"] and opened["result"]["task"] == task["task"] and opened["next"] == "scan_unit", opened
        unit = send(picker, "putback.unit", barcodes[stops[0]["sku"]], task=task["task"])
        assert unit["ok"] and unit["next"] == "scan_bin" and unit["result"]["unit"]["sku"] == stops[0]["sku"], unit
        wrong = send(picker, "putback.bin", "TOTE-NOT-A-BIN", task=task["task"], unit=barcodes[stops[0]["sku"]])
        assert wrong["ok"] is False
        message = {"scan_id": str(uuid.uuid4()), "mode": "putback.bin", "code": stops[0]["bin"],
                   "task": task["task"], "unit": barcodes[stops[0]["sku"]]}
        back = picker.call("scan", message, timeout=10)
        assert back["ok"] and back["next"] == "done" and back["result"]["status"] == "done", back
        assert back["result"]["put"]["bin"] == stops[0]["bin"]
        assert picker.call("scan", message, timeout=10) == back  # a resend is answered, not moved twice
    finally:
        picker.disconnect()
    order = boss.get(f"{live_server.url}/api/v1/orders/{cancelled}", timeout=10).json()
    assert order["status"] == "cancelled" and order["cancellation"]["reason"] == "买家退款 refund requested"
    assert order["cancellation"]["put_back"][0]["status"] == "done"
    assert order["lines"][0]["reserved"][0]["status"] == "picked"
    history = boss.get(f"{live_server.url}/api/v1/ledger/items/{stops[0]['sku']}", timeout=10).json()
    moves = [(m["bin"], m["qty"], m["reason"]) for m in history["moves"] if m["bin"] == tote]
    assert moves == [(tote, 1, "pick"), (tote, -1, "put_back")]
    assert history["bins"].get(tote) is None  # the tote is empty again
