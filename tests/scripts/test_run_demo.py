"""Command 1 as a user runs it: scripts/run starts server + emulator + agent on the ports asked
for, a zone's labels print end to end, SIGTERM stops all of it, and a second run reuses the data."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parent.parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def nothing_listens_on(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) != 0


def start_demo(env: dict) -> tuple[subprocess.Popen, list[str]]:
    demo = subprocess.Popen([str(ROOT / "scripts" / "run")], cwd=ROOT, env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
    lines: list[str] = []
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        line = demo.stdout.readline()
        if not line:
            break
        lines.append(line)
        if line.startswith("Stop with Ctrl-C"):
            return demo, lines
    os.killpg(demo.pid, signal.SIGKILL)
    pytest.fail("scripts/run did not come up:\n" + "".join(lines))


def stop_demo(demo: subprocess.Popen) -> int:
    demo.send_signal(signal.SIGTERM)
    try:
        return demo.wait(timeout=30)
    finally:
        if demo.poll() is None:
            os.killpg(demo.pid, signal.SIGKILL)


@pytest.fixture
def demo_env(tmp_path):
    return os.environ | {"WMS_PORT": str(free_port()), "WMS_PRINTER_PORT": str(free_port()),
                         "WMS_PRINTER_CONTROL_PORT": str(free_port()),
                         "WMS_DATA_DIR": str(tmp_path / "data")}


def test_the_demo_prints_its_urls_prints_labels_and_stops_cleanly(demo_env):
    url = f"http://127.0.0.1:{demo_env['WMS_PORT']}"
    demo, lines = start_demo(demo_env)
    try:
        banner = "".join(lines)
        assert f"{url}/hh/" in banner and f"{url}/sup/" in banner
        assert "picker" in banner and "supervisor" in banner and '"demo"' in banner
        assert requests.get(f"{url}/healthz", timeout=5).json()["status"] == "ok"

        http = requests.Session()
        http.post(f"{url}/api/v1/auth/login", json={"username": "supervisor", "password": "demo"},
                  timeout=5).raise_for_status()
        job = http.post(f"{url}/api/v1/print-jobs/bin-labels",
                        json={"zone": "A", "printer": "PRN-PACK-01", "bins": ["A-03-04-2"]},
                        timeout=5).json()["job"]
        deadline = time.monotonic() + 20
        while http.get(f"{url}/api/v1/print-jobs/{job['id']}", timeout=5).json()["status"] != "printed":
            assert time.monotonic() < deadline, "the label was not printed"
            time.sleep(0.1)
        spooled = list((Path(demo_env["WMS_DATA_DIR"]) / "printed").glob("*.zpl"))
        assert len(spooled) == 1 and "A-03-04-2" in spooled[0].read_text()
    finally:
        code = stop_demo(demo)
    assert code == 0
    for port in ("WMS_PORT", "WMS_PRINTER_PORT", "WMS_PRINTER_CONTROL_PORT"):
        assert nothing_listens_on(int(demo_env[port])), port

    again, lines = start_demo(demo_env)
    try:
        assert "demo warehouse loaded" not in "".join(lines)  # the data of the first run is reused
        http = requests.Session()
        http.post(f"{url}/api/v1/auth/login", json={"username": "supervisor", "password": "demo"},
                  timeout=5).raise_for_status()
        jobs = http.get(f"{url}/api/v1/print-jobs", timeout=5).json()
        assert [j["id"] for j in jobs] == [job["id"]] and jobs[0]["status"] == "printed"
    finally:
        assert stop_demo(again) == 0
