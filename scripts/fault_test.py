"""Fault test: ~100 simulated handhelds pick a wave while the server is SIGKILLed and restarted.

1. A server of our own (demo warehouse, one picker user and device per handheld, stock topped up),
   a wave with work for every handheld (orders over REST, released, waves released).
2. The handhelds (scripts/floor_sim.py) claim and pick lists; every `--kill-after` seconds the whole
   server process group gets SIGKILL and is started again on the same port and data dir
   (`--kills` times). Clients reconnect and resend what they had not been answered, same scan id.
   Each kill lands after a commit and before its acks went out: the server's test hook
   WMS_TEST_PAUSE_AFTER_COMMIT holds a stored batch's acks while a file exists (chance alone
   almost never lands there; `--no-pause-hook` leaves it to chance). Each kill counts the scans in
   flight (sent, no ack yet) and, read from the database while the server is dead, those of them
   already stored whose ack the device never got. The run fails unless both are ≥ 1.
3. Afterwards: every scan sent is in `scans`, each with exactly the ledger rows one application
   makes (doubles are counted from the ledger), every ack a client got is the stored one, every pick
   list is done, and `python -m server check-ledger` exits 0.
4. `--printer-agent`: a Zebra emulator and `python -m printers.agent` as processes; label jobs are
   queued, the agent is SIGKILLed mid-batch several times (at each point of a write, via its
   WMS_AGENT_TEST_PAUSE hook, and once at a random moment) and restarted; every label must come
   out of the emulator exactly once, and every kill must have hit its point (`agent_kills`).
5. `--database-restart` (PostgreSQL mode, `--database-url postgresql+psycopg://…`): PostgreSQL is
   restarted (`pg_ctl restart -D --pg-data`) in the middle of the picking as well.

    .venv/bin/python scripts/fault_test.py --handhelds 100 --kill-after 6 --kills 2 --printer-agent

The last line is a JSON object (scans_sent, in_flight_at_kill, stored_ack_lost_at_kill, lost,
doubled, ledger_balanced, pick_lists, pick_lists_done, …); exit 0 only when every kill landed with
scans in flight and stored-but-unacked ones, nothing was lost or doubled, the ledger balances, every
pick list finished (and, with --printer-agent, every agent kill hit its point and every label printed
exactly once).
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import floor_sim as sim  # noqa: E402
from printers.agent import split_formats  # noqa: E402

PRINTER = "PRN-PACK-01"
# Where the agent is killed, in turn: inside a write, after the printer took it all but before the
# journal says so, after journaling `sending` but before writing, and at a random moment.
AGENT_KILL_POINTS = ("mid_write", "after_write", "before_write", None)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--handhelds", type=int, default=100)
    p.add_argument("--kill-after", type=float, default=6.0, help="seconds of picking before each kill")
    p.add_argument("--kills", type=int, default=1, help="server kills (one every --kill-after seconds)")
    p.add_argument("--seconds", type=float, default=240.0, help="bound on the picking phase")
    p.add_argument("--lists-per-handheld", type=int, default=2)
    p.add_argument("--totes", type=int, default=3, help="totes per cart (orders per pick list)")
    p.add_argument("--think", type=float, default=0.25, help="seconds between two scans of a handheld")
    p.add_argument("--wrong-rate", type=float, default=0.03)
    p.add_argument("--short-rate", type=float, default=0.02)
    p.add_argument("--restart-delay", type=float, default=1.0, help="seconds the server stays dead")
    p.add_argument("--printer-agent", action="store_true", help="also the printer agent phase")
    p.add_argument("--label-jobs", type=int, default=20)
    p.add_argument("--labels-per-job", type=int, default=4)
    p.add_argument("--agent-kills", type=int, default=4)
    p.add_argument("--database-url", help="PostgreSQL mode: WMS_DATABASE_URL for the server")
    p.add_argument("--redis-url", help="WMS_REDIS_URL for the server")
    p.add_argument("--database-restart", action="store_true",
                   help="PostgreSQL mode: restart PostgreSQL mid-run too (a cluster of our own unless --pg-data)")
    p.add_argument("--pg-data", help="with --database-url: that cluster's data directory, for pg_ctl restart")
    p.add_argument("--resend-internal-errors", action="store_true",
                   help="devices resend a scan answered internal_error (not stored) instead of taking it as final")
    p.add_argument("--no-pause-hook", dest="pause_hook", action="store_false",
                   help="kill at a random moment instead of after a commit (stored_ack_lost is then rarely ≥ 1)")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--keep", action="store_true", help="keep the data directory (printed on stderr)")
    args = p.parse_args(argv)
    if not 1 <= args.handhelds <= 500 or args.seconds > 900:
        p.error("bounded: 1 … 500 handhelds, at most 900 s")
    if args.database_restart and args.database_url and not args.pg_data:
        p.error("--database-restart with --database-url needs --pg-data DIR (the cluster pg_ctl restarts)")
    return args


def log(message: str) -> None:
    print(f"[fault_test {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------------------------
# The floor phase


async def floor_phase(server: sim.Server, args: argparse.Namespace) -> dict:
    async with sim.Rest(server.url) as rest:
        catalogue = await sim.load_catalogue(rest, await rest.login("supervisor"))
        work = await sim.make_waves(rest, catalogue, args.handhelds * args.lists_per_handheld * args.totes,
                                    totes=args.totes, seed=args.seed)
    log(f"{work['orders']} orders in {work['pick_lists']} pick lists (waves {work['waves']})")
    options = sim.Options(think=args.think, wrong_rate=args.wrong_rate, short_rate=args.short_rate,
                          resend_codes=frozenset({"try_again", "internal_error"}) if args.resend_internal_errors
                          else frozenset({"try_again"}))
    stats = sim.Stats()
    swarm = asyncio.create_task(sim.run_handhelds(server.url, catalogue, args.handhelds, options, args.seconds,
                                                  until_done=True, stats=stats, seed=args.seed))
    while not stats.started and not swarm.done():
        await asyncio.sleep(0.05)  # faults are timed from the start of picking, not of logging in
    started = time.monotonic()
    faults = [("server", n) for n in range(args.kills)]
    if args.database_restart:
        faults.insert(1 if faults else 0, ("database", 0))
    events, last = [], started
    for n, (what, _) in enumerate(faults, start=1):
        await _sleep_until(last + args.kill_after, swarm)  # kill_after seconds of picking before each fault
        if swarm.done():
            log(f"picking finished before fault {n} ({what})")
            break
        at = round(time.monotonic() - started, 2)
        events.append(await (kill_server(server, stats, args) if what == "server" else restart_database(args)))
        events[-1]["at_s"] = at
        last = time.monotonic()
    await swarm
    took = time.monotonic() - started
    log(f"picking took {took:.1f} s")
    result = sim.verify(server.database_url, stats.records, work["waves"])
    kills = [e for e in events if e["fault"] == "server_sigkill"]
    # A scan's latency as its picker sees it: from when it was queued (made) to its ack, however many
    # sends and reconnects that took; ack_timeouts: sends that waited ack_timeout in vain.
    waited = [(r.acked_at - r.queued_at) * 1000 for r in stats.records if r.acked_at is not None]
    result |= {"picking_s": round(took, 1), "faults": events, "server_kills": len(kills),
               "in_flight_at_kill": sum(e["in_flight"] for e in kills),
               "stored_ack_lost_at_kill": sum(e["stored_ack_lost"] for e in kills),
               "resends": stats.resends, "ack_timeouts": stats.emit_errors.get("TimeoutError", 0),
               "send_failures": dict(stats.emit_errors), "resent_after_error": dict(stats.resent_codes),
               "reconnects": stats.reconnects, "unacked": sim.unacked(stats.records),
               "errors": stats.errors(), "outcomes": sim.outcome_counts(stats.records),
               **{f"queued_to_ack_{k}": v for k, v in sim.latency_summary(waited).items()}}
    if stats.unexpected or stats.failures:
        result["error_samples"] = (stats.failures + stats.unexpected)[:5]
    return result


async def _sleep_until(when: float, task: asyncio.Task) -> None:
    while time.monotonic() < when and not task.done():
        await asyncio.sleep(0.05)


def pause_file(server: sim.Server) -> Path:
    """While this file exists the server holds the acks of each batch it has just committed."""
    return server.data_dir / "pause-after-commit"


async def kill_server(server: sim.Server, stats: sim.Stats, args: argparse.Namespace) -> dict:
    """SIGKILL the server's process group (after a commit, before its acks, with the hook), count what
    was in flight and what of it the database already holds, start it again."""
    loop = asyncio.get_running_loop()
    paused = False
    if args.pause_hook:
        log_file = server.data_dir / "server.log"
        offset = log_file.stat().st_size
        pause_file(server).touch()
        paused = await _wait_for_text(log_file, offset, "TEST PAUSE after_commit", timeout=15)
    # Killed and counted without yielding to the event loop: no ack is taken in between, so "sent and
    # not acked" is the state at the kill.
    server.kill()
    pause_file(server).unlink(missing_ok=True)
    in_flight = [r for r in stats.records if r.sent_at is not None and r.ack is None]
    queued = sum(1 for r in stats.records if r.sent_at is None)
    await asyncio.sleep(0.2)  # acks the server wrote before dying still arrive; the rest are lost
    ack_lost = [r.scan_id for r in in_flight if r.ack is None]
    stored = await loop.run_in_executor(None, stored_ids, server.database_url, ack_lost)
    log(f"server killed{' after a commit' if paused else ''}: {len(in_flight)} scans in flight "
        f"({queued} more queued), {len(stored)} of them stored with the ack lost")
    await asyncio.sleep(args.restart_delay)
    begun = time.monotonic()
    await loop.run_in_executor(None, server.serve)
    log(f"server back after {time.monotonic() - begun:.1f} s")
    return {"fault": "server_sigkill", "after_commit_pause": paused, "in_flight": len(in_flight),
            "queued_unsent": queued, "stored_ack_lost": len(stored), "stored_ack_lost_ids": sorted(stored)[:5]}


async def _wait_for_text(path: Path, offset: int, text: str, timeout: float) -> bool:
    """Poll a process's log (another process: no event to await) until `text` appears after `offset`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with open(path, "rb") as file:
            file.seek(offset)
            if text.encode() in file.read():
                return True
        await asyncio.sleep(0.02)
    return False


