"""The returns journey as scan modes: open a case from the parcel's label, scan and judge every unit,
give units their disposition, sign the chain. Each step is one idempotent command under the device's
scan id (see services.scans): a repeated signature is answered from the store, never signed twice."""
from __future__ import annotations

from typing import Any

from server.domain.barcodes import Decoded
from server.domain.errors import WmsError
from server.services.returns import return_cases
from server.services.people.auth import Actor
from server.services.floor.scans import Mode, register


def _code(payload: dict) -> str:
    """Tracking and order numbers are read as text: a marketplace order number need not be a barcode
    the decoder knows (an 18-digit one fails the SSCC check digit)."""
    code = payload.get("code")
    if not isinstance(code, str) or not code.strip():
        raise WmsError("empty_code")
    return code.strip()


def open_case(_: Decoded | None, payload: dict, actor: Actor) -> dict[str, Any]:
    code = _code(payload)
    case = return_cases.open_case(code, payload.get("reason"), actor, lines=payload.get("lines"),
                             unknown_parcel=bool(payload.get("unknown_parcel")),
                             shipping_cost_cents=payload.get("shipping_cost_cents"), note=payload.get("note"))
    return {"kind": "return", "code": code[:64], "next": "scan_unit", "result": return_cases.case_view(case)}


def link(_: Decoded | None, payload: dict, actor: Actor) -> dict[str, Any]:
    code = _code(payload)
    case = return_cases.link_order(payload.get("return"), code, actor, payload.get("lines"))
    return {"kind": "return", "code": code[:64], "next": "scan_unit", "result": return_cases.case_view(case)}


def unit(decoded: Decoded | None, payload: dict, actor: Actor) -> dict[str, Any]:
    """A flagged unit is recorded (it is in the warehouse now) but sounds the error tone: set it apart."""
    inspected, flag = return_cases.inspect_unit(payload.get("return"), decoded, payload.get("judgement"), actor,
                                           payload.get("scan_id"))
    case = return_cases.find_case(inspected.return_id)
    ack = {"kind": "item", "next": "scan_unit",
           "result": return_cases.case_view(case) | {"unit": return_cases.unit_view(inspected, flag)}}
    if flag:
        ack |= {"sound": "error", "warnings": [flag]}
    return ack


def dispose(_: Decoded | None, payload: dict, actor: Actor) -> dict[str, Any]:
    chosen = return_cases.dispose(payload.get("return"), payload.get("units"), payload.get("disposition"), actor)
    case = return_cases.find_case(chosen[0].return_id)
    return {"kind": "return", "next": "sign" if case.status == "inspected" else "dispose",
            "result": return_cases.case_view(case)}


def sign(_: Decoded | None, payload: dict, actor: Actor) -> dict[str, Any]:
    case = return_cases.sign(payload.get("return"), payload.get("level"), actor, payload.get("note"),
                        payload.get("scan_id"))
    view = return_cases.case_view(case)
    if case.status != "done":
        following = "sign"
    else:
        following = "putaway" if any(u["putaway"] for u in view["units"]) else "done"
    return {"kind": "return", "next": following, "result": view}


register("return.open", Mode("returns.open", open_case, needs_code=False))
register("return.link", Mode("returns.open", link, needs_code=False))
register("return.unit", Mode("returns.inspect", unit))
register("return.dispose", Mode("returns.inspect", dispose, needs_code=False))
register("return.sign", Mode("returns.inspect", sign, needs_code=False))
