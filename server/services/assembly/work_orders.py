"""Work orders (加工单): assemble N kits from their components (组装) or take N ready-made kits apart (拆卸).

A supervisor creates one (`work_orders.manage`): what it needs is reserved at once, FIFO/FEFO and never an
expired lot, like an order's lines — or it is refused with the shortage, nothing written. The floor
(`journey.assemble`) then works it on the handheld, every step a scan stored under its scan id:

1. pick: scan a bin, then each unit — the unit leaves the bin with its reservation into the work order's
   own ledger bin (kind `work_order`, zone W; reason `work_order`);
2. make: one scan (or confirm) per kit — assembling books the components out of the work order's bin and
   one kit in (reason `assembly`; the kits' lot is coded with the work order's number, expiring with the
   earliest component lot) and prints the kit's item label when an item-label printer is set up;
   taking apart books one kit out and its components in (reason `disassembly`, lots coded likewise);
3. put away: scan a unit, then the shelf bin it goes into (reason `putaway`).

Cancelling releases what is still reserved; whatever already sits in the work order's bin gets put-away
steps back to where it came from — nothing is lost, the books balance."""
from __future__ import annotations

from collections import defaultdict
from datetime import date
from uuid import uuid4

from sqlalchemy import func, select, update

from server import local_time
from server.db.models import Bin, BinStock, Item, Lot, WorkOrder, WorkOrderStep, utcnow
from server.domain.allocation import allocate, uses_fefo
from server.domain.barcodes import Decoded
from server.domain.errors import WmsError, Words
from server.domain.places import SELLABLE
from server.domain.stock import Movement, quantity
from server.extensions import db
from server.services.catalogue import kits
from server.services.catalogue.items import find_item_pack, item_by_code
from server.services.inventory import stock
from server.services.orders.sales_orders import stock_places
from server.services.people.auth import Actor

MANAGE = "work_orders.manage"
JOURNEY = "journey.assemble"
ZONE = "W"
KINDS = ("assemble", "disassemble")
ACTIVE = ("open", "picking", "making", "putting_away")
DOING = {"assemble": ("assemble", "组装"), "disassemble": ("take apart", "拆卸")}


# --- created and cancelled by a supervisor ----------------------------------------------------------

def _needs(kind: str, kit: Item, qty: int) -> list[tuple[Item, int]]:
    """What the work order picks: the components for N kits, or the N kits."""
    if kind == "assemble":
        return [(item, per * qty) for item, per in kits.components_of(kit)]
    return [(kit, qty)]


def create(kind: object, sku: object, qty: object, actor: Actor) -> WorkOrder:
    """A work order with its pick steps, everything it needs reserved (bin code order is the walk).
    Refused, nothing written, when a component (or the kit, to take apart) is short. Does not commit."""
    actor.require(MANAGE)
    if kind not in KINDS:
        raise WmsError("work_order_kind", kind=str(kind)[:32])
    qty = quantity(qty)
    kit = item_by_code(str(sku or "").strip())
    if kit is None or not kits.is_kit(kit.id):
        raise WmsError("not_a_kit", sku=str(sku or "")[:64])
    needs = _needs(kind, kit, qty)
    short = [(item, need - sum(p.available for p in stock_places(item.id))) for item, need in needs]
    short = [(item, missing) for item, missing in short if missing > 0]
    if short:
        raise _shortage(kind, kit, qty, short)
    # Numbered by its id, as a return case is: two managers creating work orders at once (two server
    # processes on PostgreSQL) each get their own number, where the last number + 1 gave both the same.
    placeholder = f"TMP-{uuid4().hex[:12]}"
    box = Bin(code=placeholder, zone=ZONE, aisle="", bay="", level="", x=0.0, y=0.0, kind="work_order")
    db.session.add(box)
    db.session.flush()
    order = WorkOrder(number=placeholder, kind=kind, item_id=kit.id, qty=qty, done_qty=0, status="open",
                      bin_id=box.id, created_by=actor.user_id)
    db.session.add(order)
    db.session.flush()
    order.number = box.code = f"WO-{order.id:06d}"
    picks = []
    for item, need in needs:
        got, missing = _reserve(item.id, need)
        if missing:  # another reservation took the units between the check and ours
            db.session.rollback()
            raise _shortage(kind, kit, qty, [(item, missing)])
        picks += got
    codes = dict(db.session.execute(select(Bin.id, Bin.code).where(Bin.id.in_({b for b, *_ in picks}))).all())
    for bin_id, item_id, lot_id, units in sorted(picks, key=lambda p: (codes[p[0]], p[1], p[2])):
        order.steps.append(WorkOrderStep(kind="pick", bin_id=bin_id, item_id=item_id, lot_id=lot_id, qty=units,
                                         done_qty=0))
    db.session.flush()
    return order


