"""The packing scale end to end on the live server: a pseudo-terminal stands in for the scale, the bridge
runs as the script people run (scripts/scale_bridge.py), the station's page sees the live weight, and
closing a parcel takes the latest stable weight — a wrong one refused `weight_mismatch`, the right one
accepted and printed on the label, a supervisor's override kept with its reason in the audit trail.
Unstable readings never close a parcel; the scale unplugged and plugged in again comes back by itself."""
from __future__ import annotations

import json
import os
import select
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest
import socketio

from tests.conftest import ROOT
from tests.scripts.conftest import BridgeProcess, FakeScanner

SCALE_BRIDGE = ROOT / "scripts" / "scale_bridge.py"
STATION = "PACK-01"
TARE = 250  # CTN-M, the default packaging (config/default.toml)
UNIT_G = 200


def send(client, mode, code=None, **payload):
    message = {"scan_id": str(uuid.uuid4()), "mode": mode, "station": STATION, **payload}
    return client.call("scan", message | ({"code": code} if code else {}), timeout=10)


def next_event(page, name, until=lambda data: True, timeout=10):
    deadline = time.monotonic() + timeout
    while True:
        event, data = page.receive(timeout=max(0.1, deadline - time.monotonic()))
        if event == name and until(data):
            return data


def weighs(grams, stable=True):
    return lambda data: data["scale"] is not None and (data["scale"]["grams"], data["scale"]["stable"]) == (grams,
                                                                                                           stable)


