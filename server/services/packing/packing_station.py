"""Packing at a station: scan a tote (or the order number), scan every unit into the parcel — a wrong
item, an extra or a missing unit blocks the parcel — close it, and its shipping label and packing
list print. Units move tote → parcel in the ledger at the verifying scan; they leave at handover."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import func, select

from printers import documents
from server import local_time
from server.local_time import local_iso
from server.db.models import (Bin, BinStock, Device, Item, LedgerEntry, Lot, Parcel, PickTask, SalesOrder,
                              SalesOrderLine, Station, User, utcnow)
from server.domain import roles
from server.domain.barcodes import Decoded, decode
from server.domain.errors import WmsError, Words
from server.domain.stock import Movement
from server.extensions import db
from server.services.printing import print_jobs
from server.services.inventory import stock
from server.services.packing import handover
from server.services.orders import put_back
from server.services.packing import scales
from server.services.packing.parcels import carrier_for, exchange_notice_number, parcel_units, settings, tracking_number
from server.services.people.auth import Actor, actor_for_user
from server.services.catalogue.items import find_item

PARCEL_ZONE = "P"


# --- stations ---------------------------------------------------------------------------------

def find_station(code: object) -> Station:
    # Locked for the transaction (PostgreSQL; SQLite serialises writers anyway): two scans at one
    # station — the page and its fixed scanner — never both pack the last unit of a line.
    station = db.session.execute(select(Station).where(Station.code == str(code).upper())
                                 .with_for_update()).scalar_one_or_none() if isinstance(code, str) else None
    if station is None:
        raise WmsError("station_not_found", station=code)
    return station


def station_of_device(device_id: int | None, lock: bool = False) -> Station | None:
    if device_id is None:
        return None
    query = select(Station).where(Station.scanner_device_id == device_id)
    return db.session.execute(query.with_for_update() if lock else query).scalar_one_or_none()


def stations_printing_on(printer_id: int) -> list[str]:
    return list(db.session.execute(select(Station.code).where(Station.printer_id == printer_id)).scalars())


def sign_in(code: str, actor: Actor) -> Station:
    """The packer takes the station: its fixed scanner's scans are now the packer's."""
    actor.require("journey.pack")
    _person(actor)
    station = find_station(code)
    station.packer_id, station.signed_in_at = actor.user_id, utcnow()
    db.session.commit()
    return station


def sign_out(code: str, actor: Actor) -> Station:
    actor.require("journey.pack")
    _person(actor)
    station = find_station(code)
    if station.packer_id == actor.user_id or (actor.role and roles.can(actor.role, "floor.supervise")):
        station.packer_id = station.signed_in_at = None
        db.session.commit()
    return station


def _person(actor: Actor) -> None:
    """Signing in or out is a person's act: a device token alone (a scanner bridge) may not."""
    if actor.user_id is None:
        raise WmsError("forbidden", role=actor.device_kind or "device")


def station_actor(station: Station, device: Actor) -> Actor:
    """Who a fixed scanner's scan is by: the packer signed in at its station, on the scanner device."""
    if station.packer_id is None:
        raise WmsError("station_not_manned", station=station.code)
    packer = actor_for_user(station.packer_id)
    if packer is None:
        raise WmsError("station_not_manned", station=station.code)
    packer = Actor(packer.user_id, packer.username, packer.name, packer.role,
                   device.device_id, device.device_code, device.device_kind)
    packer.require("journey.pack")
    return packer


# --- what an order needs packed ---------------------------------------------------------------

@dataclass(frozen=True)
class LineState:
    item_id: int
    ordered: int
    picked: int
    packed: int

    @property
    def remaining(self) -> int:
        return self.picked - self.packed


def parcels_of(order: SalesOrder) -> list[Parcel]:
    return list(db.session.execute(select(Parcel).where(Parcel.order_id == order.id).order_by(Parcel.seq)).scalars())


def open_parcel(order: SalesOrder) -> Parcel | None:
    return next((p for p in parcels_of(order) if p.status == "open"), None)


