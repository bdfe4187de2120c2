"""Scan latency benchmark: a live server on 127.0.0.1, simulated handhelds (scripts/floor_sim.py:
real Socket.IO clients over WebSocket, each with its own outbox, user and device) doing realistic
pick flows by default — claim a list, bind totes, bin → item (qty) → tote at each stop, a few wrong
scans and shorts, and the list reads the app makes beside its scans (its pick screen — its own and the open
lists, one request — on opening and after each finished list; `--no-app-reads` leaves them out, as before
2026-12-03) — or Lookup scans
(`--flow lookup`: bins, items, unknown codes, 1 % replays).

Phase 1 (idle): one handheld scanning back to back.
Phase 2 (floor): N handhelds, each scanning every THINK seconds (jittered), for DURATION seconds;
with `--ladder 50,150,300` one floor phase per step. With `--shift-start` the floor phase is a shift's
start: every handheld logs in, connects and claims its first list at once (with `--arrival-spread S`: each at a
moment of its own within S seconds), the clock running from the first log-in (figures per 10 s window: scans and
claims).
`--processes N`: N server processes (PostgreSQL + Redis) behind nginx (scripts/front.py).
Before each phase the work it needs is made over REST (orders, release, waves). Traffic goes only
to 127.0.0.1; phases are bounded in count and time.

    .venv/bin/pip install -e '.[bench]'
    .venv/bin/python scripts/bench_scans.py --handhelds 300 --think 2 --seconds 30
    .venv/bin/python scripts/bench_scans.py --ladder 50,150,300 --think 2 --seconds 30
    .venv/bin/python scripts/bench_scans.py --ladder 50,150,300 \\
        --database-url postgresql+psycopg://wms@127.0.0.1/wms --redis-url redis://127.0.0.1:6379/0
    .venv/bin/python scripts/bench_scans.py --ladder 50,150,300 --own-postgres --own-redis
    .venv/bin/python scripts/bench_scans.py --handhelds 300 --own-postgres --own-redis --processes 2
    .venv/bin/python scripts/bench_scans.py --handhelds 300 --seconds 60 --shift-start [--arrival-spread 10]

One JSON line per phase; the last line is the last floor phase (with `--ladder`, plus `ladder`: every
step in short): handhelds, scans, scans_per_s, p50_ms, p95_ms, p99_ms, max_ms (from the moment the
handheld queued the scan to its ack: what the picker waits, the outbox included), timeouts (attempts
that got no ack within 10 s, and scans still unanswered at the end: any fails the run), errors, lost (scans
sent that the server has no record of, or picks whose stock movement is missing), doubled (scan ids
stored twice, or applied more than once in the ledger). lost/doubled need the database: our own
server's, or `--database-url` with `--url`. The pick flow adds reads, read_p50_ms, read_p99_ms (the app's
list reads) and read_failures (counted in errors).
"""
from __future__ import annotations

import argparse
import asyncio
import gc
import json
import signal
import math
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import floor_sim as sim  # noqa: E402

