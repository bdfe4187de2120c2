"""Packing stations, parcels and carrier manifests. Packing and handover steps themselves are scans
(`/floor` modes `pack`, `pack.close`, `handover` …); these routes read state and sign packers in."""
from flask import Blueprint, jsonify, request

from server.api.common import current_actor, json_body, ok
from server.realtime import floor
from server.services import transaction
from server.services.devices import registry
from server.services.packing import handover
from server.services.packing import packing_station

bp = Blueprint("packing", __name__, url_prefix="/api/v1")


@bp.get("/stations")
def stations():
    current_actor()
    return jsonify([packing_station.station_view(s)["station"] for s in packing_station.list_stations()])


@bp.get("/stations/<code>")
def station(code: str):
    current_actor()
    return jsonify(packing_station.station_view(packing_station.find_station(code)))


@bp.post("/stations")
def add_station():
    actor = current_actor()
    actor.require("devices.manage")  # before the body is read: a refused role gets 403, not 400
    return ok(station=registry.station_view(registry.add_station(json_body(), actor))), 201


@bp.patch("/stations/<code>")
def edit_station(code: str):
    actor = current_actor()
    actor.require("devices.manage")
    return ok(station=registry.station_view(registry.edit_station(code, json_body(), actor)))


@bp.post("/stations/<code>/sign-in")
def sign_in(code: str):
    """The logged-in packer takes the station; its fixed scanner now scans as them."""
    return ok(station=packing_station.station_view(packing_station.sign_in(code, current_actor())))


@bp.post("/stations/<code>/sign-out")
def sign_out(code: str):
    return ok(station=packing_station.station_view(packing_station.sign_out(code, current_actor())))


@bp.post("/stations/<code>/weight-override")
def weight_override(code: str):
    """A supervisor closes the station's open parcel although the scale's weight is outside the
    tolerance: {"reason": "...", "of_parcels"?, "packaging"?}. The reason stays on the parcel (audited)."""
    actor = current_actor()
    actor.require("floor.supervise")  # before the body is read
    station, parcel = packing_station.override_weight(code, actor, json_body())
    ack = packing_station.override_ack(station, parcel)
    transaction.after_commit(lambda: floor.tell_station(station.code, "pack.close", ack, actor))
    transaction.commit_and_notify()
    return ok(station=ack["result"], closed=ack["result"]["closed"])


@bp.get("/parcels/<tracking>")
def parcel(tracking: str):
    current_actor()
    return jsonify(packing_station.parcel_view(handover.find_parcel(tracking)))


@bp.get("/manifests")
def manifests():
    """?status=open|shipped (default open)."""
    current_actor()
    status = request.args.get("status", "open")
    return jsonify([handover.manifest_view(m) for m in handover.list_manifests(status, limit=100)])


@bp.get("/manifests/<int(max=2147483647):manifest_id>")
def manifest(manifest_id: int):
    current_actor()
    return jsonify(handover.manifest_view(handover.get_manifest(manifest_id)))
