"""The picking journey as scan modes: bind totes, scan bin then item at each stop, report a short."""
from __future__ import annotations

from typing import Any

from server.db.models import PickList
from server.domain.barcodes import Decoded
from server.extensions import db
from server.services import picking, receiving, waves
from server.services.auth import Actor
from server.services.scans import Mode, register


def _state(pick_list_id: int) -> dict[str, Any]:
    pick_list = db.session.get(PickList, pick_list_id)
    stop = picking.current_task(pick_list)
    return {"pick_list": waves.pick_list_view(pick_list), "stop": picking.stop_view(stop),
            "done": pick_list.status == "done"}


def bind_tote(decoded: Decoded | None, payload: dict, actor: Actor) -> dict[str, Any]:
    picking.bind_tote(payload.get("pick_list"), payload.get("slot"), decoded, actor)
    return {"next": "scan_tote_or_bin", "result": _state(payload["pick_list"])}


def pick(decoded: Decoded | None, payload: dict, actor: Actor) -> dict[str, Any]:
    task = picking.scan(payload.get("pick_list"), decoded, receiving.quantity(payload.get("qty", 1)), actor,
                        payload.get("scan_id"))
    state = _state(payload["pick_list"])
    if decoded.kind == "bin":
        return {"next": "scan_item", "result": state}
    return {"kind": "item", "next": "done" if state["done"] else "scan_bin",
            "result": state | {"put_into_tote": task.tote_slot, "picked_task": task.id}}


def short(_: Decoded | None, payload: dict, actor: Actor) -> dict[str, Any]:
    outcome = picking.short(payload.get("pick_list"), payload.get("found"), actor, payload.get("scan_id"))
    return {"kind": "short", "next": "scan_bin", "result": _state(payload["pick_list"]) | outcome}


def put(decoded: Decoded | None, payload: dict, actor: Actor) -> dict[str, Any]:
    """Scan the tote the units went into (the last step of a stop)."""
    task = picking.confirm_put(payload.get("pick_list"), payload.get("task"), decoded, actor)
    return {"next": "scan_bin", "result": _state(payload["pick_list"]) | {"put_confirmed": task.id}}


register("pick.tote", Mode("journey.pick", bind_tote))
register("pick.put", Mode("journey.pick", put))
register("pick", Mode("journey.pick", pick))
register("pick.short", Mode("journey.pick", short, needs_code=False))
