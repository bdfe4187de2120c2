"""Put-back (归位): the units of a cancelled order go back from where they wait — its tote, a hold bin, a
voided parcel — to the shelves. On the handheld: scan the tote (or the parcel's label or the order number),
then each unit and the bin it goes into; every unit moves in the ledger (reason `put_back`), the task is
done when everything is back. Each step is a scan mode, stored under its scan id (idempotent, offline-safe);
the bin scan carries the unit's code, so it stands alone when replayed."""
from __future__ import annotations

from collections import defaultdict

from sqlalchemy import func, select

from server.db.models import (Bin, BinStock, Item, LedgerEntry, Lot, Parcel, PickTask, PutBackLine, PutBackTask,
                              SalesOrder, utcnow)
from server.domain.barcodes import Decoded
from server.domain.errors import WmsError
from server.domain.places import SELLABLE
from server.domain.stock import Movement
from server.extensions import db
from server.services.catalogue.items import find_item_pack
from server.services.inventory import stock
from server.services.people.auth import Actor

PERMISSION = "journey.pick"


# --- made by a cancellation -----------------------------------------------------------------------

def _suggested_bins(order: SalesOrder) -> dict[tuple[int, int], int]:
    """(item, lot) -> the bin its units were picked from (the last stop of the order that picked them)."""
    found = {}
    for item_id, lot_id, bin_id in db.session.execute(
            select(PickTask.item_id, PickTask.lot_id, PickTask.bin_id).where(PickTask.order_id == order.id)
            .order_by(PickTask.id)):
        found[(item_id, lot_id)] = bin_id
    return found


def _packed_out(order: SalesOrder, source: int) -> dict[int, int]:
    """Units of the order packed out of a source bin, by item (ledger rows of its packing scans)."""
    rows = db.session.execute(
        select(LedgerEntry.item_id, func.sum(LedgerEntry.qty)).where(
            LedgerEntry.bin_id == source, LedgerEntry.reason == "pack",
            LedgerEntry.ref.startswith(f"pack {order.number} parcel ", autoescape=True))
        .group_by(LedgerEntry.item_id))
    return {item: -int(qty) for item, qty in rows if qty}