def _shortage(kind: str, kit: Item, qty: int, short: list[tuple[Item, int]]) -> WmsError:
    doing, doing_zh = DOING[kind]
    return WmsError("work_order_shortage", doing=doing, doing_zh=doing_zh, qty=qty, kit=kit.sku,
                    lines=", ".join(f"{item.sku} short {n}" for item, n in short),
                    lines_zh="，".join(f"{item.sku} 缺 {n} 件" for item, n in short),
                    short=[{"sku": item.sku, "missing": n} for item, n in short])


def _reserve(item_id: int, qty: int) -> tuple[list[tuple[int, int, int, int]], int]:
    """Promise `qty` units FIFO/FEFO as an order line's reservation does (a conditional UPDATE per place:
    a concurrent promise makes us look again). (bin, item, lot, units) promised, and the units missing."""
    got: list[tuple[int, int, int, int]] = []
    remaining = qty
    for _ in range(10):
        if remaining == 0:
            break
        places = stock_places(item_id)
        plan = allocate(remaining, places, fefo=uses_fefo(places))
        if not plan.picks:
            break
        for place, take in plan.picks:
            if db.session.execute(
                    update(BinStock).where(BinStock.bin_id == place.bin, BinStock.item_id == item_id,
                                           BinStock.lot_id == place.lot, BinStock.qty - BinStock.reserved_qty >= take)
                    .values(reserved_qty=BinStock.reserved_qty + take)
                    .execution_options(synchronize_session=False)).rowcount == 1:
                got.append((place.bin, item_id, place.lot, take))
                remaining -= take
    return got, remaining


def cancel(number: object, reason: object, actor: Actor) -> WorkOrder:
    """Stop a work order: what is still reserved is released; what already sits in its bin (components,
    kits made) gets put-away steps back to where it came from. Does not commit."""
    actor.require(MANAGE)
    if not isinstance(reason, str) or not reason.strip():
        raise WmsError("bad_request", detail=Words("say why the work order is cancelled (reason)",
                                                   "请写明取消加工单的原因（reason）"))
    order = _locked(number)
    if order.status not in ACTIVE:
        raise _state(order, "cancel", "取消")
    for step in order.steps:
        left = step.qty - step.done_qty
        if step.kind == "pick" and left:
            db.session.execute(update(BinStock).where(
                BinStock.bin_id == step.bin_id, BinStock.item_id == step.item_id, BinStock.lot_id == step.lot_id)
                .values(reserved_qty=BinStock.reserved_qty - left).execution_options(synchronize_session=False))
    covered: dict[tuple[int, int], int] = defaultdict(int)
    for step in order.steps:
        if step.kind == "put_away":
            covered[(step.item_id, step.lot_id)] += step.qty - step.done_qty
    for item_id, lot_id, qty in _in_bin(order):
        left = qty - covered[(item_id, lot_id)]
        if left > 0:
            order.steps.append(WorkOrderStep(kind="put_away", item_id=item_id, lot_id=lot_id, qty=left, done_qty=0,
                                             bin_id=_came_from(order, item_id, lot_id)))
    order.status, order.cancel_reason = "cancelled", reason.strip()[:200]
    order.cancelled_by, order.cancelled_at = actor.user_id, utcnow()
    db.session.flush()
    return order


def _in_bin(order: WorkOrder) -> list[tuple[int, int, int]]:
    db.session.flush()
    return [(i, lot, int(q)) for i, lot, q in db.session.execute(
        select(BinStock.item_id, BinStock.lot_id, BinStock.qty).where(BinStock.bin_id == order.bin_id,
                                                                       BinStock.qty > 0).order_by(BinStock.id))]


