"""Picking a claimed pick list: bind the cart's totes, then at each stop scan the bin, the item
(with a quantity), and the units move bin → tote in the ledger. Short picks re-allocate at once;
holds stop an order's next scan wherever it is."""
from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select, update

from server.db.models import (Bin, BinStock, Item, Lot, PickList, PickTask, Reservation, SalesOrder,
                              SalesOrderLine, utcnow)
from server.domain.barcodes import Decoded
from server.domain.errors import WmsError, Words
from server.domain.routing import route
from server.domain.stock import Movement
from server.extensions import db
from server.db.fast import Sql, forget_row
from server.services.people import audit
from server.services.picking import pick_state
from server.services.inventory import shelf_life, stock
from server.services import transaction
from server.services.orders import sales_orders as order_service
from server.services.picking.pick_state import ListState, Stop
from server.services.people.auth import Actor
from server.services.picking.waves import FloorMap
from server.services.catalogue.items import find_item_pack

TOTE_ZONE = "T"
# Told (after commit) when a hold is placed or released: the realtime layer pushes it to devices.
hold_listeners: list[Callable[[dict], None]] = []
# Told (after commit) of every pick, short and finished list: supervisors watch progress live.
progress_listeners: list[Callable[[dict], None]] = []


# The scan path's writes (server/db/fast.py): prebuilt, each run with the change the audit trail records.
_BIN_CONFIRMED = audit.Write("UPDATE pick_tasks SET bin_confirmed = :yes WHERE id = :id")
_PICKED = audit.Write("UPDATE pick_tasks SET picked_qty = :picked, status = :status WHERE id = :id")
_PUT_CONFIRMED = audit.Write("UPDATE pick_tasks SET put_confirmed = :yes WHERE id = :id")
_CONFIRMS = {"bin_confirmed": _BIN_CONFIRMED, "put_confirmed": _PUT_CONFIRMED}
_RESERVATION_DONE = audit.Write("""
    UPDATE reservations SET status = :status,
           qty = CASE WHEN :picked > 0 AND :picked < qty THEN :picked ELSE qty END
    WHERE id = :id""")
_LIST_DONE = audit.Write("UPDATE pick_lists SET status = :status WHERE id = :id")
_ORDER_MOVED = audit.Write("UPDATE sales_orders SET status = :after WHERE id = :id AND status = :before")
_BIN_BY_CODE = Sql("SELECT id, kind FROM bins WHERE code = :code")
_INSERT_TOTE = audit.Write("""
    INSERT INTO bins (code, zone, aisle, bay, level, x, y, kind, warehouse, active, blocked, capacity)
    VALUES (:code, :zone, :aisle, :bay, :level, :x, :y, :kind, :warehouse, :active, :blocked, :capacity)""")
_WAREHOUSE, _CAPACITY = Bin.__table__.c.warehouse.default.arg, Bin.__table__.c.capacity.default.arg
# A tote is busy while another open pick list uses it, or while it holds picked, unpacked units of an
# order other than the slot's own (packing takes them out; a hold moves them to the hold area).
_TOTE_BUSY = Sql("""
    SELECT o.number FROM pick_tasks t JOIN sales_orders o ON o.id = t.order_id
    WHERE t.tote_bin_id = :tote AND (
        (t.status = :open AND t.pick_list_id != :list)
        OR (t.order_id NOT IN (SELECT order_id FROM pick_tasks WHERE pick_list_id = :list AND tote_slot = :slot)
            AND (t.status = :open
                 OR (t.picked_qty > 0 AND o.status NOT IN ('packed', 'shipped', 'cancelled')
                     AND EXISTS (SELECT 1 FROM bin_stock s
                                 WHERE s.bin_id = :tote AND s.item_id = t.item_id AND s.qty > 0)))))
    ORDER BY t.id LIMIT 1""")
# A tote still holding a cancelled order's units until they are put back (services/orders/put_back.py).
_AWAITS_PUT_BACK = Sql("""
    SELECT o.number FROM put_back_tasks p JOIN sales_orders o ON o.id = p.order_id
    WHERE p.source_bin_id = :tote AND p.status = 'open' ORDER BY p.id LIMIT 1""")
_BIND_TOTE = audit.Write("UPDATE pick_tasks SET tote_bin_id = :tote WHERE pick_list_id = :list AND tote_slot = :slot")