def stored_ids(database_url: str, scan_ids: list[str]) -> set[str]:
    """Which of these scan ids the database holds (read while the server is dead)."""
    from sqlalchemy import bindparam, create_engine, text

    if not scan_ids:
        return set()
    with create_engine(database_url).connect() as db:
        query = text("SELECT scan_id FROM scans WHERE scan_id IN :ids").bindparams(bindparam("ids", expanding=True))
        return set(db.execute(query, {"ids": scan_ids}).scalars())


async def restart_database(args: argparse.Namespace) -> dict:
    """`pg_ctl restart -m immediate` (like a crash: no checkpoint, recovery at start): every server
    connection breaks at once; scans in flight fail and are resent, the pool must recover."""
    loop = asyncio.get_running_loop()
    begun = time.monotonic()
    # -l: the new postmaster must not inherit our pipes (run() would wait for their EOF forever).
    done = await loop.run_in_executor(None, lambda: subprocess.run(
        args.pg.command("pg_ctl", "restart", "-D", str(args.pg.data), "-m", "immediate", "-w", "-t", "60",
                        "-l", str(args.pg.data.parent / "postgres.log")),
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=90))
    log(f"PostgreSQL restarted (exit {done.returncode}) in {time.monotonic() - begun:.1f} s")
    return {"fault": "database_restart", "exit": done.returncode}


