"""Transfers and cycle counts as scan modes: each step one `scan` event, stored with its ack."""
from __future__ import annotations

from typing import Any

from flask import current_app

from server.domain.barcodes import Decoded, decode
from server.domain.errors import WmsError, Words
from server.services.catalogue.items import units_per_scan
from server.services.inventory import counts
from server.services.inventory import control
from server.services.people.auth import Actor
from server.services.floor.scans import Mode, register
from server.domain.stock import quantity


def transfer(decoded: Decoded | None, payload: dict, actor: Actor) -> dict[str, Any]:
    """The to-bin scan: it carries the from-bin, item and quantity the device kept, so the whole
    transfer is one atomic, idempotent step."""
    if decoded.kind != "bin":
        raise WmsError("unknown_barcode", code=decoded.key)
    raw_item = payload.get("item")
    if not isinstance(raw_item, str) or not raw_item.strip():
        raise WmsError("bad_request", detail=Words("the transfer needs the item scanned", "调拨需要先扫描货品"))
    item_code = decode(raw_item, current_app.extensions["wms_decoder_rules"])
    made = control.transfer(payload.get("from_bin"), control.item_for_scan(item_code),
                              quantity(payload.get("qty", 1)), actor, to_code=decoded.key,
                              lot_code=item_code.lot, scan_id=payload.get("scan_id"))
    return {"kind": "transfer", "next": "scan_bin",
            "result": {"transfers": [control.transfer_view(row) for row in made],
                       "in_transit": made[0].status == "in_transit"}}


def receive_transfer(decoded: Decoded | None, payload: dict, actor: Actor) -> dict[str, Any]:
    """At the destination warehouse: the bin the travelling units are put into."""
    if decoded.kind != "bin":
        raise WmsError("unknown_barcode", code=decoded.key)
    row = control.receive(payload.get("transfer"), decoded.key, actor, payload.get("scan_id"))
    return {"kind": "transfer", "next": "scan_bin", "result": {"transfer": control.transfer_view(row)}}


def count(decoded: Decoded | None, payload: dict, actor: Actor) -> dict[str, Any]:
    """A bin opens it for counting; an item adds `qty` counted units in the bin named by `bin`."""
    if decoded.kind == "bin":
        return {"next": "scan_item", "result": counts.open_bin(decoded.key, actor)}
    # A case's code counts as its units (item_barcodes.qty).
    view = counts.count_item(payload.get("bin"), decoded, quantity(payload.get("qty", 1)) * units_per_scan(decoded),
                             actor)
    return {"kind": "item", "next": "scan_item", "result": view}


def close(_: Decoded | None, payload: dict, actor: Actor) -> dict[str, Any]:
    view = counts.close_bin(payload.get("bin"), actor, empty=payload.get("empty") is True,
                            scan_id=payload.get("scan_id"))
    return {"kind": "count", "next": "scan_bin", "result": view}


def restart(_: Decoded | None, payload: dict, actor: Actor) -> dict[str, Any]:
    return {"kind": "count", "next": "scan_item", "result": counts.restart_bin(payload.get("bin"), actor)}


register("transfer", Mode("stock.transfer", transfer))
register("transfer.receive", Mode("stock.transfer", receive_transfer))
register("count", Mode("stock.count", count))
register("count.close", Mode("stock.count", close, needs_code=False))
register("count.restart", Mode("stock.count", restart, needs_code=False))