def _waiting_units(order: SalesOrder) -> dict[int, dict[tuple[int, int], int]]:
    """source bin -> {(item, lot): units} of the order that wait to go back: what was picked into each tote
    (or moved on to a hold bin) and not packed out of it, and everything in its parcels. Never more than
    the source holds."""
    picked: dict[int, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for tote, item_id, qty in db.session.execute(
            select(PickTask.tote_bin_id, PickTask.item_id, func.sum(PickTask.picked_qty))
            .where(PickTask.order_id == order.id, PickTask.picked_qty > 0, PickTask.tote_bin_id.is_not(None))
            .group_by(PickTask.tote_bin_id, PickTask.item_id)):
        picked[tote][item_id] += int(qty)
    waiting: dict[int, dict[tuple[int, int], int]] = {}
    for source, items in picked.items():
        packed = _packed_out(order, source)
        places: dict[tuple[int, int], int] = {}
        for item_id, qty in items.items():
            left = qty - packed.get(item_id, 0)
            for row in db.session.execute(select(BinStock).where(
                    BinStock.bin_id == source, BinStock.item_id == item_id,
                    BinStock.qty > BinStock.reserved_qty).order_by(BinStock.id)).scalars():
                if left <= 0:
                    break
                take = min(left, row.qty - row.reserved_qty)
                places[(item_id, row.lot_id)] = take
                left -= take
        if places:
            waiting[source] = places
    for parcel in db.session.execute(select(Parcel).where(Parcel.order_id == order.id)).scalars():
        if parcel.status == "shipped":
            continue
        places = {(row.item_id, row.lot_id): row.qty - row.reserved_qty for row in db.session.execute(
            select(BinStock).where(BinStock.bin_id == parcel.bin_id, BinStock.qty > BinStock.reserved_qty)
            .order_by(BinStock.id)).scalars()}
        if places:
            waiting[parcel.bin_id] = places
    return waiting


def create_for(order: SalesOrder, actor: Actor) -> list[PutBackTask]:
    """One put-back task per place the cancelled order's units wait in. Does not commit."""
    suggested = _suggested_bins(order)
    made = []
    for source, places in sorted(_waiting_units(order).items()):
        task = PutBackTask(order_id=order.id, source_bin_id=source, status="open", created_by=actor.user_id)
        for (item_id, lot_id), qty in sorted(places.items()):
            task.lines.append(PutBackLine(item_id=item_id, lot_id=lot_id, qty=qty, put_qty=0,
                                          suggested_bin_id=suggested.get((item_id, lot_id))))
        db.session.add(task)
        made.append(task)
    db.session.flush()
    return made


def waits_in(order_id: int, source_bin_id: int) -> bool:
    """Whether units of this (cancelled) order still wait in this bin for their put-back."""
    return db.session.execute(select(PutBackTask.id).where(
        PutBackTask.order_id == order_id, PutBackTask.source_bin_id == source_bin_id,
        PutBackTask.status == "open").limit(1)).scalar() is not None


# --- on the handheld --------------------------------------------------------------------------------

def _locked(task_id: object) -> PutBackTask:
    task = db.session.execute(select(PutBackTask).where(PutBackTask.id == task_id).with_for_update(of=PutBackTask)
                              .execution_options(populate_existing=True)).scalar_one_or_none() \
        if isinstance(task_id, int) and not isinstance(task_id, bool) else None
    if task is None:
        raise WmsError("not_found", what=f"put-back task {task_id}")
    return task


def find_task(code: object, actor: Actor) -> PutBackTask:
    """The open task a scanned code names: its tote or hold bin, its parcel's tracking number or bin, or the
    order's number (its first open task)."""
    actor.require(PERMISSION)
    if not isinstance(code, str) or not code.strip():
        raise WmsError("empty_code")
    raw = code.strip()
    source = db.session.execute(select(Bin.id).where(Bin.code == raw.upper())).scalar()
    if source is None:
        source = db.session.execute(select(Parcel.bin_id).where(Parcel.tracking == raw.upper())).scalar()
    query = select(PutBackTask).where(PutBackTask.status == "open").order_by(PutBackTask.id)
    if source is not None:
        query = query.where(PutBackTask.source_bin_id == source)
    else:
        query = query.join(SalesOrder, SalesOrder.id == PutBackTask.order_id).where(SalesOrder.number == raw)
    task = db.session.execute(query.limit(1)).scalars().first()
    if task is None:
        raise WmsError("no_put_back_here", code=raw[:64])
    return task


def check_unit(task_id: object, decoded: Decoded, actor: Actor) -> tuple[PutBackTask, dict]:
    """An item scanned from the source: it must be on the task with units left. Changes nothing (the bin
    scan that follows carries the unit's code and moves it)."""
    actor.require(PERMISSION)
    task = _locked(task_id)
    line, qty = _line_for(task, decoded)
    return task, _unit(line, qty)


def _line_for(task: PutBackTask, decoded: Decoded) -> tuple[PutBackLine, int]:
    if task.status != "open":
        raise WmsError("put_back_done", task=task.id)
    if decoded is None or not decoded.names_an_item:
        raise WmsError("unknown_barcode", code=decoded.key if decoded else "")
    item_id, sku, _, per_scan = find_item_pack(decoded)
    lines = [ln for ln in task.lines if ln.item_id == item_id and ln.put_qty < ln.qty]
    if decoded.lot:  # a GS1 label names its lot: that lot's line first
        lines.sort(key=lambda ln: db.session.get(Lot, ln.lot_id).code != decoded.lot)
    if not lines:
        raise WmsError("not_on_put_back", sku=sku, task=task.id)
    line = lines[0]
    if per_scan > line.qty - line.put_qty:
        raise WmsError("put_back_too_many", remaining=line.qty - line.put_qty, sku=sku, qty=per_scan)
    return line, per_scan


def _unit(line: PutBackLine, qty: int) -> dict:
    item = db.session.get(Item, line.item_id)
    suggested = db.session.get(Bin, line.suggested_bin_id) if line.suggested_bin_id else None
    return {"sku": item.sku, "lot": db.session.get(Lot, line.lot_id).code, "qty": qty,
            "suggested_bin": suggested.code if suggested else None}


def put(task_id: object, unit: Decoded, target: Decoded, actor: Actor, scan_id: str | None = None) -> tuple[
        PutBackTask, dict]:
    """The bin scan: the unit (scanned just before, its code carried here) goes from the source into this
    bin. Any open shelf bin (storage, pick face) takes it; the suggested one is where it was picked."""
    actor.require(PERMISSION)
    task = _locked(task_id)
    line, qty = _line_for(task, unit)
    bin_ = db.session.execute(select(Bin).where(Bin.code == target.key)).scalar_one_or_none() \
        if target.kind == "bin" else None
    if bin_ is None or bin_.kind not in SELLABLE or not bin_.active or bin_.blocked:
        suggested = db.session.get(Bin, line.suggested_bin_id) if line.suggested_bin_id else None
        raise WmsError("put_back_bad_bin", bin=target.key, suggested=suggested.code if suggested else "—")
    order = db.session.get(SalesOrder, task.order_id)
    ref = f"put back {order.number} task {task.id}"
    stock.move(Movement(task.source_bin_id, line.item_id, line.lot_id, -qty, "put_back"), actor, ref, scan_id)
    stock.move(Movement(bin_.id, line.item_id, line.lot_id, qty, "put_back"), actor, ref, scan_id)
    line.put_qty += qty
    if all(ln.put_qty == ln.qty for ln in task.lines):
        task.status, task.done_by, task.done_at = "done", actor.user_id, utcnow()
    db.session.flush()
    return task, _unit(line, qty) | {"bin": bin_.code}


# --- views ------------------------------------------------------------------------------------------

def task_view(task: PutBackTask) -> dict:
    order = db.session.get(SalesOrder, task.order_id)
    source = db.session.get(Bin, task.source_bin_id)
    parcel = db.session.execute(select(Parcel).where(Parcel.bin_id == source.id)).scalar_one_or_none()
    lines = []
    for line in task.lines:
        item = db.session.get(Item, line.item_id)
        suggested = db.session.get(Bin, line.suggested_bin_id) if line.suggested_bin_id else None
        lines.append({"sku": item.sku, "name": {"en": item.product.name_en, "zh": item.product.name_zh},
                      "variant": {"en": item.variant_en, "zh": item.variant_zh},
                      "lot": db.session.get(Lot, line.lot_id).code, "qty": line.qty, "put": line.put_qty,
                      "remaining": line.qty - line.put_qty, "suggested_bin": suggested.code if suggested else None})
    return {"task": task.id, "order": order.number, "status": task.status, "source": source.code,
            "source_kind": source.kind, "parcel": parcel.tracking if parcel else None,
            # what a person scans to take the task: the tote's or hold bin's code, the parcel's label
            "scan": (parcel.tracking or order.number) if parcel else source.code,
            "lines": lines, "remaining": sum(ln["remaining"] for ln in lines),
            "created_at": task.created_at.isoformat() + "Z",
            "done_at": task.done_at.isoformat() + "Z" if task.done_at else None}


def open_tasks(actor: Actor, limit: int = 200) -> list[dict]:
    actor.require(PERMISSION)
    return [task_view(t) for t in db.session.execute(
        select(PutBackTask).where(PutBackTask.status == "open").order_by(PutBackTask.id).limit(limit)).scalars()]


def tasks_of(order: SalesOrder) -> list[PutBackTask]:
    return list(db.session.execute(select(PutBackTask).where(PutBackTask.order_id == order.id)
                                   .order_by(PutBackTask.id)).scalars())
