"""Stock movements: a ledger row and a conditional bin_stock update in the caller's transaction."""
from __future__ import annotations

from sqlalchemy import func, select, update
from sqlalchemy.dialects import postgresql, sqlite

from server.db.models import Bin, BinStock, LedgerEntry
from server.domain.errors import WmsError
from server.domain.stock import Movement
from server.extensions import db
from server.services import alerts
from server.services.auth import Actor


def move(movement: Movement, actor: Actor | None = None, ref: str = "",
         scan_id: str | None = None) -> None:
    """Record one movement. A take is one conditional UPDATE, so two pickers racing for the last
    unit get one success and one `negative_stock`, never a negative bin. Does not commit."""
    place = (BinStock.bin_id == movement.bin, BinStock.item_id == movement.item,
             BinStock.lot_id == movement.lot)
    if movement.qty > 0:
        _add(movement)
    else:
        # Units promised to orders are not free to take: only qty - reserved_qty is.
        taken = db.session.execute(
            update(BinStock).where(*place, BinStock.qty - BinStock.reserved_qty >= -movement.qty)
            .values(qty=BinStock.qty + movement.qty))
        if taken.rowcount != 1:
            available = db.session.execute(select(BinStock.qty - BinStock.reserved_qty).where(*place)).scalar() or 0
            bin_code = db.session.execute(select(Bin.code).where(Bin.id == movement.bin)).scalar()
            raise WmsError("negative_stock", available=available, qty=-movement.qty,
                           bin=bin_code or movement.bin)
    _record(movement, actor, ref, scan_id)
    alerts.after_move(movement)


def take_reserved(movement: Movement, into: int, actor: Actor | None = None, ref: str = "",
                  scan_id: str | None = None) -> None:
    """Move units promised to an order from their bin into a tote (bin `into`): the bin loses the
    units and their reservation together, in one conditional UPDATE. Does not commit."""
    units = -movement.qty
    taken = db.session.execute(
        update(BinStock).where(BinStock.bin_id == movement.bin, BinStock.item_id == movement.item,
                               BinStock.lot_id == movement.lot, BinStock.reserved_qty >= units, BinStock.qty >= units)
        .values(qty=BinStock.qty - units, reserved_qty=BinStock.reserved_qty - units))
    if taken.rowcount != 1:
        bin_code = db.session.execute(select(Bin.code).where(Bin.id == movement.bin)).scalar()
        raise WmsError("negative_stock", available=0, qty=units, bin=bin_code)
    _record(movement, actor, ref, scan_id)
    alerts.after_move(movement)
    arrival = Movement(into, movement.item, movement.lot, units, movement.reason)
    _add(arrival)
    _record(arrival, actor, ref, scan_id)


def _record(movement: Movement, actor: Actor | None, ref: str, scan_id: str | None) -> None:
    db.session.add(LedgerEntry(
        bin_id=movement.bin, item_id=movement.item, lot_id=movement.lot, qty=movement.qty,
        reason=movement.reason, ref=ref, scan_id=scan_id,
        user_id=actor.user_id if actor else None, device_id=actor.device_id if actor else None))


def _add(movement: Movement) -> None:
    dialect = db.session.get_bind().dialect.name
    insert = {"sqlite": sqlite.insert, "postgresql": postgresql.insert}[dialect]
    statement = insert(BinStock).values(bin_id=movement.bin, item_id=movement.item,
                                        lot_id=movement.lot, qty=movement.qty)
    db.session.execute(statement.on_conflict_do_update(
        index_elements=["bin_id", "item_id", "lot_id"],
        set_={"qty": BinStock.qty + movement.qty}))


def bin_qty(bin_id: int, item_id: int) -> int:
    """Units of an item in a bin, every lot, reserved units included (they are still on the shelf)."""
    return int(db.session.execute(select(func.coalesce(func.sum(BinStock.qty), 0)).where(
        BinStock.bin_id == bin_id, BinStock.item_id == item_id)).scalar())


def ledger_totals() -> dict[tuple[int, int, int], int]:
    """What every place holds according to the ledger alone."""
    rows = db.session.execute(
        select(LedgerEntry.bin_id, LedgerEntry.item_id, LedgerEntry.lot_id,
               func.sum(LedgerEntry.qty))
        .group_by(LedgerEntry.bin_id, LedgerEntry.item_id, LedgerEntry.lot_id))
    return {(b, i, lot): int(q) for b, i, lot, q in rows if q}


def books_disagreements() -> list[dict]:
    """Places where bin_stock and the ledger disagree (books and bins must always match: 账物卡)."""
    ledger = ledger_totals()
    cached = {(s.bin_id, s.item_id, s.lot_id): s.qty
              for s in db.session.execute(select(BinStock)).scalars() if s.qty}
    return [{"place": place, "ledger": ledger.get(place, 0), "bin_stock": cached.get(place, 0)}
            for place in sorted(set(ledger) | set(cached))
            if ledger.get(place, 0) != cached.get(place, 0)]
