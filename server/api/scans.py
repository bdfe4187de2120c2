"""The same scan command over HTTP, for replays from a service worker or simple integrations."""
from flask import Blueprint, jsonify

from server.api.common import current_actor, json_body
from server.domain.errors import CATALOG
from server.services.floor import scans

bp = Blueprint("scans", __name__, url_prefix="/api/v1")


@bp.post("/scans")
def scan():
    actor = current_actor()  # before the body is read: no login gets 401, not 400
    ack = scans.handle(json_body(), actor)
    return jsonify(ack), 200 if ack["ok"] else CATALOG[ack["error"]["code"]][0]
