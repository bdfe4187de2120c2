"""The Socket.IO transport's own ceiling, without the WMS: the server stack `python -m server serve` uses
(python-socketio AsyncServer under uvicorn with uvloop, httptools, websockets-sansio; async_handlers off)
with a handler that answers a scan-shaped payload at once — inline on the event loop, or through one
worker thread as the floor does — and N python-socketio clients back to back. Shows how much of a
scan's server time the transport is (docs/reliability.md). Traffic only to 127.0.0.1, bounded in time.

    .venv/bin/python scripts/bench_transport.py --clients 20 --seconds 8

The last line is a JSON object: per handler style, messages/s and server CPU ms a message.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import subprocess
import sys
import time

ACK = {"ok": True, "sound": "ok", "next": "scan_any", "kind": "item"}


def serve(port: int, style: str) -> None:
    from concurrent.futures import ThreadPoolExecutor

    import socketio
    import uvicorn

    server = socketio.AsyncServer(async_mode="asgi", async_handlers=False, logger=False, engineio_logger=False)
    worker = ThreadPoolExecutor(1)

    def answer(payload: dict) -> dict:
        return ACK | {"scan_id": payload.get("scan_id"), "code": payload.get("code")}

    @server.on("scan", namespace="/floor")
    async def scan(_sid, payload):
        if style == "inline":
            return answer(payload)
        return await asyncio.get_running_loop().run_in_executor(worker, answer, payload)

    uvicorn.run(socketio.ASGIApp(server), host="127.0.0.1", port=port, loop="uvloop", http="httptools",
                ws="websockets-sansio", log_level="warning", ws_ping_interval=None)


async def clients(url: str, count: int, seconds: float) -> int:
    try:
        import aiohttp  # noqa: F401  (socketio's asyncio client needs it)
        import socketio
    except ModuleNotFoundError as missing:
        raise SystemExit(f"{missing.name} is missing: .venv/bin/pip install -e '.[bench]'") from None

    sent = [0]

    async def one(n: int, until: float) -> None:
        client = socketio.AsyncClient()
        await client.connect(url, namespaces=["/floor"], transports=["websocket"])
        k = 0
        while time.monotonic() < until:
            k += 1
            await client.call("scan", {"scan_id": f"c{n}-{k:08d}", "code": "05901234123457", "mode": "pick"},
                              namespace="/floor")
            sent[0] += 1
        await client.disconnect()

    await asyncio.sleep(0)
    until = time.monotonic() + seconds
    await asyncio.gather(*(one(n, until) for n in range(count)))
    return sent[0]


def cpu_seconds(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def measure(style: str, count: int, seconds: float) -> dict:
    port = free_port()
    server = subprocess.Popen([sys.executable, __file__, "--serve", style, "--port", str(port)])
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        before = cpu_seconds(server.pid)
        messages = asyncio.run(clients(f"http://127.0.0.1:{port}", count, seconds))
        used = cpu_seconds(server.pid) - before
        return {"handler": style, "messages_per_s": round(messages / seconds),
                "server_cpu_ms_per_message": round(used * 1000 / max(messages, 1), 3)}
    finally:
        server.terminate()
        server.wait(10)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--serve", choices=("inline", "thread"), help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.port, args.serve)
        return 0
    if args.seconds > 120 or args.clients > 500:
        parser.error("bounded: at most 120 s and 500 clients")
    rows = [measure(style, args.clients, args.seconds) for style in ("inline", "thread")]
    for row in rows:
        print(json.dumps(row), flush=True)
    print(json.dumps({"clients": args.clients, "seconds": args.seconds, "styles": rows}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
