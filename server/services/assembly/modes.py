"""The assembly journey (组装/拆卸) as scan modes: take a work order by its number, pick (a bin, then its
units), make or take apart each kit (a scan of the kit or a confirm), put away (a unit, then its bin). Stored
under the device's scan id like every scan: a resent step is answered from the store, never done twice.
A unit scan carries its bin's code (pick) and a bin scan its unit's code (put away): each stands alone."""
from __future__ import annotations

from typing import Any

from flask import current_app

from server.domain.barcodes import Decoded, decode
from server.domain.errors import WmsError, Words
from server.services.assembly import work_orders
from server.services.floor.scans import Mode, register
from server.services.people.auth import Actor

JOURNEY = work_orders.JOURNEY


def _answer(kind: str, order, **extra) -> dict[str, Any]:
    view = work_orders.view(order)
    return {"kind": kind, "next": view["next"], "result": view | extra}


def take(_: Decoded | None, payload: dict, actor: Actor) -> dict[str, Any]:
    """The work order's number (scanned from its sheet or tapped in the list)."""
    return _answer("work_order", work_orders.find(payload.get("code"), actor))


def at_bin(decoded: Decoded | None, payload: dict, actor: Actor) -> dict[str, Any]:
    """The bin of a pick: units of the work order wait there. Next: its units."""
    order = work_orders.at_bin(payload.get("work_order"), decoded, actor)
    return {"kind": "bin", "next": "scan_unit", "result": work_orders.view(order) | {"at_bin": decoded.key}}


def pick(decoded: Decoded | None, payload: dict, actor: Actor) -> dict[str, Any]:
    """A unit out of the bin scanned before (`bin`) into the work order's bin."""
    order, picked = work_orders.pick(payload.get("work_order"), payload.get("bin"), decoded, actor,
                                     payload.get("scan_id"))
    answer = _answer("item", order, picked=picked)
    if answer["next"] == "scan_bin" and any(s["bin"] == picked["bin"] and s["remaining"]
                                            for s in answer["result"]["steps"] if s["kind"] == "pick"):
        answer["next"] = "scan_unit"  # more of this bin to pick: stay at it
        answer["result"]["at_bin"] = picked["bin"]
    return answer


def make(_: Decoded | None, payload: dict, actor: Actor) -> dict[str, Any]:
    """One kit made (or taken apart): the kit's code scanned (`code`), or confirmed without one."""
    code = payload.get("code")
    decoded = decode(code, current_app.extensions["wms_decoder_rules"]) \
        if isinstance(code, str) and code.strip() else None
    order, made = work_orders.make(payload.get("work_order"), decoded, actor, payload.get("scan_id"))
    return _answer("kit", order, made=made)


def unit(decoded: Decoded | None, payload: dict, actor: Actor) -> dict[str, Any]:
    """A unit out of the work order's bin to put away. Next: the bin it goes into."""
    order, unit_ = work_orders.check_unit(payload.get("work_order"), decoded, actor)
    return {"kind": "item", "next": "scan_target", "result": work_orders.view(order) | {"unit": unit_}}


def into_bin(decoded: Decoded | None, payload: dict, actor: Actor) -> dict[str, Any]:
    """The shelf bin the unit went into; the unit's own code comes with it (`unit`)."""
    code = payload.get("unit")
    if not isinstance(code, str) or not code.strip():
        raise WmsError("bad_request", detail=Words("unit: the code of the unit put away",
                                                   "缺少 unit（上架货品的条码）"))
    unit_code = decode(code, current_app.extensions["wms_decoder_rules"])
    order, put = work_orders.put_away(payload.get("work_order"), unit_code, decoded, actor, payload.get("scan_id"))
    return _answer("bin", order, put=put)


register("assembly", Mode(JOURNEY, take, needs_code=False))
register("assembly.bin", Mode(JOURNEY, at_bin))
register("assembly.pick", Mode(JOURNEY, pick))
register("assembly.make", Mode(JOURNEY, make, needs_code=False))
register("assembly.unit", Mode(JOURNEY, unit))
register("assembly.put", Mode(JOURNEY, into_bin))
