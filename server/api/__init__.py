"""REST entrypoints under /api/v1: they translate HTTP to service calls and nothing more."""
from __future__ import annotations

from flask import Flask, jsonify, request, session

from server.domain.errors import WmsError
from server.extensions import db
from server.services.auth import Actor, actor_for_token, actor_for_user


def current_actor() -> Actor:
    """The logged-in user (session cookie) or a device presenting `Authorization: Bearer <token>`."""
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        return actor_for_token(header.removeprefix("Bearer ").strip())
    user_id = session.get("user_id")
    actor = actor_for_user(user_id, session.get("device")) if user_id else None
    if actor is None:
        raise WmsError("not_authenticated")
    return actor


def get_or_404(model, key: int, what: str):
    """The row with this id, or the bilingual not_found refusal naming what was asked for."""
    row = db.session.get(model, key)
    if row is None:
        raise WmsError("not_found", what=f"{what} {key}")
    return row


def json_body() -> dict:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise WmsError("bad_request", detail="a JSON object body is expected")
    return body


def ok(**fields):
    return jsonify({"ok": True, **fields})


def register_api(app: Flask) -> None:
    from server.api import (auth, catalog, health, inventory, orders, packing, printing, receiving, returns, sampling,
                            scans, stock_control, waves)

    for module in (auth, catalog, health, inventory, orders, packing, printing, receiving, returns, sampling, scans,
                   stock_control, waves):
        app.register_blueprint(module.bp)
