"""Inventory control: transfers (调拨) bin → bin and warehouse → warehouse, and adjustments (调整) with a
reason by a permitted role. Units only ever move through stock.move, so the ledger and the bins agree."""
from __future__ import annotations

from datetime import date

from flask import current_app
from sqlalchemy import select

from server.db.models import Adjustment, Bin, BinStock, Item, Lot, Transfer, User, utcnow
from server.domain.barcodes import Decoded
from server.domain import roles
from server.domain.errors import WmsError, Words
from server.domain.stock import Movement
from server.extensions import db
from server.services.inventory import stock
from server.services import transaction
from server.services.people.auth import Actor
from server.services.inventory import levels
from server.services.catalogue import item_master
from server.services.catalogue.items import find_bin, find_item

# Stock is moved by hand only between these; totes, parcels, hold and transit bins have their own journeys.
STOCK_KINDS = ("storage", "quarantine")
KIND_ZH = {"storage": "存储货位", "quarantine": "隔离区货位", "hold": "暂缓区货位", "tote": "周转箱",
           "parcel": "包裹", "transit": "在途库位", "returns": "退货区货位"}
TRANSIT_ZONE = "TR"


def settings() -> dict:
    return current_app.config["WMS"].get("inventory", {})


def commit() -> None:
    """End a REST use case: store it, then run what waited for the commit (pushes, alerts)."""
    db.session.commit()
    transaction.committed()


# --- places -------------------------------------------------------------------------------------

def stock_bin(code: object, allow_blocked: bool = False) -> Bin:
    """A bin stock may be moved into or out of by hand: known, a storage (or quarantine) place, not blocked."""
    if not isinstance(code, str) or not code.strip():
        raise WmsError("bad_request", detail=Words("a bin code is needed", "需要货位编码"))
    found = find_bin(code.strip().upper())
    if found.kind not in STOCK_KINDS:
        raise WmsError("bin_not_for_stock", bin=found.code, kind=found.kind,
                       kind_zh=KIND_ZH.get(found.kind, found.kind))
    if found.blocked and not allow_blocked:
        raise WmsError("bin_blocked", bin=found.code)
    return found


def find_sku(sku: object) -> Item:
    item = db.session.execute(select(Item).where(Item.sku == str(sku or "").strip())).unique().scalar_one_or_none()
    if item is None:
        raise WmsError("not_found", what=f"item {sku}")
    return item


def _lot(item: Item, code: str) -> Lot | None:
    return db.session.execute(select(Lot).where(Lot.item_id == item.id, Lot.code == code)).scalar_one_or_none()


def places(bin_id: int, item_id: int) -> list[tuple[BinStock, Lot]]:
    """The item's lots in the bin in the order FIFO (FEFO for items with expiry) issues them."""
    rows = db.session.execute(select(BinStock, Lot).join(Lot, Lot.id == BinStock.lot_id)
                              .where(BinStock.bin_id == bin_id, BinStock.item_id == item_id)).all()
    fefo = any(lot.expiry for _, lot in rows)
    return sorted(rows, key=lambda row: ((row[1].expiry or date.max) if fefo else date.min,
                                         row[1].received_on, row[1].id))


def book_qty(bin_id: int, item_id: int) -> int:
    """What the books say the bin holds of the item, reserved units included (they are still there)."""
    return levels.bin_qty(bin_id, item_id)


def free_qty(bin_id: int, item_id: int) -> int:
    return sum(row.qty - row.reserved_qty for row, _ in places(bin_id, item_id))


def plan_take(bin_: Bin, item: Item, qty: int, lot: Lot | None = None) -> list[tuple[int, int]]:
    """(lot id, units) to take `qty` free units: the given lot, else oldest lots first. Units promised
    to orders are never taken; too few free units is refused before anything is written."""
    rows = [(row, lot_) for row, lot_ in places(bin_.id, item.id) if lot is None or lot_.id == lot.id]
    if lot is not None and not any(row.qty for row, _ in rows):
        raise WmsError("lot_not_in_bin", bin=bin_.code, sku=item.sku, lot=lot.code)
    free = sum(row.qty - row.reserved_qty for row, _ in rows)
    if free < qty:
        raise WmsError("not_enough_free", free=free, sku=item.sku, bin=bin_.code, qty=qty,
                       reserved=sum(row.reserved_qty for row, _ in rows))
    plan, left = [], qty
    for row, lot_ in rows:
        take = min(left, row.qty - row.reserved_qty)
        if take > 0:
            plan.append((lot_.id, take))
            left -= take
    return plan


def lot_for_found_units(bin_: Bin, item: Item) -> int:
    """Units found that the books did not know join the bin's oldest lot of the item (issued first,
    the careful choice for expiry); else the item's newest lot; an item never received gets a count lot."""
    here = places(bin_.id, item.id)
    if here:
        return here[0][1].id
    newest = db.session.execute(select(Lot).where(Lot.item_id == item.id, Lot.status == "available")
                                .order_by(Lot.received_on.desc(), Lot.id.desc()).limit(1)).scalar()
    if newest is not None:
        return newest.id
    today = date.today()
    code = f"CNT-{today:%y%m%d}"
    return transaction.found_or_added(lambda: _lot(item, code),
                                      lambda: Lot(item_id=item.id, code=code, received_on=today)).id


