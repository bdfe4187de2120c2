"""Simulated handhelds for load and fault tests: asyncio python-socketio clients that pick like the app.

Each handheld logs in over REST (its own picker user and device, made by scripts/bench_setup.py),
claims the next pick list, binds its cart's totes (`pick.tote`), then walks the stops in route order:
scan the bin, the item with a quantity, the tote (`pick.put`); now and then a wrong scan or a short
(`pick.short`), at configurable rates. Like handheld_web/app.js, every scan goes through the device's
own outbox: it gets its scan id when it is queued, stays queued until its ack arrives, and is sent
again with the same scan id, in order, after a timeout or reconnect. The journey does not wait for
one ack before queuing the next scan of a stop (a picker keeps scanning while the Wi-Fi is away).

Also here: starting/killing/restarting a server of our own, making a wave big enough for N handhelds
(orders over REST as supervisor, released, waves released) and checking the database afterwards
(no scan lost or applied twice). Used by scripts/fault_test.py and scripts/bench_scans.py.
Traffic goes only to 127.0.0.1.
"""
from __future__ import annotations

import asyncio
import json
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

try:
    import aiohttp
    import socketio
except ModuleNotFoundError as missing:  # the benchmarks' own extras, not the server's
    raise SystemExit(f"{missing.name} is missing: .venv/bin/pip install -e '.[bench]'") from None

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
PASSWORD = "demo"
NAMESPACE = "/floor"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def picker_name(n: int) -> str:
    return f"picker{n:03d}"  # as scripts/bench_setup.py makes them


def device_code(n: int) -> str:
    return f"HH-{n:03d}"


def badge_code(n: int) -> str:
    return f"BDG-SIM-{n:04d}"  # as scripts/bench_setup.py gives them


# ---------------------------------------------------------------------------------------------
# A server of our own


@dataclass
class Server:
    """`python -m server serve` in its own process group: SIGKILL must take gunicorn's worker too
    (killing only the arbiter leaves the worker serving on the port)."""

    data_dir: Path
    env: dict
    port: int
    process: subprocess.Popen | None = None
    starts: int = 0
    command: list[str] | None = None  # how to serve; default `python -m server serve`

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def database_url(self) -> str:
        return self.env.get("WMS_DATABASE_URL") or f"sqlite:///{self.data_dir / 'wms.db'}"

    def manage(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        return subprocess.run([PY, "-m", "server", *args], cwd=ROOT, env=self.env, capture_output=True,
                              text=True, timeout=300, check=check)

    def serve(self, timeout: float = 60) -> None:
        log = open(self.data_dir / "server.log", "ab")  # noqa: SIM115 - the server process owns it
        self.process = subprocess.Popen(self.command or [PY, "-m", "server", "serve"], cwd=ROOT, env=self.env,
                                        stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        self.starts += 1
        self.wait_healthy(timeout)

    def wait_healthy(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError("server exited:\n" + self.log_tail())
            try:
                if requests.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return
            except requests.RequestException:  # not listening yet
                pass
            time.sleep(0.05)
        raise RuntimeError("server did not become healthy:\n" + self.log_tail())

    def kill(self) -> None:
        """SIGKILL to the whole group: no shutdown handler, no commit, no goodbye to the clients."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.kill()

    def cpu_seconds(self) -> float:
        """CPU time used so far by the server's process group (gunicorn arbiter + worker), from /proc."""
        total = 0
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except (OSError, IndexError):
                continue  # gone meanwhile
            if self.process is not None and int(fields[2]) == self.process.pid:  # pgrp
                total += int(fields[11]) + int(fields[12])  # utime + stime, in clock ticks
        return total / os.sysconf("SC_CLK_TCK")

    def log_tail(self, lines: int = 40) -> str:
        path = self.data_dir / "server.log"
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:]) if path.exists() else ""


def start_server(data_dir: Path, pickers: int, top_up: int = 200, printer_port: int | None = None,
                 extra_env: dict | None = None, command: list[str] | None = None) -> Server:
    """Demo warehouse + `pickers` picker users and devices + stock topped up, then serve."""
    data_dir.mkdir(parents=True, exist_ok=True)
    env = os.environ | {"WMS_DATA_DIR": str(data_dir), "WMS_SECRET_KEY": uuid.uuid4().hex,
                        "WMS_DEMO": "1"} | (extra_env or {})
    env["WMS_PORT"] = env.get("WMS_PORT") or str(free_port())
    server = Server(data_dir, env, int(env["WMS_PORT"]), command=command)
    _run_step([PY, "-m", "server", "setup", "--demo", "--printer-port", str(printer_port or free_port())], env)
    setup = ROOT / "scripts" / "bench_setup.py"
    if not setup.exists():  # an older checkout (--serve-from) kept it in bench/
        setup = ROOT / "bench" / "bench_setup.py"
    _run_step([PY, str(setup), "--pickers", str(pickers), "--top-up", str(top_up)], env)
    server.serve()
    return server


def _run_step(command: list[str], env: dict) -> None:
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command[1:3])} failed ({done.returncode}):\n{done.stderr[-3000:]}")


