"""The scan pipeline: validate, decode, act in the scan's mode, store the ack under the device's
scan id — all in one transaction, so a replay returns the stored ack and changes nothing."""
from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable
from typing import Any

from dataclasses import dataclass

from flask import current_app, g
from sqlalchemy.exc import IntegrityError, InterfaceError, OperationalError

from server.db.fast import Sql
from server.db.models import utcnow
from server.domain import roles
from server.domain.barcodes import Decoded, decode
from server.domain.errors import WmsError
from server.extensions import db
from server.services import lookup, transaction
from server.services.auth import Actor

log = logging.getLogger(__name__)
SCAN_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]{7,63}$")


def _lookup(decoded: Decoded, payload: dict, actor: Actor) -> dict[str, Any]:
    if decoded.kind == "bin":
        return {"result": lookup.bin_contents(lookup.find_bin(decoded.key))}
    if decoded.names_an_item:
        return {"kind": "item", "result": lookup.item_locations(lookup.find_item(decoded), decoded)}
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


@dataclass(frozen=True)
class Mode:
    """One step of a journey that a device can send: a scan (with a code) or an action (without).
    Both are stored under the device's scan id, so a repeated confirm is answered, not applied."""

    permission: str
    act: Callable[[Decoded | None, dict, Actor], dict[str, Any]]
    needs_code: bool = True


MODES: dict[str, Mode] = {"lookup": Mode("scan.lookup", _lookup)}


def register(name: str, mode: Mode) -> None:
    MODES[name] = mode




def error_ack(scan_id: str | None, error: WmsError) -> dict[str, Any]:
    return {"ok": False, "scan_id": scan_id, "error": error.as_dict(), "sound": "error"}


def handle(payload: Any, actor: Actor) -> dict[str, Any]:
    """Answer one scan. Never raises for a bad scan: the error is the ack. When the database goes away
    (restart, failover, network) the answer is `try_again`, not stored: the device keeps the scan and
    sends the same scan id again — if the commit did happen, the replay gets the stored ack; if not,
    the scan is applied then. Either way it is neither lost nor applied twice."""
    try:
        return _handle(payload, actor)
    except (OperationalError, InterfaceError) as error:
        scan_id = payload.get("scan_id") if isinstance(payload, dict) else None
        log.warning("scan %s: database unavailable (%s)", scan_id, error.__class__.__name__)
        _discard_session()
        return error_ack(scan_id if isinstance(scan_id, str) else None, WmsError("try_again"))


def _handle(payload: Any, actor: Actor) -> dict[str, Any]:
    if not isinstance(payload, dict):
        return error_ack(None, WmsError("bad_request", detail="the scan must be a JSON object"))
    scan_id = payload.get("scan_id")
    if not isinstance(scan_id, str) or not SCAN_ID.match(scan_id):
        return error_ack(scan_id if isinstance(scan_id, str) else None, WmsError("bad_scan_id"))

    stored = stored_ack(scan_id)
    if stored is not None:
        g.scan_replayed = True  # for telemetry: a device resent a scan the server already answered
        return stored

    code = payload.get("code")
    mode = payload.get("mode") or "lookup"
    decoded: Decoded | None = None
    transaction.rolled_back()
    try:
        if not isinstance(mode, str) or mode not in MODES:  # a list or object is no mode (and unhashable)
            raise WmsError("unsupported_mode", mode=str(mode)[:32])
        step = MODES[mode]
        actor.require(step.permission)
        ack = {"ok": True, "scan_id": scan_id, "sound": "ok", "next": "scan_any"}
        if step.needs_code:
            if not isinstance(code, str):
                raise WmsError("bad_request", detail="the scan has no code text")
            decoded = decode(code, current_app.extensions["wms_decoder_rules"])
            ack |= {"kind": decoded.kind, "code": decoded.gtin or decoded.sscc or decoded.key}
            if decoded.warnings:
                ack["warnings"] = list(decoded.warnings)
        ack.update(step.act(decoded, payload, actor))
    except WmsError as error:
        db.session.rollback()  # whatever the mode half-wrote goes; only the refusal is kept
        transaction.rolled_back()
        ack = error_ack(scan_id, error)
    except (OperationalError, InterfaceError):
        raise  # the database is away: handle() answers try_again
    except Exception:
        # A bug must still get an answer, or the device resends this scan forever and every later
        # scan queues behind it. Not stored: once fixed, the same scan id can succeed.
        log.exception("scan %s in mode %s failed", scan_id, mode)
        db.session.rollback()
        transaction.rolled_back()
        return error_ack(scan_id, WmsError("internal_error"))

    try:
        # Prebuilt: the hot path neither builds a statement nor needs an ORM unit of work for a row it
        # never reads back.
        _INSERT_SCAN.run(
            scan_id=scan_id, at=utcnow(), user_id=actor.user_id, device_id=actor.device_id,
            mode=str(mode)[:32], code=code[:256] if isinstance(code, str) else "",
            kind=ack.get("kind"), ok=ack["ok"], error_code=ack["error"]["code"] if not ack["ok"] else None,
            ack_json=json.dumps(ack, ensure_ascii=False))
        db.session.commit()
    except IntegrityError:
        # The same scan id raced in on another connection: its stored ack is the answer.
        db.session.rollback()
        transaction.rolled_back()
        stored = stored_ack(scan_id)
        if stored is None:
            raise
        return stored
    transaction.committed()
    return ack


_STORED_ACK = Sql("SELECT ack_json FROM scans WHERE scan_id = :scan_id")
_INSERT_SCAN = Sql("""
    INSERT INTO scans (scan_id, at, user_id, device_id, mode, code, kind, ok, error_code, ack_json)
    VALUES (:scan_id, :at, :user_id, :device_id, :mode, :code, :kind, :ok, :error_code, :ack_json)""")


def _discard_session() -> None:
    try:
        db.session.rollback()
    except Exception:  # the connection is gone; the pool replaces it (pre-ping on PostgreSQL)
        db.session.invalidate()
    transaction.rolled_back()


def stored_ack(scan_id: str) -> dict[str, Any] | None:
    stored = _STORED_ACK.scalar(scan_id=scan_id)
    return json.loads(stored) if stored is not None else None
