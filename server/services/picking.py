"""Picking a claimed pick list: bind the cart's totes, then at each stop scan the bin, the item
(with a quantity), and the units move bin → tote in the ledger. Short picks re-allocate at once;
holds stop an order's next scan wherever it is."""
from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import func, select, update
from sqlalchemy.orm import aliased

from server.db.models import (Bin, BinStock, Item, Lot, PickList, PickTask, Product, Reservation, SalesOrder,
                              SalesOrderLine, utcnow)
from server.domain.barcodes import Decoded
from server.domain.errors import WmsError
from server.domain.routing import route
from server.domain.stock import Movement
from server.extensions import db
from server.services import orders as order_service
from server.services import stock, transaction
from server.services.auth import Actor
from server.services.lookup import find_item
from server.services.waves import FloorMap

TOTE_ZONE = "T"
# Told (after commit) when a hold is placed or released: the realtime layer pushes it to devices.
hold_listeners: list[Callable[[dict], None]] = []
# Told (after commit) of every pick, short and finished list: supervisors watch progress live.
progress_listeners: list[Callable[[dict], None]] = []


def _progress(pick_list: PickList, event: str) -> None:
    stops, done = db.session.execute(select(func.count(), func.count().filter(PickTask.status != "open"))
                                     .where(PickTask.pick_list_id == pick_list.id)).one()
    update_ = {"event": event, "pick_list": pick_list.id, "wave": pick_list.wave_id, "status": pick_list.status,
               "stops_done": done, "stops": stops}
    transaction.after_commit(lambda: [listener(update_) for listener in progress_listeners])


def my_pick_list(pick_list_id: object, actor: Actor) -> PickList:
    actor.require("journey.pick")
    # Locked (PostgreSQL; SQLite's BEGIN IMMEDIATE already serialises writers): two devices of the
    # picker scanning the same stop from different server processes take turns, and the second
    # reads the stop as the first left it instead of adding its units to a stale count.
    pick_list = db.session.get(PickList, pick_list_id, with_for_update=True,
                               populate_existing=True) if isinstance(pick_list_id, int) else None
    if pick_list is None:
        raise WmsError("not_found", what=f"pick list {pick_list_id}")
    # The session's identity map holds rows weakly: keep the list for the rest of the scan so the ack's
    # view reads it from memory instead of selecting it again.
    db.session.info.setdefault("pinned", []).append(pick_list)
    if pick_list.claimed_by != actor.user_id:
        raise WmsError("not_your_pick_list", pick_list=pick_list.id)
    if pick_list.status == "done":
        raise WmsError("pick_list_done", pick_list=pick_list.id)
    return pick_list


def tasks(pick_list: PickList) -> list[PickTask]:
    return list(db.session.execute(select(PickTask).where(PickTask.pick_list_id == pick_list.id)
                                   .order_by(PickTask.seq)).scalars())


def _held(order_id: int) -> bool:
    return db.session.get(SalesOrder, order_id).status == "on_hold"


def current_task(pick_list: PickList) -> PickTask | None:
    """The next open stop in walking order. Stops of an order on hold are passed over (the rest of
    the cart goes on); when only held orders' stops are left, the first of them. One query: this runs
    on every pick scan."""
    rows = db.session.execute(
        select(PickTask, SalesOrder.status).join(SalesOrder, SalesOrder.id == PickTask.order_id)
        .where(PickTask.pick_list_id == pick_list.id, PickTask.status == "open").order_by(PickTask.seq)).all()
    return next((t for t, status in rows if status != "on_hold"), rows[0][0] if rows else None)


def bind_tote(pick_list_id: object, slot: object, decoded: Decoded, actor: Actor) -> int:
    """Put a tote on the cart for one order (slot). A tote serves one open pick list at a time."""
    pick_list = my_pick_list(pick_list_id, actor)
    if decoded.kind != "tote":
        raise WmsError("unknown_barcode", code=decoded.key)
    if not isinstance(slot, int) or not 1 <= slot <= pick_list.totes:
        raise WmsError("bad_request", detail=f"slot must be 1 … {pick_list.totes}")
    tote = db.session.execute(select(Bin).where(Bin.code == decoded.key)).scalar_one_or_none()
    if tote is None:
        tote = Bin(code=decoded.key, zone=TOTE_ZONE, aisle="", bay="", level="", x=0.0, y=0.0, kind="tote")
        db.session.add(tote)
        db.session.flush()
    busy = db.session.execute(select(PickTask.pick_list_id).where(
        PickTask.tote_bin_id == tote.id, PickTask.status == "open", PickTask.pick_list_id != pick_list.id)).first()
    if busy:
        raise WmsError("tote_in_use", tote=tote.code)
    db.session.execute(update(PickTask).where(PickTask.pick_list_id == pick_list.id, PickTask.tote_slot == slot)
                       .values(tote_bin_id=tote.id).execution_options(synchronize_session=False))
    return tote.id


