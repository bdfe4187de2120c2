"""Devices for administrators: register, edit and retire one; issue its token (shown once), revoke it."""
from flask import Blueprint, jsonify

from server.api.common import current_actor, json_body, ok
from server.services.devices import registry

bp = Blueprint("devices", __name__, url_prefix="/api/v1/devices")


def _admin():
    actor = current_actor()
    actor.require("devices.manage")  # before the body is read: a refused role gets 403, not 400
    return actor


@bp.get("")
def devices():
    _admin()
    return jsonify([registry.device_view(device) for device in registry.list_devices()])


@bp.post("")
def register():
    actor = _admin()
    device = registry.add_device(json_body(), actor)
    return ok(device=registry.device_view(device)), 201


@bp.get("/<code>")
def device(code: str):
    _admin()
    return jsonify(registry.device_view(registry.get_device(code)))


@bp.patch("/<code>")
def edit(code: str):
    actor = _admin()
    return ok(device=registry.device_view(registry.edit_device(code, json_body(), actor)))


@bp.post("/<code>/retire")
def retire(code: str):
    """For good: the token stops at once, the device can never be paired again."""
    actor = _admin()
    return ok(device=registry.device_view(registry.retire_device(code, actor)))


@bp.post("/<code>/token")
def issue_token(code: str):
    """A new token replaces the old one at once; only now is it ever shown."""
    actor = _admin()
    device, token = registry.pair_device(code, actor)
    return ok(token=token, device=registry.device_view(device))


@bp.post("/<code>/revoke")
def revoke(code: str):
    actor = _admin()
    return ok(device=registry.device_view(registry.revoke_device(code, actor)))