def post(bin_: Bin, item: Item, qty: int, reason: str, actor: Actor, ref: str, scan_id: str | None = None,
         lot: Lot | None = None) -> list[tuple[int, int]]:
    """Book a signed correction of the bin's stock of the item: (lot id, signed units) per lot touched."""
    if qty > 0:
        moves = [(lot.id if lot else lot_for_found_units(bin_, item), qty)]
    else:
        moves = [(lot_id, -units) for lot_id, units in plan_take(bin_, item, -qty, lot)]
    for lot_id, units in moves:
        stock.move(Movement(bin_.id, item.id, lot_id, units, reason), actor, ref=ref, scan_id=scan_id)
    return moves


# --- transfers ----------------------------------------------------------------------------------

def _known_warehouse(code: str) -> str:
    """A warehouse of `[inventory] warehouses`, or one whose bins were set up (day one: a location list or
    generated bins naming it)."""
    if code in settings().get("warehouses", [code]):
        return code
    if db.session.execute(select(Bin.id).where(Bin.warehouse == code, Bin.kind.not_in(("transit",))).limit(1)
                          ).scalar() is None:
        raise WmsError("unknown_warehouse", warehouse=code)
    return code


def transit_bin(warehouse: str) -> Bin:
    """Where units travelling to a warehouse are while on the road: one transit bin per destination."""
    code = f"TRANSIT-{warehouse}"
    # Made by the first transfer to the warehouse: two at once (two processes) make it once.
    return transaction.found_or_added(
        lambda: db.session.execute(select(Bin).where(Bin.code == code)).scalar_one_or_none(),
        lambda: Bin(code=code, zone=TRANSIT_ZONE, aisle="", bay="", level="", x=0.0, y=0.0, kind="transit",
                    warehouse=warehouse))


def _move(source: int, target: int, item: int, lot: int, qty: int, actor: Actor, ref: str,
          scan_id: str | None) -> None:
    stock.move(Movement(source, item, lot, -qty, "transfer"), actor, ref=ref, scan_id=scan_id)
    stock.move(Movement(target, item, lot, qty, "transfer"), actor, ref=ref, scan_id=scan_id)


def transfer(from_code: object, item: Item, qty: int, actor: Actor, *, to_code: object = None,
             to_warehouse: object = None, lot_code: str | None = None, scan_id: str | None = None) -> list[Transfer]:
    """Move free units out of a bin: into another bin of the same warehouse at once, or towards another
    warehouse (into its transit bin until received there). One transfer per lot moved, oldest lot first
    unless a lot is named (a GS1 code's lot). Everything is checked before anything moves."""
    actor.require("stock.transfer")
    source = stock_bin(from_code)
    if source.kind == "quarantine" and not roles.can(actor.role or "", "quarantine.release"):
        # Defective units leave quarantine only when a supervisor releases them: moved into storage by
        # anyone, they would be allocated to orders.
        raise WmsError("quarantine_release_refused", bin=source.code, role=actor.role or actor.device_kind)
    target = stock_bin(to_code) if to_code else None
    if target is not None and target.id == source.id:
        raise WmsError("same_bin", bin=source.code)
    destination = _known_warehouse(target.warehouse if target else str(to_warehouse or "").strip().upper())
    if target is None and destination == source.warehouse:
        raise WmsError("bad_request", detail=Words("a transfer within the warehouse needs its to-bin",
                                                   "仓内调拨必须指定调入货位"))
    lot = None
    if lot_code:
        lot = _lot(item, lot_code)
        if lot is None:
            raise WmsError("lot_not_in_bin", bin=source.code, sku=item.sku, lot=lot_code)
    plan = plan_take(source, item, qty, lot)
    item_master.refuse_if_blocked(item, [lot_id for lot_id, _ in plan])
    travels = destination != source.warehouse
    transit = transit_bin(destination) if travels else None
    made = []
    for lot_id, units in plan:
        row = Transfer(kind="warehouse" if travels else "bin", status="in_transit" if travels else "done",
                       item_id=item.id, lot_id=lot_id, qty=units, from_bin_id=source.id,
                       to_bin_id=target.id if target else None, to_warehouse=destination if travels else None,
                       transit_bin_id=transit.id if transit else None, created_by=actor.user_id)
        db.session.add(row)
        db.session.flush()
        _move(source.id, transit.id if transit else target.id, item.id, lot_id, units, actor,
              f"transfer {row.id}", scan_id)
        made.append(row)
    return made


def find_transfer(transfer_id: object, lock: bool = False) -> Transfer:
    row = db.session.get(Transfer, transfer_id, with_for_update={"of": Transfer} if lock else None,
                        populate_existing=lock) \
        if isinstance(transfer_id, int) else None
    if row is None:
        raise WmsError("unknown_transfer", transfer=transfer_id)
    return row


