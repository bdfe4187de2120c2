"""Floor telemetry: per hour, device, user and zone — scan-to-ack latency as the device measured it (sent
with its next scan), errors, duplicate scans, replays, reconnects and time offline. Counted in memory on
the scan path (no extra write per scan) and added to the database every few seconds."""
from __future__ import annotations

import bisect
import json
import re
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select

from server.db.models import FloorTelemetry
from server.db.fast import Sql
from server.extensions import db

# Latency histogram bucket upper bounds (ms); the last bucket is everything slower.
BUCKETS_MS = (5, 10, 25, 50, 100, 250, 500, 1000, 2500)
# The same code from the same device within this window under another scan id: the scanner read (or
# the wedge sent) it twice — a badly configured scanner, not a person scanning again.
DUPLICATE_WINDOW_S = 0.5
FLUSH_EVERY_S = 5.0
_ZONE = re.compile(r"^([A-Z]{1,2})-\d")


@dataclass
class Cell:
    scans: int = 0
    errors: int = 0
    duplicates: int = 0
    replays: int = 0
    reconnects: int = 0
    offline_ms: int = 0
    latency_count: int = 0
    latency_sum_ms: float = 0.0
    latency_max_ms: float = 0.0
    buckets: list[int] = field(default_factory=lambda: [0] * (len(BUCKETS_MS) + 1))

    def latency(self, ms: float) -> None:
        self.latency_count += 1
        self.latency_sum_ms += ms
        self.latency_max_ms = max(self.latency_max_ms, ms)
        self.buckets[bisect.bisect_left(BUCKETS_MS, ms)] += 1


@dataclass
class DeviceState:
    zone: str = ""
    last_code: str = ""
    last_scan_id: str = ""
    last_at: float = 0.0
    disconnected_at: float | None = None