def packed_units(order: SalesOrder) -> Counter:
    """Units that went into the order's parcels, by item (from the ledger: what arrived in them)."""
    bins = [p.bin_id for p in parcels_of(order)]
    if not bins:
        return Counter()
    rows = db.session.execute(select(LedgerEntry.item_id, func.sum(LedgerEntry.qty)).where(
        LedgerEntry.bin_id.in_(bins), LedgerEntry.reason == "pack").group_by(LedgerEntry.item_id))
    return Counter({item: int(qty) for item, qty in rows})


def line_states(order: SalesOrder) -> list[LineState]:
    ordered = Counter()
    for line in order.lines:
        if line.status == "open" and line.item_id and line.kind != "kit":  # a kit is packed as its parts
            ordered[line.item_id] += line.qty
    picked = Counter({item: int(qty) for item, qty in db.session.execute(
        select(PickTask.item_id, func.sum(PickTask.picked_qty)).where(PickTask.order_id == order.id)
        .group_by(PickTask.item_id))})
    packed = packed_units(order)
    return [LineState(item, ordered[item], picked[item], packed[item]) for item in ordered]


@dataclass(frozen=True)
class KitState:
    line: SalesOrderLine  # the shop's kit line
    complete: int  # whole kits packed
    parts: list[tuple[SalesOrderLine, int]]  # each part line with its units packed


def _assign(order: SalesOrder, batches: list[Counter]) -> tuple[Counter, dict[int, int]]:
    """Which lines the last batch of packed units (by item) fills, the earlier batches having filled theirs:
    an item's units count first toward the plain lines, then toward the kits' parts in line order (an item
    may be both). Returns (units on plain lines by item, units by part line id)."""
    lines = [ln for ln in order.lines if ln.status == "open" and ln.item_id]
    plain_need = Counter()
    for line in lines:
        if line.kind == "item":
            plain_need[line.item_id] += line.qty
    part_need = {ln.id: ln.qty for ln in _parts_in_kit_order(lines)}
    in_kit_order = _parts_in_kit_order(lines)
    plain, parts = Counter(), {}
    for units in batches:
        plain, parts = Counter(), {}
        for item_id, qty in units.items():
            take = min(qty, plain_need[item_id])
            plain[item_id] += take
            plain_need[item_id] -= take
            qty -= take
            for part in (p for p in in_kit_order if p.item_id == item_id):
                take = min(qty, part_need[part.id])
                parts[part.id] = parts.get(part.id, 0) + take
                part_need[part.id] -= take
                qty -= take
            plain[item_id] += qty  # more than the order asks for: shown as it is
    return plain, parts


def _parts_in_kit_order(lines: list[SalesOrderLine]) -> list[SalesOrderLine]:
    kits = [ln.id for ln in lines if ln.kind == "kit"]
    return sorted((ln for ln in lines if ln.kind == "part"), key=lambda ln: (kits.index(ln.kit_line_id)
                                                                            if ln.kit_line_id in kits else 0,
                                                                            ln.line_no))


