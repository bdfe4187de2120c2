"""Packing and handover as scan modes: each step stored under the device's scan id, so a repeated
close (a second confirm of the same scan) is answered from the store, never printed twice."""
from __future__ import annotations

from typing import Any

from server.domain.barcodes import Decoded
from server.domain.errors import WmsError
from server.services.packing import handover
from server.services.packing import packing_station
from server.services.people.auth import Actor
from server.services.floor.scans import Mode, register

# Modes whose acks are also pushed to the station's page (see server/realtime/floor.py).
STATION_MODES = ("pack", "station", "pack.close", "pack.aside")


def station_and_actor(payload: dict, actor: Actor):
    """The station a scan is for and who it is by: a fixed scanner packs for its own station as the
    packer signed in there; a page or handheld names its station."""
    bound = (packing_station.station_of_device(actor.device_id, lock=True)
             if actor.device_kind == "scanner_bridge" else None)
    if bound is not None:
        return bound, packing_station.station_actor(bound, actor)
    if actor.user_id is None:
        raise WmsError("station_not_found", station=payload.get("station") or actor.device_code)
    return packing_station.find_station(payload.get("station")), actor


def _code(payload: dict) -> str:
    code = payload.get("code")
    if not isinstance(code, str) or not code.strip():
        raise WmsError("empty_code")
    return code


def scan(_: Decoded | None, payload: dict, actor: Actor) -> dict[str, Any]:
    station, actor = station_and_actor(payload, actor)
    code = _code(payload)
    outcome = packing_station.scan(station, code, actor, payload.get("scan_id"))
    result = packing_station.station_view(station)
    if outcome["kind"] == "parcel":
        parcel = handover.find_parcel(code)
        result["manifest"] = handover.manifest_view(handover.find_manifest(parcel.manifest_id))
    return outcome | {"code": code.strip()[:64], "result": result}


def close(_: Decoded | None, payload: dict, actor: Actor) -> dict[str, Any]:
    station, actor = station_and_actor(payload, actor)
    parcel = packing_station.close_parcel(station, actor, payload.get("of_parcels"), payload.get("weight_g"),
                                          payload.get("packaging"))
    return {"kind": "parcel", "next": "scan_tote_or_order" if station.order_id is None else "scan_unit",
            "result": packing_station.station_view(station) | {"closed": packing_station.parcel_view(parcel)}}


def aside(_: Decoded | None, payload: dict, actor: Actor) -> dict[str, Any]:
    station, actor = station_and_actor(payload, actor)
    order = packing_station.set_aside(station, actor)
    return {"next": "scan_tote_or_order", "result": packing_station.station_view(station) | {"set_aside": order.number}}


def person(actor: Actor) -> Actor:
    """Handover is signed by a person: a fixed scanner hands over as the packer signed in at its station;
    any other device token alone is refused before anything is looked at."""
    if actor.user_id is not None:
        return actor
    bound = packing_station.station_of_device(actor.device_id) if actor.device_kind == "scanner_bridge" else None
    if bound is None:
        raise WmsError("forbidden", role=actor.device_kind or "device")
    return packing_station.station_actor(bound, actor)


def handover_scan(_: Decoded | None, payload: dict, actor: Actor) -> dict[str, Any]:
    actor = person(actor)
    parcel = handover.find_parcel(_code(payload))
    manifest = handover.find_manifest(payload["manifest"]) if payload.get("manifest") is not None else None
    manifest = handover.add_parcel(parcel, actor, manifest)
    return {"kind": "parcel", "code": parcel.tracking, "next": "scan_parcel",
            "result": handover.manifest_view(manifest)}


def handover_remove(_: Decoded | None, payload: dict, actor: Actor) -> dict[str, Any]:
    actor = person(actor)
    manifest = handover.remove_parcel(handover.find_parcel(_code(payload)), actor)
    return {"kind": "parcel", "next": "scan_parcel", "result": handover.manifest_view(manifest)}


def driver(_: Decoded | None, payload: dict, actor: Actor) -> dict[str, Any]:
    actor = person(actor)
    manifest = handover.driver_confirms(handover.find_manifest(payload.get("manifest")), payload.get("driver_name"),
                                        payload.get("driver_phone"), payload.get("vehicle"), actor)
    return {"next": "packer_confirm", "result": handover.manifest_view(manifest)}


def confirm(_: Decoded | None, payload: dict, actor: Actor) -> dict[str, Any]:
    actor = person(actor)
    manifest = handover.packer_confirms(handover.find_manifest(payload.get("manifest")), actor)
    return {"next": "done", "result": handover.manifest_view(manifest)}


register("pack", Mode("journey.pack", scan, needs_code=False))
register("station", Mode("journey.pack", scan, needs_code=False))
register("pack.close", Mode("journey.pack", close, needs_code=False))
register("pack.aside", Mode("journey.pack", aside, needs_code=False))
register("handover", Mode("journey.pack", handover_scan, needs_code=False))
register("handover.remove", Mode("journey.pack", handover_remove, needs_code=False))
register("handover.driver", Mode("journey.pack", driver, needs_code=False))
register("handover.confirm", Mode("journey.pack", confirm, needs_code=False))