def _stopped(task: PickTask) -> None:
    order = db.session.get(SalesOrder, task.order_id)
    if order.status == "on_hold":
        raise WmsError("order_on_hold", order=order.number, reason=order.hold_reason)


def scan(pick_list_id: object, decoded: Decoded, qty: int, actor: Actor, scan_id: str | None = None) -> PickTask:
    """One scan at the current stop: the bin first, then the item (qty units into its tote)."""
    pick_list = my_pick_list(pick_list_id, actor)
    task = current_task(pick_list)
    if task is None:
        raise WmsError("pick_list_done", pick_list=pick_list.id)
    _stopped(task)
    bin_code = db.session.get(Bin, task.bin_id).code
    if decoded.kind == "bin":
        if decoded.key != bin_code:
            raise WmsError("wrong_bin", scanned=decoded.key, expected=bin_code)
        task.bin_confirmed = True
        return task
    if not task.bin_confirmed:
        raise WmsError("scan_bin_first", expected=bin_code)
    if not decoded.names_an_item:
        raise WmsError("unknown_barcode", code=decoded.key)
    item = find_item(decoded)
    expected = db.session.get(Item, task.item_id)
    if item.id != expected.id:
        raise WmsError("wrong_item", scanned=item.sku, expected=expected.sku)
    lot = db.session.get(Lot, task.lot_id)
    if decoded.lot and decoded.lot != lot.code:
        _switch_lot(task, lot, decoded.lot)
    if task.tote_bin_id is None:
        raise WmsError("bind_totes_first", slot=task.tote_slot)
    remaining = task.qty - task.picked_qty
    if qty > remaining:
        raise WmsError("over_pick", remaining=remaining, qty=qty)
    stock.take_reserved(Movement(task.bin_id, task.item_id, task.lot_id, -qty, "pick"), task.tote_bin_id, actor,
                        ref=f"pick list {pick_list.id}", scan_id=scan_id)
    task.picked_qty += qty
    if task.picked_qty == task.qty:
        _finish(task, "picked")
    _close_if_done(pick_list)
    _progress(pick_list, "pick")
    return task


def confirm_put(pick_list_id: object, task_id: object, decoded: Decoded, actor: Actor) -> PickTask:
    """The tote scan after a stop: proves the units went into the order's tote, not a neighbour's."""
    pick_list = db.session.get(PickList, pick_list_id) if isinstance(pick_list_id, int) else None
    if pick_list is None or pick_list.claimed_by != actor.user_id:
        raise WmsError("not_your_pick_list", pick_list=pick_list_id)
    task = db.session.get(PickTask, task_id) if isinstance(task_id, int) else None
    if task is None or task.pick_list_id != pick_list.id or task.status != "picked":
        raise WmsError("not_found", what=f"picked stop {task_id}")
    tote = db.session.get(Bin, task.tote_bin_id)
    if decoded.key != tote.code:
        raise WmsError("wrong_tote", scanned=decoded.key, expected=tote.code, slot=task.tote_slot)
    task.put_confirmed = True
    return task


def _switch_lot(task: PickTask, allocated: Lot, scanned_code: str) -> None:
    """The picker holds a unit of another lot from the same bin. Take that lot for the whole stop
    when it is just as right under FIFO/FEFO (received no later, expiring no later) and the bin has
    it free; otherwise (or once units of the allocated lot are in the tote) the allocated lot it is."""
    scanned = db.session.execute(select(Lot).where(Lot.item_id == task.item_id, Lot.code == scanned_code,
                                                   Lot.status == "available")).scalar_one_or_none()
    no_later = scanned is not None and task.picked_qty == 0 and scanned.received_on <= allocated.received_on and (
        allocated.expiry is None or (scanned.expiry is not None and scanned.expiry <= allocated.expiry))
    place = (BinStock.bin_id == task.bin_id, BinStock.item_id == task.item_id)
    moved = no_later and db.session.execute(
        update(BinStock).where(*place, BinStock.lot_id == scanned.id, BinStock.qty - BinStock.reserved_qty >= task.qty)
        .values(reserved_qty=BinStock.reserved_qty + task.qty).execution_options(synchronize_session=False)
    ).rowcount == 1
    if not moved:
        raise WmsError("wrong_lot", scanned=scanned_code, expected=allocated.code)
    db.session.execute(update(BinStock).where(*place, BinStock.lot_id == allocated.id)
                       .values(reserved_qty=BinStock.reserved_qty - task.qty)
                       .execution_options(synchronize_session=False))
    reservation = db.session.get(Reservation, task.reservation_id)
    reservation.lot_id = task.lot_id = scanned.id


