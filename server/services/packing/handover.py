"""Handover (交接) to a carrier: closed parcels are scanned onto the carrier's manifest; the driver and
then the packer confirm, and only then is the shipment final — the parcels' units leave the ledger
(parcel → shipped) and their orders are shipped."""
from __future__ import annotations

from collections import defaultdict

from sqlalchemy import select

from server.db.models import BinStock, Manifest, Parcel, PrintJob, SalesOrder, User, utcnow
from server.domain.errors import WmsError, Words
from server.domain.stock import Movement
from server.extensions import db
from server.services import transaction
from server.services.inventory import stock
from server.services.packing.parcels import carrier_for, exchange_notice_number, parcel_units
from server.services.people.auth import Actor


def closed_parcel(raw: str) -> Parcel | None:
    """The parcel whose shipping label this is (its tracking number), if it is one of ours."""
    tracking = raw.strip().upper()
    if not tracking or len(tracking) > 40:
        return None
    return db.session.execute(select(Parcel).where(Parcel.tracking == tracking)).scalar_one_or_none()


def find_parcel(raw: str) -> Parcel:
    parcel = closed_parcel(raw)
    if parcel is None:
        raise WmsError("unknown_parcel", tracking=raw.strip()[:40])
    return parcel


def find_manifest(manifest_id: object) -> Manifest:
    # Locked (PostgreSQL): two confirmations of one manifest never both ship its parcels, and no parcel is
    # added to it while it is confirmed (it would be on a shipped manifest, its units never shipped).
    manifest = db.session.get(Manifest, manifest_id, with_for_update=True, populate_existing=True) \
        if isinstance(manifest_id, int) else None
    if manifest is None:
        raise WmsError("not_found", what=f"manifest {manifest_id}")
    return manifest


def open_manifest(carrier: str, actor: Actor) -> Manifest:
    """Today's open manifest of a carrier, started by the first parcel scanned for it."""
    # One open manifest per carrier (a unique index): another station (process) may start it at the same
    # moment; then that one is the manifest.
    return transaction.found_or_added(lambda: _open_manifest_of(carrier),
                                      lambda: Manifest(carrier=carrier, status="open", created_by=actor.user_id))


def _open_manifest_of(carrier: str) -> Manifest | None:
    return db.session.execute(select(Manifest).where(Manifest.carrier == carrier, Manifest.status == "open")
                              .order_by(Manifest.id)).scalars().first()


def add_parcel(parcel: Parcel, actor: Actor, manifest: Manifest | None = None) -> Manifest:
    actor.require("journey.pack")
    # The parcel row locked: scanned onto manifests on two devices at once, it goes onto one.
    parcel = db.session.execute(select(Parcel).where(Parcel.id == parcel.id).with_for_update(of=Parcel)
                                .execution_options(populate_existing=True)).scalar_one()
    order = db.session.get(SalesOrder, parcel.order_id)
    if order.status == "on_hold":
        raise WmsError("order_on_hold", order=order.number, reason=order.hold_reason)
    if parcel.status == "voided":
        raise WmsError("parcel_voided", tracking=parcel.tracking or parcel.id, order=order.number)
    if parcel.status != "closed":
        raise WmsError("parcel_not_ready", tracking=parcel.tracking or parcel.id, status=parcel.status)
    if parcel.manifest_id is not None:
        raise WmsError("parcel_on_manifest", tracking=parcel.tracking, manifest=parcel.manifest_id)
    manifest = find_manifest((manifest or open_manifest(parcel.carrier, actor)).id)  # locked: see find_manifest
    if manifest.status != "open":
        raise WmsError("manifest_closed", manifest=manifest.id)
    if manifest.carrier != parcel.carrier:
        raise WmsError("wrong_carrier", tracking=parcel.tracking, carrier=parcel.carrier, expected=manifest.carrier)
    parcel.manifest_id = manifest.id
    return manifest


def remove_parcel(parcel: Parcel, actor: Actor) -> Manifest:
    """Take a parcel off an open manifest (scanned onto the wrong truck, held back)."""
    actor.require("journey.pack")
    manifest = find_manifest(parcel.manifest_id)
    if manifest.status != "open":
        raise WmsError("manifest_closed", manifest=manifest.id)
    parcel.manifest_id = None
    return manifest


def driver_confirms(manifest: Manifest, driver_name: object, driver_phone: object, vehicle: object,
                    actor: Actor) -> Manifest:
    """The carrier's driver counts the parcels and confirms, by name, on the station's screen."""
    actor.require("journey.pack")
    _still_open(manifest)
    if not isinstance(driver_name, str) or not driver_name.strip():
        raise WmsError("bad_request", detail=Words("the driver's name is required", "须填写司机姓名"))
    if not parcels_on(manifest):
        raise WmsError("manifest_empty", manifest=manifest.id)
    manifest.driver_name = driver_name.strip()[:64]
    manifest.driver_phone = str(driver_phone or "").strip()[:32] or None
    manifest.vehicle = str(vehicle or "").strip()[:32] or None
    manifest.driver_confirmed_at = utcnow()
    return manifest


