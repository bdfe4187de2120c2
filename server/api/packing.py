"""Packing stations, parcels and carrier manifests. Packing and handover steps themselves are scans
(`/floor` modes `pack`, `pack.close`, `handover` …); these routes read state and sign packers in."""
from flask import Blueprint, jsonify, request
from sqlalchemy import select

from server.api import current_actor, get_or_404, ok
from server.db.models import Manifest, Station
from server.extensions import db
from server.services.packing import handover
from server.services.packing import packing_station

bp = Blueprint("packing", __name__, url_prefix="/api/v1")


@bp.get("/stations")
def stations():
    current_actor()
    rows = db.session.execute(select(Station).order_by(Station.code)).scalars()
    return jsonify([packing_station.station_view(s)["station"] for s in rows])


@bp.get("/stations/<code>")
def station(code: str):
    current_actor()
    return jsonify(packing_station.station_view(packing_station.find_station(code)))


@bp.post("/stations/<code>/sign-in")
def sign_in(code: str):
    """The logged-in packer takes the station; its fixed scanner now scans as them."""
    return ok(station=packing_station.station_view(packing_station.sign_in(code, current_actor())))


@bp.post("/stations/<code>/sign-out")
def sign_out(code: str):
    return ok(station=packing_station.station_view(packing_station.sign_out(code, current_actor())))


@bp.get("/parcels/<tracking>")
def parcel(tracking: str):
    current_actor()
    return jsonify(packing_station.parcel_view(handover.find_parcel(tracking)))


@bp.get("/manifests")
def manifests():
    """?status=open|shipped (default open)."""
    current_actor()
    status = request.args.get("status", "open")
    rows = db.session.execute(select(Manifest).where(Manifest.status == status)
                              .order_by(Manifest.id.desc()).limit(100)).scalars()
    return jsonify([handover.manifest_view(m) for m in rows])


@bp.get("/manifests/<int(max=2147483647):manifest_id>")
def manifest(manifest_id: int):
    current_actor()
    return jsonify(handover.manifest_view(get_or_404(Manifest, manifest_id, "manifest")))
