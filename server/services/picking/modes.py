"""The picking journey as scan modes: bind totes, scan bin then item at each stop, report a short."""
from __future__ import annotations

from typing import Any

from server.domain.barcodes import Decoded
from server.services.picking import pick_state
from server.services.picking import pick_lists
from server.services.people.auth import Actor
from server.services.picking.pick_state import ListState
from server.services.floor.scans import Mode, register
from server.domain.stock import quantity


def _state(state: ListState, actor: Actor) -> dict[str, Any]:
    """The list and its current stop, as the scan left them (read once, changed in memory)."""
    stop = state.current()
    # The list is the picker's own (checked), so its claimer's name is the picker's.
    return {"pick_list": state.view(actor.username), "stop": stop.view() if stop else None,
            "done": state.status == "done"}


def bind_tote(decoded: Decoded | None, payload: dict, actor: Actor) -> dict[str, Any]:
    state = pick_lists.bind_tote(payload.get("pick_list"), payload.get("slot"), decoded, actor)
    return {"next": "scan_tote_or_bin", "result": _state(state, actor)}


def pick(decoded: Decoded | None, payload: dict, actor: Actor) -> dict[str, Any]:
    state, stop = pick_lists.scan(payload.get("pick_list"), decoded, quantity(payload.get("qty", 1)), actor,
                               payload.get("scan_id"))
    result = _state(state, actor)
    if decoded.kind == "bin":
        return {"next": "scan_item", "result": result}
    following = result["stop"]
    after = "done" if result["done"] else "scan_item" if following and following["bin_confirmed"] else "scan_bin"
    return {"kind": "item", "next": after,
            "result": result | {"put_into_tote": stop.tote_slot, "picked_task": stop.id}}


def short(_: Decoded | None, payload: dict, actor: Actor) -> dict[str, Any]:
    outcome = pick_lists.short(payload.get("pick_list"), payload.get("found"), actor, payload.get("scan_id"))
    state = pick_state.load(payload["pick_list"])  # re-allocated stops, routed anew: read again
    return {"kind": "short", "next": "scan_bin", "result": _state(state, actor) | outcome}


def put(decoded: Decoded | None, payload: dict, actor: Actor) -> dict[str, Any]:
    """Scan the tote the units went into (the last step of a stop)."""
    state, stop = pick_lists.confirm_put(payload.get("pick_list"), payload.get("task"), decoded, actor)
    return {"next": "scan_bin", "result": _state(state, actor) | {"put_confirmed": stop.id}}


register("pick.tote", Mode("journey.pick", bind_tote))
register("pick.put", Mode("journey.pick", put))
register("pick", Mode("journey.pick", pick))
register("pick.short", Mode("journey.pick", short, needs_code=False))