def _confirm(stop: Stop, flag: str) -> None:
    """Set a stop's `bin_confirmed` or `put_confirmed` (once: a repeated scan changes nothing)."""
    if getattr(stop, flag):
        return
    _CONFIRMS[flag].later(audit.Updated(stop.id, {flag: [False, True]}), yes=True, id=stop.id)
    forget_row(PickTask, stop.id)
    setattr(stop, flag, True)


def _progress(state: ListState, event: str) -> None:
    update_ = {"event": event, "pick_list": state.id, "wave": state.wave_id, "status": state.status,
               "stops_done": sum(s.status != "open" for s in state.stops), "stops": len(state.stops)}
    transaction.after_commit(lambda: [listener(update_) for listener in progress_listeners])


def my_pick_list(pick_list_id: object, actor: Actor, done_ok: bool = False) -> ListState:
    """The list (locked) with its stops, if it is the picker's and (unless `done_ok`) not finished."""
    actor.require("journey.pick")
    state = pick_state.load(pick_list_id, lock=True)
    if state is None:
        raise WmsError("not_found", what=f"pick list {pick_list_id}")
    if state.claimed_by != actor.user_id:
        raise WmsError("not_your_pick_list", pick_list=state.id)
    if state.status == "done" and not done_ok:
        raise WmsError("pick_list_done", pick_list=state.id)
    return state


def tasks(pick_list: PickList) -> list[PickTask]:
    return list(db.session.execute(select(PickTask).where(PickTask.pick_list_id == pick_list.id)
                                   .order_by(PickTask.seq)).scalars())


def current_task(pick_list: PickList) -> PickTask | None:
    """The next open stop in walking order, as an ORM row (REST and tests; the scan path uses ListState)."""
    stop = pick_state.load(pick_list.id).current()
    return db.session.get(PickTask, stop.id) if stop else None


def bind_tote(pick_list_id: object, slot: object, decoded: Decoded, actor: Actor) -> ListState:
    """Put a tote on the cart for one order (slot). A tote serves one open pick list at a time, and never
    takes a second order's units while it holds another order's that are not packed yet."""
    state = my_pick_list(pick_list_id, actor)
    if decoded.kind != "tote":
        raise WmsError("unknown_barcode", code=decoded.key)
    if not isinstance(slot, int) or isinstance(slot, bool) or not 1 <= slot <= state.totes:
        raise WmsError("bad_request", detail=Words(f"slot must be 1 … {state.totes}", f"格位须为 1 … {state.totes}"))
    found = _BIN_BY_CODE.first(code=decoded.key)
    if found is None:
        found = _new_tote(decoded.key)
    tote_id, kind = found
    busy = _TOTE_BUSY.first(tote=tote_id, open="open", list=state.id, slot=slot)
    if busy:
        raise WmsError("tote_in_use", tote=decoded.key, order=busy[0])
    cancelled = _AWAITS_PUT_BACK.first(tote=tote_id)
    if cancelled:
        raise WmsError("tote_awaits_put_back", tote=decoded.key, order=cancelled[0])
    rebound = [stop for stop in state.stops if stop.tote_slot == slot]
    _BIND_TOTE.run([audit.Updated(stop.id, {"tote_bin_id": [stop.tote_bin_id, tote_id]})
                    for stop in rebound if stop.tote_bin_id != tote_id], tote=tote_id, list=state.id, slot=slot)
    for stop in rebound:
        forget_row(PickTask, stop.id)
        stop.tote_bin_id, stop.tote, stop.tote_kind = tote_id, decoded.key, kind
    return state


def _new_tote(code: str) -> tuple[int, str]:
    """A tote seen for the first time becomes a bin of kind `tote` (prebuilt: the benchmark's carts, like
    a new floor's, bring fresh totes to every list)."""
    values = {"code": code, "zone": TOTE_ZONE, "aisle": "", "bay": "", "level": "", "x": 0.0, "y": 0.0,
              "kind": "tote", "warehouse": _WAREHOUSE, "active": True, "blocked": False, "capacity": _CAPACITY}
    found = []

    def inserted() -> audit.Inserted:  # the new row, read once the insert is done: its id goes into the trail
        found.append(_BIN_BY_CODE.first(code=code))
        return audit.Inserted(found[0].id, values)

    _INSERT_TOTE.run(inserted, **values)
    return found[0]