def receive(transfer_id: object, to_code: object, actor: Actor, scan_id: str | None = None) -> Transfer:
    """Units of a warehouse transfer arrive: from the transit bin into the bin scanned at the destination."""
    actor.require("stock.transfer")
    # Locked: two handhelds receiving one transfer take turns; the second finds it done. Without it both
    # would take from the transit bin — the second the units of another transfer on the road.
    row = find_transfer(transfer_id, lock=True)
    if row.status != "in_transit":
        raise WmsError("transfer_not_in_transit", transfer=row.id, status=row.status)
    target = stock_bin(to_code)
    if target.warehouse != row.to_warehouse:
        raise WmsError("wrong_warehouse", bin=target.code, warehouse=target.warehouse, transfer=row.id,
                       expected=row.to_warehouse)
    _move(row.transit_bin_id, target.id, row.item_id, row.lot_id, row.qty, actor, f"transfer {row.id}", scan_id)
    row.to_bin_id, row.status = target.id, "done"
    row.received_by, row.received_at = actor.user_id, utcnow()
    return row


def item_for_scan(decoded: Decoded) -> Item:
    if not decoded.names_an_item:
        raise WmsError("unknown_barcode", code=decoded.key)
    return find_item(decoded)


def _username(user_id: int | None) -> str | None:
    return db.session.get(User, user_id).username if user_id else None


def _code(bin_id: int | None) -> str | None:
    return db.session.get(Bin, bin_id).code if bin_id else None


def transfer_view(row: Transfer) -> dict:
    item = db.session.get(Item, row.item_id)
    return {"transfer": row.id, "kind": row.kind, "status": row.status, "sku": item.sku,
            "name": {"en": item.product.name_en, "zh": item.product.name_zh},
            "variant": {"en": item.variant_en, "zh": item.variant_zh},
            "lot": db.session.get(Lot, row.lot_id).code, "qty": row.qty, "from_bin": _code(row.from_bin_id),
            "to_bin": _code(row.to_bin_id), "to_warehouse": row.to_warehouse,
            "transit_bin": _code(row.transit_bin_id), "created_by": _username(row.created_by),
            "created_at": row.created_at.isoformat() if row.created_at else None,
            "received_by": _username(row.received_by),
            "received_at": row.received_at.isoformat() if row.received_at else None}


def transfers(status: str | None = None, warehouse: str | None = None, limit: int = 100) -> list[Transfer]:
    query = select(Transfer).order_by(Transfer.id.desc()).limit(limit)
    if status:
        query = query.where(Transfer.status == status)
    if warehouse:
        query = query.where(Transfer.to_warehouse == warehouse)
    return list(db.session.execute(query).scalars())


# --- adjustments --------------------------------------------------------------------------------

def signed_quantity(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value == 0:
        raise WmsError("bad_request", detail=Words(f"qty must be a whole number other than zero, not {value}",
                                                   f"qty 必须是非零整数，而不是 {value}"))
    return value


def adjust(bin_code: object, sku: object, qty: object, reason: object, actor: Actor, note: str = "",
           lot_code: str | None = None) -> list[Adjustment]:
    """Correct a bin's stock with a configured reason (stock.adjust only). A take never touches units
    promised to orders. Blocked bins may be corrected: that is often why they are blocked."""
    actor.require("stock.adjust")
    reasons = settings().get("adjustment_reasons", [])
    if reason not in reasons:
        raise WmsError("adjustment_reason", reasons=", ".join(reasons))
    qty = signed_quantity(qty)
    bin_ = stock_bin(bin_code, allow_blocked=True)
    item = find_sku(sku)
    lot = None
    if lot_code:
        lot = _lot(item, str(lot_code))
        if lot is None:
            raise WmsError("lot_not_in_bin", bin=bin_.code, sku=item.sku, lot=lot_code)
    moves = post(bin_, item, qty, "adjustment", actor, ref=f"adjustment: {reason}", lot=lot)
    rows = [Adjustment(bin_id=bin_.id, item_id=item.id, lot_id=lot_id, qty=units, reason=str(reason),
                       note=str(note or "")[:200], created_by=actor.user_id) for lot_id, units in moves]
    db.session.add_all(rows)
    db.session.flush()
    return rows


def adjustment_view(row: Adjustment) -> dict:
    return {"adjustment": row.id, "bin": _code(row.bin_id), "sku": db.session.get(Item, row.item_id).sku,
            "lot": db.session.get(Lot, row.lot_id).code, "qty": row.qty, "reason": row.reason, "note": row.note,
            "count_line": row.count_line_id, "created_by": _username(row.created_by),
            "created_at": row.created_at.isoformat() if row.created_at else None}


def adjustments(limit: int = 100) -> list[Adjustment]:
    return list(db.session.execute(select(Adjustment).order_by(Adjustment.id.desc()).limit(limit)).scalars())
