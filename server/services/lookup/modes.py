"""The Lookup journey as a scan mode: what a bin holds, where an item is, whose badge, which PO or LPN."""
from __future__ import annotations

from typing import Any

from server.domain import roles
from server.domain.barcodes import Decoded
from server.services.floor.scans import Mode, register
from server.services.lookup import answers as lookup
from server.services.people.auth import Actor


def _lookup(decoded: Decoded, payload: dict, actor: Actor) -> dict[str, Any]:
    if decoded.kind == "bin":
        return {"result": lookup.bin_contents_by_code(decoded.key)}
    if decoded.names_an_item:
        return {"kind": "item", "result": lookup.item_locations_by_key(decoded)}
    if decoded.kind == "badge":
        owner = lookup.badge_owner(decoded)
        role_en, role_zh = roles.ROLE_NAMES[owner.role]
        return {"result": {"summary": {"en": f"Badge of {owner.name} ({role_en})",
                                       "zh": f"{owner.name} 的工牌（{role_zh}）"}}}
    if decoded.kind == "sscc":
        return {"kind": "lpn", "result": {
            "summary": {"en": f"Pallet/carton SSCC {decoded.sscc}: no receipt expects it yet",
                        "zh": f"托盘/箱 SSCC {decoded.sscc}：暂无收货单关联"},
            "gs1": decoded.gs1_fields()}}
    if decoded.kind == "po":
        return {"result": lookup.po_summary(decoded.key)}
    if decoded.kind == "lpn" and (task := lookup.putaway_task_for(decoded.key)) is not None:
        return {"result": task}
    label = {"tote": ("Tote", "周转箱"), "lpn": ("Licence plate", "箱号")}[decoded.kind]
    return {"result": {"summary": {"en": f"{label[0]} {decoded.key}: not in use by any task",
                                   "zh": f"{label[1]} {decoded.key}：当前没有任务使用"}}}


register("lookup", Mode("scan.lookup", _lookup))
