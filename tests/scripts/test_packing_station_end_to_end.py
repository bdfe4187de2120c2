"""The packing station end to end on the live server: a picked tote packed with the station's fixed
scanner on a pseudo-terminal (through scripts/scan_bridge.py), a wrong item refused, the shipping label
and packing list printed by the agent on the Zebra emulator as ZPL whose barcodes decode to the
tracking and order numbers, the handover shipping the order, and the books balanced."""
import time
import uuid

STATION = "PACK-01"


def send(client, mode, code=None, **payload):
    message = {"scan_id": str(uuid.uuid4()), "mode": mode, "station": STATION, **payload}
    return client.call("scan", message | ({"code": code} if code else {}), timeout=10)


def next_station_scan(page, timeout=10):
    """The next scan of the fixed scanner the station's page is told about (echoes of the page's own
    scans and other pushes pass by)."""
    deadline = time.monotonic() + timeout
    while True:
        event, data = page.receive(timeout=max(0.1, deadline - time.monotonic()))
        if event == "station_scan" and data["device"] == "BRIDGE-01":
            return data


def test_a_tote_is_packed_with_the_fixed_scanner_printed_and_handed_over(
        live_server, printer_agent, healthy_printer, pick_an_order, make_scanner, run_bridge, label_barcodes):
    order = pick_an_order()
    wrong = live_server.demo["item_barcode"]
    assert wrong not in {barcode for _, _, barcode in order["lines"]}
    packer = live_server.session("packer")
    packer.post(f"{live_server.url}/api/v1/stations/{STATION}/sign-in", timeout=10).raise_for_status()
    page = live_server.floor_client("packer", station=STATION)
    scanner = make_scanner("station")
    bridge = run_bridge(live_server.url, live_server.data_dir / "token-BRIDGE-01.txt", [scanner.link])
    bridge.wait_for(r"port \S+ open")  # opening a serial port flushes what arrived before
    try:
        scanner.type(order["tote"].encode() + b"\r")
        opened = next_station_scan(page)
        assert opened["device"] == "BRIDGE-01" and opened["ack"]["ok"], opened
        assert opened["ack"]["result"]["order"]["number"] == order["number"]

        scanner.type(wrong.encode() + b"\r")
        refused = next_station_scan(page)["ack"]
        assert refused["error"]["code"] == "not_in_order" and order["number"] in refused["error"]["message"]["en"]

        for _, qty, barcode in order["lines"]:
            for _ in range(qty):
                scanner.type(barcode.encode() + b"\r\n")
                ack = next_station_scan(page)["ack"]
                assert ack["ok"], ack
        assert ack["next"] == "close_parcel" and ack["result"]["complete"]

        printed_before = len(healthy_printer.printed)
        closed = send(page, "pack.close", weight_g=1250)
        assert closed["ok"], closed
        tracking = closed["result"]["closed"]["tracking"]
        labels = healthy_printer.wait_for_printed(printed_before + 2, timeout=20)[printed_before:]
        shipping = next(label.zpl for label in labels if "王芳" in label.zpl and "^BC" in label.zpl
                        and tracking[-4:] in label.zpl)
        assert "^CI28" in shipping and "浙江省杭州市" in shipping and "1.25 kg" in shipping
        assert set(label_barcodes(shipping)[0]) == {tracking, order["number"]}
        packing_list = next(label.zpl for label in labels if label.zpl != shipping)
        assert "发货清单" in packing_list and all(sku in packing_list for sku, _, _ in order["lines"])
        assert order["number"] in label_barcodes(packing_list)[0]

        # Handover: the parcel's label scanned at the station puts it on the carrier's manifest.
        scanner.type(tracking.encode() + b"\r")
        onto = next_station_scan(page)["ack"]
        assert onto["ok"] and onto["kind"] == "parcel", onto
        manifest = onto["result"]["manifest"]
        assert tracking in [p["tracking"] for p in manifest["parcels"]]
        assert send(page, "handover.confirm", manifest=manifest["id"])["error"]["code"] == "driver_confirm_first"
        assert send(page, "handover.driver", manifest=manifest["id"], driver_name="李师傅", vehicle="浙A·12345")["ok"]
        shipped = send(page, "handover.confirm", manifest=manifest["id"])
        assert shipped["ok"] and shipped["result"]["status"] == "shipped"
    finally:
        page.disconnect()
        bridge.stop()

    boss = live_server.session("supervisor")
    assert boss.get(f"{live_server.url}/api/v1/orders/{order['number']}", timeout=10).json()["status"] == "shipped"
    assert boss.get(f"{live_server.url}/api/v1/parcels/{tracking}", timeout=10).json()["status"] == "shipped"
    tote = boss.get(f"{live_server.url}/api/v1/bins/{order['tote']}", timeout=10).json()
    assert tote["total_qty"] == 0
    assert boss.get(f"{live_server.url}/api/v1/stock/check", timeout=10).json() == {"balanced": True,
                                                                                  "disagreements": []}