class Recorder:
    """This process's counts since the last flush, and what it knows of each device."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock  # tests pass their own: the double-read window without waiting
        self._cells: dict[tuple, Cell] = defaultdict(Cell)
        self._devices: dict[str, DeviceState] = defaultdict(DeviceState)
        self._lock = threading.Lock()
        self._flusher: threading.Thread | None = None

    @staticmethod
    def _key(device: str, user: str, zone: str) -> tuple:
        hour = datetime.utcnow().replace(minute=0, second=0, microsecond=0)
        return hour, device, user, zone

    def scan(self, device: str, user: str, payload: dict, ok: bool, replayed: bool) -> None:
        now = self._clock()
        code = payload.get("code") if isinstance(payload.get("code"), str) else ""
        scan_id = str(payload.get("scan_id", ""))
        reported = payload.get("telemetry") if isinstance(payload.get("telemetry"), dict) else {}
        with self._lock:
            state = self._devices[device]
            if (zone := _ZONE.match(code.strip().upper())) is not None:
                state.zone = zone.group(1)  # where the device is now: the zone of the last bin it scanned
            cell = self._cells[self._key(device, user, state.zone)]
            cell.scans += 1
            cell.errors += not ok
            cell.replays += replayed
            if code and code == state.last_code and scan_id != state.last_scan_id \
                    and now - state.last_at < DUPLICATE_WINDOW_S:
                cell.duplicates += 1
            state.last_code, state.last_scan_id, state.last_at = code, scan_id, now
            latency = reported.get("last_ack_ms")
            if isinstance(latency, int | float) and not isinstance(latency, bool) and 0 <= latency < 600_000:
                cell.latency(float(latency))
            for name in ("reconnects", "offline_ms"):  # what the device counted while it could not tell us
                value = reported.get(name)
                if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 86_400_000:
                    setattr(cell, name, getattr(cell, name) + value)

    def connected(self, device: str, user: str) -> None:
        with self._lock:
            state = self._devices[device]
            if state.disconnected_at is not None:
                cell = self._cells[self._key(device, user, state.zone)]
                cell.reconnects += 1
                cell.offline_ms += int((self._clock() - state.disconnected_at) * 1000)
                state.disconnected_at = None

    def disconnected(self, device: str) -> None:
        with self._lock:
            self._devices[device].disconnected_at = self._clock()

    def take(self) -> dict[tuple, Cell]:
        with self._lock:
            cells, self._cells = self._cells, defaultdict(Cell)
        return cells

    def start(self, app) -> None:
        """The background flush, started once per server process on the first floor event."""
        with self._lock:
            if self._flusher is not None:
                return
            self._flusher = threading.Thread(target=self._flush_forever, args=(app,), name="telemetry", daemon=True)
            self._flusher.start()

    def _flush_forever(self, app) -> None:
        while True:
            time.sleep(FLUSH_EVERY_S)
            try:
                with app.app_context():
                    flush()
            except Exception:  # telemetry must never take the floor down; the next round retries
                app.logger.exception("telemetry flush failed")


recorder = Recorder()


COUNTS = ("scans", "errors", "duplicates", "replays", "reconnects", "offline_ms", "latency_count", "latency_sum_ms")
_CELLS = Sql("""
    SELECT id, hour, device_code, username, zone, scans, errors, duplicates, replays, reconnects, offline_ms,
           latency_count, latency_sum_ms, latency_max_ms, latency_buckets
    FROM floor_telemetry WHERE hour >= :since {lock}""")
_UPDATE_CELL = Sql("""
    UPDATE floor_telemetry SET scans = :scans, errors = :errors, duplicates = :duplicates, replays = :replays,
           reconnects = :reconnects, offline_ms = :offline_ms, latency_count = :latency_count,
           latency_sum_ms = :latency_sum_ms, latency_max_ms = :latency_max_ms, latency_buckets = :latency_buckets
    WHERE id = :id""")
_INSERT_CELL = Sql("""
    INSERT INTO floor_telemetry (hour, device_code, username, zone, scans, errors, duplicates, replays, reconnects,
           offline_ms, latency_count, latency_sum_ms, latency_max_ms, latency_buckets)
    VALUES (:hour, :device_code, :username, :zone, :scans, :errors, :duplicates, :replays, :reconnects,
           :offline_ms, :latency_count, :latency_sum_ms, :latency_max_ms, :latency_buckets)""")


def flush() -> int:
    """Add the counts gathered since the last flush to their hour's rows. Returns the cells written.
    Three statements whatever the number of devices: it shares the one SQLite connection with the scans,
    which wait while it runs (rows of the hours concerned are locked on PostgreSQL: several processes add)."""
    cells = recorder.take()
    if not cells:
        return 0
    stored = {}
    for old in _CELLS.all(since=min(key[0] for key in cells)):
        hour = old[1] if isinstance(old[1], datetime) else datetime.fromisoformat(old[1])  # SQLite: text
        stored[(hour, *old[2:5])] = old
    updates, inserts = [], []
    for key, cell in cells.items():
        hour, device, user, zone = key
        old = stored.get(key)
        row = {name: getattr(cell, name) for name in COUNTS}
        if old is None:
            inserts.append(row | {"hour": hour, "device_code": device, "username": user, "zone": zone,
                                  "latency_max_ms": cell.latency_max_ms, "latency_buckets": json.dumps(cell.buckets)})
            continue
        updates.append({name: row[name] + value for name, value in zip(COUNTS, old[5:13], strict=True)} | {
            "id": old[0], "latency_max_ms": max(old[13], cell.latency_max_ms),
            "latency_buckets": json.dumps([a + b for a, b in zip(json.loads(old[14]), cell.buckets, strict=True)])})
    _UPDATE_CELL.run_many(updates)
    _INSERT_CELL.run_many(inserts)
    db.session.commit()
    return len(cells)


def percentile(buckets: list[int], fraction: float) -> float | None:
    """The bucket bound under which `fraction` of the measured latencies fell (an upper estimate)."""
    total = sum(buckets)
    if not total:
        return None
    running = 0
    for bound, count in zip((*BUCKETS_MS, float("inf")), buckets, strict=True):
        running += count
        if running >= fraction * total:
            return bound
    return float("inf")


def summary(hours: int = 24, by: tuple[str, ...] = ("device_code", "username", "zone")) -> list[dict]:
    """Rows of the last `hours` grouped by the given dimensions, worst p95 first."""
    since = datetime.utcnow() - timedelta(hours=hours)
    groups: dict[tuple, dict] = {}
    for row in db.session.execute(select(FloorTelemetry).where(FloorTelemetry.hour >= since)).scalars():
        key = tuple(getattr(row, d) for d in by)
        g = groups.setdefault(key, {d: getattr(row, d) for d in by} | {
            "scans": 0, "errors": 0, "duplicates": 0, "replays": 0, "reconnects": 0, "offline_ms": 0,
            "latency_count": 0, "latency_sum_ms": 0.0, "latency_max_ms": 0.0, "buckets": [0] * (len(BUCKETS_MS) + 1)})
        for name in COUNTS:
            g[name] += getattr(row, name)
        g["latency_max_ms"] = max(g["latency_max_ms"], row.latency_max_ms)
        g["buckets"] = [a + b for a, b in zip(g["buckets"], json.loads(row.latency_buckets), strict=True)]
    out = []
    for g in groups.values():
        g["error_rate"] = g["errors"] / g["scans"] if g["scans"] else 0.0
        g["mean_ms"] = g["latency_sum_ms"] / g["latency_count"] if g["latency_count"] else None
        g["p50_ms"], g["p95_ms"] = percentile(g["buckets"], 0.50), percentile(g["buckets"], 0.95)
        out.append(g)
    return sorted(out, key=lambda g: (-(g["p95_ms"] or 0), -g["error_rate"]))