def kit_states(order: SalesOrder, batches: list[Counter]) -> list[KitState]:
    """Each open kit line with its parts' units in the last batch (see _assign). Whole kits: the ready-made
    kits packed, plus the fewest kits any component makes."""
    _, taken = _assign(order, batches)
    lines = [ln for ln in order.lines if ln.status == "open"]
    states = []
    for kit in (ln for ln in lines if ln.kind == "kit"):
        parts = [(p, taken.get(p.id, 0)) for p in lines if p.kind == "part" and p.kit_line_id == kit.id]
        ready = sum(done for p, done in parts if p.item_id == kit.item_id)
        built = kit.qty - sum(p.qty for p, _ in parts if p.item_id == kit.item_id)
        components = [(p, done) for p, done in parts if p.item_id != kit.item_id]
        made = min((done * built // p.qty for p, done in components), default=0) if built > 0 else 0
        states.append(KitState(kit, ready + made, parts))
    return states


def kit_text(state: KitState) -> str:
    """HZK01 1/1 · SHAMPOO 1/1 · SOCKS 0/2: the kit's whole kits packed, then each part's units."""
    kit = state.line
    return " · ".join([f"{kit.item.sku} {state.complete}/{kit.qty}"] + [
        f"{part.item.sku}{' (ready-made 成品)' if part.item_id == kit.item_id else ''} {done}/{part.qty}"
        for part, done in state.parts])


def _sources(order: SalesOrder, item_id: int) -> list[BinStock]:
    """Where the order's picked units of an item wait: its totes (or a hold bin after a hold)."""
    bins = db.session.execute(select(PickTask.tote_bin_id).where(
        PickTask.order_id == order.id, PickTask.item_id == item_id, PickTask.picked_qty > 0).distinct()).scalars()
    return list(db.session.execute(select(BinStock).where(
        BinStock.bin_id.in_([b for b in bins if b]), BinStock.item_id == item_id,
        BinStock.qty > BinStock.reserved_qty).order_by(BinStock.id)).scalars())


# --- the packing journey ----------------------------------------------------------------------

def _not_held(order: SalesOrder) -> None:
    if order.status == "on_hold":
        raise WmsError("order_on_hold", order=order.number, reason=order.hold_reason)


def _order_in_tote(tote: Bin) -> SalesOrder:
    orders = db.session.execute(select(SalesOrder).join(PickTask, PickTask.order_id == SalesOrder.id).where(
        PickTask.tote_bin_id == tote.id, PickTask.picked_qty > 0).order_by(PickTask.id.desc())).scalars().unique()
    for order in orders:
        if order.status == "cancelled":
            if put_back.waits_in(order.id, tote.id):
                return order  # refused by start_order, by name: its units go back to the shelves
            continue
        if order.status == "on_hold" or any(s.remaining > 0 for s in line_states(order)):
            return order
    raise WmsError("tote_empty", tote=tote.code)


def _order_by_number(raw: str) -> SalesOrder | None:
    return db.session.execute(select(SalesOrder).where(SalesOrder.number == raw.strip())
                              .order_by(SalesOrder.id.desc())).scalars().first()


def _locked(order: SalesOrder) -> SalesOrder:
    """The order row locked for the scan's transaction (PostgreSQL; SQLite serialises writers anyway):
    two stations scanning one order take turns, so the second sees where the first bound it, and every
    packing step of an order reads its packed units after the last step's commit."""
    return db.session.execute(select(SalesOrder).where(SalesOrder.id == order.id).with_for_update(of=SalesOrder)
                              .execution_options(populate_existing=True)).scalar_one()


def start_order(station: Station, order: SalesOrder, actor: Actor) -> None:
    """The order's lines come up at the station; its first parcel (or the one left open) takes units."""
    order = _locked(order)
    _not_held(order)
    if order.status == "cancelled":
        raise WmsError("order_cancelled", order=order.number)
    if station.order_id is not None and station.order_id != order.id:
        busy = db.session.get(SalesOrder, station.order_id)
        raise WmsError("station_busy", station=station.code, order=busy.number)
    elsewhere = db.session.execute(select(Station.code).where(Station.order_id == order.id,
                                                              Station.id != station.id)).scalar()
    if elsewhere:
        raise WmsError("order_at_station", order=order.number, station=elsewhere)
    if order.status != "picked":
        raise WmsError("bad_order_state", order=order.number, status=order.status, expected="picked")
    station.order_id = order.id
    if open_parcel(order) is None:
        _new_parcel(order, station, 1)


def _new_parcel(order: SalesOrder, station: Station, of_parcels: int) -> Parcel:
    seq = len(parcels_of(order)) + 1
    box = Bin(code=f"PCL-{order.id}-{seq}", zone=PARCEL_ZONE, aisle="", bay="", level="", x=0.0, y=0.0,
              kind="parcel")
    db.session.add(box)
    db.session.flush()
    parcel = Parcel(order_id=order.id, seq=seq, of_parcels=max(of_parcels, seq), bin_id=box.id,
                    station_id=station.id, status="open", carrier=carrier_for(order)["code"])
    db.session.add(parcel)
    db.session.flush()
    return parcel


def current_order(station: Station) -> SalesOrder:
    if station.order_id is None:
        raise WmsError("not_packing", station=station.code)
    order = _locked(db.session.get(SalesOrder, station.order_id))
    _not_held(order)
    return order


def scan(station: Station, raw: str, actor: Actor, scan_id: str | None = None) -> dict:
    """One scan at the station: a tote or order number opens an order, a unit goes into the parcel,
    a finished parcel's label (with no order open) goes onto its carrier's handover manifest."""

    decoded = _decode(raw)
    if station.order_id is None:
        if decoded is not None and decoded.kind == "tote":
            tote = db.session.execute(select(Bin).where(Bin.code == decoded.key)).scalar_one_or_none()
            if tote is None:
                raise WmsError("tote_empty", tote=decoded.key)
            start_order(station, _order_in_tote(tote), actor)
            return {"kind": "tote", "next": "scan_unit"}
        if (order := _order_by_number(raw)) is not None:
            start_order(station, order, actor)
            return {"kind": "order", "next": "scan_unit"}
        if (parcel := handover.closed_parcel(raw)) is not None:
            handover.add_parcel(parcel, actor)
            return {"kind": "parcel", "next": "scan_parcel"}
        raise WmsError("scan_tote_or_order")
    order = current_order(station)
    if decoded is None or not decoded.names_an_item:
        if decoded is not None and decoded.kind == "tote":
            return {"kind": "tote", "next": "scan_unit"}  # another tote of the same order: nothing to do
        raise WmsError("unknown_barcode", code=raw.strip()[:64])
    pack_unit(station, order, decoded, actor, scan_id)
    return {"kind": "item", "next": "close_parcel" if all(s.remaining == 0 for s in line_states(order))
            else "scan_unit"}


def _decode(raw: str) -> Decoded | None:
    """The code as a barcode, or None for a text only an order number can be (18-digit marketplace
    order numbers fail the SSCC check digit, and that is no reason to refuse them here)."""
    try:
        return decode(raw, current_app.extensions["wms_decoder_rules"])
    except WmsError as error:
        if error.code in ("bad_check_digit", "malformed_gs1"):
            return None
        raise


def pack_unit(station: Station, order: SalesOrder, decoded: Decoded, actor: Actor, scan_id: str | None) -> None:
    """One scanned unit into the open parcel: it must be in the order and not yet all packed."""
    item = find_item(decoded)
    state = next((s for s in line_states(order) if s.item_id == item.id), None)
    if state is None:
        raise WmsError("not_in_order", sku=item.sku, order=order.number)
    if state.remaining <= 0:
        raise WmsError("extra_unit", sku=item.sku, order=order.number, expected=state.picked)
    sources = _sources(order, item.id)
    if decoded.lot:  # a GS1 label names its lot: take that one when the tote holds it
        sources.sort(key=lambda s: db.session.get(Lot, s.lot_id).code != decoded.lot)
    if not sources:
        raise WmsError("extra_unit", sku=item.sku, order=order.number, expected=state.picked)
    source, parcel = sources[0], open_parcel(order)
    ref = f"pack {order.number} parcel {parcel.seq}"
    stock.move(Movement(source.bin_id, item.id, source.lot_id, -1, "pack"), actor, ref, scan_id)
    stock.move(Movement(parcel.bin_id, item.id, source.lot_id, 1, "pack"), actor, ref, scan_id)


def close_parcel(station: Station, actor: Actor, of_parcels: object = None, weight_g: object = None,
                 packaging: object = None, override_reason: str | None = None) -> Parcel:
    """Seal the open parcel: a tracking number, the shipping label and packing list print. With
    `of_parcels` above this parcel's number the order goes on in a new parcel; the last parcel closes
    only when every unit is in (a missing unit blocks it). At a station with a scale the scale's stable
    weight is the parcel's and must be within the tolerance of its units + packaging (`weight_mismatch`),
    unless a supervisor overrides with `override_reason` (docs/packing.md, "Weighing")."""
    order = current_order(station)
    parcel = open_parcel(order)
    of_parcels = parcel.of_parcels if of_parcels in (None, "") else _whole(of_parcels, "of_parcels")
    weight = None if weight_g in (None, "") else _whole(weight_g, "weight_g")
    units = parcel_units(parcel)
    if not units:
        raise WmsError("parcel_empty")
    last = of_parcels <= parcel.seq
    missing = [s for s in line_states(order) if s.remaining > 0]
    if last and missing:
        raise WmsError("units_missing", order=order.number, lines=", ".join(
            f"{db.session.get(Item, s.item_id).sku} × {s.remaining}" for s in missing))
    if not last and not missing:
        last = True  # everything is in: this parcel is the last, whatever was planned
    box = scales.packaging(station, packaging)
    expected = scales.expected_weight(units, box)
    weight = _weighed(station, expected, weight, override_reason)
    parcel.of_parcels = parcel.seq if last else of_parcels
    for earlier in parcels_of(order):
        earlier.of_parcels = parcel.of_parcels
    packer = station.packer_id if override_reason and station.packer_id else actor.user_id
    parcel.status, parcel.closed_at, parcel.packed_by, parcel.weight_g = "closed", utcnow(), packer, weight
    parcel.packaging, parcel.expected_weight_g = (box["code"] if box else None), expected.grams
    if override_reason:
        parcel.weight_override_reason, parcel.weight_override_by = override_reason, actor.user_id
    parcel.tracking = tracking_number(carrier_for(order), parcel.id)
    _print_parcel(station, order, parcel, actor)
    if last:
        order.status = "packed"
        station.order_id = None
    else:
        _new_parcel(order, station, of_parcels)
    return parcel


def _weighed(station: Station, expected: scales.Expected, typed: int | None, override_reason: str | None) -> int | None:
    """The parcel's weight. A station with a scale takes the scale's, once it is stable, and checks it;
    without one, the weight typed in (if any) is the parcel's, unchecked. A unit without a weight in the
    item master cannot be checked: the parcel closes with the weight read and the station says which
    SKUs lack one (a refusal the packer cannot cure would only stop the line)."""
    reading = scales.latest(station.code)
    if reading is None:
        return typed
    if not reading.stable:
        raise WmsError("scale_unstable", weight=reading.grams)
    if expected.grams is None:
        return reading.grams
    ok, allowed = scales.within(reading.grams, expected.grams)
    if not ok and not override_reason:
        raise WmsError("weight_mismatch", weight=reading.grams, expected=expected.grams,
                       difference=f"{reading.grams - expected.grams:+d}", allowed=allowed)
    return reading.grams


def override_weight(code: str, actor: Actor, body: dict) -> tuple[Station, Parcel]:
    """A supervisor closes the station's open parcel although its weight is off, with a written reason
    (kept on the parcel, so the audit trail records who, when and why)."""
    actor.require("floor.supervise")
    reason = body.get("reason")
    if not isinstance(reason, str) or len(reason.strip()) < 5:
        raise WmsError("override_reason_missing")
    station = find_station(code)
    parcel = close_parcel(station, actor, body.get("of_parcels"), None, body.get("packaging"), reason.strip()[:500])
    return station, parcel


def set_aside(station: Station, actor: Actor) -> SalesOrder:
    """The station lets go of its order (a hold, a problem): what is packed stays in its parcel, the
    rest in the tote; scanning the tote or order again goes on where it stopped."""
    actor.require("journey.pack")
    if station.order_id is None:
        raise WmsError("not_packing", station=station.code)
    order = db.session.get(SalesOrder, station.order_id)
    station.order_id = None
    return order


def _whole(value: object, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise WmsError("bad_request", detail=Words(f"{name} must be a whole number above zero",
                                                   f"{name} 必须是大于零的整数"))
    return value


# --- carriers and documents -------------------------------------------------------------------

def _lines_of(units: Counter, keep_zero: bool = False) -> list[dict]:
    lines = []
    for item_id, qty in sorted(units.items(), key=lambda kv: db.session.get(Item, kv[0]).sku):
        if qty <= 0 and not keep_zero:
            continue
        item = db.session.get(Item, item_id)
        lines.append({"sku": item.sku, "name": {"en": item.product.name_en, "zh": item.product.name_zh},
                      "variant": {"en": item.variant_en, "zh": item.variant_zh}, "qty": qty})
    return lines


def shipping_document(order: SalesOrder, parcel: Parcel) -> dict:
    carrier, pack = carrier_for(order), settings()
    return {"order": order.number, "channel": order.channel,
            "carrier": {k: carrier[k] for k in ("code", "name_en", "name_zh")},
            "service": {"en": carrier["service_en"], "zh": carrier["service_zh"]},
            "tracking": parcel.tracking,
            "recipient": {"name": order.customer_name, "phone": order.phone, "address": order.address},
            "sender": {"name": pack["sender_name"], "phone": pack["sender_phone"], "address": pack["sender_address"]},
            "parcel_no": parcel.seq, "parcels": parcel.of_parcels, "weight_g": parcel.weight_g,
            "packed_at": local_iso(parcel.closed_at), "items": sum(parcel_units(parcel).values())}


def packing_list_document(order: SalesOrder, parcel: Parcel) -> dict:
    packer = db.session.get(User, parcel.packed_by) if parcel.packed_by else None
    return {"order": order.number, "channel": order.channel, "customer": order.customer_name,
            "parcel_no": parcel.seq, "parcels": parcel.of_parcels, "packed_by": packer.name if packer else "",
            "packed_at": local_iso(parcel.closed_at), "lines": _packing_list_lines(order, parcel),
            "note": order.buyer_note}


def _packing_list_lines(order: SalesOrder, parcel: Parcel) -> list[dict]:
    """The parcel's units as the shop sold them: plain items, then each kit (SKU, name, whole kits) with its
    components beneath it (`part`, their units in this parcel). Kit rows (`kit`) add nothing to the total."""
    batches = [parcel_units(p) for p in parcels_of(order) if p.seq <= parcel.seq]
    plain, _ = _assign(order, batches)
    lines = _lines_of(+plain)
    for state in kit_states(order, batches):
        if not any(done for _, done in state.parts):
            continue
        lines.append(_lines_of(Counter({state.line.item_id: state.complete or 0}), keep_zero=True)[0] | {"kit": True})
        lines += [_lines_of(Counter({part.item_id: done}))[0] | {"part": True} for part, done in state.parts if done]
    return lines


def exchange_document(order: SalesOrder) -> dict:
    return {"notice": exchange_notice_number(order), "order": order.number, "original_order": order.exchange_of or "",
            "customer": order.customer_name, "reason": order.exchange_reason or "换货 Exchange",
            "lines": _lines_of(packed_units(order))}


def _print_parcel(station: Station, order: SalesOrder, parcel: Parcel, actor: Actor) -> None:
    printer = db.session.get(print_jobs.Printer, station.printer_id) if station.printer_id else None
    if printer is None:
        raise WmsError("printer_not_found", printer=f"(station {station.code})")
    profile = print_jobs.profile(printer)
    of = f"{parcel.seq}/{parcel.of_parcels}"
    print_jobs.print_document(printer, "shipping_label",
                              f"Shipping label {parcel.tracking} ({of}) order {order.number}",
                              documents.shipping_label(shipping_document(order, parcel), profile), actor,
                              parcel_id=parcel.id)
    print_jobs.print_document(printer, "packing_list", f"Packing list 发货清单 {order.number} ({of})",
                              documents.packing_list(packing_list_document(order, parcel), profile), actor,
                              parcel_id=parcel.id)
    if order.kind == "exchange" and parcel.seq == parcel.of_parcels:
        print_jobs.print_document(printer, "exchange_notice", f"Exchange notice 换货单 {exchange_notice_number(order)}",
                                  documents.exchange_notice(exchange_document(order), profile), actor,
                                  parcel_id=parcel.id)


# --- views ------------------------------------------------------------------------------------

def parcel_view(parcel: Parcel) -> dict:
    unknown = (scales.expected_weight(parcel_units(parcel), None).unknown_skus
               if parcel.packaging and parcel.expected_weight_g is None else [])
    return {"weight_unknown": unknown,  # SKUs without a weight in the item master: the weight went unchecked
            "id": parcel.id, "seq": parcel.seq, "of": parcel.of_parcels, "status": parcel.status,
            "tracking": parcel.tracking, "carrier": parcel.carrier, "weight_g": parcel.weight_g,
            "units": sum(parcel_units(parcel).values()), "manifest": parcel.manifest_id,
            "packaging": parcel.packaging, "expected_weight_g": parcel.expected_weight_g,
            "weight_override": parcel.weight_override_reason}


def station_view(station: Station) -> dict:
    packer = db.session.get(User, station.packer_id) if station.packer_id else None
    printer = db.session.get(print_jobs.Printer, station.printer_id) if station.printer_id else None
    scanner = db.session.get(Device, station.scanner_device_id) if station.scanner_device_id else None
    view = {"station": {"code": station.code, "name": station.name, "printer": printer.code if printer else None,
                        "packer": {"username": packer.username, "name": packer.name} if packer else None,
                        "scanner": scanner.code if scanner else None,
                        "time_zone": local_time.zone_name(),  # the page shows times on the warehouse's clock
                        "scale": scales.live_view(station.code),
                        "packaging": [{k: p[k] for k in ("code", "name_en", "name_zh", "tare_g")}
                                      for p in scales.packaging_types()],
                        "default_packaging": (scales.packaging(station) or {}).get("code")},
            "order": None, "lines": [], "kits": [], "parcels": [], "complete": False,
            "print_jobs": [print_jobs.job_view(j) for j in print_jobs.recent_jobs(5, printer.code)] if printer else []}
    if station.order_id is None:
        return view
    order = db.session.get(SalesOrder, station.order_id)
    states = line_states(order)
    open_box = open_parcel(order)
    in_box = parcel_units(open_box) if open_box else Counter()
    lines = []
    for state in states:
        item = db.session.get(Item, state.item_id)
        lines.append({"sku": item.sku, "name": {"en": item.product.name_en, "zh": item.product.name_zh},
                      "variant": {"en": item.variant_en, "zh": item.variant_zh}, "ordered": state.ordered,
                      "picked": state.picked, "packed": state.packed, "remaining": state.remaining,
                      "in_parcel": in_box[state.item_id]})
    kits = [_kit_view(state) for state in kit_states(order, [packed_units(order)])]
    return view | {"kits": kits, "order": {"number": order.number, "channel": order.channel, "status": order.status,
                             "kind": order.kind, "customer": order.customer_name, "carrier": carrier_for(order)["code"],
                             "on_hold": order.status == "on_hold", "hold_reason": order.hold_reason},
                   "lines": lines, "parcels": [parcel_view(p) for p in parcels_of(order)],
                   "open_parcel": open_box.seq if open_box else None,
                   "complete": all(s.remaining == 0 for s in states)}


def _kit_view(state: KitState) -> dict:
    kit = state.line

    def named(item: Item) -> dict:
        return {"sku": item.sku, "name": {"en": item.product.name_en, "zh": item.product.name_zh},
                "variant": {"en": item.variant_en, "zh": item.variant_zh}}

    return named(kit.item) | {"line_no": kit.line_no, "ordered": kit.qty, "complete": state.complete,
                              "text": kit_text(state),
                              "parts": [named(part.item) | {"needed": part.qty, "packed": done,
                                                            "ready_made": part.item_id == kit.item_id}
                                        for part, done in state.parts]}


def override_ack(station: Station, parcel: Parcel) -> dict:
    """A supervisor's close as the station's page takes any close: an ack, echoed to the station's room."""
    return {"ok": True, "scan_id": f"override-{parcel.id}", "kind": "parcel", "sound": "ok",
            "next": "scan_tote_or_order" if station.order_id is None else "scan_unit",
            "result": station_view(station) | {"closed": parcel_view(parcel)}}


def weighing_view(station: Station) -> dict:
    """What a supervisor needs to judge a weight override: the open parcel, what it should weigh with the
    station's packaging, and what the scale reads now."""
    order = db.session.get(SalesOrder, station.order_id) if station.order_id else None
    parcel = open_parcel(order) if order else None
    view = {"station": station.code, "name": station.name, "scale": scales.live_view(station.code),
            "order": order.number if order else None, "parcel": None}
    if parcel is None:
        return view
    box = scales.packaging(station)
    units = parcel_units(parcel)
    expected = scales.expected_weight(units, box)
    reading = view["scale"]
    within, allowed = (scales.within(reading["grams"], expected.grams)
                       if reading and reading["stable"] and expected.grams is not None else (None, None))
    return view | {"parcel": {"seq": parcel.seq, "units": sum(units.values()), "lines": _lines_of(units),
                              "packaging": box, "expected_g": expected.grams, "unknown_skus": expected.unknown_skus,
                              "within": within, "allowed_g": allowed}}


def list_stations() -> list[Station]:
    return list(db.session.execute(select(Station).order_by(Station.code)).scalars())
