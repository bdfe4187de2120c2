"""The receiving journey end to end on a live server over Socket.IO: PO scan, packaging check,
count, signature, sampled inspection, LPN label on the printer emulator, put-away, stock."""
import time
import uuid

import pytest


def send(client, mode, code=None, **payload):
    message = {"scan_id": str(uuid.uuid4()), "mode": mode, **payload}
    if code is not None:
        message["code"] = code
    return client.call("scan", message, timeout=10)


def wait_for(predicate, timeout=15.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError("timed out")


@pytest.fixture
def new_po(live_server):
    """A fresh PO for 30 units of one catalogue item (tests must not share receipts)."""
    http = live_server.session("supervisor")
    items = http.get(f"{live_server.url}/api/v1/items?q=GEN2", timeout=5).json()
    item = items[uuid.uuid4().int % len(items)]
    answer = http.post(f"{live_server.url}/api/v1/purchase-orders",
                       json={"supplier": "SUP-YW", "lines": [{"sku": item["sku"], "qty": 30}]}, timeout=5)
    assert answer.status_code == 201, answer.text
    return answer.json()["purchase_order"] | {"barcode": item["barcodes"][0]["code"], "sku": item["sku"]}


@pytest.fixture
def receiver(live_server):
    client = live_server.floor_client("receiver")
    yield client
    client.disconnect()


@pytest.fixture
def inspector(live_server):
    client = live_server.floor_client("inspector")
    yield client
    client.disconnect()


def test_a_delivery_goes_from_po_scan_to_stock_in_a_bin(live_server, new_po, receiver, inspector,
                                                        printer_agent, healthy_printer):
    opened = send(receiver, "receive", new_po["number"])
    assert opened["ok"] and opened["kind"] == "po" and opened["next"] == "check_carton"
    receipt = opened["result"]["receipt"]
    assert opened["result"]["po"]["lines"][0]["open"] == 30

    refused = send(receiver, "receive", new_po["barcode"], receipt=receipt)
    assert refused["error"]["code"] == "packaging_check_first"
    carton = send(receiver, "receive.carton", receipt=receipt, condition="intact")
    assert carton["result"]["carton"] == {"seq": 1, "condition": "intact", "flagged": False,
                                          "replacement_requested": False}
    assert send(receiver, "receive", new_po["barcode"], receipt=receipt)["result"]["counted"]["open"] == 29
    assert send(receiver, "receive", new_po["barcode"], receipt=receipt, qty=29)["ok"]
    over = send(receiver, "receive", new_po["barcode"], receipt=receipt)
    assert over["error"]["code"] == "over_receipt" and "Only 0 " in over["error"]["message"]["en"]
    stranger = send(receiver, "receive", live_server.demo["item_barcode"], receipt=receipt)
    assert stranger["error"]["code"] == "item_not_on_po"

    signed = send(receiver, "receive.confirm", receipt=receipt)
    assert signed["ok"] and signed["result"]["signed_by"] == "receiver"
    [lot] = signed["result"]["lots"]
    assert lot["progress"]["remaining"] == 3  # 10 % of 30

    assert send(receiver, "inspect", new_po["barcode"], inspection=lot["inspection"],
                result="pass")["error"]["code"] == "forbidden"
    for _ in range(3):
        marked = send(inspector, "inspect", new_po["barcode"], inspection=lot["inspection"], result="pass")
        assert marked["ok"], marked
    assert marked["result"]["decision"] == "accept" and marked["next"] == "done"
    [task] = marked["result"]["putaway"]
    assert task["qty"] == 30 and task["suggested_bin"]

    label = wait_for(lambda: [p for p in healthy_printer.printed if task["lpn"] in p.zpl])
    assert len(label) == 1

    taken = send(receiver, "putaway", task["lpn"])
    assert taken["next"] == "scan_bin" and taken["result"]["suggested_bin"] == task["suggested_bin"]
    done = send(receiver, "putaway", task["suggested_bin"], task=task["task"])
    assert done["ok"] and done["result"]["status"] == "done" and done["result"]["bin"] == task["suggested_bin"]

    shelf = send(receiver, "lookup", task["suggested_bin"])
    assert (new_po["sku"], lot["lot"], 30) in [(line["sku"], line["lot"], line["qty"])
                                              for line in shelf["result"]["lines"]]


def test_a_repeated_confirm_from_a_flaky_link_is_answered_not_applied(live_server, new_po, receiver):
    receipt = send(receiver, "receive", new_po["number"])["result"]["receipt"]
    send(receiver, "receive.carton", receipt=receipt, condition="wet")
    send(receiver, "receive", new_po["barcode"], receipt=receipt, qty=10)
    command = {"scan_id": str(uuid.uuid4()), "mode": "receive.confirm", "receipt": receipt}
    first = receiver.call("scan", command, timeout=10)
    again = receiver.call("scan", command, timeout=10)
    assert first["ok"] and again == first
    inspections = live_server.session("inspector").get(f"{live_server.url}/api/v1/inspections", timeout=5).json()
    mine = [i for i in inspections if i["lot"] == first["result"]["lots"][0]["lot"]]
    assert len(mine) == 1 and mine[0]["flagged_qty"] == 10  # a wet carton: every unit is inspected
