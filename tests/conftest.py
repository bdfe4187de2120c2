"""Shared fixtures: a live server in a subprocess on 127.0.0.1 with the demo warehouse, a Zebra
emulator on TCP, and helpers to log in over REST and connect real Socket.IO clients."""
from __future__ import annotations

import io
import json
import os
import re
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests
import socketio

from printers.agent import PrinterAgent
from printers.emulator import ZebraEmulator

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class LiveServer:
    url: str
    port: int
    data_dir: Path
    env: dict
    process: subprocess.Popen
    demo: dict = field(default_factory=dict)

    def session(self, username: str = "picker", password: str = "demo") -> requests.Session:
        http = requests.Session()
        answer = http.post(f"{self.url}/api/v1/auth/login",
                           json={"username": username, "password": password}, timeout=5)
        assert answer.status_code == 200, answer.text
        http.cookies.set("sup_lang", "en")  # supervisor pages in English (the language switch's cookie)
        return http

    def floor_client(self, username: str = "picker", device: str = "PDA-01", **auth: str) -> socketio.SimpleClient:
        """A logged-in device on /floor; `station="PACK-01"` makes it a station's page."""
        http = self.session(username)
        cookie = "; ".join(f"{k}={v}" for k, v in http.cookies.items())
        client = socketio.SimpleClient()
        client.connect(self.url, namespace="/floor", transports=["websocket"],
                       headers={"Cookie": cookie}, auth={"device": device} | auth, wait_timeout=5)
        return client

    def manage(self, *args: str) -> str:
        """Run `python -m server ...` against this server's database."""
        done = subprocess.run([sys.executable, "-m", "server", *args], env=self.env, cwd=ROOT,
                              capture_output=True, text=True, timeout=60, check=True)
        return done.stdout

    def log(self) -> str:
        return (self.data_dir / "server.log").read_text(errors="replace")


