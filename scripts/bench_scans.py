"""Scan latency benchmark: a live server on 127.0.0.1 with the demo warehouse, real Socket.IO
clients over WebSocket, Lookup scans (bins, items, unknown codes, 1 % replays).

Phase 1 (idle): one handheld scanning back to back.
Phase 2 (floor): N handhelds, each scanning every THINK seconds, for DURATION seconds.
Traffic goes only to 127.0.0.1; both phases are bounded in count and time.

    .venv/bin/pip install -e '.[bench]'
    .venv/bin/python scripts/bench_scans.py --handhelds 300 --think 2 --seconds 30

The last line is a JSON object: handhelds, scans, scans_per_s, p50_ms, p95_ms, p99_ms, max_ms,
errors, lost (acked scans the server has no record of), doubled (scan ids recorded twice).
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import requests
import socketio

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(data_dir: str, printer_port: int = 9) -> tuple[subprocess.Popen, str, dict]:
    """A server of our own on a free port, with the demo warehouse in `data_dir`."""
    port = free_port()
    env = os.environ | {"WMS_DATA_DIR": data_dir, "WMS_PORT": str(port)}
    subprocess.run([sys.executable, "-m", "server", "setup", "--demo", "--printer-port",
                    str(printer_port)],
                   cwd=ROOT, env=env, check=True, capture_output=True)
    server = subprocess.Popen([sys.executable, "-m", "server", "serve"], cwd=ROOT, env=env)
    url = f"http://127.0.0.1:{port}"
    for _ in range(150):
        try:
            if requests.get(f"{url}/healthz", timeout=1).ok:
                break
        except requests.ConnectionError:
            time.sleep(0.1)
    facts = json.loads(subprocess.run([sys.executable, "-m", "server", "demo-facts"], cwd=ROOT,
                                      env=env, check=True, capture_output=True, text=True).stdout)
    return server, url, facts


def codes(url: str, cookie: str) -> list[str]:
    http = requests.Session()
    headers = {"Cookie": cookie}
    bins = [b["code"] for b in http.get(f"{url}/api/v1/bins", headers=headers, timeout=10).json()]
    items = [i["barcodes"][0] for i in
             http.get(f"{url}/api/v1/items?limit=5000", headers=headers, timeout=10).json()]
    return bins + items + ["NOPE-404"] * 10


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def summary(name: str, handhelds: int, latencies: list[float], errors: int, seconds: float) -> dict:
    return {"phase": name, "handhelds": handhelds, "scans": len(latencies), "errors": errors,
            "scans_per_s": round(len(latencies) / seconds, 1),
            "p50_ms": round(percentile(latencies, 50), 2), "p95_ms": round(percentile(latencies, 95), 2),
            "p99_ms": round(percentile(latencies, 99), 2), "max_ms": round(max(latencies), 2),
            "mean_ms": round(statistics.fmean(latencies), 2)}


async def connect(url: str, cookie: str) -> socketio.AsyncClient:
    client = socketio.AsyncClient(reconnection=False)
    await client.connect(url, namespaces=["/floor"], transports=["websocket"],
                         headers={"Cookie": cookie}, wait_timeout=20)
    return client


async def handheld(client: socketio.AsyncClient, pool: list[str], think: float, until: float,
                   latencies: list[float], failures: list[str], acked: set[str]) -> None:
    """One device's loop: scan, wait for the ack, think, scan again; 1 % resend the last scan."""
    await asyncio.sleep(random.uniform(0, think))  # devices do not scan in lockstep
    previous = None
    while time.monotonic() < until:
        replay = previous is not None and random.random() < 0.01
        payload = previous if replay else {"scan_id": str(uuid.uuid4()),
                                           "code": random.choice(pool), "mode": "lookup"}
        sent = time.perf_counter()
        try:
            ack = await client.call("scan", payload, namespace="/floor", timeout=15)
        except socketio.exceptions.TimeoutError:
            failures.append("timeout")
            continue
        latencies.append((time.perf_counter() - sent) * 1000)
        if ack.get("scan_id") != payload["scan_id"]:
            failures.append("wrong ack")
        acked.add(payload["scan_id"])
        previous = payload
        if think:
            await asyncio.sleep(think)


async def run_phase(url: str, cookie: str, pool: list[str], clients: int, think: float,
                    duration: float, acked: set[str]) -> tuple[list[float], list[str], float]:
    """Connect every handheld first (a shift starting is not what is measured), then scan."""
    latencies: list[float] = []
    failures: list[str] = []
    devices = []
    for start in range(0, clients, 25):
        devices += await asyncio.gather(*[connect(url, cookie)
                                          for _ in range(min(25, clients - start))])
    started = time.monotonic()
    until = started + duration
    await asyncio.gather(*[handheld(d, pool, think, until, latencies, failures, acked)
                           for d in devices])
    took = time.monotonic() - started
    await asyncio.gather(*[d.disconnect() for d in devices])
    return latencies, failures, took


def record_check(db_path: Path, acked: set[str]) -> dict:
    """Every acked scan must be stored exactly once under its scan id."""
    with sqlite3.connect(db_path) as conn:
        stored = dict(conn.execute("SELECT scan_id, count(*) FROM scans GROUP BY scan_id"))
    return {"lost": sum(1 for scan_id in acked if scan_id not in stored),
            "doubled": sum(n - 1 for n in stored.values() if n > 1)}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", help="an already running server (default: start one)")
    parser.add_argument("--idle-scans", type=int, default=1000)
    parser.add_argument("--handhelds", type=int, default=300)
    parser.add_argument("--think", type=float, default=2.0)
    parser.add_argument("--seconds", type=float, default=30.0)
    args = parser.parse_args()
    if args.seconds > 600 or args.handhelds > 1000:
        parser.error("bounded: at most 600 s and 1000 handhelds")

    server = None
    tmp = tempfile.TemporaryDirectory()
    url = args.url
    if url is None:
        server, url, _ = start_server(tmp.name)
    try:
        http = requests.Session()
        http.post(f"{url}/api/v1/auth/login", json={"username": "picker", "password": "demo"},
                  timeout=10).raise_for_status()
        cookie = "; ".join(f"{k}={v}" for k, v in http.cookies.items())
        pool = codes(url, cookie)
        results = []

        idle_time = args.idle_scans * 0.01
        acked: set[str] = set()
        lat, fail, took = asyncio.run(run_phase(url, cookie, pool, 1, 0, idle_time, acked))
        results.append(summary("idle: 1 handheld, back to back", 1, lat, len(fail), took))

        lat, fail, took = asyncio.run(run_phase(url, cookie, pool, args.handhelds, args.think,
                                                args.seconds, acked))
        name = f"floor: {args.handhelds} handhelds, one scan every {args.think:g} s"
        results.append(summary(name, args.handhelds, lat, len(fail), took))
        if server is not None:  # our own server: its database can be checked
            results[-1].update(record_check(Path(tmp.name) / "wms.db", acked))
        for row in results:
            print(json.dumps(row, ensure_ascii=False))
        return 0 if all(r["errors"] == 0 for r in results) else 1
    finally:
        if server is not None:
            server.terminate()
            server.wait(10)
        tmp.cleanup()


if __name__ == "__main__":
    sys.exit(main())