def _came_from(order: WorkOrder, item_id: int, lot_id: int) -> int | None:
    """The bin these units were picked from; else a shelf bin that holds the item already."""
    for step in order.steps:
        if step.kind == "pick" and step.item_id == item_id and step.lot_id == lot_id:
            return step.bin_id
    return _home_bin(item_id)


def _home_bin(item_id: int) -> int | None:
    return db.session.execute(
        select(Bin.id).join(BinStock, BinStock.bin_id == Bin.id)
        .where(BinStock.item_id == item_id, BinStock.qty > 0, Bin.kind.in_(SELLABLE), Bin.active.is_(True),
               Bin.blocked.is_(False)).order_by(Bin.code).limit(1)).scalar()


# --- on the handheld --------------------------------------------------------------------------------

def _locked(number: object) -> WorkOrder:
    order = db.session.execute(
        select(WorkOrder).where(WorkOrder.number == str(number or "").strip().upper()[:16])
        .with_for_update(of=WorkOrder).execution_options(populate_existing=True)).scalar_one_or_none() \
        if isinstance(number, str) else None
    if order is None:
        raise WmsError("not_found", what=f"work order {str(number)[:32]}")
    return order


def _state(order: WorkOrder, doing: str, doing_zh: str) -> WmsError:
    return WmsError("work_order_state", work_order=order.number, status=order.status, doing=doing,
                    doing_zh=doing_zh)


def find(number: object, actor: Actor) -> WorkOrder:
    actor.require(JOURNEY)
    return _locked(number)


def _open_picks(order: WorkOrder) -> list[WorkOrderStep]:
    return [s for s in order.steps if s.kind == "pick" and s.done_qty < s.qty]


def _bin_code(bin_id: int | None) -> str | None:
    return db.session.execute(select(Bin.code).where(Bin.id == bin_id)).scalar() if bin_id else None


def at_bin(number: object, target: Decoded | None, actor: Actor) -> WorkOrder:
    """The bin scan of a pick: it must hold units still to pick. Changes nothing (the unit scans that follow
    carry the bin's code)."""
    actor.require(JOURNEY)
    order = _locked(number)
    _pick_steps_at(order, target)
    return order


def _pick_steps_at(order: WorkOrder, target: Decoded | None) -> list[WorkOrderStep]:
    if order.status not in ("open", "picking"):
        raise _state(order, "pick", "拣货")
    picks = _open_picks(order)
    expected = _bin_code(picks[0].bin_id) if picks else "—"
    code = target.key if target is not None else ""
    here = [s for s in picks if target is not None and target.kind == "bin" and _bin_code(s.bin_id) == code]
    if not here:
        raise WmsError("work_order_wrong_bin", work_order=order.number, bin=code[:32] or "—", expected=expected)
    return here


def pick(number: object, bin_code: object, unit: Decoded | None, actor: Actor,
         scan_id: str | None = None) -> tuple[WorkOrder, dict]:
    """A unit picked from the bin just scanned (its code comes with the scan) into the work order's bin: it
    leaves the shelf together with its reservation."""
    actor.require(JOURNEY)
    order = _locked(number)
    if not isinstance(bin_code, str) or not bin_code.strip():
        raise WmsError("scan_work_order_bin_first",
                       expected=_bin_code(_open_picks(order)[0].bin_id) if _open_picks(order) else "—")
    here = _pick_steps_at(order, Decoded(kind="bin", text=bin_code, key=bin_code.strip().upper()))
    step, qty, sku = _step_for(order, here, unit, "pick", "拣")
    stock.take_reserved(Movement(step.bin_id, step.item_id, step.lot_id, -qty, "work_order"), order.bin_id, actor,
                        f"work order {order.number}", scan_id)
    step.done_qty += qty
    order.status = "picking" if _open_picks(order) else "making"
    db.session.flush()
    return order, {"sku": sku, "qty": qty, "bin": _bin_code(step.bin_id),
                   "lot": db.session.get(Lot, step.lot_id).code}