# A pick list of 3 totes, 1–2 lines an order: ~3 tote scans + ~4.5 stops × ~3.3 scans.
SCANS_PER_LIST = 18
TOTES = 3


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="an already running server (default: start one)")
    parser.add_argument("--idle-scans", type=int, default=1000, help="bounds the idle phase: this × 10 ms")
    parser.add_argument("--handhelds", type=int, default=300)
    parser.add_argument("--ladder", help="floor phases with these handheld counts, e.g. 50,150,300")
    parser.add_argument("--think", type=float, default=2.0, help="seconds between two scans of a handheld")
    parser.add_argument("--seconds", type=float, default=30.0, help="length of each floor phase")
    parser.add_argument("--flow", choices=("pick", "lookup"), default="pick")
    parser.add_argument("--wrong-rate", type=float, default=0.03)
    parser.add_argument("--short-rate", type=float, default=0.02)
    parser.add_argument("--database-url", help="PostgreSQL mode: the server's WMS_DATABASE_URL")
    parser.add_argument("--redis-url", help="the server's WMS_REDIS_URL (message queue)")
    parser.add_argument("--own-postgres", action="store_true",
                        help="PostgreSQL mode on a private cluster made for the run (initdb, a free port)")
    parser.add_argument("--own-redis", action="store_true", help="a private redis-server as the message queue")
    parser.add_argument("--processes", type=int,
                        help="N server processes (each its own port) behind nginx; N > 1 needs PostgreSQL "
                             "and Redis (--own-postgres/--database-url, --own-redis/--redis-url)")
    parser.add_argument("--shift-start", action="store_true",
                        help="the floor phase starts as a shift: every handheld logs in and claims at once")
    parser.add_argument("--arrival-spread", type=float, default=0.0,
                        help="--shift-start: the pickers arrive (log in) within this many seconds, evenly at random "
                             "(default 0: all in the same instant)")
    parser.add_argument("--login", choices=("badge", "password"), default="badge",
                        help="--shift-start: how the pickers log in (badge, as on the floor; falls back to password "
                             "on a server whose pickers have no badges)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--no-app-reads", dest="app_reads", action="store_false",
                        help="pick flow: leave out the list reads the app makes around its scans (older figures)")
    parser.add_argument("--serve-from", type=Path,
                        help="serve from another checkout (e.g. a `git worktree` of an older commit): its server "
                             "under this load generator")
    parser.add_argument("--serve-with", choices=("asyncio", "flask-socketio"), default="asyncio",
                        help="our own server: `python -m server serve` (asyncio), or today's app under "
                             "Flask-SocketIO's threading mode and gunicorn gthread (scripts/flask_socketio_server.py, "
                             "an A/B harness)")
    args = parser.parse_args(argv)
    args.steps = [int(n) for n in args.ladder.split(",")] if args.ladder else [args.handhelds]
    if args.seconds > 600 or max(args.steps) > 1000 or args.idle_scans > 20000:
        parser.error("bounded: at most 600 s a phase, 1000 handhelds, 20000 idle scans")
    if args.arrival_spread and not (args.shift_start and 0 < args.arrival_spread <= args.seconds):
        parser.error("--arrival-spread: with --shift-start, more than 0 and at most --seconds")
    if args.processes is not None:
        if not 1 <= args.processes <= 8:
            parser.error("--processes: 1 to 8")
        if args.url or args.serve_with != "asyncio":
            parser.error("--processes starts its own servers (no --url, no --serve-with)")
        if args.processes > 1 and not ((args.database_url or args.own_postgres) and (args.redis_url or args.own_redis)):
            parser.error("--processes > 1 needs PostgreSQL and Redis: --own-postgres --own-redis "
                         "(or --database-url and --redis-url)")
    return args


def lists_needed(handhelds: int, think: float, seconds: float) -> int:
    """Enough pick lists that no handheld runs out of work before the phase ends."""
    scans_each = seconds / think * 1.3 if think > 0 else seconds * 100  # think is jittered ±50 %
    return handhelds * math.ceil(scans_each / SCANS_PER_LIST)


async def prepare(url: str, args: argparse.Namespace, handhelds: int, think: float, seconds: float,
                  catalogue: sim.Catalogue | None) -> tuple[sim.Catalogue, list[int]]:
    """The catalogue the handhelds scan from, and (pick flow) waves with work for this phase."""
    async with sim.Rest(url) as rest:
        boss = await rest.login("supervisor")
        catalogue = catalogue or await sim.load_catalogue(rest, boss)
        if args.flow != "pick":
            return catalogue, []
        work = await sim.make_waves(rest, catalogue, lists_needed(handhelds, think, seconds) * TOTES,
                                    totes=TOTES, seed=args.seed + handhelds)
    return catalogue, work["waves"]


