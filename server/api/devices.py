"""Devices for administrators: register one, issue its token (shown once), revoke it."""
from flask import Blueprint, jsonify

from server.api.common import current_actor, json_body, ok
from server.domain.errors import WmsError
from server.services.people import auth

bp = Blueprint("devices", __name__, url_prefix="/api/v1/devices")


def _admin() -> None:
    current_actor().require("devices.manage")


@bp.get("")
def devices():
    _admin()
    return jsonify([auth.device_view(device) for device in auth.list_devices()])


@bp.post("")
def register():
    _admin()
    body = json_body()
    code, kind, name = body.get("code"), body.get("kind"), body.get("name", "")
    if not isinstance(code, str) or not code.strip() or len(code) > 64 or not isinstance(name, str):
        raise WmsError("bad_request", detail="code (up to 64 characters) and kind are required")
    device = auth.register_device(code.strip().upper(), str(kind), name[:128])
    return ok(device=auth.device_view(device)), 201


@bp.post("/<code>/token")
def issue_token(code: str):
    """A new token replaces the old one at once; only now is it ever shown."""
    _admin()
    token = auth.issue_device_token(code)
    return ok(token=token, device=auth.device_view(auth.device_by_code(code)))


@bp.post("/<code>/revoke")
def revoke(code: str):
    _admin()
    return ok(device=auth.device_view(auth.revoke_device_token(code)))