class ScaleProcess(BridgeProcess):
    """`python scripts/scale_bridge.py ...` with its log collected."""

    def __init__(self, args: list[str], log_path: Path) -> None:  # not super(): that one runs the scanner bridge
        self.queue_dir = None
        self.lines = []
        self._log = open(log_path, "a", encoding="utf-8")  # noqa: SIM115 - closed by the reader thread
        self.process = subprocess.Popen([sys.executable, str(SCALE_BRIDGE), *args], cwd=ROOT, text=True,
                                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        self._reader = threading.Thread(target=self._collect, daemon=True)
        self._reader.start()


class SicsScale(FakeScanner):
    """An MT-SICS scale on a pty: it answers each `S` command with the weight it shows now."""

    def __init__(self, link: Path) -> None:
        self.answer = b"S I\r\n"
        self.commands = 0
        self._stop = threading.Event()
        super().__init__(link)
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        buffer = b""
        while not self._stop.is_set():
            master = self.master
            if master is None:
                time.sleep(0.05)
                continue
            try:
                ready, _, _ = select.select([master], [], [], 0.1)
                if not ready:
                    continue
                buffer += os.read(master, 64)
            except OSError:  # unplugged under our feet
                continue
            while b"\r\n" in buffer:
                command, buffer = buffer.split(b"\r\n", 1)
                if command.strip() == b"S":
                    self.commands += 1
                    os.write(master, self.answer)

    def shows(self, text: str) -> None:
        self.answer = text.encode() + b"\r\n"

    def unplug(self) -> None:
        self._stop.set()
        super().unplug()


@pytest.fixture
def run_scale(tmp_path, live_server):
    started: list[ScaleProcess] = []

    def run(port: Path, protocol: str) -> ScaleProcess:
        args = ["--server", live_server.url, "--token-file", str(live_server.data_dir / "token-BRIDGE-01.txt"),
                "--port", str(port), "--protocol", protocol, "--retry-max", "0.5", "--heartbeat", "1"]
        started.append(ScaleProcess(args, tmp_path / "scale.log"))
        return started[-1]

    yield run
    for bridge in started:
        bridge.stop()


@pytest.fixture
def packed(live_server, pick_an_order):
    """packed() -> (order, expected grams, the station's page): an order's units all scanned into the
    parcel at PACK-01 (each of its items weighing 200 g in the item master), the parcel still open."""
    pages = []
    admin = live_server.session("admin")
    live_server.session("packer").post(f"{live_server.url}/api/v1/stations/{STATION}/sign-in",
                                       timeout=10).raise_for_status()

    def pack():
        order = pick_an_order()
        for sku, _, _ in order["lines"]:
            admin.patch(f"{live_server.url}/api/v1/items/{sku}", json={"weight_g": UNIT_G},
                        timeout=10).raise_for_status()
        page = live_server.floor_client("packer", station=STATION)
        pages.append(page)
        assert send(page, "pack", order["tote"])["ok"]
        for _, qty, barcode in order["lines"]:
            for _ in range(qty):
                assert send(page, "pack", barcode)["ok"]
        return order, TARE + UNIT_G * sum(qty for _, qty, _ in order["lines"]), page

    yield pack
    for page in pages:
        page.disconnect()


def test_continuous_scale_unstable_ignored_wrong_weight_refused_unplug_replug_right_weight_closes(
        live_server, printer_agent, healthy_printer, packed, make_scanner, run_scale):
    order, expected, page = packed()
    scale = make_scanner("scale")
    bridge = run_scale(scale.link, "continuous")
    bridge.wait_for(r"port \S+ open")

    scale.type(b"US,GS,+000.480kg\r\n")  # still settling: shown, but no weight to close with
    assert next_event(page, "scale_weight", weighs(480, False))["station"] == STATION
    refused = send(page, "pack.close")
    assert refused["error"]["code"] == "scale_unstable"
    assert refused["error"]["message"]["en"] == ("The scale is still moving (480 g): wait until it settles, "
                                                 "then close again.")

    wrong = expected + 200  # one unit too many
    scale.type(f"ST,GS,+{wrong / 1000:07.3f}kg\r\n".encode())
    next_event(page, "scale_weight", weighs(wrong))
    refused = send(page, "pack.close")
    assert refused["error"]["code"] == "weight_mismatch"
    assert refused["error"]["message"]["en"].startswith(f"The parcel weighs {wrong} g but should weigh {expected} g")
    assert refused["error"]["message"]["zh"].startswith(f"包裹称重 {wrong} 克，应为 {expected} 克")

    scale.unplug()  # the cable comes out: the page shows no scale, the old weight is forgotten
    bridge.wait_for("gone")
    assert next_event(page, "scale_weight", lambda data: data["scale"] is None)["station"] == STATION
    view = live_server.session("packer").get(f"{live_server.url}/api/v1/stations/{STATION}", timeout=10).json()
    assert view["station"]["scale"] is None and view["order"]["number"] == order["number"]
    bridge.wait_for("not available")

    scale.plug()
    bridge.wait_for(r"port \S+ open", 2)
    right = expected + 12  # tape and a packing slip: inside the 30 g allowance
    scale.type(b"US,GS,+000.100kg\r\n")
    scale.type(f"ST,GS,+{right / 1000:07.3f}kg\r\n".encode())
    next_event(page, "scale_weight", weighs(right))
    printed_before = len(healthy_printer.printed)
    closed = send(page, "pack.close", weight_g=1)  # a typed weight does not count where a scale reads
    assert closed["ok"], closed
    parcel = closed["result"]["closed"]
    assert (parcel["weight_g"], parcel["expected_weight_g"], parcel["packaging"]) == (right, expected, "CTN-M")
    labels = healthy_printer.wait_for_printed(printed_before + 2, timeout=20)[printed_before:]
    assert any(parcel["tracking"][-4:] in label.zpl and f"{right / 1000:.2f} kg" in label.zpl for label in labels)
    assert bridge.process.poll() is None


def test_mt_sics_scale_and_a_supervisors_override_with_a_reason_is_audited(
        live_server, printer_agent, healthy_printer, packed, tmp_path, run_scale):
    order, expected, page = packed()
    scale = SicsScale(tmp_path / "usb-Mettler_Toledo-if00")
    try:
        bridge = run_scale(scale.link, "mt-sics")
        bridge.wait_for(r"port \S+ open")
        scale.shows("S D     0.150 kg")
        next_event(page, "scale_weight", weighs(150, False))
        heavy = expected + 400  # a gift box the customer asked for
        scale.shows(f"S S     {heavy / 1000:.3f} kg")
        next_event(page, "scale_weight", weighs(heavy))
        assert scale.commands >= 2, "the bridge asks the scale with S"
        assert send(page, "pack.close")["error"]["code"] == "weight_mismatch"

        packer = live_server.session("packer")
        url = f"{live_server.url}/api/v1/stations/{STATION}/weight-override"
        assert packer.post(url, json={"reason": "gift box"}, timeout=10).status_code == 403
        boss = live_server.session("supervisor")
        missing = boss.post(url, json={"reason": "  "}, timeout=10)
        assert (missing.status_code, missing.json()["error"]["code"]) == (400, "override_reason_missing")
        reason = f"Gift box asked for by the customer 客户要求礼盒 {uuid.uuid4().hex[:6]}"
        answer = boss.post(url, json={"reason": reason}, timeout=10)
        assert answer.status_code == 200, answer.text
        closed = answer.json()["closed"]
        assert (closed["weight_g"], closed["expected_weight_g"], closed["weight_override"]) == (heavy, expected, reason)
        echo = next_event(page, "station_scan", lambda data: data["ack"].get("result", {}).get("closed"))
        assert (echo["user"], echo["ack"]["result"]["closed"]["tracking"]) == ("supervisor", closed["tracking"])
        assert echo["ack"]["result"]["order"] is None  # the station is free for the next order
    finally:
        scale.unplug()

    with sqlite3.connect(live_server.data_dir / "wms.db") as db:
        rows = db.execute("SELECT a.via, u.username, a.changes FROM audit_entries a JOIN users u ON u.id = a.user_id "
                          "WHERE a.tables LIKE '%,parcels,%' ORDER BY a.id DESC LIMIT 20").fetchall()
    audited = [(via, user) for via, user, changes in rows
               if any(c.get("changed", {}).get("weight_override_reason", [None, None])[1] == reason
                      for c in json.loads(changes))]
    assert audited == [(f"POST /api/v1/stations/{STATION}/weight-override", "supervisor")]


def test_only_a_stations_scale_sends_weights_and_a_bad_reading_is_refused(live_server):
    page = live_server.floor_client("packer", station=STATION)
    try:
        answer = page.call("weight", {"grams": 500, "stable": True}, timeout=10)
        assert (answer["ok"], answer["error"]["code"]) == (False, "forbidden")
    finally:
        page.disconnect()
    with pytest.raises(socketio.exceptions.ConnectionError):  # a person's page is no scale
        live_server.floor_client("packer", station=STATION, scale=True)

    token = (live_server.data_dir / "token-BRIDGE-01.txt").read_text().strip()
    scale = socketio.SimpleClient()
    scale.connect(live_server.url, namespace="/floor", transports=["websocket"], auth={"token": token, "scale": True},
                  wait_timeout=5)
    watcher = live_server.floor_client("packer", station=STATION)
    try:
        for bad in ({"grams": "heavy", "stable": True}, {"grams": 500}, {"grams": True, "stable": True},
                    {"grams": 10**12, "stable": True}):
            answer = scale.call("weight", bad, timeout=10)
            assert (answer["ok"], answer["error"]["code"]) == (False, "bad_packet"), bad
        assert scale.call("weight", {"grams": 500, "stable": True}, timeout=10) == {"ok": True, "station": STATION}
        next_event(watcher, "scale_weight", weighs(500))
        view = live_server.session("packer").get(f"{live_server.url}/api/v1/stations/{STATION}", timeout=10).json()
        assert view["station"]["scale"] == {"grams": 500, "stable": True, "raw": ""}
        scale.disconnect()  # the scale's socket gone: its weight is forgotten
        assert next_event(watcher, "scale_weight")["scale"] is None
        view = live_server.session("packer").get(f"{live_server.url}/api/v1/stations/{STATION}", timeout=10).json()
        assert view["station"]["scale"] is None
    finally:
        scale.disconnect()
        watcher.disconnect()
