"""Stock movements: a ledger row and a conditional bin_stock update in the caller's transaction."""
from __future__ import annotations

from sqlalchemy import func, select

from server.db.fast import Sql, forget
from server.db.models import BinStock, LedgerEntry, utcnow
from server.domain.errors import WmsError
from server.domain.stock import Movement
from server.extensions import db
from server.services.inventory import alerts
from server.services.people.auth import Actor


# Prebuilt (server/db/fast.py): every pick scan moves stock twice. bin_stock and stock_ledger are not in
# the audit trail: the ledger is its own (who, device, scan, when), bin_stock its sum.
_TAKE = Sql("""
    UPDATE bin_stock SET qty = qty - :units
    WHERE bin_id = :bin AND item_id = :item AND lot_id = :lot AND qty - reserved_qty >= :units""")
_TAKE_RESERVED = Sql("""
    UPDATE bin_stock SET qty = qty - :units, reserved_qty = reserved_qty - :units
    WHERE bin_id = :bin AND item_id = :item AND lot_id = :lot AND reserved_qty >= :units AND qty >= :units""")
_FREE = Sql("""
    SELECT qty - reserved_qty FROM bin_stock WHERE bin_id = :bin AND item_id = :item AND lot_id = :lot""")
_BIN_CODE = Sql("SELECT code FROM bins WHERE id = :bin")
_ADD = Sql("""
    INSERT INTO bin_stock (bin_id, item_id, lot_id, qty, reserved_qty) VALUES (:bin, :item, :lot, :units, 0)
    ON CONFLICT (bin_id, item_id, lot_id) DO UPDATE SET qty = bin_stock.qty + :units""")
_LEDGER = Sql("""
    INSERT INTO stock_ledger (at, bin_id, item_id, lot_id, qty, reason, ref, user_id, device_id, scan_id)
    VALUES (:at, :bin, :item, :lot, :qty, :reason, :ref, :user, :device, :scan_id)""")


def move(movement: Movement, actor: Actor | None = None, ref: str = "",
         scan_id: str | None = None) -> None:
    """Record one movement. A take is one conditional UPDATE, so two pickers racing for the last
    unit get one success and one `negative_stock`, never a negative bin. Does not commit."""
    db.session.flush()  # hand-written SQL does not autoflush: this transaction's ORM changes first
    place = {"bin": movement.bin, "item": movement.item, "lot": movement.lot}
    if movement.qty > 0:
        _ADD.run(**place, units=movement.qty)
    # Units promised to orders are not free to take: only qty - reserved_qty is.
    elif _TAKE.run(**place, units=-movement.qty).rowcount != 1:
        raise WmsError("negative_stock", available=_FREE.scalar(**place) or 0, qty=-movement.qty,
                       bin=_BIN_CODE.scalar(bin=movement.bin) or movement.bin)
    forget(BinStock, bin_id=movement.bin, item_id=movement.item, lot_id=movement.lot)
    _record(movement, actor, ref, scan_id)
    alerts.after_move(movement)


def take_reserved(movement: Movement, into: int, actor: Actor | None = None, ref: str = "",
                  scan_id: str | None = None) -> None:
    """Move units promised to an order from their bin into a tote (bin `into`): the bin loses the
    units and their reservation together, in one conditional UPDATE. Does not commit."""
    db.session.flush()
    units = -movement.qty
    place = {"bin": movement.bin, "item": movement.item, "lot": movement.lot}

    def taken(rowcount: int) -> None:
        if rowcount != 1:  # (on PostgreSQL told after the writes below went out too: the scan undoes them all)
            raise WmsError("negative_stock", available=0, qty=units, bin=_BIN_CODE.scalar(bin=movement.bin))

    # Sent later (fast.Sql.later): on PostgreSQL the take, the tote's units, the ledger rows and the alerts'
    # read below go out in one round trip, not four.
    _TAKE_RESERVED.later(taken, **place, units=units)
    _ADD.later(bin=into, item=movement.item, lot=movement.lot, units=units)
    forget(BinStock, item_id=movement.item, lot_id=movement.lot)  # both places
    # Both ledger rows (out of the bin, into the tote) in one statement: every pick scan writes them.
    _LEDGER.later_many([_ledger_row(movement, actor, ref, scan_id),
                      _ledger_row(Movement(into, movement.item, movement.lot, units, movement.reason), actor, ref,
                                  scan_id)])
    alerts.after_move(movement)


def _record(movement: Movement, actor: Actor | None, ref: str, scan_id: str | None) -> None:
    _LEDGER.run(**_ledger_row(movement, actor, ref, scan_id))


def _ledger_row(movement: Movement, actor: Actor | None, ref: str, scan_id: str | None) -> dict:
    return {"at": utcnow(), "bin": movement.bin, "item": movement.item, "lot": movement.lot, "qty": movement.qty,
            "reason": movement.reason, "ref": ref, "user": actor.user_id if actor else None,
            "device": actor.device_id if actor else None, "scan_id": scan_id}


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