def packer_confirms(manifest: Manifest, actor: Actor) -> Manifest:
    """The packer's confirmation makes the shipment final: every parcel's units leave the ledger and
    their orders are shipped. An order ships whole: all its parcels must be on this manifest."""
    actor.require("journey.pack")
    _still_open(manifest)
    parcels = parcels_on(manifest)
    if not parcels:
        raise WmsError("manifest_empty", manifest=manifest.id)
    if manifest.driver_confirmed_at is None:
        raise WmsError("driver_confirm_first")
    by_order: dict[int, list[Parcel]] = defaultdict(list)
    for parcel in parcels:
        by_order[parcel.order_id].append(parcel)
    for order_id, here in by_order.items():
        order = db.session.get(SalesOrder, order_id)
        if order.status == "on_hold":
            raise WmsError("order_on_hold", order=order.number, reason=order.hold_reason)
        others = [p for p in db.session.execute(select(Parcel).where(Parcel.order_id == order_id)).scalars()
                  if p.manifest_id != manifest.id]
        if others or order.status != "packed":
            missing = others or [p for p in here if p.seq < p.of_parcels]
            raise WmsError("parcels_missing", order=order.number, missing=len(missing) or 1,
                           trackings=", ".join(p.tracking or f"#{p.seq} (open)" for p in missing) or "-")
        _exchange_notice_printed(order)
    for parcel in parcels:
        _ship(parcel, actor, manifest)
    for order_id in by_order:
        db.session.get(SalesOrder, order_id).status = "shipped"
    manifest.packer_id, manifest.packer_confirmed_at = actor.user_id, utcnow()
    manifest.status, manifest.closed_at = "shipped", utcnow()
    return manifest


def _exchange_notice_printed(order: SalesOrder) -> None:
    """An exchange (换货) ships only against the exchange notice the system printed (shipping rule 6):
    a notice job still queued, waiting for paper or failed is no notice in the parcel."""
    if order.kind != "exchange":
        return

    notice = exchange_notice_number(order)
    printed = db.session.execute(select(PrintJob.id).where(
        PrintJob.kind == "exchange_notice", PrintJob.status == "printed", PrintJob.title.contains(notice))).first()
    if printed is None:
        raise WmsError("exchange_notice_not_printed", order=order.number, notice=notice)


def _ship(parcel: Parcel, actor: Actor, manifest: Manifest) -> None:
    for place in db.session.execute(select(BinStock).where(BinStock.bin_id == parcel.bin_id,
                                                            BinStock.qty > 0)).scalars().all():
        stock.move(Movement(parcel.bin_id, place.item_id, place.lot_id, -place.qty, "ship"), actor,
                   f"manifest {manifest.id} {parcel.tracking}")
    parcel.status = "shipped"


def _still_open(manifest: Manifest) -> None:
    if manifest.status != "open":
        raise WmsError("manifest_closed", manifest=manifest.id)


def parcels_on(manifest: Manifest) -> list[Parcel]:
    return list(db.session.execute(select(Parcel).where(Parcel.manifest_id == manifest.id)
                                   .order_by(Parcel.id)).scalars())


def manifest_view(manifest: Manifest) -> dict:

    rows = []
    carrier = None
    for parcel in parcels_on(manifest):
        order = db.session.get(SalesOrder, parcel.order_id)
        carrier = carrier or carrier_for(order)
        rows.append({"tracking": parcel.tracking, "order": order.number, "seq": parcel.seq, "of": parcel.of_parcels,
                     "customer": order.customer_name, "address": order.address, "weight_g": parcel.weight_g,
                     "units": sum(parcel_units(parcel).values()), "status": parcel.status})
    packer = db.session.get(User, manifest.packer_id) if manifest.packer_id else None
    return {"id": manifest.id, "carrier": manifest.carrier,
            "carrier_name": {"en": carrier["name_en"], "zh": carrier["name_zh"]} if carrier else None,
            "status": manifest.status, "parcels": rows, "count": len(rows),
            "created_at": manifest.created_at.isoformat() + "Z",
            "driver": {"name": manifest.driver_name, "phone": manifest.driver_phone, "vehicle": manifest.vehicle,
                       "confirmed_at": _iso(manifest.driver_confirmed_at)},
            "packer": {"name": packer.name if packer else None, "confirmed_at": _iso(manifest.packer_confirmed_at)},
            "closed_at": _iso(manifest.closed_at)}


def open_manifests() -> list[Manifest]:
    return list(db.session.execute(select(Manifest).where(Manifest.status == "open").order_by(Manifest.id)).scalars())


def _iso(at) -> str | None:
    return at.isoformat() + "Z" if at else None


def list_manifests(status: str, limit: int = 100) -> list[Manifest]:
    """Manifests of a status (open, shipped), newest first."""
    return list(db.session.execute(select(Manifest).where(Manifest.status == status)
                                   .order_by(Manifest.id.desc()).limit(limit)).scalars())


def get_manifest(manifest_id: int) -> Manifest:
    """A manifest to read (not locked: find_manifest is for changing one)."""
    manifest = db.session.get(Manifest, manifest_id)
    if manifest is None:
        raise WmsError("not_found", what=f"manifest {manifest_id}")
    return manifest
