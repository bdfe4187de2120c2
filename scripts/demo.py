"""Start the demo warehouse: database + demo data, Zebra emulator, server, printer agent. With WMS_DEMO=0,
an empty warehouse of one's own instead: database + first admin, emulator, server (docs/setup.md).
Prints where to go and who to log in as; stops everything cleanly on Ctrl-C or SIGTERM."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from server.config import data_dir, flag, load_settings  # noqa: E402


def wait_healthy(url: str, server: subprocess.Popen, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit("the server stopped while starting; see the log above")
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=1) as answer:
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("the server did not become healthy in time")


def demo_banner(url: str, env: dict[str, str]) -> str:
    facts = json.loads(subprocess.run([sys.executable, "-m", "server", "demo-facts"], cwd=ROOT, env=env,
                                      check=True, capture_output=True, text=True).stdout)
    return f"""
================ demo warehouse is running ================
Handheld app (phone-sized browser):  {url}/hh/
Supervisor pages:                    {url}/sup/
Printer emulator: {printer_line(env)}
Printed labels land in:              {Path(env["WMS_DATA_DIR"]) / 'printed'}
Log in as picker | receiver | inspector | packer | supervisor | admin, password "demo",
or scan a badge: {', '.join(facts['badges'].values())}
Try scanning: bin {facts['bin_with_stock']}, item {facts['item_barcode']} ({facts['item_sku']}),
empty bin {facts['empty_bin']}, or NOPE-123 for the error tone.
Stop with Ctrl-C.
==========================================================="""


def own_banner(url: str, env: dict[str, str]) -> str:
    admin = env.get("WMS_ADMIN_USER") or "the admin you created"
    return f"""
================ your warehouse is running (empty) ================
Next steps · 下一步:
1. Log in at {url}/sup/ as {admin}.
2. Day one: load items, bins, staff and opening stock at {url}/sup/setup
3. Read docs/setup.md (printers, handhelds, badges).
Handheld app:      {url}/hh/
Printer emulator:  {printer_line(env)}
                   (add it as a printer to print labels without one)
Stop with Ctrl-C.
==================================================================="""


def printer_line(env: dict[str, str]) -> str:
    return (f"127.0.0.1:{env['WMS_PRINTER_PORT']} (raw ZPL), "
            f"status http://127.0.0.1:{env['WMS_PRINTER_CONTROL_PORT']}/status")


def main() -> int:
    demo = flag(os.environ.get("WMS_DEMO", "1"))  # the demo unless the user said WMS_DEMO=0
    settings = load_settings(os.environ | {"WMS_DEMO": "1" if demo else "0"})
    data = data_dir()
    data.mkdir(parents=True, exist_ok=True)
    port = int(settings["server"]["port"])
    printer_port = int(os.environ.get("WMS_PRINTER_PORT", "9100"))
    control_port = int(os.environ.get("WMS_PRINTER_CONTROL_PORT", str(printer_port + 80)))
    url = f"http://127.0.0.1:{port}"
    python = sys.executable
    env = os.environ | {"WMS_DATA_DIR": str(data), "PYTHONUNBUFFERED": "1", "WMS_DEMO": "1" if demo else "0",
                        "WMS_PRINTER_PORT": str(printer_port), "WMS_PRINTER_CONTROL_PORT": str(control_port)}

    demo_setup = ["--demo", "--printer-port", str(printer_port)] if demo else []
    done = subprocess.run([python, "-m", "server", "setup", *demo_setup], cwd=ROOT, env=env)
    if done.returncode:
        return done.returncode  # setup said why (a secret key, the first admin, the wrong data dir)
    children: list[subprocess.Popen] = []

    def start(*args: str) -> subprocess.Popen:
        child = subprocess.Popen([python, *args], cwd=ROOT, env=env)
        children.append(child)
        return child

    def stop(*_: object) -> None:
        for child in reversed(children):
            if child.poll() is None:
                child.terminate()
        for child in children:
            try:
                child.wait(timeout=10)
            except subprocess.TimeoutExpired:
                child.kill()

    stopping = False

    def on_signal(*_: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    try:
        start("-m", "printers.emulator", "--host", "127.0.0.1", "--port", str(printer_port),
              "--control-port", str(control_port), "--spool-dir", str(data / "printed"))
        server = start("-m", "server", "serve")
        wait_healthy(url, server)
        if demo:  # a warehouse of one's own has no agent token yet: it pairs its agent (docs/setup.md)
            start("-m", "printers.agent", "--server", url,
                  "--token-file", str(data / "token-AGENT-01.txt"), "--state-dir", str(data / "agent-state"))
        print(demo_banner(url, env) if demo else own_banner(url, env), flush=True)
        while not stopping:
            for child in children:
                if child.poll() is not None:
                    print(f"a process exited ({child.args[1:3]}); stopping", flush=True)
                    return 1
            time.sleep(0.3)
        return 0
    finally:
        stop()


if __name__ == "__main__":
    sys.exit(main())
