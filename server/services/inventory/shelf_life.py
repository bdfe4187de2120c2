"""Shelf life on the floor (保质期): what may still ship, the lots about to expire (the dashboard's near-expiry
alerts and the expiry report), and the daily sweep that blocks a lot on the day it expires and makes the tasks
that move its units to quarantine. The rules themselves are in server/domain/shelf_life.py."""
from __future__ import annotations

import logging
import threading
from datetime import date

from flask import Flask, current_app
from sqlalchemy import func, select

from server import local_time
from server.db.models import Bin, BinStock, Item, Lot, ReplenishmentTask
from server.domain import shelf_life as rules
from server.domain.places import SELLABLE
from server.extensions import db
from server.services import transaction
from server.services.people.auth import Actor

log = logging.getLogger(__name__)


def settings() -> dict:
    return current_app.config["WMS"].get("shelf_life", {})


def cutoff(today: date | None = None) -> date:
    """Lots expiring on or before this day are not allocated (expired, or within the ship margin)."""
    return rules.ship_cutoff(today or local_time.today(), int(settings().get("ship_margin_days") or 0))


def shippable(expiry: date | None) -> bool:
    return rules.shippable(expiry, cutoff())


def lots_by_expiry(within_days: int | None = None, today: date | None = None) -> list[dict]:
    """Lots with units in the warehouse and an expiry, soonest first: days left, units and where they are.
    `within_days`: only those expiring within that many days (expired ones included)."""
    today = today or local_time.today()
    query = (select(Lot, Item.sku, func.sum(BinStock.qty), func.count(BinStock.bin_id))
             .join(Item, Item.id == Lot.item_id).join(BinStock, BinStock.lot_id == Lot.id)
             .where(Lot.expiry.is_not(None), BinStock.qty > 0)
             .group_by(Lot.id, Item.sku).order_by(Lot.expiry, Lot.id))
    if within_days is not None:
        query = query.where(Lot.expiry <= date.fromordinal(today.toordinal() + within_days))
    return [{"lot": lot.code, "sku": sku, "expiry": lot.expiry, "days_left": (lot.expiry - today).days,
             "qty": int(qty), "bins": int(bins), "blocked": lot.block_reason}
            for lot, sku, qty, bins in db.session.execute(query)]


def near_expiry(today: date | None = None) -> list[dict]:
    """The dashboard's near-expiry alerts (临期预警): lots within `[shelf_life] alert_days`, expired ones first."""
    return lots_by_expiry(int(settings().get("alert_days") or 0), today)


def sweep(actor: Actor | None = None, today: date | None = None) -> list[dict]:
    """Block every lot that has expired (on the day it expires) and make a task per bin holding its units to
    move them to quarantine. Idempotent: a lot already blocked is left alone. Does not commit."""
    today = today or local_time.today()
    quarantine = _quarantine_bin()
    done = []
    # Locked, skipping lots another process is sweeping (PostgreSQL): one set of tasks per lot.
    expired = db.session.execute(select(Lot).where(Lot.expiry.is_not(None), Lot.expiry <= today,
                                                   Lot.block_reason.is_(None))
                                 .with_for_update(of=Lot, skip_locked=True)).scalars().all()
    for lot in expired:
        lot.block_reason = f"expired {lot.expiry.isoformat()} / 已过期"
        places = db.session.execute(
            select(BinStock).join(Bin, Bin.id == BinStock.bin_id)
            .where(BinStock.lot_id == lot.id, BinStock.qty > 0, Bin.kind.in_(SELLABLE))).scalars().all()
        tasks = []
        for place in places if quarantine is not None else ():
            task = ReplenishmentTask(item_id=place.item_id, from_bin_id=place.bin_id, to_bin_id=quarantine.id,
                                     lot_id=lot.id, qty=place.qty, created_by=actor.user_id if actor else None)
            db.session.add(task)
            tasks.append(task)
        db.session.flush()
        done.append({"lot": lot.code, "expiry": lot.expiry.isoformat(), "tasks": [t.id for t in tasks],
                     "to": quarantine.code if quarantine is not None else None})
    return done


def _quarantine_bin() -> Bin | None:
    code = (settings().get("quarantine_bin") or "").strip().upper()
    query = select(Bin).where(Bin.kind == "quarantine", Bin.blocked.is_(False))
    if code:
        query = query.where(Bin.code == code)
    return db.session.execute(query.order_by(Bin.code).limit(1)).scalar_one_or_none()


class DailySweep:
    """Runs the sweep in each server process once its warehouse day has changed (checked every few minutes),
    so a lot is blocked and its tasks made on the day it expires, with nobody pressing anything."""

    def __init__(self, every_s: float = 300) -> None:
        self.every_s = every_s
        self.stopping = threading.Event()
        self.thread: threading.Thread | None = None

    def start(self, app: Flask) -> None:
        if self.thread is None or not self.thread.is_alive():
            self.thread = threading.Thread(target=self._run, args=(app,), name="shelf_life_sweep", daemon=True)
            self.thread.start()

    def _run(self, app: Flask) -> None:
        swept_on = None
        while not self.stopping.is_set():
            with app.app_context():
                today = local_time.today()
                if today != swept_on:
                    try:
                        done = sweep(None, today)
                        transaction.commit()
                        swept_on = today
                        if done:
                            log.warning("shelf life: %d expired lot(s) blocked, move tasks made: %s", len(done), done)
                    except Exception:  # noqa: BLE001 - a busy or absent database: the next round tries again
                        transaction.rollback()
                        log.exception("shelf life sweep failed; trying again in %s s", self.every_s)
            self.stopping.wait(self.every_s)


daily = DailySweep()
