"""Shelf life (保质期): a lot's expiry from what was scanned or typed, and whether goods have enough life left
to be received. Pure rules: the services bring the item, the settings and today's date (the warehouse's)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from server.domain.errors import WmsError, Words


@dataclass(frozen=True)
class Life:
    """An item's shelf-life rules."""

    sku: str
    shelf_life_days: int | None
    tracks_expiry: bool
    min_remaining_days: int | None  # already resolved: item attribute > category > percent of shelf life

    @property
    def needs_expiry(self) -> bool:
        return self.tracks_expiry or bool(self.shelf_life_days)


def min_remaining_days(shelf_life_days: int | None, attributes: dict[str, Any], category: str,
                       settings: dict[str, Any]) -> int | None:
    """The least remaining life accepted at receiving, in days (None: no limit)."""
    own = attributes.get("min_remaining_days")
    if isinstance(own, int) and not isinstance(own, bool) and own >= 0:
        return own
    by_category = (settings.get("category_min_remaining_days") or {}).get(category)
    if isinstance(by_category, int) and by_category >= 0:
        return by_category
    pct = float(settings.get("min_remaining_pct") or 0)
    if shelf_life_days and pct > 0:
        return int(shelf_life_days * pct / 100 + 0.999)
    return None


def expiry_of(life: Life, expiry: date | None, production: date | None) -> date | None:
    """The lot's expiry: as given (AI 17/15 or typed), else the production date (AI 11 or typed) plus the
    shelf life. Refused when the item needs one and neither can be had."""
    if expiry is None and production is not None:
        if not life.shelf_life_days:
            raise WmsError("expiry_required", sku=life.sku)
        expiry = production + timedelta(days=life.shelf_life_days)
    if expiry is None and life.needs_expiry:
        raise WmsError("expiry_required", sku=life.sku)
    return expiry


def check_receivable(life: Life, expiry: date | None, today: date) -> None:
    """Expired goods, or goods with less life left than the item's limit, are not received (拒收临期)."""
    if expiry is None:
        return
    left = (expiry - today).days
    if left < 0:
        raise WmsError("expiry_passed", sku=life.sku, expiry=expiry.isoformat())
    if life.min_remaining_days is not None and left < life.min_remaining_days:
        raise WmsError("expiry_too_short", sku=life.sku, expiry=expiry.isoformat(), days=left,
                       minimum=life.min_remaining_days)


def parse_day(value: object, field: str) -> date | None:
    """A date a person typed on the handheld (2027-01-31)."""
    if value in (None, ""):
        return None
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        raise WmsError("bad_request", detail=Words(f"{field} must be a date like 2027-01-31, not {value}",
                                                   f"{field} 须为日期（如 2027-01-31），而不是 {value}")) from None


def ship_cutoff(today: date, margin_days: int) -> date:
    """Lots expiring on or before this day are not allocated, picked or shipped (expired, or too close)."""
    return today + timedelta(days=max(0, int(margin_days)))


def shippable(expiry: date | None, cutoff: date) -> bool:
    return expiry is None or expiry > cutoff