def check_ledger(server: Server) -> tuple[bool, str]:
    """`python -m server check-ledger`: exit 0 when books, bins and reservations agree."""
    done = server.manage("check-ledger", check=False)
    return done.returncode == 0, (done.stdout.strip().splitlines() or [""])[-1]


class Postgres:
    """A PostgreSQL cluster for the run: our own (initdb in the work dir, a free port), or the one
    named by --database-url/--pg-data. As root its commands run as the `postgres` OS user."""

    def __init__(self, data: Path, owner: str | None, bindir: Path) -> None:
        self.data, self.owner, self.bindir = data, owner, bindir

    def command(self, name: str, *args: str) -> list[str]:
        run = [str(self.bindir / name), *args]
        return ["runuser", "-u", self.owner, "--", *run] if self.owner else run

    @classmethod
    def locate(cls, data: Path) -> Postgres:
        import glob
        import pwd
        import shutil

        found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parent.parent.name))
        bindir = Path(found[-1]).parent if found else Path(shutil.which("initdb") or "initdb").parent
        owner = pwd.getpwnam("postgres").pw_name if os.geteuid() == 0 else None
        return cls(data, owner, bindir)

    @classmethod
    def own(cls, work: Path) -> tuple[Postgres, str]:
        """initdb + start on a free port; returns the cluster and its database URL."""
        import shutil

        # A directory of its own: the work dir is private to us, and PostgreSQL runs as another user.
        root = Path(tempfile.mkdtemp(prefix="wms-fault-pg-"))
        pg = cls.locate(root / "data")
        if pg.owner:
            shutil.chown(root, pg.owner)
        port = free_port()
        subprocess.run(pg.command("initdb", "-D", str(pg.data), "-U", "wms", "--auth=trust", "-E", "UTF8",
                                  "--locale=C.UTF-8", "--no-sync"), check=True, capture_output=True, timeout=120)
        # fsync off: the machine does not crash here, PostgreSQL does; committed work is in the WAL
        # that the restarted server replays (synchronous_commit stays on).
        options = f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200"
        subprocess.run(pg.command("pg_ctl", "-D", str(pg.data), "-o", options, "-l", str(root / "postgres.log"),
                                  "-w", "-t", "60", "start"), check=True, capture_output=True, timeout=90)
        subprocess.run(pg.command("psql", "-h", "127.0.0.1", "-p", str(port), "-U", "wms", "-d", "postgres",
                                  "-c", "CREATE DATABASE wms"), check=True, capture_output=True, timeout=60)
        return pg, f"postgresql+psycopg://wms@127.0.0.1:{port}/wms"

    def stop(self, remove: bool = False) -> None:
        subprocess.run(self.command("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop"),
                       capture_output=True, timeout=60)
        if remove:
            subprocess.run(["rm", "-rf", str(self.data.parent)], check=False)

class Redis:
    """A private redis-server for a run (no persistence), on a free port."""

    def __init__(self) -> None:
        import shutil

        self.dir = Path(tempfile.mkdtemp(prefix="wms-redis-"))
        self.port = free_port()
        binary = shutil.which("redis-server") or "/usr/bin/redis-server"
        self.process = subprocess.Popen([binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
                                         "--appendonly", "no", "--dir", str(self.dir)],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1) as link:
                    link.sendall(b"PING\r\n")
                    if link.recv(16).startswith(b"+PONG"):
                        return
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError("redis-server did not answer")

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)
        subprocess.run(["rm", "-rf", str(self.dir)], check=False)


# ---------------------------------------------------------------------------------------------
# REST


PICK_SCREEN = "/api/v1/pick-lists/choice"  # the app's pick screen: own lists and open ones, one request
MY_LISTS = "/api/v1/pick-lists?status=claimed&mine=1"
OPEN_LISTS = "/api/v1/pick-lists?status=open&view=summary"  # with MY_LISTS: an older server's app (no choice)


