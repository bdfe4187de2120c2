"""The scales at the packing stations: the latest reading each station's scale bridge sent
(scripts/scale_bridge.py -> `/floor` event `weight`), and what a parcel should weigh.

Readings are kept in this process's memory, not the database: a continuous scale sends several a
second and only the latest matters. A station "has a scale" while its bridge sent a reading within
`[packing] scale_stale_seconds`; when it goes quiet (unplugged, switched off) the station packs
without weighing, as one without a scale. With several server processes (docs/scale-out.md) the
page, the scale bridge and the closing scan must reach the same process — run one per station
group, or weigh on a single-process server."""
from __future__ import annotations

import threading
import time
from collections import Counter
from dataclasses import dataclass

from flask import current_app

from server.db.models import Item, Station
from server.domain.errors import WmsError
from server.domain.scales import allowance
from server.extensions import db


@dataclass(frozen=True)
class Live:
    grams: int
    stable: bool
    raw: str
    at: float  # time.monotonic() when it arrived


_lock = threading.Lock()
_live: dict[str, Live] = {}


def settings() -> dict:
    return current_app.config["WMS"]["packing"]


def record(station: str, grams: int, stable: bool, raw: str = "") -> Live:
    reading = Live(int(grams), bool(stable), raw[:64], time.monotonic())
    with _lock:
        _live[station.upper()] = reading
    return reading


def forget(station: str) -> None:
    with _lock:
        _live.pop(station.upper(), None)


def latest(station: str) -> Live | None:
    """The station's latest reading, or None when it has no scale (or its scale went quiet)."""
    with _lock:
        reading = _live.get(station.upper())
    if reading is None or time.monotonic() - reading.at > float(settings().get("scale_stale_seconds", 30)):
        return None
    return reading


def live_view(station: str) -> dict | None:
    reading = latest(station)
    return None if reading is None else {"grams": reading.grams, "stable": reading.stable, "raw": reading.raw}


# --- packaging and expected weights ---------------------------------------------------------------

def packaging_types() -> list[dict]:
    return list(settings().get("packaging", []))


def packaging(station: Station, code: object = None) -> dict | None:
    """The box a parcel goes in: the one named, else the station's own default, else the warehouse's."""
    wanted = code if isinstance(code, str) and code.strip() else (
        settings().get("station_packaging", {}).get(station.code) or settings().get("default_packaging"))
    if not wanted:
        return None
    found = next((p for p in packaging_types() if p["code"].upper() == str(wanted).strip().upper()), None)
    if found is None:
        raise WmsError("unknown_packaging", packaging=str(wanted)[:32],
                       known=", ".join(p["code"] for p in packaging_types()) or "-")
    return found


@dataclass(frozen=True)
class Expected:
    grams: int | None          # units + tare; None when a unit's weight is unknown
    unknown_skus: list[str]    # the SKUs without a weight in the item master


def expected_weight(units: Counter, box: dict | None) -> Expected:
    total, unknown = int(box["tare_g"]) if box else 0, []
    for item_id, qty in units.items():
        item = db.session.get(Item, item_id)
        if item.weight_g is None:
            unknown.append(item.sku)
        else:
            total += item.weight_g * qty
    return Expected(None if unknown else total, sorted(unknown))


def within(read_g: int, expected_g: int) -> tuple[bool, int]:
    """Whether the weight read is close enough to the expected one, and the allowance used."""
    allowed = allowance(expected_g, int(settings().get("weight_tolerance_g", 30)),
                        float(settings().get("weight_tolerance_pct", 3.0)))
    return abs(read_g - expected_g) <= allowed, allowed
