"""Cancelling an order (取消/退款) at any stage before handover, with a written reason.

What the order holds is given back at once, in one transaction: its reservations are released (the bins'
promised units are free again); its stops not yet picked are cancelled (a pick list left with nothing to do
is done); its parcels, open or closed, are voided and their print jobs (shipping label, packing list,
exchange notice) voided — a voided parcel is never handed over, a voided label never printed again; a
station packing it lets go of it. Units already picked wait where they are — in the tote, a hold bin or a
parcel — and go back to the shelves through a put-back task (services/orders/put_back.py) on the handheld.
The devices working on the order are told after the commit (`cancel_listeners`: the picker whose list holds
it, the station packing it, the supervisors). Once handed over (shipped) an order is not cancelled: what
comes back is a return. The order keeps who cancelled it, when, why and from which status; the audit
trail holds every row changed."""
from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select, update

from server.db.models import (Bin, BinStock, Item, Lot, Manifest, Parcel, PickList, PickTask, PrintJob, PrintJobEvent,
                              Reservation, SalesOrder, SalesOrderLine, Station, User, utcnow)
from server.domain.errors import WmsError
from server.extensions import db
from server.services import transaction
from server.services.orders.sales_orders import find_order
from server.services.people.auth import Actor
from server.services.orders import put_back

# Told (after commit) of every cancellation: the realtime layer pushes it to the devices concerned.
cancel_listeners: list[Callable[[dict], None]] = []
# Told (after commit) of every print job voided: the realtime layer tells its printer's agent to drop it.
void_listeners: list[Callable[[PrintJob], None]] = []

VOIDED_BECAUSE = "order cancelled"


def cancel_order(number: str, reason: str, actor: Actor, channel: str | None = None) -> dict:
    """Cancel the order of this number (`channel` when two channels share it). Commits. Returns what was
    done, for a page to show: reservations released, stops cancelled, parcels and labels voided, put-back
    tasks made, stations let go. Refused: `cancel_reason_required`, `order_already_cancelled`,
    `order_handed_over` (a return, not a cancellation)."""
    actor.require("orders.manage")
    if not isinstance(reason, str) or not reason.strip():
        raise WmsError("cancel_reason_required")
    found = find_order(number, channel)
    # Locked (PostgreSQL): a scan packing or picking the order waits for the cancellation, then sees it.
    order = db.session.execute(select(SalesOrder).where(SalesOrder.id == found.id).with_for_update(of=SalesOrder)
                               .execution_options(populate_existing=True)).scalar_one()
    if order.status == "cancelled":
        raise WmsError("order_already_cancelled", order=order.number,
                       reason=order.cancel_reason or "marketplace closed")
    if order.status == "shipped":
        raise WmsError("order_handed_over", order=order.number)
    stage = order.status_before_hold if order.status == "on_hold" else order.status
    order.status_before_hold = None if order.status == "on_hold" else order.status_before_hold
    order.status, order.cancelled_from = "cancelled", stage
    order.cancel_reason, order.cancelled_by, order.cancelled_at = reason.strip()[:500], actor.user_id, utcnow()
    db.session.flush()

    released = _release_reservations(order)
    lists = _cancel_stops(order)
    parcels = _void_parcels(order, actor)
    stations = _let_go(order)
    tasks = put_back.create_for(order, actor)

    result = {"order": order.number, "channel": order.channel, "status": order.status, "cancelled_from": stage,
              "reason": order.cancel_reason, "cancelled_by": actor.username,
              "cancelled_at": order.cancelled_at.isoformat() + "Z",
              "released": released, "pick_lists": lists, "parcels": parcels, "stations": stations,
              "put_back": [put_back.task_view(t) for t in tasks]}
    event = {"order": order.number, "channel": order.channel, "reason": order.cancel_reason,
             "pick_lists": [entry["pick_list"] for entry in lists],
             "claimed_by": sorted({entry["claimed_by_id"] for entry in lists if entry["claimed_by_id"]}),
             "stations": stations, "put_back": [{"task": t["task"], "scan": t["scan"], "source": t["source"]}
                                                for t in result["put_back"]]}
    for entry in lists:
        entry.pop("claimed_by_id")
    transaction.after_commit(lambda: [listener(event) for listener in cancel_listeners])
    db.session.commit()
    transaction.committed()
    return result


def _release_reservations(order: SalesOrder) -> list[dict]:
    """Every promise still open: the bin's reserved units are free again. A stop half picked keeps what it
    picked (its reservation becomes `picked` for those units); the rest is released."""
    released = []
    line_ids = select(SalesOrderLine.id).where(SalesOrderLine.order_id == order.id)
    reservations = db.session.execute(
        select(Reservation).where(Reservation.order_line_id.in_(line_ids), Reservation.status == "reserved")
        .order_by(Reservation.id).execution_options(populate_existing=True)).scalars().all()
    for reservation in reservations:
        task = db.session.execute(select(PickTask).where(PickTask.reservation_id == reservation.id)
                                  .execution_options(populate_existing=True)).scalar_one_or_none()
        picked = task.picked_qty if task is not None else 0
        still = reservation.qty - picked  # take_reserved gave back the reservation of each unit picked
        if still > 0:
            freed = db.session.execute(
                update(BinStock).where(BinStock.bin_id == reservation.bin_id, BinStock.item_id == reservation.item_id,
                                       BinStock.lot_id == reservation.lot_id, BinStock.reserved_qty >= still)
                .values(reserved_qty=BinStock.reserved_qty - still).execution_options(synchronize_session=False))
            if freed.rowcount != 1:
                raise WmsError("count_conflict", bin=db.session.get(Bin, reservation.bin_id).code)
            released.append({"sku": db.session.get(Item, reservation.item_id).sku,
                             "bin": db.session.get(Bin, reservation.bin_id).code,
                             "lot": db.session.get(Lot, reservation.lot_id).code, "qty": still})
        if picked:
            reservation.status, reservation.qty = "picked", picked
        else:
            reservation.status = "released"
    db.session.flush()
    return released


