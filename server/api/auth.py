"""Log in by password or badge; the session cookie then authenticates REST and Socket.IO."""
from flask import Blueprint, current_app, jsonify, session

from server.api.common import current_actor, json_body, ok
from server.api.login_client import client_address, known_users, remember, trust_device_names
from server.domain.errors import WmsError, Words
from server.services import transaction
from server.services.people import auth

bp = Blueprint("auth", __name__, url_prefix="/api/v1/auth")


def _handheld(body: dict) -> str | None:
    """The handheld this session runs on, as its device token proves (auth.session_device)."""
    return auth.session_device(body.get("device"), body.get("device_token"), trust_device_names())


def _start_session(user, device: str | None):
    session.clear()
    session["user_id"] = user.id
    session["sid"] = auth.new_session_id()
    if device:
        session["device"] = device
    session.permanent = True
    return remember(ok(user=auth.user_view(user), device=device), user.id)


@bp.post("/login")
def login():
    body = json_body()
    username, password = body.get("username"), body.get("password")
    if not isinstance(username, str) or not isinstance(password, str):
        raise WmsError("bad_request", detail=Words("username and password are required", "须填写 username 和 password"))
    device = _handheld(body)  # a bad token is refused before the password is tried
    return _start_session(auth.login(username, password, client_address(), known_users()), device)


@bp.post("/badge")
def badge():
    body = json_body()
    if not isinstance(body.get("badge"), str):
        raise WmsError("bad_request", detail=Words("badge is required", "须填写 badge"))
    device = _handheld(body)
    return _start_session(auth.login_by_badge(body["badge"], client_address(), known_users()), device)


@bp.post("/logout")
def logout():
    """Ends the session on the server too: the old cookie, kept or copied, no longer works."""
    if session.get("sid"):
        auth.end_session(session["sid"], session.get("user_id"), current_app.config["WMS"]["server"]["session_hours"])
        transaction.commit()
    session.clear()
    return ok()


@bp.get("/me")
def me():
    actor = current_actor()
    if actor.user_id is None:
        raise WmsError("not_authenticated")
    return ok(user=auth.user_view(auth.get_user(actor.user_id)))


@bp.get("/whoami")
def whoami():
    actor = current_actor()
    return jsonify({"ok": True, "device": actor.device_code, "kind": actor.device_kind,
                    "user": actor.username})