def phase(url: str, args: argparse.Namespace, name: str, handhelds: int, think: float, seconds: float,
          catalogue: sim.Catalogue | None, server: sim.Server | None,
          database_url: str | None, shift_start: bool = False) -> tuple[dict, sim.Catalogue]:
    catalogue, waves = asyncio.run(prepare(url, args, handhelds, think, seconds, catalogue))
    cpu = [0.0, 0.0, machine_ticks(), 0.0]

    def read_cpu() -> None:
        cpu[0] = server.cpu_seconds() if server else 0.0
        cpu[3] = server.nginx_cpu_seconds() if hasattr(server, "nginx_cpu_seconds") else 0.0
        cpu[1] = time.process_time()
        cpu[2] = machine_ticks()
        # The simulated handhelds share one process and one garbage collector, real ones do not: its full
        # collections (110 ms with 300 clients) were counted in the acks' latency. The clients' long-lived
        # objects leave its view, and young collections stay rare.
        gc.collect()
        gc.freeze()
        gc.set_threshold(50_000, 20, 100)
        print(f"{name}: all connected, scanning", file=sys.stderr, flush=True)  # e.g. to attach a profiler

    options = sim.Options(think=think, flow=args.flow, wrong_rate=args.wrong_rate, short_rate=args.short_rate,
                          user="picker" if args.flow == "lookup" else None, app_reads=args.app_reads,
                          start_spread=0.0 if shift_start else None,
                          # At a shift's start pickers scan their badges; a password costs a scrypt (≈ 0.1 s of CPU).
                          badge_login=shift_start and args.login == "badge")
    logins: list[tuple[float, float]] = []  # (asked, s after the start; answered after, ms)
    if shift_start:
        stats = asyncio.run(shift(url, catalogue, handhelds, options, seconds, args.seed, read_cpu, logins,
                                  args.arrival_spread))
    else:
        stats = asyncio.run(sim.run_handhelds(url, catalogue, handhelds, options, seconds, seed=args.seed,
                                              on_start=read_cpu))
    waited = [(r.acked_at - r.queued_at) * 1000 for r in stats.records if r.acked_at is not None]
    timeouts = stats.emit_errors.get("TimeoutError", 0)
    unanswered = sim.unacked(stats.records)
    row = {"phase": name, "flow": args.flow, "handhelds": handhelds, "think_s": think,
           "scans": len(waited), "scans_per_s": stats.rate(seconds),
           # What the picker waits: from the moment the handheld queued the scan (its outbox) to its ack.
           **sim.latency_summary(waited),
           # The answered attempt alone (send → ack), as figures before 2026-12-06 were measured.
           "sent_p50_ms": round(sim.percentile(stats.latencies_ms, 50), 2),
           "sent_p99_ms": round(sim.percentile(stats.latencies_ms, 99), 2),
           # An attempt with no ack in 10 s (then resent), and scans never answered: either fails the run.
           "timeouts": timeouts, "unanswered": unanswered, "resends": stats.resends,
           "errors": stats.errors() + sum(stats.read_failures.values()),  # no fault here: a failed read is one
           "lists_done": stats.lists_done,
           # The tail by time: the first window holds the shift's start (every handheld claims a list at once).
           "p99_by_10s_ms": by_window([(r.acked_at, (r.acked_at - r.queued_at) * 1000) for r in stats.records
                                       if r.acked_at is not None], stats.started),
           # Taking the next pick list (REST) is part of the journey: a slow claim holds the picker up.
           **({"claim_p50_ms": round(sim.percentile(stats.claim_ms, 50), 1),
               "claim_p99_ms": round(sim.percentile(stats.claim_ms, 99), 1),
               "claim_p99_by_10s_ms": by_window(list(zip(stats.claimed_at, stats.claim_ms, strict=True)),
                                                stats.started)} if stats.claim_ms else {}),
           **({"logins": len(logins), "login_by": args.login,
               # from the first log-in asked to the last (--arrival-spread)
               "logins_within_s": round(max(at for at, _ in logins) - min(at for at, _ in logins), 2),
               "login_p50_ms": round(sim.percentile([ms for _, ms in logins], 50), 1),
               "login_p99_ms": round(sim.percentile([ms for _, ms in logins], 99), 1)} if logins else {}),
           # The lists the app reads around its scans (REST, beside the scans; --no-app-reads leaves them out).
           **({"reads": len(stats.read_ms), "read_p50_ms": round(sim.percentile(stats.read_ms, 50), 1),
               "read_p99_ms": round(sim.percentile(stats.read_ms, 99), 1)} if stats.read_ms else {}),
           **({"read_failures": dict(stats.read_failures)} if stats.read_failures else {}),
           # The load generator's own lateness (see floor_sim.Stats.loop_lag_ms): part of every latency above.
           "client_lag_p99_ms": round(sim.percentile(stats.loop_lag_ms, 99), 1),
           "client_lag_max_ms": round(max(stats.loop_lag_ms, default=0), 1),
           **({"arrival_spread_s": args.arrival_spread} if shift_start else {})}
    if server is not None and stats.latencies_ms:
        # The server's CPU per answered scan (from the start of the journeys; pings included):
        # shows when the one worker is saturated.
        row["server_cpu_ms_per_scan"] = round((server.cpu_seconds() - cpu[0]) * 1000 / len(stats.latencies_ms), 2)
        if hasattr(server, "nginx_cpu_seconds"):
            row["processes"] = len(server.servers)
            row["nginx_cpu_ms_per_scan"] = round((server.nginx_cpu_seconds() - cpu[3]) * 1000
                                                 / len(stats.latencies_ms), 3)
    if stats.latencies_ms:
        # The load generator shares the machine: its CPU a scan, and how busy the whole machine was (both
        # cores; 100 % = no CPU left for anyone), show when the figure is the machine's limit, not the server's.
        row["client_cpu_ms_per_scan"] = round((time.process_time() - cpu[1]) * 1000 / len(stats.latencies_ms), 2)
        busy, total = (now - then for now, then in zip(machine_ticks(), cpu[2], strict=True))
        if total:
            row["machine_busy_pct"] = round(100 * busy / total, 1)
    if database_url:
        checked = sim.verify(database_url, stats.records)
        row |= {"lost": checked["lost"], "doubled": checked["doubled"], "ack_mismatch": checked["ack_mismatch"]}
    if stats.failures or stats.unexpected:
        row["error_samples"] = (stats.failures + stats.unexpected)[:3]
    return row, catalogue