def _stopped(stop: Stop) -> None:
    if stop.on_hold:
        raise WmsError("order_on_hold", order=stop.order, reason=stop.hold_reason)


def scan(pick_list_id: object, decoded: Decoded, qty: int, actor: Actor,
         scan_id: str | None = None) -> tuple[ListState, Stop]:
    """One scan at the current stop: the bin first, then the item (qty units into its tote).
    Returns the list as it is now and the stop scanned."""
    state = my_pick_list(pick_list_id, actor)
    stop = state.current()
    if stop is None:
        raise WmsError("pick_list_done", pick_list=state.id)
    _stopped(stop)
    if decoded.kind == "bin":
        if decoded.key != stop.bin:
            raise WmsError("wrong_bin", scanned=decoded.key, expected=stop.bin)
        _confirm(stop, "bin_confirmed")
        return state, stop
    if not stop.bin_confirmed:
        raise WmsError("scan_bin_first", expected=stop.bin)
    if not decoded.names_an_item:
        raise WmsError("unknown_barcode", code=decoded.key)
    item_id, sku, _, per_scan = find_item_pack(decoded)
    qty *= per_scan  # a case's code picks its units (refused as over_pick when the stop needs fewer)
    if item_id != stop.item_id:
        raise WmsError("wrong_item", scanned=sku, expected=stop.sku)
    if decoded.lot and decoded.lot != stop.lot:
        task = db.session.get(PickTask, stop.id)
        _switch_lot(task, db.session.get(Lot, stop.lot_id), decoded.lot)
        db.session.flush()  # the hand-written statements below see the lot switched
        stop.lot_id, stop.lot = task.lot_id, decoded.lot
    if stop.tote_bin_id is None:
        raise WmsError("bind_totes_first", slot=stop.tote_slot)
    remaining = stop.qty - stop.picked
    if qty > remaining:
        raise WmsError("over_pick", remaining=remaining, qty=qty)
    stock.take_reserved(Movement(stop.bin_id, stop.item_id, stop.lot_id, -qty, "pick"), stop.tote_bin_id, actor,
                        ref=f"pick list {state.id}", scan_id=scan_id)
    before = (stop.picked, stop.status)
    stop.picked += qty
    if stop.picked == stop.qty:
        stop.status = "picked"
        _RESERVATION_DONE.later(audit.Updated(stop.reservation_id, {"status": ["reserved", "picked"]}),
                                status="picked", picked=stop.picked, id=stop.reservation_id)
        forget_row(Reservation, stop.reservation_id)
    # Sent later (fast.Sql.later): with the scan's last statements, in one round trip on PostgreSQL.
    _PICKED.later(audit.Updated(stop.id, {"picked_qty": [before[0], stop.picked], "status": [before[1], stop.status]}),
                  picked=stop.picked, status=stop.status, id=stop.id)
    forget_row(PickTask, stop.id)
    if stop.status == "picked":
        _stay_at_bin(state, stop)
    _close_if_done(state)
    _progress(state, "pick")
    return state, stop


def _stay_at_bin(state: ListState, done: Stop) -> None:
    """The picker still stands at the bin they scanned: when the next stop is at the same bin, it takes
    the item scan at once (asking for the bin again made the item scan beep 'scan the bin first')."""
    following = state.current()
    if following is not None and following.bin_id == done.bin_id and done.bin_confirmed:
        _confirm(following, "bin_confirmed")


def confirm_put(pick_list_id: object, task_id: object, decoded: Decoded, actor: Actor) -> tuple[ListState, Stop]:
    """The tote scan after a stop: proves the units went into the order's tote, not a neighbour's."""
    try:
        state = my_pick_list(pick_list_id, actor, done_ok=True)  # the last stop's tote comes after the list is done
    except WmsError as error:
        if error.code == "forbidden":
            raise
        raise WmsError("not_your_pick_list", pick_list=pick_list_id) from None
    stop = state.stop(task_id) if isinstance(task_id, int) else None
    if stop is None or stop.status != "picked":
        raise WmsError("not_found", what=f"picked stop {task_id}")
    if decoded.key != stop.tote:
        raise WmsError("wrong_tote", scanned=decoded.key, expected=stop.tote, slot=stop.tote_slot)
    _confirm(stop, "put_confirmed")
    return state, stop