def _finish(task: PickTask, status: str) -> None:
    """The stop is over: its reservation is consumed by what was picked; the rest was given back."""
    task.status = status
    reservation = db.session.get(Reservation, task.reservation_id)
    reservation.status = "picked" if task.picked_qty else "released"
    if 0 < task.picked_qty < reservation.qty:
        reservation.qty = task.picked_qty


def _close_if_done(pick_list: PickList) -> None:
    """A list with no open stop is done and its orders picked; otherwise its orders are being picked.
    Orders are loaded only when their status changes (an ORM change, so the audit trail sees it)."""
    open_left = db.session.execute(select(func.count()).where(PickTask.pick_list_id == pick_list.id,
                                                              PickTask.status == "open")).scalar()
    on_list = select(PickTask.order_id).where(PickTask.pick_list_id == pick_list.id)
    if open_left == 0:
        pick_list.status = "done"
        before, after = ("allocated", "picking"), "picked"
    else:
        before, after = ("allocated",), "picking"
    for order in db.session.execute(select(SalesOrder).where(SalesOrder.id.in_(on_list),
                                                             SalesOrder.status.in_(before))).scalars():
        order.status = after


def short(pick_list_id: object, found: object, actor: Actor, scan_id: str | None = None) -> dict:
    """The bin holds fewer than the stop asks. The count found becomes the bin's stock (a count
    entry in the ledger); the rest of the line is re-allocated from other bins at once and the new
    stops are put into the route; if no stock is left, the line is short and the supervisor sees it."""
    pick_list = my_pick_list(pick_list_id, actor)
    task = current_task(pick_list)
    if task is None:
        raise WmsError("pick_list_done", pick_list=pick_list.id)
    _stopped(task)
    missing = task.qty - task.picked_qty
    if not isinstance(found, int) or isinstance(found, bool) or not 0 <= found < missing:
        raise WmsError("bad_quantity", qty=found)
    place = (BinStock.bin_id == task.bin_id, BinStock.item_id == task.item_id, BinStock.lot_id == task.lot_id)
    row = db.session.execute(select(BinStock).where(*place)).scalar_one()
    others = row.reserved_qty - missing
    if others > found:
        raise WmsError("count_conflict", bin=db.session.get(Bin, task.bin_id).code)
    # Our promise ends here; what the picker counted is what the bin holds.
    db.session.execute(update(BinStock).where(*place).values(reserved_qty=BinStock.reserved_qty - missing)
                       .execution_options(synchronize_session=False))
    db.session.refresh(row)
    if row.qty != found:
        stock.move(Movement(task.bin_id, task.item_id, task.lot_id, found - row.qty, "count"), actor,
                   ref=f"short pick, pick list {pick_list.id}", scan_id=scan_id)
    if task.picked_qty:
        task.qty = task.picked_qty  # the stop is complete with what the bin had
    _finish(task, "picked" if task.picked_qty else "short")
    line = db.session.get(SalesOrderLine, db.session.get(Reservation, task.reservation_id).order_line_id)
    new_reservations, still_missing = order_service.reserve(line, missing)
    db.session.flush()
    added = [PickTask(pick_list_id=pick_list.id, seq=0, reservation_id=r.id, order_id=task.order_id,
                      tote_slot=task.tote_slot, tote_bin_id=task.tote_bin_id, bin_id=r.bin_id, item_id=r.item_id,
                      lot_id=r.lot_id, qty=r.qty) for r in new_reservations]
    db.session.add_all(added)
    db.session.flush()
    _reroute(pick_list)
    _close_if_done(pick_list)
    _progress(pick_list, "short")
    return {"re_allocated": sum(r.qty for r in new_reservations), "still_short": still_missing,
            "line": {"order": db.session.get(SalesOrder, task.order_id).number, "sku": line.sku_text}}


def _reroute(pick_list: PickList) -> None:
    """Open stops (old and new) in walking order again; done stops keep their place in front."""
    floor = FloorMap()
    all_tasks = tasks(pick_list)
    done = [t for t in all_tasks if t.status != "open"]
    todo = [t for t in all_tasks if t.status == "open"]
    walked = route(floor.layout, [floor.point(t.bin_id, t) for t in todo])
    for seq, task in enumerate(done + [p.key for p in walked.order], start=1):
        task.seq = seq
    pick_list.route_length = round(walked.length, 2)  # what is left to walk, from the depot


