"""What every REST module shares: who is asking, the JSON body, the success envelope, and the
cross-site write check that server/api/__init__.py installs before every request."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app, jsonify, request, session

from server.domain.errors import WmsError, Words
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
    actor = actor_for_user(user_id, session.get("device"), session.get("sid")) if user_id else None
    if actor is None:
        raise WmsError("not_authenticated")
    audit.act_as(actor)
    return actor


def json_body() -> dict:
    """The request's JSON object. Only an `application/json` body is read: no cross-site HTML form can
    send one (that needs a CORS preflight this server never grants), which is what keeps JSON routes
    safe from forged cookie-authenticated requests without a CSRF token."""
    body = optional_json()
    if not isinstance(body, dict):
        raise WmsError("bad_request", detail=Words("a JSON object body is expected", "请求体须为 JSON 对象"))
    return body


def optional_json() -> object:
    """The JSON body if there is one (None otherwise), refused with a clear error instead of a 500 when it
    nests too deep for the parser or carries text no database can store (a lone UTF-16 surrogate)."""
    try:
        body = request.get_json(silent=True)
    except RecursionError:
        raise WmsError("bad_request", detail=Words("the JSON nests too deeply", "JSON 嵌套层级过深")) from None
    if not _valid_text(body):
        raise WmsError("bad_request", detail=Words("the JSON carries text that is not valid Unicode",
                                                   "JSON 中含有无效的 Unicode 文本"))
    return body


def _valid_text(value: object) -> bool:
    """Every string (keys too) encodes as UTF-8: JSON's "\\udcff" decodes to a lone surrogate that would
    fail later, in the database or the answer. Walked without recursion."""
    todo = [value]
    while todo:
        item = todo.pop()
        if isinstance(item, str):
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                return False
        elif isinstance(item, dict):
            todo.extend(item.keys())
            todo.extend(item.values())
        elif isinstance(item, list):
            todo.extend(item)
    return True


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
        raise WmsError("csrf_failed", detail=Words("sent by a page of another site", "由其他网站的页面发出"))
    has_body = bool(request.content_length) or "chunked" in request.headers.get("Transfer-Encoding", "")
    if (has_body or request.mimetype) and not request.is_json and not request.headers.get("X-Requested-With"):
        raise WmsError("csrf_failed", detail=Words("an upload needs the X-Requested-With header",
                                                   "上传须带 X-Requested-With 请求头"))


SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
