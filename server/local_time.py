"""Times as people read them: in the warehouse's time zone ([warehouse] time_zone in the settings). The
database, the API and the logs keep UTC (naive datetimes are UTC); only what a person reads is turned into
local time, here, so a label, a page and a CSV export never disagree about what "14:05" means."""
from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context

DEFAULT_ZONE = "Asia/Shanghai"


def zone_name(settings: dict | None = None) -> str:
    if settings is None:
        settings = current_app.config["WMS"] if has_app_context() else {}
    return str(settings.get("warehouse", {}).get("time_zone") or DEFAULT_ZONE)


def zone(settings: dict | None = None) -> ZoneInfo:
    return ZoneInfo(zone_name(settings))


def to_local(moment: datetime | str | None, tz: ZoneInfo | None = None) -> datetime | None:
    """A UTC moment (naive datetimes and ISO text without an offset are UTC) in the warehouse's zone."""
    if moment is None or moment == "":
        return None
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(tz or zone())


def local(moment: datetime | str | None, fmt: str = "%Y-%m-%d %H:%M", tz: ZoneInfo | None = None) -> str:
    """A moment as a person reads it: local time, `fmt` (strftime); empty for none."""
    there = to_local(moment, tz)
    return there.strftime(fmt) if there else ""


def local_iso(moment: datetime | str | None, tz: ZoneInfo | None = None) -> str:
    """ISO 8601 with the warehouse's offset (e.g. 2026-03-02T16:00:00+08:00), for documents the printer
    renders: they print the time in the offset they are given."""
    there = to_local(moment, tz)
    return there.isoformat(timespec="seconds") if there else ""


def today(tz: ZoneInfo | None = None) -> date:
    """Today's date on the warehouse's clock (what "expires today" means on its floor)."""
    return datetime.now(UTC).astimezone(tz or zone()).date()
