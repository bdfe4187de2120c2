"""What every REST module shares: who is asking, the JSON body, the success envelope, and the
cross-site write check that server/api/__init__.py installs before every request."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app, jsonify, request, session

from server.domain.errors import WmsError
from server.services.people import audit
from server.services.people.auth import Actor, actor_for_token, actor_for_user


def current_actor() -> Actor:
    """The logged-in user (session cookie) or a device presenting `Authorization: Bearer <token>`."""
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        actor = actor_for_token(header.removeprefix("Bearer ").strip())
        audit.act_as(actor)
        return actor
    user_id = session.get("user_id")
    actor = actor_for_user(user_id, session.get("device")) if user_id else None
    if actor is None:
        raise WmsError("not_authenticated")
    audit.act_as(actor)
    return actor


def json_body() -> dict:
    """The request's JSON object. Only an `application/json` body is read: no cross-site HTML form can
    send one (that needs a CORS preflight this server never grants), which is what keeps JSON routes
    safe from forged cookie-authenticated requests without a CSRF token."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise WmsError("bad_request", detail="a JSON object body is expected")
    return body


def ok(**fields):
    return jsonify({"ok": True, **fields})


def refuse_cross_site_writes() -> None:
    """A write under /api/ that rides on the session cookie must come from our own pages: a browser
    names another site's page in `Origin`, and a form upload (any body that is not JSON: multipart, CSV,
    text) must carry `X-Requested-With`, a header no cross-site form can set. Device tokens
    (`Authorization: Bearer`) are not sent by browsers on their own, so they need neither."""
    if request.method in SAFE_METHODS or not request.path.startswith("/api/"):
        return
    if request.headers.get("Authorization", "").startswith("Bearer "):
        return
    if current_app.config["SESSION_COOKIE_NAME"] not in request.cookies:
        return  # not cookie-authenticated: the route refuses it as not_authenticated anyway
    origin = request.headers.get("Origin")
    if origin is not None and urlsplit(origin).netloc != request.host:
        raise WmsError("csrf_failed", detail="sent by a page of another site")
    has_body = bool(request.content_length) or "chunked" in request.headers.get("Transfer-Encoding", "")
    if (has_body or request.mimetype) and not request.is_json and not request.headers.get("X-Requested-With"):
        raise WmsError("csrf_failed", detail="an upload needs the X-Requested-With header")


SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
