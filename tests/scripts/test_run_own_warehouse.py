"""`WMS_DEMO=0 scripts/run` as a new site runs it: an empty warehouse with its first admin, the emulator
and the server but no demo printer agent, and the next steps printed; without a key of its own it stops
at once with the reason."""
from __future__ import annotations

import os
import secrets
import subprocess
from pathlib import Path

import requests

from tests.scripts.test_run_demo import ROOT, free_port, start_demo, stop_demo


def own_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("WMS_")} | {
        "WMS_DEMO": "0", "WMS_PORT": str(free_port()), "WMS_PRINTER_PORT": str(free_port()),
        "WMS_PRINTER_CONTROL_PORT": str(free_port()), "WMS_DATA_DIR": str(tmp_path / "data")} | extra


def test_an_own_warehouse_starts_empty_with_its_admin_and_prints_the_next_steps(tmp_path):
    env = own_env(tmp_path, WMS_SECRET_KEY=secrets.token_hex(32), WMS_ADMIN_USER="boss",
                  WMS_ADMIN_PASSWORD="ten chars!")
    url = f"http://127.0.0.1:{env['WMS_PORT']}"
    run, lines = start_demo(env)
    try:
        banner = "".join(lines)
        assert "admin boss created" in banner
        assert f"Log in at {url}/sup/ as boss" in banner
        assert f"{url}/sup/setup" in banner and "docs/setup.md" in banner
        assert f"127.0.0.1:{env['WMS_PRINTER_PORT']} (raw ZPL)" in banner
        assert "demo" not in banner.lower()
        http = requests.Session()
        http.post(f"{url}/api/v1/auth/login", json={"username": "boss", "password": "ten chars!"},
                  timeout=5).raise_for_status()
        assert http.get(f"{url}/api/v1/items", timeout=5).json() == []
        emulator = requests.get(f"http://127.0.0.1:{env['WMS_PRINTER_CONTROL_PORT']}/status", timeout=5)
        assert emulator.status_code == 200
        data = Path(env["WMS_DATA_DIR"])
        assert not (data / "token-AGENT-01.txt").exists() and not (data / "agent-state").exists()
    finally:
        assert stop_demo(run) == 0


def test_an_own_warehouse_without_a_secret_key_stops_with_the_reason(tmp_path):
    done = subprocess.run([str(ROOT / "scripts" / "run")], cwd=ROOT, env=own_env(tmp_path), text=True,
                          capture_output=True, timeout=120)
    assert done.returncode == 2
    assert "Refusing to start: WMS_SECRET_KEY is not set" in done.stderr
    assert "拒绝启动" in done.stderr