def _cancel_stops(order: SalesOrder) -> list[dict]:
    """The order's open stops are cancelled; a list with no open stop left is done (its other orders picked)."""
    tasks = db.session.execute(select(PickTask).where(PickTask.order_id == order.id)
                               .execution_options(populate_existing=True)).scalars().all()
    by_list: dict[int, int] = {}
    for task in tasks:
        by_list.setdefault(task.pick_list_id, 0)
        if task.status == "open":
            task.status = "cancelled"
            by_list[task.pick_list_id] += 1
    db.session.flush()
    lists = []
    for list_id, cancelled in sorted(by_list.items()):
        pick_list = db.session.get(PickList, list_id, populate_existing=True)
        if pick_list.status != "done" and cancelled:
            _close_if_nothing_left(pick_list)
        claimer = db.session.get(User, pick_list.claimed_by) if pick_list.claimed_by else None
        lists.append({"pick_list": list_id, "status": pick_list.status, "stops_cancelled": cancelled,
                      "claimed_by": claimer.username if claimer else None, "claimed_by_id": pick_list.claimed_by})
    return lists


def _close_if_nothing_left(pick_list: PickList) -> None:
    """A list whose stops are all over is done, and its other orders picked (as the last pick scan would:
    pick_lists._close_if_done)."""
    stops = db.session.execute(select(PickTask).where(PickTask.pick_list_id == pick_list.id)).scalars().all()
    if any(stop.status == "open" for stop in stops):
        return
    pick_list.status = "done"
    for order_id in sorted({stop.order_id for stop in stops}):
        other = db.session.get(SalesOrder, order_id, populate_existing=True)
        if other.status in ("allocated", "picking"):
            other.status = "picked"
    db.session.flush()


def _void_parcels(order: SalesOrder, actor: Actor) -> list[dict]:
    """Open and closed parcels are voided and taken off their (open) manifest; their print jobs are voided."""
    voided = []
    for parcel in db.session.execute(select(Parcel).where(Parcel.order_id == order.id).order_by(Parcel.seq)
                                     .with_for_update(of=Parcel)).scalars().all():
        if parcel.status not in ("open", "closed"):
            continue
        manifest = db.session.get(Manifest, parcel.manifest_id) if parcel.manifest_id else None
        before, parcel.status, parcel.manifest_id = parcel.status, "voided", None
        jobs = _void_jobs(parcel, actor)
        voided.append({"seq": parcel.seq, "tracking": parcel.tracking, "was": before,
                       "manifest": manifest.id if manifest else None,
                       "labels_voided": [{"job": job.id, "kind": job.kind, "was": was} for job, was in jobs]})
    db.session.flush()
    return voided


def _void_jobs(parcel: Parcel, actor: Actor) -> list[tuple[PrintJob, str]]:
    query = select(PrintJob).where(PrintJob.parcel_id == parcel.id)
    if parcel.tracking:  # labels printed before jobs named their parcel carry its tracking number
        query = select(PrintJob).where((PrintJob.parcel_id == parcel.id) | (
            (PrintJob.kind == "shipping_label") & PrintJob.title.contains(parcel.tracking)))
    jobs = []
    for job in db.session.execute(query.order_by(PrintJob.id)).scalars().all():
        if job.status == "voided":
            continue
        jobs.append((job, job.status))
        job.status, job.reason, job.updated_at = "voided", VOIDED_BECAUSE, utcnow()
        db.session.add(PrintJobEvent(job_id=job.id, status="voided", reason=VOIDED_BECAUSE, device_id=actor.device_id))
        transaction.after_commit(lambda job=job: [listener(job) for listener in void_listeners])
    return jobs


def _let_go(order: SalesOrder) -> list[str]:
    """A station packing the order lets go of it (what is in its parcel goes back with the put-back)."""
    stations = db.session.execute(select(Station).where(Station.order_id == order.id)).scalars().all()
    for station in stations:
        station.order_id = None
    db.session.flush()
    return [s.code for s in stations]


def cancellation_view(order: SalesOrder) -> dict | None:
    """Who cancelled the order, when, why and from which status; its put-back tasks. None if not cancelled."""
    if order.status != "cancelled":
        return None
    by = db.session.get(User, order.cancelled_by) if order.cancelled_by else None
    return {"reason": order.cancel_reason, "from": order.cancelled_from,
            "by": by.username if by else None, "by_name": by.name if by else None,
            "at": order.cancelled_at.isoformat() + "Z" if order.cancelled_at else None,
            "put_back": [put_back.task_view(t) for t in put_back.tasks_of(order)]}
