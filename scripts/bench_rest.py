"""What a REST request costs the server: a served demo warehouse, pickers logged in, then the requests a
handheld makes at a shift's start and around its scans (a badge log-in, who am I, the open pick lists, take
the next list) sent one after another, and each picker's Socket.IO connect — the server's CPU per request (from
/proc, the whole process group) and the latency.

    .venv/bin/python scripts/bench_rest.py
    .venv/bin/python scripts/bench_rest.py --compare ../other-checkout --rounds 8
    .venv/bin/python scripts/bench_rest.py --database-url postgresql+psycopg://wms@127.0.0.1/empty_db

With --compare, a second server runs from another checkout (e.g. a `git worktree` of an older commit)
and the two are asked in turns, round by round, so that this machine's swings in speed fall on both.
With --database-url (and --compare-database-url for the other checkout) a server runs on that empty
PostgreSQL database instead of SQLite; --compare-database-url alone compares SQLite with PostgreSQL on
one checkout: `--compare . --compare-database-url …`.
The last line is a JSON object: per checkout and request, the median server CPU ms a request over the
rounds, each round's figure, and the latency p50/p99.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import floor_sim as sim  # noqa: E402

READS = (("me", "GET", "/api/v1/auth/me"), ("open_lists", "GET", "/api/v1/pick-lists?status=open"),
         # what the app reads (floor_sim.Handheld.read_lists): its pick screen in one request; before, in two
         ("open_summary", "GET", sim.OPEN_LISTS), ("my_lists", "GET", sim.MY_LISTS),
         ("pick_screen", "GET", sim.PICK_SCREEN))
CLAIM = ("claim_next", "POST", "/api/v1/pick-lists/next/claim")
BADGE_LOGIN = "badge_login"  # a picker scanning their badge at the shift's start: a new session each time
CONNECT = "socket_connect"  # the handheld's socket to /floor, opened with its session (closed again unmeasured)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pickers", type=int, default=50, help="logged-in pickers, each asking in turn")
    parser.add_argument("--lists", type=int, default=0,
                        help="open pick lists waiting (default: one a picker); the open-lists read shows up to 200")
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--repeat", type=int, default=4, help="reads per picker a round")
    parser.add_argument("--compare", type=Path, help="another checkout to serve from as well, asked in turns")
    parser.add_argument("--database-url", help="serve this checkout on PostgreSQL: an empty database's URL")
    parser.add_argument("--compare-database-url", help="serve the --compare checkout on this empty PostgreSQL database")
    args = parser.parse_args(argv)
    args.lists = max(args.lists, args.pickers)
    if args.pickers > 500 or args.lists > 2000 or args.rounds * args.repeat * args.pickers > 200_000:
        parser.error("bounded: at most 500 pickers, 2,000 lists and 200,000 requests")
    roots = {"this": sim.ROOT} | ({"compare": args.compare.resolve()} if args.compare else {})
    with tempfile.TemporaryDirectory() as tmp:
        servers = {}
        try:
            for name, root in roots.items():
                sim.ROOT = root  # start_server runs `python -m server` from this checkout
                url = args.database_url if name == "this" else args.compare_database_url
                servers[name] = sim.start_server(Path(tmp) / name, args.pickers,
                                                 extra_env={"WMS_DATABASE_URL": url} if url else None)
            sim.ROOT = roots["this"]
            row = asyncio.run(measure(servers, args))
        finally:
            for server in servers.values():
                server.stop()
    print(json.dumps(row))
    return 0


async def absent(rest: sim.Rest, label: str, method: str, path: str, cookie: str) -> bool:
    """A read an older checkout (--compare) does not serve yet is left out of its figures."""
    if method != "GET" or label == "me":
        return False
    status, _ = await rest.call(method, path, cookie)
    return status == 404


async def connects(server: sim.Server, cookies: list[str], cpu: dict, latency: dict) -> None:
    """Each picker's handheld opens its socket, one after another (the CPU of opening, not of closing)."""
    sockets = []
    try:
        started_cpu = server.cpu_seconds()
        for n, cookie in enumerate(cookies, start=1):
            sio = sim.socketio.AsyncClient(reconnection=False)
            asked = time.perf_counter()
            await sio.connect(server.url, namespaces=[sim.NAMESPACE], transports=["websocket"],
                              headers={"Cookie": cookie}, auth={"device": sim.device_code(n)}, wait_timeout=20)
            latency.setdefault(CONNECT, []).append((time.perf_counter() - asked) * 1000)
            sockets.append(sio)
        cpu.setdefault(CONNECT, []).append(round((server.cpu_seconds() - started_cpu) * 1000 / len(cookies), 3))
    finally:
        await asyncio.gather(*(sio.disconnect() for sio in sockets), return_exceptions=True)


