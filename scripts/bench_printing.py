"""Printing throughput of our software alone: server → agent → Zebra emulator (which prints
instantly), so any limit measured here is ours, not the printer's. A real ZD421 prints about
6 in/s, i.e. roughly three 2-inch labels a second; our path must be far above that.

    .venv/bin/python scripts/bench_printing.py --jobs 50
Last line: JSON with single_label_jobs, job_to_printed_p50_ms, job_to_printed_max_ms,
zone_labels, zone_labels_per_s.
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))

import floor_sim as sim  # noqa: E402

from printers.agent import PrinterAgent  # noqa: E402
from printers.emulator import ZebraEmulator  # noqa: E402


def wait_printed(http: requests.Session, url: str, job_id: int, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while http.get(f"{url}/api/v1/print-jobs/{job_id}", timeout=5).json()["status"] != "printed":
        if time.monotonic() > deadline:
            raise SystemExit(f"job {job_id} not printed in {timeout}s")
        time.sleep(0.005)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--jobs", type=int, default=50)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, ZebraEmulator() as emulator:
        server = sim.start_server(Path(tmp), pickers=0, printer_port=emulator.port)
        url = server.url
        agent = None
        try:
            token = (Path(tmp) / "token-AGENT-01.txt").read_text().strip()
            agent = PrinterAgent(url, token, retry_seconds=0.5).start()
            agent.ready.wait(10)
            http = requests.Session()
            http.post(f"{url}/api/v1/auth/login", json={"username": "supervisor", "password": "demo"},
                      timeout=5).raise_for_status()
            bins = [b["code"] for b in http.get(f"{url}/api/v1/bins?zone=A", timeout=5).json()]
            single = []
            for n in range(args.jobs):
                started = time.perf_counter()
                job = http.post(f"{url}/api/v1/print-jobs/bin-labels", timeout=5, json={
                    "zone": "A", "printer": "PRN-PACK-01", "bins": [bins[n % len(bins)]]}).json()["job"]
                wait_printed(http, url, job["id"])
                single.append((time.perf_counter() - started) * 1000)
            before = len(emulator.printed)
            started = time.perf_counter()
            job = http.post(f"{url}/api/v1/print-jobs/bin-labels", timeout=30,
                            json={"zone": "A", "printer": "PRN-PACK-01"}).json()["job"]
            wait_printed(http, url, job["id"])
            zone_s = time.perf_counter() - started
            zone_labels = len(emulator.printed) - before
            print(json.dumps({"single_label_jobs": len(single),
                              "job_to_printed_p50_ms": round(statistics.median(single), 1),
                              "job_to_printed_max_ms": round(max(single), 1),
                              "zone_labels": zone_labels,
                              "zone_labels_per_s": round(zone_labels / zone_s, 1)}))
        finally:
            if agent is not None:
                agent.stop()
            server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
