"""Replenishment as a scan mode: the device keeps the reserve bin it scanned; the pick-face scan
carries both, so the move is one idempotent step."""
from __future__ import annotations

from typing import Any

from server.domain.barcodes import Decoded
from server.services.people.auth import Actor
from server.services.floor.scans import Mode, register
from server.services.inventory import replenishment


def replenish(decoded: Decoded | None, payload: dict, actor: Actor) -> dict[str, Any]:
    task = replenishment.complete_replenishment(payload.get("task"), payload.get("from_bin"), decoded.key, actor,
                                         payload.get("scan_id"))
    return {"next": "done", "result": replenishment.replenishment_view(task)}


register("replenish", Mode("stock.transfer", replenish))
