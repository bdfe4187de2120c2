"""The put-back journey (归位) as scan modes: take a cancelled order's task by scanning where its units wait,
then each unit, then the bin it goes into. Stored under the device's scan id like every scan: a resent step
is answered from the store, never moved twice."""
from __future__ import annotations

from typing import Any

from flask import current_app

from server.domain.barcodes import Decoded, decode
from server.domain.errors import WmsError, Words
from server.services.floor.scans import Mode, register
from server.services.orders import put_back
from server.services.people.auth import Actor


def take(_: Decoded | None, payload: dict, actor: Actor) -> dict[str, Any]:
    """The tote, hold bin, parcel label or order number: the open put-back task of what is there."""
    task = put_back.find_task(payload.get("code"), actor)
    return {"kind": "put_back", "code": str(payload.get("code")).strip()[:64], "next": "scan_unit",
            "result": put_back.task_view(task)}


def unit(decoded: Decoded | None, payload: dict, actor: Actor) -> dict[str, Any]:
    """A unit taken out of the source: on the task, with units left. Next: the bin it goes into."""
    task, unit_ = put_back.check_unit(payload.get("task"), decoded, actor)
    return {"kind": "item", "next": "scan_bin", "result": put_back.task_view(task) | {"unit": unit_}}


def into_bin(decoded: Decoded | None, payload: dict, actor: Actor) -> dict[str, Any]:
    """The bin the unit went into; the unit's own code comes with it (`unit`), so this step stands alone."""
    code = payload.get("unit")
    if not isinstance(code, str) or not code.strip():
        raise WmsError("bad_request", detail=Words("unit: the code of the unit put back",
                                                   "缺少 unit（放回货品的条码）"))
    unit_code = decode(code, current_app.extensions["wms_decoder_rules"])
    task, put = put_back.put(payload.get("task"), unit_code, decoded, actor, payload.get("scan_id"))
    view = put_back.task_view(task)
    return {"kind": "bin", "next": "done" if task.status == "done" else "scan_unit", "result": view | {"put": put}}


register("putback", Mode("journey.pick", take, needs_code=False))
register("putback.unit", Mode("journey.pick", unit))
register("putback.bin", Mode("journey.pick", into_bin))
