"""Pick waves: plan and release a wave from released orders; read it; claim a pick list."""
from flask import Blueprint, current_app, jsonify, request

from server import fastjson
from server.api.common import current_actor, json_body, ok
from server.domain.batching import BATCHERS, Cart
from server.domain.errors import WmsError, Words
from server.services.picking import waves

bp = Blueprint("waves", __name__, url_prefix="/api/v1")


@bp.post("/waves")
def release_wave():
    """Body: {"filters": {channel, carrier, cut_off_before, min_priority, lines: single|multi, zone, limit},
    "cart": {"totes": 6, "tote_capacity": 20}, "method": "savings", "dry_run": false}. With no filters the
    system proposes a wave (most urgent released orders first); dry_run shows it without releasing."""
    actor = current_actor()
    actor.require("orders.manage")  # before the body is read: a refused role gets 403, not 400
    body = json_body()
    cart = body.get("cart") or {}
    method = body.get("method", "savings")
    if not isinstance(cart, dict) or not isinstance(body.get("filters") or {}, dict):
        raise WmsError("bad_request", detail=Words("cart and filters must be objects", "cart 和 filters 必须是对象"))
    if not isinstance(method, str) or method not in BATCHERS:
        raise WmsError("bad_request", detail=Words(f"method must be one of {', '.join(BATCHERS)}",
                                                   f"method 须为 {'、'.join(BATCHERS)} 之一"))
    try:
        totes, tote_capacity = int(cart.get("totes", 6)), int(cart.get("tote_capacity", 20))
    except (TypeError, ValueError):  # int() of a text or a list
        raise WmsError("bad_request", detail=Words("cart: totes and tote_capacity must be whole numbers",
                                                   "cart 中的 totes 和 tote_capacity 须为整数")) from None
    try:
        cart = Cart(totes=totes, tote_capacity=tote_capacity)
    except ValueError as error:  # the one refusal of Cart (server/domain/batching.py): an empty cart
        raise WmsError("bad_request", detail=Words(f"cart: {error}",
                                                   "拣货车（cart）至少要有一个周转箱，每箱至少装一件")) from None
    view = waves.release_wave(waves.WaveFilters.from_dict(body.get("filters") or {}), cart, actor, method,
                              dry_run=bool(body.get("dry_run")))
    return ok(wave=view), 200 if body.get("dry_run") else 201


@bp.get("/waves/<int(max=2147483647):wave_id>")
def get_wave(wave_id: int):
    current_actor()
    return jsonify(waves.wave_view(waves.get_wave(wave_id)))


@bp.get("/pick-lists")
def list_pick_lists():
    """?status=open|claimed|done[&mine=1][&view=summary]: what a picker can take, or their own lists;
    `summary`: without their stops (the handheld's choice of an open list)."""
    actor = current_actor()
    mine = request.args.get("mine") in ("1", "true")
    status, user_id = request.args.get("status"), actor.user_id if mine else None
    shape = request.args.get("view", "full")
    if shape not in ("full", "summary"):
        raise WmsError("bad_request", detail=Words("view: full or summary", "view 须为 full 或 summary"))
    if shape == "summary":
        views = waves.pick_list_summaries(status, user_id)
    else:
        views = waves.pick_lists(status, user_id, with_stop=True)
    # Up to 200 lists with their stops (≈ 230 KB): orjson writes it in a tenth of the json module's time.
    return current_app.response_class(fastjson.dumps(views), mimetype="application/json")


@bp.get("/pick-lists/choice")
def pick_list_choice():
    """The pick screen in one request: {"mine": the picker's unfinished lists, "open": the first open lists as
    summaries, "open_more": whether more are open (GET /pick-lists?status=open&view=summary lists them)}."""
    views = waves.choice(current_actor().user_id)
    return current_app.response_class(fastjson.dumps(views), mimetype="application/json")


@bp.post("/pick-lists/next/claim")
def claim_next():
    """Take the next pick list: the picker's unfinished one, else the oldest open one."""
    return ok(pick_list=waves.take_next(current_actor()))


@bp.get("/pick-lists/<int(max=2147483647):pick_list_id>")
def get_pick_list(pick_list_id: int):
    current_actor()
    return jsonify(waves.pick_list_view(waves.get_pick_list(pick_list_id)))


@bp.post("/pick-lists/<int(max=2147483647):pick_list_id>/claim")
def claim(pick_list_id: int):
    pick_list = waves.claim(pick_list_id, current_actor())
    return ok(pick_list=waves.pick_list_view(pick_list, with_stop=True))
