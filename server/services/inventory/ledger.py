"""Questions the stock ledger answers: what was in a bin at a time, how an item moved, and whether the
books, the bins and the bin cards agree (账物卡相符) — recomputed from the ledger alone."""
from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from pathlib import Path

from sqlalchemy import func, inspect, select

from server.db.models import Bin, BinStock, Device, Item, LedgerEntry, Lot, Reservation, User, WorkOrder, WorkOrderStep
from server.domain.errors import WmsError
from server.extensions import db
from server.services.inventory import stock


def bin_at(bin_code: str, at: datetime) -> dict:
    """The bin's contents at `at` (UTC), summed from every ledger row up to then."""
    bin_ = _bin(bin_code)
    rows = db.session.execute(
        select(Item.sku, Lot.code, func.sum(LedgerEntry.qty)).join(Item, Item.id == LedgerEntry.item_id)
        .join(Lot, Lot.id == LedgerEntry.lot_id).where(LedgerEntry.bin_id == bin_.id, LedgerEntry.at <= at)
        .group_by(Item.sku, Lot.code).order_by(Item.sku, Lot.code)).all()
    lines = [{"sku": sku, "lot": lot, "qty": int(qty)} for sku, lot, qty in rows if qty]
    return {"bin": bin_.code, "at": at.isoformat() + "Z", "lines": lines, "total_qty": sum(x["qty"] for x in lines)}


def item_history(sku: str, since: datetime | None = None, until: datetime | None = None,
                 limit: int = 1000) -> dict:
    """Every movement of an item, oldest first, with the running balance of its bin and of the item."""
    item = db.session.execute(select(Item).where(Item.sku == sku)).scalar_one_or_none()
    if item is None:
        raise WmsError("not_found", what=f"item {sku}")
    query = (select(LedgerEntry, Bin.code, Lot.code, User.username, Device.code)
             .join(Bin, Bin.id == LedgerEntry.bin_id).join(Lot, Lot.id == LedgerEntry.lot_id)
             .outerjoin(User, User.id == LedgerEntry.user_id).outerjoin(Device, Device.id == LedgerEntry.device_id)
             .where(LedgerEntry.item_id == item.id).order_by(LedgerEntry.id))
    per_bin: dict[str, int] = defaultdict(int)
    total, moves = 0, []
    for entry, bin_code, lot_code, user, device in db.session.execute(query):
        per_bin[bin_code] += entry.qty
        total += entry.qty
        if (since and entry.at < since) or (until and entry.at > until):
            continue  # earlier rows still count towards the balances
        moves.append({"at": entry.at.isoformat() + "Z", "bin": bin_code, "lot": lot_code, "qty": entry.qty,
                      "reason": entry.reason, "ref": entry.ref, "user": user, "device": device,
                      "scan_id": entry.scan_id, "bin_balance": per_bin[bin_code], "item_balance": total})
    return {"sku": item.sku, "moves": moves[-limit:], "balance": total,
            "bins": {code: qty for code, qty in sorted(per_bin.items()) if qty}}


def check() -> dict:
    """Recompute every place from the ledger and compare: the books (ledger) with the goods (bin_stock),
    and the bin cards' promises (reserved_qty) with the open reservations behind them."""
    disagreements = stock.books_disagreements()
    reserved = defaultdict(int)
    for bin_id, item_id, lot_id, qty in db.session.execute(
            select(Reservation.bin_id, Reservation.item_id, Reservation.lot_id, func.sum(Reservation.qty))
            .where(Reservation.status == "reserved").group_by(Reservation.bin_id, Reservation.item_id,
                                                                Reservation.lot_id)):
        reserved[(bin_id, item_id, lot_id)] = int(qty)
    # Work orders promise units too: a pick step's units not yet picked, while the work order is in progress.
    for bin_id, item_id, lot_id, qty in db.session.execute(
            select(WorkOrderStep.bin_id, WorkOrderStep.item_id, WorkOrderStep.lot_id,
                   func.sum(WorkOrderStep.qty - WorkOrderStep.done_qty))
            .join(WorkOrder, WorkOrder.id == WorkOrderStep.work_order_id)
            .where(WorkOrderStep.kind == "pick", WorkOrder.status.in_(("open", "picking", "making", "putting_away")))
            .group_by(WorkOrderStep.bin_id, WorkOrderStep.item_id, WorkOrderStep.lot_id)):
        if qty:
            reserved[(bin_id, item_id, lot_id)] += int(qty)
    cards = {(s.bin_id, s.item_id, s.lot_id): s.reserved_qty for s in db.session.execute(select(BinStock)).scalars()}
    promise_mismatches = [{"place": place, "reservations": reserved.get(place, 0), "reserved_qty": cards.get(place, 0)}
                          for place in sorted(set(reserved) | set(cards))
                          if reserved.get(place, 0) != cards.get(place, 0)]
    negative = db.session.execute(select(func.count()).select_from(BinStock).where(BinStock.qty < 0)).scalar()
    rows = db.session.execute(select(func.count()).select_from(LedgerEntry)).scalar()
    places = db.session.execute(select(func.count()).select_from(BinStock)).scalar()
    return {"balanced": not disagreements and not promise_mismatches and not negative,
            "ledger_rows": int(rows), "places": int(places), "disagreements": disagreements,
            "reservation_mismatches": promise_mismatches, "negative_places": int(negative)}


def _bin(code: str) -> Bin:
    bin_ = db.session.execute(select(Bin).where(Bin.code == code.upper())).scalar_one_or_none()
    if bin_ is None:
        raise WmsError("not_found", what=f"bin {code}")
    return bin_


def not_set_up() -> str | None:
    """Why there is no ledger to check (no database file, or one never migrated), or None. Checked before
    connecting: SQLite would otherwise make an empty file where the database was expected."""
    url = db.engine.url
    if url.get_backend_name() == "sqlite" and url.database and not Path(url.database).exists():
        return f"no database at {url.database}"
    if not inspect(db.engine).has_table("stock_ledger"):
        return f"the database at {url.render_as_string(hide_password=True)} has no stock ledger"
    return None