class Rest:
    """One aiohttp session for all handhelds; each request carries its device's cookie."""

    def __init__(self, url: str, connections: int = 64) -> None:
        self.url = url
        self.connections = connections  # at once; a shift start wants one a handheld, as real devices have
        self.http: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> Rest:
        # DummyCookieJar: cookies are per handheld (passed by hand), never shared through the session.
        self.http = aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar(),
                                          # Idle connections are dropped before the server's keep-alive
                                          # (uvicorn: 5 s) ends them: reusing one it is closing at that
                                          # moment failed a long POST with ServerDisconnectedError.
                                          connector=aiohttp.TCPConnector(limit=self.connections, keepalive_timeout=2),
                                          timeout=aiohttp.ClientTimeout(total=30))
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.http.close()

    async def call(self, method: str, path: str, cookie: str = "", body: Any = None,
                   retry_until: float | None = None) -> tuple[int, Any]:
        """(status, JSON). With `retry_until`, a server that is down (killed, restarting) is asked
        again until then; every REST call the simulation makes is safe to repeat."""
        while True:
            try:
                # X-Requested-With: what the app's fetch sends; the server's CSRF check wants it on bodiless POSTs.
                headers = {"X-Requested-With": "XMLHttpRequest"} | ({"Cookie": cookie} if cookie else {})
                async with self.http.request(method, self.url + path, json=body, headers=headers) as answer:
                    data = await answer.json(content_type=None)
                    if answer.status < 500 or retry_until is None:
                        return answer.status, data
            except (TimeoutError, aiohttp.ClientError, ValueError):
                if retry_until is None:
                    raise
            if time.monotonic() > retry_until:
                raise RuntimeError(f"{method} {path}: server did not answer in time")
            await asyncio.sleep(0.3)

    async def login(self, username: str, device: str | None = None, retry_until: float | None = None,
                    badge: str | None = None) -> str:
        """The session cookie of a fresh login (by password, or by `badge` as pickers do), as a Cookie header
        value."""
        deadline = retry_until or time.monotonic() + 30
        path, body = (("/api/v1/auth/badge", {"badge": badge, "device": device}) if badge else
                      ("/api/v1/auth/login", {"username": username, "password": PASSWORD, "device": device}))
        while True:
            try:
                async with self.http.post(f"{self.url}{path}", json=body) as answer:
                    if answer.status == 200:
                        return "; ".join(f"{k}={v.value}" for k, v in answer.cookies.items())
                    if answer.status < 500:
                        raise RuntimeError(f"login {username}: HTTP {answer.status} {await answer.text()}")
            except (TimeoutError, aiohttp.ClientError):
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"login {username}: server did not answer in time")
            await asyncio.sleep(0.3)


# ---------------------------------------------------------------------------------------------
# Making work: orders, release, waves


@dataclass
class Catalogue:
    """What the handhelds scan: bins, every item's barcode, and the items with stock to order."""

    bins: list[str]
    barcodes: dict[str, str]  # sku -> first barcode
    stocked: list[str]  # skus with plenty of stock


async def load_catalogue(rest: Rest, cookie: str, min_qty: int = 50) -> Catalogue:
    _, bins = await rest.call("GET", "/api/v1/bins", cookie)
    _, items = await rest.call("GET", "/api/v1/items?limit=5000", cookie)
    barcodes = {i["sku"]: i["barcodes"][0]["code"] for i in items if i["barcodes"]}
    gate = asyncio.Semaphore(16)

    async def total(sku: str) -> int:
        async with gate:
            _, view = await rest.call("GET", f"/api/v1/items/{sku}", cookie)
            return view.get("total_qty") or 0

    totals = await asyncio.gather(*[total(sku) for sku in barcodes])
    stocked = [sku for sku, qty in zip(barcodes, totals, strict=True) if qty >= min_qty]
    return Catalogue([b["code"] for b in bins if b["zone"] in ("A", "B")], barcodes, stocked)


async def make_waves(rest: Rest, catalogue: Catalogue, orders: int, totes: int = 3, max_lines: int = 2,
                     max_qty: int = 3, seed: int = 1, wave_size: int = 300) -> dict:
    """`orders` orders over REST as supervisor (1–max_lines lines of 1–max_qty stocked units each),
    each released, then waves of up to `wave_size` orders on carts of `totes` totes (one order a tote).
    Returns {"waves": [ids], "pick_lists": n, "orders": n released, "orders_short": n refused}."""
    rng = random.Random(seed)
    boss = await rest.login("supervisor")
    carrier = f"SIM-{uuid.uuid4().hex[:8]}"  # this run's orders only: the wave filter picks them by it
    gate = asyncio.Semaphore(8)

    async def order(n: int) -> None:
        lines = rng.sample(catalogue.stocked, rng.randint(1, max_lines))
        number = f"SIM-{carrier[4:]}-{n:05d}"
        async with gate:
            status, answer = await rest.call("POST", "/api/v1/orders", boss, {
                "number": number, "customer_name": "王芳", "phone": "13912345678", "carrier": carrier,
                "address": "浙江省杭州市西湖区文三路 100 号 3 幢 501", "paid_at": "2026-11-23T07:00:00",
                "lines": [{"sku": sku, "qty": rng.randint(1, max_qty)} for sku in lines]})
            if status != 201:
                raise RuntimeError(f"order {number}: {answer}")
            status, answer = await rest.call("POST", f"/api/v1/orders/{number}/release", boss)
            if status == 409 and answer["error"]["code"] == "shortage":
                # Simulated shorts write bins down to the count "found": an item can run out. The
                # order waits for stock, as it would on a real floor; the wave goes without it.
                short.append(number)
            elif status != 200:
                raise RuntimeError(f"release {number}: {answer}")

    short: list[str] = []
    await asyncio.gather(*[order(n) for n in range(orders)])
    waves, lists, left = [], 0, orders - len(short)
    while left > 0:
        status, answer = await rest.call("POST", "/api/v1/waves", boss, {
            "filters": {"carrier": carrier, "limit": min(wave_size, left)},
            "cart": {"totes": totes, "tote_capacity": 50}, "method": "savings"})
        if status != 201:
            raise RuntimeError(f"wave: {answer}")
        waves.append(answer["wave"]["wave"])
        lists += len(answer["wave"]["pick_lists"])
        left -= answer["wave"]["orders"]
    return {"waves": waves, "pick_lists": lists, "orders": orders - len(short), "orders_short": len(short),
            "carrier": carrier}