async def measure(servers: dict[str, sim.Server], args: argparse.Namespace) -> dict:
    cpu: dict[str, dict[str, list[float]]] = {name: {} for name in servers}
    latency: dict[str, dict[str, list[float]]] = {name: {} for name in servers}
    cookies: dict[str, list[str]] = {}
    missing: dict[str, set[str]] = {name: set() for name in servers}
    for name, server in servers.items():
        async with sim.Rest(server.url) as rest:
            boss = await rest.login("supervisor")
            # At least a list for each picker: the first round's claims take a new list each; later rounds
            # get the picker's unfinished list back (what a handheld reopening the app does).
            await sim.make_waves(rest, await sim.load_catalogue(rest, boss), args.lists * 3, totes=3)
            cookies[name] = [await rest.login(sim.picker_name(n), sim.device_code(n))
                             for n in range(1, args.pickers + 1)]
    for round_no in range(args.rounds):
        order = list(servers) if round_no % 2 == 0 else list(reversed(servers))
        for name in order:
            server = servers[name]
            async with sim.Rest(server.url) as rest:
                if BADGE_LOGIN not in missing[name]:
                    started_cpu = server.cpu_seconds()
                    for n in range(1, args.pickers + 1):
                        asked = time.perf_counter()
                        badge = {"badge": sim.badge_code(n), "device": sim.device_code(n)}
                        status, answer = await rest.call("POST", "/api/v1/auth/badge", body=badge)
                        if status != 200 and round_no == 0 and n == 1:  # an older checkout's pickers have no badges
                            missing[name].add(BADGE_LOGIN)
                            break
                        latency[name].setdefault(BADGE_LOGIN, []).append((time.perf_counter() - asked) * 1000)
                        if status != 200:
                            raise RuntimeError(f"{name} badge log-in: HTTP {status} {answer}")
                    else:
                        spent = (server.cpu_seconds() - started_cpu) * 1000 / args.pickers
                        cpu[name].setdefault(BADGE_LOGIN, []).append(round(spent, 3))
                await connects(server, cookies[name], cpu[name], latency[name])
                for label, method, path in (*READS, CLAIM):
                    times = args.repeat if (label, method, path) != CLAIM else 1
                    if round_no == 0 and await absent(rest, label, method, path, cookies[name][0]):
                        missing[name].add(label)
                    if label in missing[name]:
                        continue
                    started_cpu = server.cpu_seconds()
                    for _ in range(times):
                        for cookie in cookies[name]:
                            asked = time.perf_counter()
                            status, answer = await rest.call(method, path, cookie)
                            latency[name].setdefault(label, []).append((time.perf_counter() - asked) * 1000)
                            if status != 200:
                                raise RuntimeError(f"{name} {method} {path}: HTTP {status} {answer}")
                    spent = (server.cpu_seconds() - started_cpu) * 1000 / (times * len(cookies[name]))
                    cpu[name].setdefault(label, []).append(round(spent, 3))
    return {name: {label: {"cpu_ms_median": round(statistics.median(rounds), 3), "cpu_ms_rounds": rounds,
                           "p50_ms": round(sim.percentile(latency[name][label], 50), 2),
                           "p99_ms": round(sim.percentile(latency[name][label], 99), 2)}
                   for label, rounds in cpu[name].items()}
            for name in servers} | {"pickers": args.pickers, "lists": args.lists, "rounds": args.rounds}


if __name__ == "__main__":
    sys.exit(main())