def machine_ticks() -> tuple[int, int]:
    """(busy, total) CPU ticks of the whole machine since boot (Linux /proc/stat); (0, 0) elsewhere."""
    try:
        fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    except (OSError, ValueError):
        return 0, 0
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    return sum(fields) - idle, sum(fields)


def by_window(samples: list[tuple[float, float]], started: float, window: float = 10.0) -> list[float]:
    """The p99 of each `window` seconds from `started`, of (when, ms) samples; an empty window is 0."""
    buckets: dict[int, list[float]] = {}
    for at, ms in samples:
        buckets.setdefault(max(0, int((at - started) // window)), []).append(ms)
    return [round(sim.percentile(buckets.get(k, []), 99), 1) for k in range(max(buckets, default=-1) + 1)]


async def shift(url: str, catalogue: sim.Catalogue, count: int, options: sim.Options, duration: float, seed: int,
                on_start, logins: list[tuple[float, float]], spread: float = 0.0) -> sim.Stats:
    """A shift's start: every handheld logs in, connects and claims its first list at once (not 25 at a
    time before the clock starts, as sim.run_handhelds does) — or, with `spread`, each at a moment of its
    own within that many seconds — then picks until `duration` seconds after the start. Each device has a
    REST connection of its own, as real ones do."""
    arrival = random.Random(seed)
    arrivals = [arrival.uniform(0, spread) if spread else 0.0 for _ in range(count)]
    stats = sim.Stats()
    on_start()
    async with sim.Rest(url, connections=count + 8) as rest:
        devices = [sim.Handheld(n, rest, catalogue, stats, options, seed) for n in range(1, count + 1)]
        stats.started = time.monotonic()
        until = stats.started + duration
        watch = asyncio.create_task(sim._watch_loop_lag(stats, until))

        async def arrive(device: sim.Handheld, after: float) -> None:
            await asyncio.sleep(after)
            asked = time.monotonic()
            if await device.start_or_fail(stats.started + 120):
                logins.append((asked - stats.started, (time.monotonic() - asked) * 1000))
                await device.run(until)

        running = {asyncio.create_task(arrive(d, after)): d for d, after in zip(devices, arrivals, strict=True)}
        await sim.finish(running, stats, watch, timeout=duration + 120)
    return stats


def badges_work(url: str) -> bool:
    """Do the pickers have badges (scripts/bench_setup.py gives them; an older checkout's did not)?"""
    async def check() -> bool:
        async with sim.Rest(url) as rest:
            status, _ = await rest.call("POST", "/api/v1/auth/badge", body={"badge": sim.badge_code(1)})
            return status == 200

    return asyncio.run(check())


def pick_users_exist(url: str, count: int) -> bool:
    async def check() -> bool:
        async with sim.Rest(url) as rest:
            status, _ = await rest.call("POST", "/api/v1/auth/login", body={
                "username": sim.picker_name(count), "password": sim.PASSWORD})
            return status == 200

    return asyncio.run(check())


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.serve_from:
        sim.ROOT = args.serve_from.resolve()  # start_server runs `python -m server` from there
    # SIGTERM (e.g. `timeout`) must still stop our server: its own process group outlives us otherwise.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    server, database_url = None, args.database_url
    tmp = tempfile.TemporaryDirectory()
    url = args.url
    postgres = redis = None
    try:
        if args.own_postgres:
            postgres, args.database_url = sim.Postgres.own(Path(tmp.name))
        if args.own_redis:
            redis = sim.Redis()
            args.redis_url = redis.url
        if url is None:
            extra = {k: v for k, v in (("WMS_DATABASE_URL", args.database_url), ("WMS_REDIS_URL", args.redis_url))
                     if v}
            harness = Path(__file__).resolve().parent / "flask_socketio_server.py"
            command = [sys.executable, str(harness)] if args.serve_with == "flask-socketio" else None
            if args.processes:
                import front

                server = front.Processes(Path(tmp.name), args.processes, max(args.steps), extra)
            else:
                server = sim.start_server(Path(tmp.name), max(args.steps), extra_env=extra, command=command)
            url, database_url = server.url, server.database_url
        elif args.flow == "pick" and not pick_users_exist(url, max(args.steps)):
            print(f"warning: {url} has no user {sim.picker_name(max(args.steps))} (scripts/bench_setup.py makes "
                  "them); measuring the lookup flow instead", file=sys.stderr)
            args.flow = "lookup"
        if args.shift_start and args.login == "badge" and not badges_work(url):
            print("warning: the pickers have no badges there; they log in by password", file=sys.stderr)
            args.login = "password"
        rows = []
        row, catalogue = phase(url, args, "idle: 1 handheld, back to back", 1, 0, args.idle_scans * 0.01, None,
                               server, database_url)
        rows.append(row)
        print(json.dumps(row, ensure_ascii=False), flush=True)
        for n in args.steps:
            name = f"{'shift start' if args.shift_start else 'floor'}: {n} handhelds, one scan every {args.think:g} s"
            row, catalogue = phase(url, args, name, n, args.think, args.seconds, catalogue, server, database_url,
                                   shift_start=args.shift_start)
            rows.append(row)
            if n != args.steps[-1]:
                print(json.dumps(row, ensure_ascii=False), flush=True)
        if args.ladder:
            rows[-1]["ladder"] = [{k: r.get(k) for k in ("handhelds", "scans_per_s", "p50_ms", "p95_ms", "p99_ms",
                                                         "timeouts", "errors", "lost", "doubled")} for r in rows[1:]]
        if server is not None:
            rows[-1]["ledger_balanced"] = sim.check_ledger(server)[0]
        print(json.dumps(rows[-1], ensure_ascii=False))
        clean = all(r["errors"] == 0 and not r.get("lost") and not r.get("doubled") and not r["timeouts"]
                    and not r["unanswered"] for r in rows)
        return 0 if clean and rows[-1].get("ledger_balanced", True) else 1
    finally:
        if server is not None:
            server.stop()
        if redis is not None:
            redis.stop()
        if postgres is not None:
            postgres.stop(remove=True)
        tmp.cleanup()


if __name__ == "__main__":
    sys.exit(main())