# ---------------------------------------------------------------------------------------------
# The handheld: outbox + pick journey


@dataclass
class Options:
    think: float = 0.3  # seconds between two scans of one handheld (jittered ±50 %)
    wrong_rate: float = 0.03  # per stop: a wrong bin, a wrong item, a wrong tote (each)
    short_rate: float = 0.02  # per stop: the picker reports a short
    split_rate: float = 0.2  # per stop with qty > 1: one unit scanned, then the rest keyed in
    ack_timeout: float = 10.0  # give up waiting for an ack and send the same scan id again
    flow: str = "pick"  # or "lookup"
    lookup_replay_rate: float = 0.01  # lookup flow: resend an already acked scan id
    user: str | None = None  # one user for every handheld (lookup flow on a server without picker001…)
    # Error codes to resend instead of taking as final. The app takes every answer but
    # not_authenticated as final, so by default none (as the app).
    # try_again: the server lost its database and stored nothing; the real app resends these too.
    resend_codes: frozenset[str] = frozenset({"try_again"})
    # The lists the app reads around its scans (pick.js): its pick screen (its own lists and the open ones)
    # on opening and after each finished list (and its own after a claim answered without the current
    # stop) — not awaited by the scans, as in the app.
    app_reads: bool = True
    # What the pick screen reads: one request; an older server (bench_scans --serve-from) answers it 404,
    # and from then on its own app's two reads are made instead.
    pick_screen: tuple[str, ...] = (PICK_SCREEN,)
    # Journeys start within this many seconds of the run's start (default: one think time, no lockstep);
    # a shift start (bench_scans --shift-start) claims at once.
    start_spread: float | None = None
    badge_login: bool = False  # log in by badge scan (BDG-SIM-0001…), as pickers do, not by password


@dataclass
class Record:
    """One queued scan: its payload (scan id made on the device) and what the journey expects."""

    payload: dict
    expect: frozenset[str]  # "ok" and/or error codes
    queued_at: float
    future: asyncio.Future
    ack: dict | None = None
    attempts: int = 0
    sent_at: float | None = None  # monotonic: the last attempt went out (None: never sent yet)
    acked_at: float | None = None  # monotonic: queued_at → acked_at is what the picker waited

    @property
    def scan_id(self) -> str:
        return self.payload["scan_id"]


@dataclass
class Stats:
    """Shared by all handhelds of a run."""

    records: list[Record] = field(default_factory=list)
    latencies_ms: list[float] = field(default_factory=list)  # one per ack: the attempt's send → ack
    acked_at: list[float] = field(default_factory=list)  # when each ack arrived (monotonic)
    unexpected: list[dict] = field(default_factory=list)  # acks the journey did not expect
    resends: int = 0  # same scan id sent again (timeout, disconnect)
    reconnects: int = 0
    lists_done: int = 0
    failures: list[str] = field(default_factory=list)  # handhelds that stopped on an exception
    emit_errors: Counter = field(default_factory=Counter)  # why sends failed (then resent)
    resent_codes: Counter = field(default_factory=Counter)  # acks with a resend_codes error (then resent)
    started: float = 0.0  # all handhelds connected, journeys begin (monotonic)
    finished: float = 0.0
    # How late the simulation's own event loop woke for a 10 ms timer, during the journeys: a measured
    # ack latency includes this much of the load generator being busy (it shares the machine's cores).
    loop_lag_ms: list[float] = field(default_factory=list)
    claim_ms: list[float] = field(default_factory=list)  # each "take the next pick list" over REST
    claimed_at: list[float] = field(default_factory=list)  # when each claim was answered (monotonic)
    read_ms: list[float] = field(default_factory=list)  # each list read the app makes (Options.app_reads)
    read_failures: Counter = field(default_factory=Counter)  # reads answered other than 200, or not at all

    def rate(self, duration: float) -> float:
        """Acks per second within the phase proper (from the start to `duration` later)."""
        in_phase = sum(1 for t in self.acked_at if t <= self.started + duration)
        return round(in_phase / duration, 1) if duration > 0 else 0.0

    def errors(self) -> int:
        return len(self.unexpected) + len(self.failures)