def place_hold(number: str, reason: str, actor: Actor) -> SalesOrder:
    """A written hold notice: the order stops at once, on every device, until released."""
    actor.require("orders.manage")
    if not reason or not reason.strip():
        raise WmsError("bad_request", detail="a hold needs its reason (the written notice)")
    order = order_service.find_order(number)
    if order.status in ("shipped", "cancelled", "on_hold"):
        raise WmsError("bad_order_state", order=number, status=order.status, expected="not shipped")
    order.status_before_hold, order.status = order.status, "on_hold"
    order.hold_reason, order.held_by, order.held_at = reason.strip()[:500], actor.user_id, utcnow()
    _tell({"order": order.number, "on_hold": True, "reason": order.hold_reason})
    db.session.commit()
    transaction.committed()
    return order


def release_hold(number: str, actor: Actor) -> SalesOrder:
    actor.require("orders.manage")
    order = order_service.find_order(number)
    if order.status != "on_hold":
        raise WmsError("bad_order_state", order=number, status=order.status, expected="on_hold")
    order.status, order.status_before_hold = order.status_before_hold or "released", None
    _tell({"order": order.number, "on_hold": False, "reason": order.hold_reason})
    db.session.commit()
    transaction.committed()
    return order


def move_to_hold(number: str, bin_code: str, actor: Actor) -> list[dict]:
    """Set apart what was already picked for a held order: its units move from the totes to a bin
    of the hold area (ledger: transfer out of the tote, into the hold bin)."""
    actor.require("journey.pick")
    order = order_service.find_order(number)
    if order.status != "on_hold":
        raise WmsError("bad_order_state", order=number, status=order.status, expected="on_hold")
    target = db.session.execute(select(Bin).where(Bin.code == bin_code.upper())).scalar_one_or_none()
    if target is None or target.kind != "hold":
        raise WmsError("not_a_hold_bin", bin=bin_code)
    moved = []
    picked = db.session.execute(select(PickTask).join(Bin, Bin.id == PickTask.tote_bin_id).where(
        PickTask.order_id == order.id, PickTask.picked_qty > 0, Bin.kind == "tote")).scalars().all()
    for task in picked:
        ref = f"hold {order.number}"
        stock.move(Movement(task.tote_bin_id, task.item_id, task.lot_id, -task.picked_qty, "transfer"), actor, ref)
        stock.move(Movement(target.id, task.item_id, task.lot_id, task.picked_qty, "transfer"), actor, ref)
        moved.append({"from": db.session.get(Bin, task.tote_bin_id).code, "qty": task.picked_qty,
                      "sku": db.session.get(Item, task.item_id).sku})
        task.tote_bin_id = target.id  # the order's units now wait in the hold area
    db.session.commit()
    return moved


def _tell(event: dict) -> None:
    transaction.after_commit(lambda: [listener(event) for listener in hold_listeners])


def stop_view(task: PickTask | None) -> dict | None:
    """The stop as the handheld shows it — one joined query, since it rides on every pick ack."""
    if task is None:
        return None
    tote = aliased(Bin)
    (bin_code, sku, name_en, name_zh, variant_en, variant_zh, lot, tote_code, order, order_status) = db.session.execute(
        select(Bin.code, Item.sku, Product.name_en, Product.name_zh, Item.variant_en, Item.variant_zh, Lot.code,
               tote.code, SalesOrder.number, SalesOrder.status)
        .select_from(PickTask).join(Bin, Bin.id == PickTask.bin_id).join(Item, Item.id == PickTask.item_id)
        .join(Product, Product.id == Item.product_id).join(Lot, Lot.id == PickTask.lot_id)
        .join(SalesOrder, SalesOrder.id == PickTask.order_id).outerjoin(tote, tote.id == PickTask.tote_bin_id)
        .where(PickTask.id == task.id)).one()
    return {"task": task.id, "seq": task.seq, "bin": bin_code, "sku": sku,
            "name": {"en": name_en, "zh": name_zh}, "variant": {"en": variant_en, "zh": variant_zh},
            "lot": lot, "qty": task.qty, "picked": task.picked_qty,
            "tote_slot": task.tote_slot, "tote": tote_code,
            "order": order, "bin_confirmed": task.bin_confirmed, "on_hold": order_status == "on_hold"}