def _step_for(order: WorkOrder, steps: list[WorkOrderStep], unit: Decoded | None, doing: str,
              doing_zh: str) -> tuple[WorkOrderStep, int, str]:
    if unit is None or not unit.names_an_item:
        raise WmsError("unknown_barcode", code=unit.key if unit else "")
    item_id, sku, _, per_scan = find_item_pack(unit)
    mine = [s for s in steps if s.item_id == item_id and s.done_qty < s.qty]
    if unit.lot:  # a GS1 label names its lot: that lot's step first
        mine.sort(key=lambda s: db.session.get(Lot, s.lot_id).code != unit.lot)
    if not mine:
        raise WmsError("not_on_work_order", sku=sku, work_order=order.number, doing=doing, doing_zh=doing_zh)
    step = mine[0]
    if per_scan > step.qty - step.done_qty:
        raise WmsError("work_order_too_many", remaining=step.qty - step.done_qty, sku=sku, qty=per_scan,
                       doing=doing, doing_zh=doing_zh)
    return step, per_scan, sku


def make(number: object, code: Decoded | None, actor: Actor, scan_id: str | None = None) -> tuple[WorkOrder, dict]:
    """One kit made (assemble: components out of the work order's bin, one kit in) or taken apart (one kit
    out, its components in). A scanned code must be the kit's; none is a confirmation on the screen."""
    actor.require(JOURNEY)
    order = _locked(number)
    doing, doing_zh = DOING[order.kind]
    if order.status != "making":
        raise _state(order, doing, doing_zh)
    kit = db.session.get(Item, order.item_id)
    if code is not None:
        if not code.names_an_item or find_item_pack(code)[0] != kit.id:
            raise WmsError("work_order_wrong_kit", code=code.text[:64], kit=kit.sku, work_order=order.number)
    ref = f"work order {order.number}"
    label = None
    if order.kind == "assemble":
        for item_id, per in _per_kit(order):
            _take_from_bin(order, item_id, per, "assembly", actor, ref, scan_id)
        lot = _lot(kit.id, order.number, _earliest(order))
        stock.move(Movement(order.bin_id, kit.id, lot.id, 1, "assembly"), actor, ref, scan_id)
        label = _print_label(kit, lot, actor)
    else:
        used = _take_from_bin(order, kit.id, 1, "disassembly", actor, ref, scan_id)
        expiry = min((e for _, e in used if e is not None), default=None)
        for item, per in kits.components_of(kit):
            lot = _lot(item.id, order.number, expiry)
            stock.move(Movement(order.bin_id, item.id, lot.id, per, "disassembly"), actor, ref, scan_id)
    order.done_qty += 1
    if order.done_qty == order.qty:
        for item_id, lot_id, qty in _in_bin(order):
            order.steps.append(WorkOrderStep(kind="put_away", item_id=item_id, lot_id=lot_id, qty=qty, done_qty=0,
                                             bin_id=_home_bin(item_id)))
        order.status = "putting_away"
    db.session.flush()
    return order, {"sku": kit.sku, "made": order.done_qty, "label": label}