class Handheld:
    def __init__(self, n: int, rest: Rest, catalogue: Catalogue, stats: Stats, options: Options,
                 seed: int = 0) -> None:
        self.n, self.rest, self.catalogue, self.stats, self.options = n, rest, catalogue, stats, options
        self.username, self.device = options.user or picker_name(n), device_code(n)
        self.rng = random.Random(seed * 100_003 + n)
        self.cookie = ""
        self.sio: socketio.AsyncClient | None = None
        self.outbox: deque[Record] = deque()
        self.queued = asyncio.Event()  # the outbox got something
        self.online = asyncio.Event()  # connected to /floor
        self.link_lost = asyncio.Event()  # set on disconnect: stop waiting for an ack that cannot come
        self.flusher: asyncio.Task | None = None
        self.ever_connected = False
        self.reads: set[asyncio.Task] = set()  # list reads under way (Options.app_reads)

    # -- connection ------------------------------------------------------------------------

    async def start(self, deadline: float) -> None:
        badge = badge_code(self.n) if self.options.badge_login else None
        self.cookie = await self.rest.login(self.username, self.device, retry_until=deadline, badge=badge)
        self.sio = socketio.AsyncClient(reconnection=True, reconnection_delay=0.5, reconnection_delay_max=3,
                                        randomization_factor=0.5)
        self.sio.on("connect", self._on_connect, namespace=NAMESPACE)
        self.sio.on("disconnect", self._on_disconnect, namespace=NAMESPACE)
        while True:
            try:
                await self.sio.connect(self.rest.url, namespaces=[NAMESPACE], transports=["websocket"],
                                       headers=self._headers, auth={"device": self.device}, wait_timeout=20)
                break
            except socketio.exceptions.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                await asyncio.sleep(0.5)
        self.flusher = asyncio.create_task(self._flush())

    def _headers(self) -> dict:
        # A callable, asked at every (re)connect: engine.io moves a Cookie header into its HTTP
        # session's jar and deletes it from the dict it was given, and that session is closed on
        # disconnect, so a plain dict would reconnect without the cookie (refused: not_authenticated).
        return {"Cookie": self.cookie}

    async def start_or_fail(self, deadline: float) -> bool:
        try:
            await self.start(deadline)
            return True
        except Exception as error:  # noqa: BLE001 - reported with the run's failures
            self.stats.failures.append(f"{self.device} did not connect: {type(error).__name__}: {error}")
            await self.stop()
            return False

    async def _on_connect(self) -> None:
        if self.ever_connected:
            self.stats.reconnects += 1
        self.ever_connected = True
        self.link_lost.clear()
        self.online.set()

    async def _on_disconnect(self, reason: Any = None) -> None:
        self.online.clear()
        self.link_lost.set()

    async def stop(self) -> None:
        if self.flusher is not None:
            self.flusher.cancel()
        if self.sio is not None:
            try:
                await asyncio.wait_for(self.sio.disconnect(), 5)
            except Exception:  # noqa: BLE001 - closing a link that is already gone
                pass

    def describe(self) -> str:
        """Where a device is stuck, for the report."""
        head = self.outbox[0] if self.outbox else None
        return (f"{self.device}: online={self.online.is_set()} connected={self.sio.connected if self.sio else None} "
                f"outbox={len(self.outbox)} head={head.payload['mode'] if head else None}"
                f"/{head.attempts if head else 0} attempts "
                f"flusher_done={self.flusher.done() if self.flusher else None}")

    # -- the outbox --------------------------------------------------------------------------

    def send(self, mode: str, code: str | None = None, expect: tuple[str, ...] = ("ok",),
             scan_id: str | None = None, **fields: Any) -> asyncio.Future:
        """Queue one scan (its id made here, now); the future gets the ack."""
        payload = {"scan_id": scan_id or str(uuid.uuid4()), "mode": mode, **fields,
                   "at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
        if code is not None:
            payload["code"] = code
        record = Record(payload, frozenset(expect), time.monotonic(), asyncio.get_running_loop().create_future())
        self.stats.records.append(record)
        self.outbox.append(record)
        self.queued.set()
        return record.future

    async def _flush(self) -> None:
        """Oldest first, one at a time; a scan leaves the outbox only with its ack in hand."""
        while True:
            if not self.outbox:
                self.queued.clear()
                await self.queued.wait()
                continue
            record = self.outbox[0]
            await self.online.wait()
            ack = await self._emit(record)
            if ack is None:
                self.stats.resends += 1
                continue
            code = (ack.get("error") or {}).get("code")
            if code == "not_authenticated":
                await self._log_in_again()  # the session ended: log in, reconnect, resend the same id
                continue
            if code in self.options.resend_codes:
                # Not stored by the server (e.g. internal_error): the same scan id may still succeed.
                self.stats.resent_codes[code] += 1
                await asyncio.sleep(0.5)
                continue
            self.outbox.popleft()
            record.ack, record.acked_at = ack, time.monotonic()
            self._judge(record)
            record.future.set_result(ack)

    async def _emit(self, record: Record) -> dict | None:
        """One attempt: the ack, or None if it timed out or the link went down first."""
        record.attempts += 1
        record.sent_at = time.monotonic()
        sent = time.perf_counter()
        call = asyncio.ensure_future(self.sio.call("scan", record.payload, namespace=NAMESPACE,
                                                   timeout=self.options.ack_timeout))
        lost = asyncio.ensure_future(self.link_lost.wait())
        await asyncio.wait({call, lost}, return_when=asyncio.FIRST_COMPLETED)
        lost.cancel()
        if not call.done():
            call.cancel()
            return None
        try:
            ack = call.result()
        except (Exception, asyncio.CancelledError) as error:  # noqa: BLE001 - any failure: send it again
            self.stats.emit_errors[type(error).__name__] += 1
            await asyncio.sleep(0.1)
            return None
        self.stats.latencies_ms.append((time.perf_counter() - sent) * 1000)
        self.stats.acked_at.append(time.monotonic())
        return ack

    async def _log_in_again(self) -> None:
        self.cookie = await self.rest.login(self.username, self.device, retry_until=time.monotonic() + 60)
        await self.sio.disconnect()
        self.online.clear()
        await self.sio.connect(self.rest.url, namespaces=[NAMESPACE], transports=["websocket"],
                               headers=self._headers, auth={"device": self.device}, wait_timeout=20)

    def _judge(self, record: Record) -> None:
        ack = record.ack
        outcome = "ok" if ack.get("ok") else (ack.get("error") or {}).get("code", "?")
        if ack.get("scan_id") != record.scan_id:
            outcome = "wrong_scan_id"
        if outcome not in record.expect:
            self.stats.unexpected.append({"device": self.device, "mode": record.payload["mode"],
                                          "code": record.payload.get("code"), "expected": sorted(record.expect),
                                          "got": outcome, "scan_id": record.scan_id,
                                          "error": ack.get("error", {}).get("message", {}).get("en")})

    async def drain(self, timeout: float) -> bool:
        """Wait until every queued scan has its ack."""
        deadline = time.monotonic() + timeout
        while self.outbox and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        return not self.outbox

    async def think(self) -> None:
        if self.options.think > 0:
            await asyncio.sleep(self.options.think * self.rng.uniform(0.5, 1.5))

    # -- the pick journey --------------------------------------------------------------------

    async def run(self, until: float, work_deadline: float | None = None) -> None:
        """The journey until `until` (stop mid-list then), or — with `work_deadline` — until no open
        pick list is left (finishing the one in hand), giving up at `work_deadline`."""
        try:
            spread = self.options.start_spread  # no lockstep, unless a shift start asks for one
            await asyncio.sleep(self.rng.uniform(0, max(self.options.think, 0.05) if spread is None else spread))
            if self.options.flow == "lookup":
                await self.lookups(until)
            else:
                await self.pick_lists(until, work_deadline)
            await self.drain(30)
        except Exception as error:  # noqa: BLE001 - one device's failure is reported, the run goes on
            self.stats.failures.append(f"{self.device}: {type(error).__name__}: {error}")
        finally:
            await self.stop()

    async def pick_lists(self, until: float, work_deadline: float | None) -> None:
        end = work_deadline or until
        self.read_lists(*self.options.pick_screen)  # the pick screen opens
        try:
            while time.monotonic() < until:
                asked = time.perf_counter()
                status, answer = await self.rest.call("POST", "/api/v1/pick-lists/next/claim", self.cookie,
                                                      retry_until=end)
                self.stats.claim_ms.append((time.perf_counter() - asked) * 1000)
                self.stats.claimed_at.append(time.monotonic())
                if status == 404:
                    self.read_lists(*self.options.pick_screen)  # "nothing to pick": the lists are shown again
                    return  # no open list left
                if status != 200:
                    raise RuntimeError(f"claim: HTTP {status} {answer}")
                if "stop" not in answer["pick_list"]:  # as the app: its own lists carry the current stop
                    self.read_lists(MY_LISTS)
                finished = await self.pick_list(answer["pick_list"], end if work_deadline else until)
                if finished:
                    self.stats.lists_done += 1
                    self.read_lists(*self.options.pick_screen)  # back to the choice of lists
                elif not work_deadline:
                    return  # time is up
        finally:
            await asyncio.gather(*self.reads, return_exceptions=True)

    def read_lists(self, *paths: str) -> None:
        """What the app reads beside its scans, at once and without holding the scans up (Options.app_reads)."""
        if self.options.app_reads:
            for path in paths:
                task = asyncio.create_task(self._read(path))
                self.reads.add(task)
                task.add_done_callback(self.reads.discard)

    async def _read(self, path: str) -> None:
        asked = time.perf_counter()
        try:
            status, _ = await self.rest.call("GET", path, self.cookie)
        except (TimeoutError, aiohttp.ClientError, ValueError) as error:  # the app shows it and goes on
            self.stats.read_failures[type(error).__name__] += 1
            return
        if status == 404 and path == PICK_SCREEN:  # an older server (--serve-from): its app read two lists
            self.options.pick_screen = (MY_LISTS, OPEN_LISTS)
            self.read_lists(*self.options.pick_screen)
            return
        if status != 200:
            self.stats.read_failures[f"HTTP {status}"] += 1
            return
        self.stats.read_ms.append((time.perf_counter() - asked) * 1000)

    async def pick_list(self, view: dict, until: float) -> bool:
        list_id = view["pick_list"]
        totes = {int(slot): code for slot, code in view["tote_codes"].items()}
        stop = view.get("stop")
        for slot in range(1, view["totes"] + 1):
            if slot not in totes:  # a list resumed after a restart of the device keeps its totes
                totes[slot] = f"TOTE-{self.device}-{list_id}-{slot}"
                await self.think()
                ack = await self.send("pick.tote", totes[slot], pick_list=list_id, slot=slot)
                stop = ack["result"]["stop"] if ack.get("ok") else stop
        while stop is not None:
            if time.monotonic() > until:
                return False
            stop = await self.pick_stop(list_id, stop, totes)
        return True

    async def pick_stop(self, list_id: int, stop: dict, totes: dict[int, str]) -> dict | None:
        """One stop: (wrong bin) bin, (short) | (wrong item) item[s], (wrong tote) tote. Returns the next stop."""
        o, rng = self.options, self.rng
        queued: list[asyncio.Future] = []

        async def scan(mode: str, code: str | None, expect: tuple[str, ...] = ("ok",), **fields: Any) -> None:
            await self.think()
            queued.append(self.send(mode, code, expect, pick_list=list_id, **fields))

        if rng.random() < o.wrong_rate:
            await scan("pick", rng.choice([b for b in self.catalogue.bins if b != stop["bin"]]), ("wrong_bin",))
        await scan("pick", stop["bin"])
        missing = stop["qty"] - stop["picked"]
        if rng.random() < o.short_rate:
            # What the picker counts in the bin; refused (count_conflict) when other orders' promised
            # units are there — then the picker picks as asked, as one would after a second look.
            await scan("pick.short", None, ("ok", "count_conflict"), found=rng.randrange(missing))
            acks = await asyncio.gather(*queued)
            if acks[-1].get("ok"):
                return acks[-1]["result"]["stop"]
            queued = []
        if rng.random() < o.wrong_rate:
            other = rng.choice([s for s in self.catalogue.barcodes if s != stop["sku"]])
            await scan("pick", self.catalogue.barcodes[other], ("wrong_item",))
        barcode = self.catalogue.barcodes[stop["sku"]]
        if missing > 1 and rng.random() < o.split_rate:
            await scan("pick", barcode, qty=1)
            missing -= 1
        await scan("pick", barcode, qty=missing)
        if rng.random() < o.wrong_rate:
            await scan("pick.put", f"TOTE-WRONG-{rng.randrange(10**6)}", ("wrong_tote",), task=stop["task"])
        await scan("pick.put", totes[stop["tote_slot"]], task=stop["task"])
        acks = await asyncio.gather(*queued)
        last = acks[-1]
        if not last.get("ok"):
            raise RuntimeError(f"stop {stop['task']} of list {list_id} went wrong: {last.get('error')}")
        return last["result"]["stop"]

    # -- the lookup journey (the old benchmark's load) ----------------------------------------

    async def lookups(self, until: float) -> None:
        pool = self.catalogue.bins + list(self.catalogue.barcodes.values()) + ["NOPE-404"] * 10
        last_code, last_id = None, None
        while time.monotonic() < until:
            await self.think()
            if last_id is not None and self.rng.random() < self.options.lookup_replay_rate:
                code, scan_id = last_code, last_id  # a resend of a scan the device thinks was lost
            else:
                code, scan_id = self.rng.choice(pool), str(uuid.uuid4())
            future = self.send("lookup", code, ("ok", "unknown_barcode"), scan_id=scan_id)
            last_code, last_id = code, scan_id
            if self.options.think <= 0:
                await future  # back to back: the next scan once this one is answered


async def run_handhelds(url: str, catalogue: Catalogue, count: int, options: Options, duration: float,
                        until_done: bool = False, stats: Stats | None = None, seed: int = 0,
                        connect_timeout: float = 120, on_start: Callable[[], object] | None = None) -> Stats:
    """`count` handhelds (picker001 … and HH-001 …) log in and connect in groups of 25, like a shift
    arriving; once all are connected, each runs its journey for `duration` seconds (with
    `until_done`: until no open pick list is left, `duration` being the bound)."""
    stats = stats or Stats()
    async with Rest(url) as rest:
        devices = [Handheld(n, rest, catalogue, stats, options, seed) for n in range(1, count + 1)]
        connect_by = time.monotonic() + connect_timeout
        ready = []
        for start in range(0, count, 25):
            ready += await asyncio.gather(*[d.start_or_fail(connect_by) for d in devices[start:start + 25]])
        if on_start is not None:
            on_start()  # e.g. read the server's CPU clock: logins (password hashing) are not scans
        stats.started = time.monotonic()
        until = stats.started + duration
        watch = asyncio.create_task(_watch_loop_lag(stats, until))
        running = {asyncio.create_task(d.run(until, until if until_done else None)): d
                   for d, ok in zip(devices, ready, strict=True) if ok}
        # Bounded: a journey still running a minute after the end is stuck; say where, and stop it.
        await finish(running, stats, watch, timeout=duration + 60)
    return stats


async def finish(running: dict, stats: Stats, watch: asyncio.Task, timeout: float) -> None:
    """Wait for the devices' journeys; one still running after `timeout` is stuck: said, and stopped."""
    _, stuck = await asyncio.wait(running, timeout=timeout)
    for task in stuck:
        stats.failures.append("stuck: " + running[task].describe())
        task.cancel()
    await asyncio.gather(*stuck, return_exceptions=True)
    watch.cancel()
    stats.finished = time.monotonic()


async def _watch_loop_lag(stats: Stats, until: float, tick: float = 0.01) -> None:
    while time.monotonic() < until:
        asked = time.perf_counter()
        await asyncio.sleep(tick)
        stats.loop_lag_ms.append(max(0.0, (time.perf_counter() - asked - tick) * 1000))


# ---------------------------------------------------------------------------------------------
# Afterwards: was anything lost or applied twice?


def percentile(values: list[float], p: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def latency_summary(latencies: list[float]) -> dict:
    return {"p50_ms": round(percentile(latencies, 50), 2), "p95_ms": round(percentile(latencies, 95), 2),
            "p99_ms": round(percentile(latencies, 99), 2), "max_ms": round(max(latencies, default=0), 2),
            "mean_ms": round(statistics.fmean(latencies), 2) if latencies else 0.0}


def expected_ledger_rows(mode: str, ok: bool, kind: str | None) -> range:
    """Ledger rows one stored scan may have: an item picked moves bin → tote (two rows); a short
    books the count found (one row, none when the count matched); anything else moves nothing."""
    if not ok:
        return range(0, 1)
    if mode == "pick" and kind == "item":
        return range(2, 3)
    if mode == "pick.short":
        return range(0, 2)
    return range(0, 1)


def verify(database_url: str, records: list[Record], waves: list[int] | None = None) -> dict:
    """Check the database against what the handhelds sent and were answered.

    lost: a scan id sent (acked or not) with no row in `scans`, or a stored pick with its stock
    movement missing. doubled, counted from the ledger (`scans.scan_id` is unique: its rows cannot
    show a double): a scan with more stock movements than one application makes (an item picked:
    two), or movements under a scan id never stored; pick_units_mismatch: a pick list whose units in
    totes (by the ledger) differ from what its stops say were picked. ack_mismatch: a client got an
    ack that is not the stored one (a replay answered by applying again instead of the stored ack).
    """
    from sqlalchemy import create_engine, text

    engine = create_engine(database_url)
    with engine.connect() as db:
        stored: dict[str, list] = {}
        for scan_id, mode, ok, kind, ack_json in db.execute(text(
                "SELECT scan_id, mode, ok, kind, ack_json FROM scans")):
            stored.setdefault(scan_id, []).append((mode, bool(ok), kind, ack_json))
        ledger = dict(db.execute(text(
            "SELECT scan_id, count(*) FROM stock_ledger WHERE scan_id IS NOT NULL GROUP BY scan_id")).all())
        lists = _pick_lists(db, waves) if waves else {}
    sent = {r.scan_id for r in records}
    lost = [s for s in sent if s not in stored]
    over, under = [], []
    for scan_id in sent & stored.keys():
        mode, ok, kind, _ = stored[scan_id][0]
        rows = ledger.get(scan_id, 0)
        allowed = expected_ledger_rows(mode, ok, kind)
        if rows > allowed[-1]:
            over.append(scan_id)
        elif rows < allowed[0]:
            under.append(scan_id)
    phantom = [s for s in ledger if s not in stored]
    mismatch = [r.scan_id for r in records if r.ack is not None and r.scan_id in stored
                and json.loads(stored[r.scan_id][0][3]) != r.ack]
    result = {"scans_sent": len(sent), "scan_records": len(records),
              "acked": sum(1 for r in records if r.ack is not None),
              "lost": len(lost) + len(under), "doubled": len(over) + len(phantom),
              "ledger_movements": sum(ledger.get(s, 0) for s in sent), "ack_mismatch": len(mismatch)}
    if lists:
        result |= {"pick_lists": len(lists), "pick_lists_done": sum(1 for v in lists.values() if v["status"] == "done"),
                   "pick_units_mismatch": sum(1 for v in lists.values() if v["picked"] != v["in_totes"])}
    details = {"lost_ids": lost[:5], "under_applied": under[:5], "over_applied": over[:5],
               "phantom_ledger": phantom[:5], "ack_mismatch_ids": mismatch[:5]}
    result["details"] = {k: v for k, v in details.items() if v}
    return result


def _pick_lists(db, waves: list[int]) -> dict[int, dict]:
    from sqlalchemy import bindparam, text

    rows = db.execute(text("SELECT id, status FROM pick_lists WHERE wave_id IN :waves")
                      .bindparams(bindparam("waves", expanding=True)), {"waves": waves}).all()
    lists = {pid: {"status": status, "picked": 0, "in_totes": 0} for pid, status in rows}
    for pid, picked in db.execute(text("SELECT pick_list_id, sum(picked_qty) FROM pick_tasks GROUP BY pick_list_id")):
        if pid in lists:
            lists[pid]["picked"] = int(picked or 0)
    # Units that arrived in totes for each list, by the ledger (the arrival rows of its picks).
    for ref, qty in db.execute(text("SELECT ref, sum(qty) FROM stock_ledger WHERE reason = 'pick' AND qty > 0 "
                                    "AND ref LIKE 'pick list %' GROUP BY ref")):
        pid = int(ref.rsplit(" ", 1)[1])
        if pid in lists:
            lists[pid]["in_totes"] = int(qty)
    return lists


def unacked(records: list[Record]) -> int:
    return sum(1 for r in records if r.ack is None)


def outcome_counts(records: list[Record]) -> dict[str, int]:
    return dict(Counter("ok" if r.ack and r.ack.get("ok") else (r.ack or {}).get("error", {}).get("code", "none")
                        for r in records))