def start_server(data_dir: Path, printer_port: int, extra_env: dict | None = None) -> LiveServer:
    port = free_port()
    env = os.environ | {"WMS_DATA_DIR": str(data_dir), "WMS_PORT": str(port),
                        "WMS_SECRET_KEY": uuid.uuid4().hex, "WMS_DEMO": "1"} | (extra_env or {})
    data_dir.mkdir(parents=True, exist_ok=True)
    subprocess.run([sys.executable, "-m", "server", "setup", "--demo", "--printer-port",
                    str(printer_port)], env=env, cwd=ROOT, check=True, capture_output=True,
                   timeout=120)
    log = open(data_dir / "server.log", "wb")
    process = subprocess.Popen([sys.executable, "-m", "server", "serve"], env=env, cwd=ROOT,
                               stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError((data_dir / "server.log").read_text())
        try:
            if requests.get(f"{url}/healthz", timeout=1).status_code == 200:
                break
        except requests.RequestException:  # not listening yet, or slow on a loaded machine
            time.sleep(0.1)
    else:
        process.kill()
        raise RuntimeError("server did not become healthy:\n" + (data_dir / "server.log").read_text())
    server = LiveServer(url, port, data_dir, env, process)
    server.demo = json.loads(server.manage("demo-facts"))
    return server


def stop_server(server: LiveServer) -> None:
    server.process.terminate()
    try:
        server.process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.process.kill()


@pytest.fixture(scope="session")
def printer_emulator():
    with ZebraEmulator(port=0, control_port=0) as emulator:
        yield emulator


@pytest.fixture(scope="session")
def live_server(tmp_path_factory, printer_emulator):
    server = start_server(tmp_path_factory.mktemp("wms"), printer_emulator.port)
    yield server
    stop_server(server)


def new_scan_id() -> str:
    return str(uuid.uuid4())


@pytest.fixture
def healthy_printer(printer_emulator):
    """The shared emulator with paper, head closed, not paused — before and after the test."""
    printer_emulator.set_faults(paper_out=False, head_open=False, paused=False)
    yield printer_emulator
    printer_emulator.set_faults(paper_out=False, head_open=False, paused=False)


@pytest.fixture
def printer_agent(live_server):
    """The demo's printer agent, connected with its device token, retrying faults every 0.2 s."""
    token = (live_server.data_dir / "token-AGENT-01.txt").read_text().strip()
    agent = PrinterAgent(live_server.url, token, retry_seconds=0.2).start()
    assert agent.ready.wait(10), "agent did not say hello"
    # Jobs other tests left queued (made while no agent ran) print now, before this test counts labels.
    http = live_server.session("supervisor")
    deadline = time.monotonic() + 30
    while any(job["status"] in ("queued", "waiting", "sent")
              for job in http.get(f"{live_server.url}/api/v1/print-jobs", timeout=5).json()):
        assert time.monotonic() < deadline, "earlier print jobs did not drain"
        time.sleep(0.05)
    yield agent
    agent.stop()


# Debian's Chromium driven by Playwright: never `playwright install` (downloads fail here); the
# background-networking flags keep Chromium from dialling out on this closed network.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


@pytest.fixture(scope="session")
def chromium():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium",
                                             args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def renderable(zpl: str) -> str:
    """zplkit has no CJK glyphs and no E:ANMDS.TTF: draw those fields in font 0, Chinese (and the yuan sign,
    which font 0 lacks too) as "?"."""
    zpl = re.sub(r"\^A@N,(\d+),(\d+),[^^]*", r"^A0N,\1,\2", zpl)
    return "".join(c if ord(c) < 0x100 and c != "¥" else "?" for c in zpl)


def read_barcodes(zpl: str, width: int = 813, height: int = 1219, dpi: int = 203) -> list[list[str]]:
    """Render ZPL offline (every label of it) and read back each label's barcodes, as a scanner would."""
    import zplkit
    import zxingcpp
    from PIL import Image

    document = zplkit.render(renderable(zpl), zplkit.Options(width=width, height=height, dpi=dpi))
    return [[b.text for b in zxingcpp.read_barcodes(Image.open(io.BytesIO(label.png())))]
            for label in document.labels]


def label_texts(zpl: str) -> list[str]:
    """The words a label prints, as a person reads them: each text field's data (^FD…^FS of a field
    that is not a barcode), ^FH_ hex escapes decoded and ^FB line breaks (\\&) made spaces."""
    texts = []
    for commands in re.findall(r"\^FO[^^]*((?:\^(?!FS)[^^]*)*)\^FS", zpl):
        if "^B" in commands or "^FD" not in commands:
            continue  # a barcode (its caption is the data, read by label_barcodes) or a box
        data = commands.split("^FD", 1)[1]
        if "^FH_" in commands:
            data = re.sub(rb"_([0-9A-Fa-f]{2})", lambda m: bytes([int(m.group(1), 16)]),
                          data.encode("utf-8")).decode("utf-8")
        texts.append(data.replace("\\&", " "))
    return texts


@pytest.fixture
def label_barcodes():
    """label_barcodes(zpl, width=813, height=1219, dpi=203): each label's decoded barcodes (4 x 6 in default)."""
    return read_barcodes


def _send(client, mode, code=None, **payload):
    message = {"scan_id": str(uuid.uuid4()), "mode": mode, **payload} | ({"code": code} if code else {})
    return client.call("scan", message, timeout=10)


@pytest.fixture
def pick_an_order(live_server):
    """pick_an_order(lines=[(sku, qty)], **order fields) -> {"number", "tote", "lines"}: an order created,
    released, put in a wave of its own and picked into one tote over Socket.IO — ready to pack.
    Without lines, two stocked items of the demo catalogue (2 and 1 units)."""
    def pick(lines=None, **fields) -> dict:
        boss = live_server.session("supervisor")
        lines = lines or stocked_lines(live_server, boss)
        number, carrier = f"PK-{uuid.uuid4().hex[:8].upper()}", f"顺丰-{uuid.uuid4().hex[:6]}"
        boss.post(f"{live_server.url}/api/v1/orders", timeout=10, json={
            "number": number, "customer_name": "王芳", "phone": "13912345678", "carrier": carrier,
            "address": "浙江省杭州市西湖区文三路 100 号 3 幢 501", "paid_at": "2026-11-23T07:00:00",
            "lines": [{"sku": sku, "qty": qty} for sku, qty in lines]} | fields).raise_for_status()
        boss.post(f"{live_server.url}/api/v1/orders/{number}/release", timeout=10).raise_for_status()
        wave = boss.post(f"{live_server.url}/api/v1/waves", timeout=30, json={
            "filters": {"carrier": carrier}, "cart": {"totes": 1, "tote_capacity": 50}}).json()["wave"]
        pick_list = wave["pick_lists"][0]["pick_list"]
        live_server.session("picker").post(f"{live_server.url}/api/v1/pick-lists/{pick_list}/claim",
                                           timeout=10).raise_for_status()
        barcodes = {sku: boss.get(f"{live_server.url}/api/v1/items/{sku}", timeout=10).json()["item"]["barcodes"][0]
                    ["code"] for sku, _ in lines}
        tote = f"TOTE-{uuid.uuid4().hex[:6].upper()}"
        picker = live_server.floor_client("picker")
        try:
            stop = _send(picker, "pick.tote", tote, pick_list=pick_list, slot=1)["result"]["stop"]
            while stop is not None:
                assert _send(picker, "pick", stop["bin"], pick_list=pick_list)["ok"]
                ack = _send(picker, "pick", barcodes[stop["sku"]], pick_list=pick_list,
                            qty=stop["qty"] - stop["picked"])
                assert ack["ok"], ack
                stop = None if ack["result"]["done"] else ack["result"]["stop"]
        finally:
            picker.disconnect()
        assert boss.get(f"{live_server.url}/api/v1/orders/{number}", timeout=10).json()["status"] == "picked"
        return {"number": number, "tote": tote, "lines": [(sku, qty, barcodes[sku]) for sku, qty in lines]}

    return pick


SHELF = re.compile(r"^[AB]-\d{2}-\d{2}-\d$")  # the demo's storage bins (zones A and B)


def on_shelves(lines: list[dict]) -> int:
    """Units of an item's lookup lines on the demo's shelves: not those in totes, parcels, hold or quarantine,
    which the shared server's earlier tests leave behind (its total counts them; release does not)."""
    return sum(line["qty"] for line in lines if SHELF.match(line["bin"]))


def stocked_lines(live_server, http) -> list[tuple[str, int]]:
    """Two items with free stock to spare (from the end of the generated catalogue; other tests
    take from its start)."""
    found = []
    for item in reversed(http.get(f"{live_server.url}/api/v1/items?q=GEN&limit=300", timeout=10).json()):
        if on_shelves(http.get(f"{live_server.url}/api/v1/items/{item['sku']}", timeout=10).json()["lines"]) >= 6:
            found.append(item["sku"])
        if len(found) == 2:
            return [(found[0], 2), (found[1], 1)]
    pytest.fail("the demo warehouse should stock two items with 6+ units")


@pytest.fixture
def supervisor_page(chromium, live_server):
    """open(path): a desktop Chromium page logged in on the supervisor pages (the real login form),
    showing `path`. The browser context is closed after the test."""
    context = chromium.new_context(viewport={"width": 1400, "height": 1000})
    context.set_default_timeout(10_000)
    context.add_cookies([{"name": "sup_lang", "value": "en", "url": "http://127.0.0.1"}])  # pages in English

    def open_(path: str, username: str = "supervisor"):
        page = context.new_page()
        page.goto(f"{live_server.url}/sup/login?next={path}")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", "demo")
        page.press("input[name=password]", "Enter")
        page.wait_for_url(f"**{path}")
        return page

    yield open_
    context.close()