# ---------------------------------------------------------------------------------------------
# The printer agent phase


def start_emulator(work: Path) -> tuple[subprocess.Popen, int, int]:
    port, control = sim.free_port(), sim.free_port()
    process = subprocess.Popen([sim.PY, "-m", "printers.emulator", "--port", str(port), "--control-port",
                                str(control)], cwd=sim.ROOT, stdout=open(work / "emulator.log", "wb"),  # noqa: SIM115
                               stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            if requests.get(f"http://127.0.0.1:{control}/status", timeout=1).ok:
                return process, port, control
        except requests.RequestException:
            time.sleep(0.05)
    process.kill()
    raise RuntimeError("printer emulator did not start")


class Agent:
    """`python -m printers.agent` with its journal in one state dir across restarts."""

    def __init__(self, server: sim.Server, state_dir: Path, pause: str | None) -> None:
        self.log_path = state_dir.parent / "agent.log"
        env = dict(os.environ)
        env.pop("WMS_AGENT_TEST_PAUSE", None)
        if pause:
            env["WMS_AGENT_TEST_PAUSE"] = pause
        self._log = open(self.log_path, "ab")  # noqa: SIM115 - closed in stop()/kill()
        self.offset = self.log_path.stat().st_size
        self.process = subprocess.Popen(
            [sim.PY, "-m", "printers.agent", "--server", server.url, "--token-file",
             str(server.data_dir / "token-AGENT-01.txt"), "--state-dir", str(state_dir), "--retry-seconds", "0.2",
             "--max-retry-seconds", "1"], cwd=sim.ROOT, env=env, stdout=self._log, stderr=subprocess.STDOUT)

    def output(self) -> str:
        with open(self.log_path, "rb") as file:
            file.seek(self.offset)
            return file.read().decode(errors="replace")

    def wait_for(self, text: str, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and self.process.poll() is None:
            if text in self.output():
                return True
            time.sleep(0.02)
        return False

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)
        self._log.close()

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self._log.close()


def agent_phase(server: sim.Server, control_port: int, work: Path, args: argparse.Namespace) -> dict:
    boss = requests.Session()
    boss.post(f"{server.url}/api/v1/auth/login", json={"username": "supervisor", "password": "demo"},
              timeout=10).raise_for_status()
    bins = [b["code"] for b in boss.get(f"{server.url}/api/v1/bins", params={"zone": "A"}, timeout=10).json()]
    size = args.labels_per_job
    jobs = []
    for n in range(args.label_jobs):
        chosen = [bins[(n * size + k) % len(bins)] for k in range(size)]
        answer = boss.post(f"{server.url}/api/v1/print-jobs/bin-labels", timeout=30,
                           json={"zone": "A", "printer": PRINTER, "bins": chosen})
        answer.raise_for_status()
        jobs.append(answer.json()["job"]["id"])
    state_dir = work / "agent-state"
    kills = []
    for n in range(args.agent_kills):
        point = AGENT_KILL_POINTS[n % len(AGENT_KILL_POINTS)]
        agent = Agent(server, state_dir, point)
        if point is None:
            time.sleep(0.3 + 0.2 * n)  # a moment somewhere in the batch
            # A hit: the agent was still running with labels of the batch not yet out of the printer.
            hit = agent.process.poll() is None and printed_count(control_port) < args.label_jobs * size
        else:
            hit = agent.wait_for(f"TEST PAUSE {point}", 30)
        agent.kill()
        kills.append({"point": point or "random", "hit": hit})
        log(f"agent killed ({point or 'random moment'}; {'hit' if hit else 'missed: no job there'})")
    agent = Agent(server, state_dir, None)
    try:
        statuses = wait_jobs_final(boss, server.url, jobs, timeout=60)
    finally:
        agent.stop()
    expected: Counter[str] = Counter()
    for job in jobs:
        zpl = boss.get(f"{server.url}/api/v1/print-jobs/{job}", params={"zpl": 1}, timeout=10).json()["zpl"]
        expected.update(label_key(f) for f in split_formats(zpl))
    printed = Counter(label_key(label["zpl"]) for label in
                      requests.get(f"http://127.0.0.1:{control_port}/labels", timeout=10).json())
    return {"label_jobs": len(jobs), "labels_expected": sum(expected.values()),
            "labels_printed": sum(printed.values()), "labels_duplicated": sum((printed - expected).values()),
            "labels_missing": sum((expected - printed).values()),
            "jobs_printed": sum(1 for s in statuses.values() if s == "printed"), "agent_kills": kills,
            "agent_kill_hits": sum(1 for k in kills if k["hit"])}


def printed_count(control_port: int) -> int:
    return len(requests.get(f"http://127.0.0.1:{control_port}/labels", timeout=10).json())


def label_key(zpl: str) -> str:
    """A label by its content: the format without line breaks (the agent joins formats with one)."""
    return "".join(zpl.split())


def wait_jobs_final(http: requests.Session, url: str, jobs: list[int], timeout: float) -> dict[int, str]:
    deadline = time.monotonic() + timeout
    while True:
        statuses = {job: http.get(f"{url}/api/v1/print-jobs/{job}", timeout=10).json()["status"] for job in jobs}
        if all(s in ("printed", "failed") for s in statuses.values()) or time.monotonic() > deadline:
            return statuses
        time.sleep(0.2)


# ---------------------------------------------------------------------------------------------


def passed(result: dict, args: argparse.Namespace) -> bool:
    # Figures that can fail: each kill must have caught scans in flight and stored-but-unacked ones,
    # else "nothing lost, nothing doubled" proves nothing about the kill.
    ok = (result["server_kills"] == args.kills and (args.kills == 0 or (
          result["in_flight_at_kill"] >= 1 and result["stored_ack_lost_at_kill"] >= 1))
          and result["lost"] == 0 and result["doubled"] == 0 and result["ledger_balanced"]
          and result["ack_mismatch"] == 0 and result["unacked"] == 0
          and result["pick_lists_done"] == result["pick_lists"] and result["pick_units_mismatch"] == 0)
    if args.printer_agent:
        ok = ok and result["labels_duplicated"] == 0 and result["labels_missing"] == 0 \
            and result["jobs_printed"] == result["label_jobs"] and all(k["hit"] for k in result["agent_kills"])
    return ok


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    # SIGTERM (e.g. `timeout`) must still stop our server: its own process group outlives us otherwise.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    work = Path(tempfile.mkdtemp(prefix="wms-fault-"))
    emulator = server = own_pg = None
    started = time.monotonic()
    try:
        printer_port, control_port = None, None
        if args.printer_agent:
            emulator, printer_port, control_port = start_emulator(work)
        if args.database_restart and not args.database_url:
            args.pg, args.database_url = sim.Postgres.own(work)
            own_pg = args.pg
            log(f"PostgreSQL of our own at {args.database_url}")
        elif args.database_restart:
            args.pg = sim.Postgres.locate(Path(args.pg_data))
        extra = {k: v for k, v in (("WMS_DATABASE_URL", args.database_url), ("WMS_REDIS_URL", args.redis_url)) if v}
        if args.pause_hook:  # test-only server hook (server/realtime/floor.py): armed by creating the file
            extra["WMS_TEST_PAUSE_AFTER_COMMIT"] = str(work / "data" / "pause-after-commit")
        server = sim.start_server(work / "data", args.handhelds, printer_port=printer_port, extra_env=extra)
        log(f"server up at {server.url} ({time.monotonic() - started:.1f} s)")
        result = {"handhelds": args.handhelds, "kills": args.kills}
        result |= asyncio.run(floor_phase(server, args))
        result["ledger_balanced"], result["ledger"] = sim.check_ledger(server)
        if args.printer_agent:
            result |= agent_phase(server, control_port, work, args)
        result["passed"] = passed(result, args)
        result["seconds"] = round(time.monotonic() - started, 1)
        print(json.dumps(result, ensure_ascii=False))
        return 0 if result["passed"] else 1
    finally:
        if server is not None:
            server.stop()
        if emulator is not None:
            emulator.terminate()
            emulator.wait(10)
        if own_pg is not None:
            own_pg.stop(remove=not args.keep)
        if args.keep:
            log(f"data kept in {work}")
        else:
            subprocess.run(["rm", "-rf", str(work)], check=False)


if __name__ == "__main__":
    sys.exit(main())
