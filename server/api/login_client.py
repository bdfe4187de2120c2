"""Who is logging in, as the throttle sees it: the client's address (read through trusted proxies only)
and the people who logged in on this browser or handheld before (a signed cookie)."""
from __future__ import annotations

import ipaddress

from flask import Response, current_app, request
from itsdangerous import BadSignature, URLSafeTimedSerializer

KNOWN_COOKIE = "wms_known"
KNOWN_DAYS = 90
KNOWN_MAX = 30  # a shared handheld remembers the last 30 people who logged in on it


def client_address() -> str:
    """The socket's peer, unless it is one of `[security] trusted_proxies` (nginx in front): then the
    right-most `X-Forwarded-For` address that is not a trusted proxy. A client cannot pick its own
    address by sending the header: from anywhere else the header is ignored."""
    peer = request.remote_addr or ""
    trusted = _trusted()
    if not trusted or not _is_trusted(peer, trusted):
        return peer
    hops = [hop.strip() for hop in request.headers.get("X-Forwarded-For", "").split(",") if hop.strip()]
    for hop in reversed(hops):
        if not _is_trusted(hop, trusted):
            return hop[:64]
    return peer


def _trusted() -> list:
    networks = []
    for entry in current_app.config["WMS"].get("security", {}).get("trusted_proxies", []) or []:
        networks.append(ipaddress.ip_network(str(entry), strict=False))
    return networks


def _is_trusted(address: str, trusted: list) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in trusted)


def trust_device_names() -> bool:
    """Whether a handheld's name is believed without its token: only in the demo (docs/security.md)."""
    wms = current_app.config["WMS"]
    return bool(wms.get("security", {}).get("trust_device_names", wms.get("demo", False)))


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="wms-known-device")


def known_users() -> frozenset[int]:
    """Ids of the people who logged in on this device before (empty if the cookie is missing, old or forged)."""
    return frozenset(_known_list())


def _known_list() -> list[int]:
    raw = request.cookies.get(KNOWN_COOKIE)
    if not raw:
        return []
    try:
        ids = _serializer().loads(raw, max_age=KNOWN_DAYS * 86400)
    except BadSignature:
        return []
    return [i for i in ids if isinstance(i, int)] if isinstance(ids, list) else []


def remember(response: Response, user_id: int) -> Response:
    """After a successful log-in: this device now knows this person (the newest last)."""
    ids = [i for i in _known_list() if i != user_id][-(KNOWN_MAX - 1):] + [user_id]
    secure = bool(current_app.config.get("SESSION_COOKIE_SECURE"))
    response.set_cookie(KNOWN_COOKIE, _serializer().dumps(ids), max_age=KNOWN_DAYS * 86400, httponly=True,
                        samesite="Lax", secure=secure, path="/")
    return response