def _switch_lot(task: PickTask, allocated: Lot, scanned_code: str) -> None:
    """The picker holds a unit of another lot from the same bin. Take that lot for the whole stop
    when it is just as right under FIFO/FEFO (received no later, expiring no later) and the bin has
    it free; otherwise (or once units of the allocated lot are in the tote) the allocated lot it is."""
    scanned = db.session.execute(select(Lot).where(Lot.item_id == task.item_id, Lot.code == scanned_code,
                                                   Lot.status == "available")).scalar_one_or_none()
    no_later = scanned is not None and task.picked_qty == 0 and scanned.received_on <= allocated.received_on and (
        allocated.expiry is None or (scanned.expiry is not None and scanned.expiry <= allocated.expiry)) and (
        scanned.block_reason is None and shelf_life.shippable(scanned.expiry))  # an expired unit is not taken
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


def _close_if_done(state: ListState) -> None:
    """A list with no open stop is done and its orders picked; otherwise its orders are being picked.
    Orders are loaded only when their status changes (an ORM change, so the audit trail sees it)."""
    if all(s.status != "open" for s in state.stops):
        _LIST_DONE.later(audit.Updated(state.id, {"status": [state.status, "done"]}), status="done", id=state.id)
        forget_row(PickList, state.id)
        state.status = "done"
        before, after = ("allocated", "picking"), "picked"
    else:
        before, after = ("allocated",), "picking"
    changing = {s.order_id for s in state.stops if s.order_status in before}
    if not changing:
        return
    believed = {s.order_id: s.order_status for s in state.stops if s.order_id in changing}
    moved = set()
    for order_id in sorted(changing):
        # Conditional, the status read with the list first (one statement, as a rule): an order put on
        # hold meanwhile (another process, on PostgreSQL) stays on hold.
        for status in (believed[order_id], *(b for b in before if b != believed[order_id])):
            if _ORDER_MOVED.run(audit.Updated(order_id, {"status": [status, after]}),
                                after=after, id=order_id, before=status).rowcount == 1:
                forget_row(SalesOrder, order_id)
                moved.add(order_id)
                break
    for stop in state.stops:
        if stop.order_id in moved:
            stop.order_status = after


def short(pick_list_id: object, found: object, actor: Actor, scan_id: str | None = None) -> dict:
    """The bin holds fewer than the stop asks. The count found becomes the bin's stock (a count
    entry in the ledger); the rest of the line is re-allocated from other bins at once and the new
    stops are put into the route; if no stock is left, the line is short and the supervisor sees it."""
    state = my_pick_list(pick_list_id, actor)
    stop = state.current()
    if stop is None:
        raise WmsError("pick_list_done", pick_list=state.id)
    _stopped(stop)
    # A rare step: the ORM's rows from here on (read afresh, whatever this session held before).
    pick_list = db.session.get(PickList, state.id, populate_existing=True)
    task = db.session.get(PickTask, stop.id, populate_existing=True)
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
    db.session.flush()
    state = pick_state.load(pick_list.id)
    _close_if_done(state)
    _progress(state, "short")
    return {"re_allocated": sum(r.qty for r in new_reservations), "still_short": still_missing,
            "line": {"order": stop.order, "sku": line.sku_text}}


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
        raise WmsError("bad_request", detail=Words("a hold needs its reason (the written notice)",
                                                   "暂缓出货须写明原因（书面通知）"))
    order = order_service.find_order(number)
    if order.status in ("shipped", "cancelled", "on_hold"):
        raise WmsError("bad_order_state", order=number, status=order.status, expected=Words("not shipped", "未发货"))
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
    """The stop as the handheld shows it (REST and tests; the scan path has its ListState)."""
    if task is None:
        return None
    return pick_state.load(task.pick_list_id).stop(task.id).view()


def short_picks(limit: int = 50) -> list:
    """(task, bin code, SKU, order number) of the latest short-picked tasks, newest first."""
    return db.session.execute(
        select(PickTask, Bin.code, Item.sku, SalesOrder.number).join(Bin, Bin.id == PickTask.bin_id)
        .join(Item, Item.id == PickTask.item_id).join(SalesOrder, SalesOrder.id == PickTask.order_id)
        .where(PickTask.status == "short").order_by(PickTask.id.desc()).limit(limit)).all()
