"""The waves desk (/sup/waves): propose a wave from filters (a dry run: carts, totes, orders, each cart's
route against S-shape, the routes drawn over the floor map), release it in one click, and follow each
released wave on its board (/sup/waves/<id>), which refreshes itself as the floor reports progress."""
from __future__ import annotations

from datetime import UTC, datetime

from flask import flash, redirect, render_template, request, url_for

from server import local_time
from server.domain import roles
from server.domain.batching import BATCHERS, Cart
from server.domain.errors import WmsError, Words
from server.extensions import writes_too
from server.services import transaction
from server.services.catalogue import floor_plan
from server.services.catalogue.items import bin_zones
from server.services.picking import wave_desk, waves
from server.web import floor_map
from server.web.common import page, sup

FILTER_FIELDS = ("channel", "carrier", "cut_off_before", "min_priority", "lines", "zone", "limit")
CART_FIELDS = ("totes", "tote_capacity", "method")
DEFAULTS = {"limit": "50", "totes": "6", "tote_capacity": "20", "method": "savings"}


def _form(source) -> dict:
    """The desk's form as typed (cut-off in the warehouse's local time), defaults filled in."""
    return {name: (source.get(name) or DEFAULTS.get(name, "")).strip() for name in FILTER_FIELDS + CART_FIELDS}


def _wave_args(form: dict) -> tuple[waves.WaveFilters, Cart, str]:
    """The service's filters, cart and method from the form; a wrong value is a `bad_request`."""
    cut_off = form["cut_off_before"]
    if cut_off:
        try:
            moment = datetime.fromisoformat(cut_off)
        except ValueError:
            raise WmsError("bad_request", detail=Words(f"cut-off: {cut_off}", f"截单时间无效：{cut_off}")) from None
        if moment.tzinfo is None:  # typed on the warehouse's clock; the database keeps UTC
            moment = moment.replace(tzinfo=local_time.zone())
        cut_off = moment.astimezone(UTC).replace(tzinfo=None).isoformat()
    filters = waves.WaveFilters.from_dict({k: form[k] or None for k in FILTER_FIELDS if k != "cut_off_before"}
                                          | {"cut_off_before": cut_off or None})
    if filters.limit < 1:
        raise WmsError("bad_request", detail=Words("at most how many orders: 1 or more", "最多订单数须至少为 1"))
    if form["method"] not in BATCHERS:
        raise WmsError("bad_request", detail=Words(f"method must be one of {', '.join(BATCHERS)}",
                                                   f"组车方式须为 {'、'.join(BATCHERS)} 之一"))
    try:
        totes, tote_capacity = int(form["totes"]), int(form["tote_capacity"])
    except (TypeError, ValueError) as error:  # Python's own words: int() of a text
        raise WmsError("bad_request", detail=Words(f"cart: {error}", "每车周转箱和每箱件数须为整数")) from None
    try:
        cart = Cart(totes=totes, tote_capacity=tote_capacity)
    except ValueError as error:  # the one refusal of Cart (server/domain/batching.py): an empty cart
        raise WmsError("bad_request", detail=Words(f"cart: {error}", "每车至少一个周转箱，每箱至少装一件")) from None
    return filters, cart, form["method"]


def _map(carts: list[dict]):
    routes = [{"colour": c["colour"], "key": c["seq"], "path": c.get("path", []),
               "stop_points": c.get("stop_points", []), "label": f"#{c['seq']} · {c['route_length_m']} m"}
              for c in carts]
    return floor_map.svg(floor_plan.map_cells(), floor_plan.current(), "plain", routes)


@sup.get("/waves")
@page("orders.manage")
def waves_desk(actor):
    """The desk: the filters, what is waiting, the proposal when asked for (?propose=1), the recent waves."""
    form = _form(request.args)
    may_plan = roles.can(actor.role or "", "orders.manage")
    proposal, error = None, None
    if request.args.get("propose") and may_plan:
        writes_too()  # the dry run plans on the writing connection (and rolls back): a reader refuses writes
        try:
            proposal = wave_desk.propose(*_wave_args(form)[:2], actor, form["method"])
        except WmsError as refused:
            transaction.rollback()
            error = refused.message()
    return render_template("waves.html", actor=actor, form=form, may_plan=may_plan, proposal=proposal,
                           error=error, map=_map(proposal.carts) if proposal else None,
                           waiting=wave_desk.released_orders(), zones=bin_zones(), methods=list(BATCHERS),
                           recent=wave_desk.recent_waves())


@sup.post("/waves")
@page("orders.manage")
def release_wave(actor):
    """Release the proposal: the same filters again; if the plan is not the one shown, the board says so."""
    form = _form(request.form)
    try:
        filters, cart, method = _wave_args(form)
        plan, replanned = wave_desk.release(filters, cart, actor, method, request.form.get("proposal") or None)
    except WmsError as refused:
        transaction.rollback()
        if refused.code == "forbidden":
            raise
        flash(refused.message())
        return redirect(url_for("supervisor.waves_desk", propose=1, **form))
    wave = plan.view["wave"]
    if replanned:
        flash({"en": f"Wave {wave} was planned again: the released orders changed since the proposal. "
                     f"It has {len(plan.carts)} carts and {plan.orders} orders — check them below.",
               "zh": f"波次 {wave} 已重新规划：建议生成后可出库订单有变化。现在共 {len(plan.carts)} 车、"
                     f"{plan.orders} 单，请在下面核对。"})
    else:
        flash({"en": f"Wave {wave} released: {len(plan.carts)} carts, {plan.orders} orders, as proposed.",
               "zh": f"波次 {wave} 已下发：{len(plan.carts)} 车、{plan.orders} 单，与建议一致。"}, "ok")
    return redirect(url_for("supervisor.wave_board", wave_id=wave))


@sup.get("/waves/<int(max=2147483647):wave_id>")
@page("orders.manage")
def wave_board(actor, wave_id: int):
    data = wave_desk.board(wave_id)
    return render_template("wave_board.html", actor=actor, data=data, map=_map(data["carts"]))


@sup.get("/waves/<int(max=2147483647):wave_id>/live")
@page("orders.manage")
def wave_board_live(actor, wave_id: int):
    """The board's changing part, fetched again when the floor reports progress and every few seconds."""
    return render_template("_wave_board_live.html", data=wave_desk.board(wave_id, with_routes=False))