def _per_kit(order: WorkOrder) -> list[tuple[int, int]]:
    """(component, units per kit) as the work order picked them: a kit's definition changed since it was made
    does not change what is in its bin."""
    picked: dict[int, int] = {}
    for step in order.steps:
        if step.kind == "pick":
            picked[step.item_id] = picked.get(step.item_id, 0) + step.qty
    return [(item_id, qty // order.qty) for item_id, qty in picked.items()]


def _take_from_bin(order: WorkOrder, item_id: int, units: int, reason: str, actor: Actor, ref: str,
                   scan_id: str | None) -> list[tuple[int, date | None]]:
    """`units` of an item out of the work order's bin, oldest lot first: [(lot, its expiry)] taken."""
    taken = []
    for row, expiry in db.session.execute(
            select(BinStock, Lot.expiry).join(Lot, Lot.id == BinStock.lot_id)
            .where(BinStock.bin_id == order.bin_id, BinStock.item_id == item_id, BinStock.qty > 0)
            .order_by(BinStock.id).execution_options(populate_existing=True)).all():
        if units == 0:
            break
        take = min(units, row.qty)
        stock.move(Movement(order.bin_id, item_id, row.lot_id, -take, reason), actor, ref, scan_id)
        taken.append((row.lot_id, expiry))
        units -= take
    if units:  # the picks put every unit of N kits here: a missing one means the books were changed under us
        raise WmsError("negative_stock", available=0, qty=units, bin=order.number)
    return taken


def _earliest(order: WorkOrder) -> date | None:
    """The earliest expiry of the component lots picked for the work order (the kits' expiry), or None."""
    lots = [s.lot_id for s in order.steps if s.kind == "pick"]
    return db.session.execute(select(func.min(Lot.expiry)).where(Lot.id.in_(lots))).scalar() if lots else None


def _lot(item_id: int, code: str, expiry: date | None) -> Lot:
    lot = db.session.execute(select(Lot).where(Lot.item_id == item_id, Lot.code == code)).scalar_one_or_none()
    if lot is None:
        lot = Lot(item_id=item_id, code=code, received_on=local_time.today(), expiry=expiry, status="available")
        db.session.add(lot)
        db.session.flush()
    return lot


def _print_label(kit: Item, lot: Lot, actor: Actor) -> int | None:
    """One item label for the kit just made, on the first item-label printer; none set up: no label (the
    kit is made all the same)."""
    from printers import documents
    from server.services.printing import item_labels, print_jobs

    printers = item_labels.label_printers()
    if not printers:
        return None
    try:
        printer = print_jobs.find_printer(printers[0]["code"])
        zpl = documents.item_label(item_labels.label_data(kit, lot), print_jobs.profile(printer), copies=1)
        job = print_jobs.print_document(printer, "item_label", f"Item label {kit.sku} lot {lot.code} / 货品标签 "
                                        f"{kit.sku} 批号 {lot.code}", zpl, actor)
    except (WmsError, ValueError):
        return None
    return job.id


def _open_put_aways(order: WorkOrder) -> list[WorkOrderStep]:
    return [s for s in order.steps if s.kind == "put_away" and s.done_qty < s.qty]


def check_unit(number: object, unit: Decoded | None, actor: Actor) -> tuple[WorkOrder, dict]:
    """A unit taken out of the work order's bin to put away: on a put-away step with units left. Changes
    nothing (the bin scan that follows carries the unit's code)."""
    actor.require(JOURNEY)
    order = _locked(number)
    step, qty, sku = _put_away_step(order, unit)
    return order, {"sku": sku, "qty": qty, "lot": db.session.get(Lot, step.lot_id).code,
                   "suggested_bin": _bin_code(step.bin_id)}


def _put_away_step(order: WorkOrder, unit: Decoded | None) -> tuple[WorkOrderStep, int, str]:
    steps = _open_put_aways(order)
    if not steps or order.status not in ("putting_away", "cancelled"):
        raise _state(order, "put away", "上架")
    return _step_for(order, steps, unit, "put away", "上架")


def put_away(number: object, unit: Decoded | None, target: Decoded | None, actor: Actor,
             scan_id: str | None = None) -> tuple[WorkOrder, dict]:
    """The bin scan of a put-away: the unit (its code carried here) goes from the work order's bin onto this
    shelf bin (any open storage or pick-face bin; the suggested one is shown)."""
    actor.require(JOURNEY)
    order = _locked(number)
    step, qty, sku = _put_away_step(order, unit)
    bin_ = db.session.execute(select(Bin).where(Bin.code == target.key)).scalar_one_or_none() \
        if target is not None and target.kind == "bin" else None
    if bin_ is None or bin_.kind not in SELLABLE or not bin_.active or bin_.blocked:
        raise WmsError("work_order_bad_bin", bin=target.key[:32] if target else "—",
                       suggested=_bin_code(step.bin_id) or "—")
    ref = f"work order {order.number}"
    stock.move(Movement(order.bin_id, step.item_id, step.lot_id, -qty, "putaway"), actor, ref, scan_id)
    stock.move(Movement(bin_.id, step.item_id, step.lot_id, qty, "putaway"), actor, ref, scan_id)
    step.done_qty += qty
    if order.status == "putting_away" and not _open_put_aways(order):
        order.status, order.done_at = "done", utcnow()
    db.session.flush()
    return order, {"sku": sku, "qty": qty, "bin": bin_.code, "lot": db.session.get(Lot, step.lot_id).code}


# --- views ------------------------------------------------------------------------------------------

def next_step(order: WorkOrder) -> str:
    """What the handheld asks for next: scan_bin (pick), make, scan_unit (put away) or done."""
    if order.status in ("open", "picking"):
        return "scan_bin"
    if order.status == "making":
        return "make"
    return "scan_unit" if _open_put_aways(order) else "done"


def view(order: WorkOrder) -> dict:
    kit = db.session.get(Item, order.item_id)
    items = {i.id: i for i in db.session.execute(
        select(Item).where(Item.id.in_({s.item_id for s in order.steps} | {kit.id}))).unique().scalars()}
    lots = dict(db.session.execute(select(Lot.id, Lot.code).where(Lot.id.in_({s.lot_id for s in order.steps}))).all())
    bins = dict(db.session.execute(select(Bin.id, Bin.code).where(
        Bin.id.in_({s.bin_id for s in order.steps if s.bin_id}))).all())
    steps = []
    for s in order.steps:
        item = items[s.item_id]
        steps.append({"step": s.id, "kind": s.kind, "bin": bins.get(s.bin_id), "sku": item.sku,
                      "name": {"en": item.product.name_en, "zh": item.product.name_zh},
                      "variant": {"en": item.variant_en, "zh": item.variant_zh},
                      "lot": lots[s.lot_id], "qty": s.qty, "done": s.done_qty, "remaining": s.qty - s.done_qty})
    nxt = next_step(order)
    picks = [s for s in steps if s["kind"] == "pick" and s["remaining"]] if order.status in ("open", "picking") \
        else []
    return {"number": order.number, "kind": order.kind, "status": order.status, "sku": kit.sku,
            "name": {"en": kit.product.name_en, "zh": kit.product.name_zh}, "qty": order.qty,
            "done_qty": order.done_qty, "bin": order.number, "next": nxt,
            "components": [{"sku": item.sku, "per_kit": per} for item, per in kits.components_of(kit)],
            "current": picks[0] if picks else None,
            "to_pick": sum(s["remaining"] for s in steps if s["kind"] == "pick") if order.status != "cancelled"
            else 0,
            "to_put_away": sum(s["remaining"] for s in steps if s["kind"] == "put_away"),
            "steps": steps, "cancel_reason": order.cancel_reason,
            "created_at": order.created_at.isoformat() + "Z",
            "done_at": order.done_at.isoformat() + "Z" if order.done_at else None,
            "cancelled_at": order.cancelled_at.isoformat() + "Z" if order.cancelled_at else None}


def get(number: object) -> WorkOrder:
    order = db.session.execute(select(WorkOrder).where(
        WorkOrder.number == str(number or "").strip().upper()[:16])).scalar_one_or_none()
    if order is None:
        raise WmsError("not_found", what=f"work order {str(number)[:32]}")
    return order


def listed(status: str | None = None, limit: int = 200) -> list[WorkOrder]:
    """Work orders, newest first (of one status, or all). Reading needs no more than being logged in."""
    query = select(WorkOrder).order_by(WorkOrder.id.desc()).limit(limit)
    if status:
        query = query.where(WorkOrder.status == status)
    return list(db.session.execute(query).scalars())


def on_the_floor(limit: int = 200) -> list[WorkOrder]:
    """What the handheld lists, oldest first: work orders in progress, and cancelled ones with units still to
    put back."""
    waiting = select(WorkOrderStep.work_order_id).where(WorkOrderStep.kind == "put_away",
                                                        WorkOrderStep.done_qty < WorkOrderStep.qty)
    return list(db.session.execute(
        select(WorkOrder).where(WorkOrder.status.in_(ACTIVE) | ((WorkOrder.status == "cancelled")
                                                                & WorkOrder.id.in_(waiting)))
        .order_by(WorkOrder.id).limit(limit)).scalars())

