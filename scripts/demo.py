"""Start the demo warehouse: database + demo data, Zebra emulator, server, printer agent.
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

from server.config import data_dir, load_settings  # noqa: E402


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


def main() -> int:
    settings = load_settings()
    data = data_dir()
    data.mkdir(parents=True, exist_ok=True)
    port = int(settings["server"]["port"])
    printer_port = int(os.environ.get("WMS_PRINTER_PORT", "9100"))
    control_port = int(os.environ.get("WMS_PRINTER_CONTROL_PORT", str(printer_port + 80)))
    url = f"http://127.0.0.1:{port}"
    python = sys.executable
    env = os.environ | {"WMS_DATA_DIR": str(data), "PYTHONUNBUFFERED": "1"}

    subprocess.run([python, "-m", "server", "setup", "--demo", "--printer-port", str(printer_port)],
                   cwd=ROOT, env=env, check=True)
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
        start("-m", "printers.agent", "--server", url,
              "--token-file", str(data / "token-AGENT-01.txt"), "--state-dir", str(data / "agent-state"))
        facts = json.loads(subprocess.run([python, "-m", "server", "demo-facts"], cwd=ROOT, env=env,
                                          check=True, capture_output=True, text=True).stdout)
        print(f"""
================ demo warehouse is running ================
Handheld app (phone-sized browser):  {url}/hh/
Supervisor pages:                    {url}/sup/
Printer emulator: 127.0.0.1:{printer_port} (raw ZPL), status http://127.0.0.1:{control_port}/status
Printed labels land in:              {data / 'printed'}
Log in as picker | receiver | inspector | packer | supervisor | admin, password "demo",
or scan a badge: {', '.join(facts['badges'].values())}
Try scanning: bin {facts['bin_with_stock']}, item {facts['item_barcode']} ({facts['item_sku']}),
empty bin {facts['empty_bin']}, or NOPE-123 for the error tone.
Stop with Ctrl-C.
===========================================================""", flush=True)
        while not stopping:
            for child in children:
                if child.poll() is not None:
                    print(f"a demo process exited ({child.args[1:3]}); stopping", flush=True)
                    return 1
            time.sleep(0.3)
        return 0
    finally:
        stop()


if __name__ == "__main__":
    sys.exit(main())
