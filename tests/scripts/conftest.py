"""Helpers for the scanner bridge tests: a dedicated server that can be restarted on the same port
and data dir, pseudo-terminal "scanners" behind a stable symlink (like /dev/serial/by-id/...), and
the bridge run as the script people run."""
from __future__ import annotations

import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import tty
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.conftest import ROOT, LiveServer, free_port, start_server, stop_server

BRIDGE = ROOT / "scripts" / "scan_bridge.py"
DEVICE = "BRIDGE-01"


# ---------------------------------------------------------------------------------------------
# Server


def wait_healthy(server: LiveServer, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(server.log())
        try:
            if requests.get(f"{server.url}/healthz", timeout=1).status_code == 200:
                return
        except requests.RequestException:  # not listening yet
            time.sleep(0.1)
    raise RuntimeError("server did not become healthy:\n" + server.log())


def restart_server(server: LiveServer) -> None:
    """`python -m server serve` again with the same env: same port, same data dir, same tokens
    (start_server would pick a new port, and the bridge knows only the old one)."""
    log = open(server.data_dir / "server.log", "ab")  # noqa: SIM115 - the server process owns it
    server.process = subprocess.Popen([sys.executable, "-m", "server", "serve"], env=server.env, cwd=ROOT,
                                      stdout=log, stderr=subprocess.STDOUT)
    wait_healthy(server)


@pytest.fixture(scope="module")
def bridge_server(tmp_path_factory) -> Iterator[LiveServer]:
    """A server of our own (these tests stop and restart it), with BRIDGE-01's token on disk where
    a site would keep it."""
    server = start_server(tmp_path_factory.mktemp("bridge-wms"), free_port())
    token = server.manage("issue-token", DEVICE).strip()
    token_file = server.data_dir / f"token-{DEVICE}.txt"
    token_file.write_text(token + "\n")
    token_file.chmod(0o600)
    yield server
    if server.process.poll() is None:
        stop_server(server)


@pytest.fixture
def server(bridge_server: LiveServer) -> Iterator[LiveServer]:
    """The dedicated server, running at the start of each test even if the previous one failed
    between a stop and a restart."""
    if bridge_server.process.poll() is not None:
        restart_server(bridge_server)
    yield bridge_server


def bridge_scans(server: LiveServer, after_id: int = 0) -> list[dict]:
    """The server's scan log for the bridge device, in the order the server stored the scans."""
    with sqlite3.connect(server.data_dir / "wms.db") as db:
        db.row_factory = sqlite3.Row
        rows = db.execute("SELECT s.id, s.scan_id, s.code, s.mode, s.ok, s.kind, s.error_code, s.ack_json "
                          "FROM scans s JOIN devices d ON d.id = s.device_id "
                          "WHERE d.code = ? AND s.id > ? ORDER BY s.id", (DEVICE, after_id)).fetchall()
    return [dict(row) for row in rows]


def last_scan_id(server: LiveServer) -> int:
    with sqlite3.connect(server.data_dir / "wms.db") as db:
        return db.execute("SELECT COALESCE(MAX(id), 0) FROM scans").fetchone()[0]


def wait_for_scans(server: LiveServer, after_id: int, count: int, timeout: float = 15) -> list[dict]:
    deadline = time.monotonic() + timeout
    while True:
        rows = bridge_scans(server, after_id)
        if len(rows) >= count or time.monotonic() > deadline:
            return rows
        time.sleep(0.05)


def queued(queue_dir: Path) -> list[dict]:
    """What the bridge still holds on disk, oldest first (read as an operator would)."""
    path = queue_dir / "queue.sqlite3"
    if not path.exists():
        return []
    with sqlite3.connect(path) as db:
        return [json.loads(row[0]) for row in db.execute("SELECT scan FROM queue ORDER BY seq")]


def bin_codes(server: LiveServer, n: int) -> list[str]:
    http = server.session("picker")
    bins = http.get(f"{server.url}/api/v1/bins", params={"zone": "A"}, timeout=5).json()
    return [b["code"] for b in bins[:n]]


# ---------------------------------------------------------------------------------------------
# Scanners


class FakeScanner:
    """A pty pair standing in for a USB-CDC scanner. The bridge opens `link`, a symlink that is
    re-pointed at a new pty on replug, as udev re-points /dev/serial/by-id/... ."""

    def __init__(self, link: Path) -> None:
        self.link = link
        self.master: int | None = None
        self.slave: int | None = None
        self.plug()

    def plug(self) -> None:
        self.master, self.slave = os.openpty()
        # Raw before the bridge opens it: bytes typed early must not be cooked (CR -> LF) or echoed.
        tty.setraw(self.slave)
        temporary = self.link.with_name(self.link.name + ".new")
        temporary.unlink(missing_ok=True)
        temporary.symlink_to(os.ttyname(self.slave))
        os.replace(temporary, self.link)  # atomic, like udev: the path never names nothing

    def unplug(self) -> None:
        # Closing both ends hangs the line up: the bridge's next read fails as with a pulled cable.
        for fd in (self.master, self.slave):
            if fd is not None:
                os.close(fd)
        self.master = self.slave = None

    def type(self, data: bytes) -> None:
        assert self.master is not None, "scanner is unplugged"
        os.write(self.master, data)


@pytest.fixture
def make_scanner(tmp_path) -> Iterator:
    scanners: list[FakeScanner] = []

    def make(name: str = "scanner") -> FakeScanner:
        scanners.append(FakeScanner(tmp_path / f"usb-Scanner_{name}-if00"))
        return scanners[-1]

    yield make
    for scanner in scanners:
        scanner.unplug()


# ---------------------------------------------------------------------------------------------
# The bridge process

# Log lines of the bridge (scripts/scan_bridge.py) the tests wait for.
READ = r"INFO scan \S+ from "
ACKED = r"(INFO|ERROR) ack "


class BridgeProcess:
    """`python scripts/scan_bridge.py ...` with its log collected, so a test can wait for it."""

    def __init__(self, args: list[str], log_path: Path, queue_dir: Path) -> None:
        self.queue_dir = queue_dir
        self.lines: list[str] = []
        self._log = open(log_path, "a", encoding="utf-8")  # noqa: SIM115 - closed by the reader thread
        self.process = subprocess.Popen([sys.executable, str(BRIDGE), *args], cwd=ROOT, text=True,
                                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        self._reader = threading.Thread(target=self._collect, daemon=True)
        self._reader.start()

    def _collect(self) -> None:
        for line in self.process.stdout:
            self.lines.append(line)
            self._log.write(line)
        self._log.close()

    def count(self, pattern: str) -> int:
        return sum(bool(re.search(pattern, line)) for line in list(self.lines))

    def wait_for(self, pattern: str, count: int = 1, timeout: float = 10) -> None:
        """Until `pattern` (a regular expression) matches `count` log lines."""
        deadline = time.monotonic() + timeout
        while self.count(pattern) < count:
            if self.process.poll() is not None and not self._reader.is_alive():
                raise AssertionError(f"bridge exited ({self.process.returncode}):\n{self.output}")
            if time.monotonic() > deadline:
                raise AssertionError(f"bridge never logged {pattern!r} x{count}:\n{self.output}")
            time.sleep(0.02)

    @property
    def output(self) -> str:
        return "".join(self.lines)

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            code = self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            code = self.process.wait()
        self._reader.join(timeout=5)
        return code


@pytest.fixture
def run_bridge(tmp_path) -> Iterator:
    """Start the bridge script: run_bridge(server_url, token_file, ports, *extra args). Every
    bridge a test started is stopped at the end, also when the test failed."""
    bridges: list[BridgeProcess] = []

    def run(server_url: str, token_file: Path, ports: list[Path], *extra: str,
            queue_dir: Path | None = None) -> BridgeProcess:
        queue_dir = queue_dir or tmp_path / "queue"
        args = ["--server", server_url, "--token-file", str(token_file), "--queue-dir", str(queue_dir),
                "--retry-max", "0.5", "--ack-timeout", "5", *extra]
        for port in ports:
            args += ["--port", str(port)]
        bridges.append(BridgeProcess(args, tmp_path / "bridge.log", queue_dir))
        return bridges[-1]

    yield run
    for bridge in bridges:
        bridge.stop()
