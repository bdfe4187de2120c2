"""Add, edit and retire printers, packing stations and devices (handhelds, scanner bridges, printer agents).

Every change needs `devices.manage` (managers and the admin), is validated field by field with its own error
code, and is written through the ORM session, so the audit trail records it. Codes are kept upper case.
A retired device keeps its rows (ledger and audit entries name it) but its token is revoked at once and it can
never be paired again; a retired printer (`active` false) takes no new jobs."""
from __future__ import annotations

import json
import re
from typing import Any

import segno

from sqlalchemy import select

from server.db.models import Device, Printer, Station, utcnow
from server.domain.errors import WmsError, Words
from server.extensions import db
from server.services import transaction
from server.services.people import auth
from server.services.people.auth import Actor
from server.services.printing import print_jobs

TRANSPORTS = ("tcp9100", "cups")
# What a printer may be told to print (Printer.documents); empty: anything.
DOCUMENTS = ("bin_label", "lpn_label", "shipping_label", "packing_list", "exchange_notice", "badge", "item_label",
             "rtv_dispatch_note")
DPIS = (203, 300)
LABEL_MM = (10.0, 500.0)
DEFAULT_PORT = 9100
PAIRABLE = auth.DEVICE_KINDS

_CODE = re.compile(r"^[A-Z0-9][A-Z0-9_.-]*$")
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
_HOST = re.compile(rf"^(?=.{{1,128}}$){_LABEL}(?:\.{_LABEL})*$")
_QUEUE = re.compile(r"^[A-Za-z0-9_.-]{1,127}$")

PRINTER_FIELDS = ("code", "name", "transport", "host", "port", "queue", "dpi", "label_width_mm", "label_height_mm",
                  "documents", "active", "agent")
STATION_FIELDS = ("code", "name", "printer", "scanner")
DEVICE_FIELDS = ("code", "kind", "name")


# --- shared checks ----------------------------------------------------------------------------------

def _manager(actor: Actor) -> None:
    actor.require("devices.manage")


def _fields(body: dict, allowed: tuple[str, ...], editing: bool) -> dict:
    allowed = tuple(f for f in allowed if not (editing and f in ("code", "kind")))
    for field in body:
        if field not in allowed:
            raise WmsError("unknown_field", field=str(field)[:40], choices=", ".join(allowed))
    return body


def _code(value: object, limit: int) -> str:
    if not isinstance(value, str) or not value.strip():
        raise WmsError("bad_request", detail=Words("code is required", "必须填写 code"))
    code = value.strip().upper()
    if len(code) > limit or not _CODE.match(code):
        raise WmsError("bad_code", code=code[:limit + 8], limit=limit)
    return code


def _name(value: object, required: bool, limit: int = 128) -> str:
    if value is None and not required:
        return ""
    if not isinstance(value, str) or (required and not value.strip()):
        raise WmsError("bad_request", detail=Words(f"name is required (text, up to {limit} characters)",
                                                   f"必须填写 name（文本，最多 {limit} 个字符）"))
    if len(value.strip()) > limit:
        raise WmsError("bad_request", detail=Words(f"name is longer than {limit} characters",
                                                   f"name 超过 {limit} 个字符"))
    return value.strip()


def _device(code: object) -> Device:
    device = db.session.execute(select(Device).where(Device.code == str(code).strip().upper())
                                ).scalar_one_or_none() if isinstance(code, str) else None
    if device is None:
        raise WmsError("not_found", what=f"device {code}")
    return device


def _live_device(code: object, kind: str) -> Device:
    device = _device(code)
    if device.retired_at is not None:
        raise WmsError("device_retired", device=device.code)
    if device.kind != kind:
        raise WmsError("wrong_device_kind", device=device.code, kind=device.kind, expected=kind)
    return device


def _printer(code: object) -> Printer:
    if not isinstance(code, str):
        raise WmsError("printer_not_found", printer=code)
    return print_jobs.find_printer(code.strip().upper())


def _station(code: object) -> Station:
    station = db.session.execute(select(Station).where(Station.code == str(code).strip().upper())
                                 ).scalar_one_or_none() if isinstance(code, str) else None
    if station is None:
        raise WmsError("station_not_found", station=code)
    return station


# --- printers ---------------------------------------------------------------------------------------

def get_printer(code: object) -> Printer:
    return _printer(code)


def add_printer(body: dict, actor: Actor) -> Printer:
    """A new printer: code, name, transport (tcp9100 with host and port, or cups with a queue), dpi, label
    size, the documents it prints, its agent (by default the only printer agent, if there is just one)."""
    _manager(actor)
    _fields(body, PRINTER_FIELDS, editing=False)
    code = _code(body.get("code"), 24)  # its test label carries it as a Code 128 (printers/labels.py)
    if db.session.execute(select(Printer.id).where(Printer.code == code)).first() is not None:
        raise WmsError("duplicate_printer", printer=code)
    printer = Printer(code=code, name="", transport="tcp9100", dpi=203, label_width_mm=101.6,
                      label_height_mm=152.4, documents="", active=True)
    if "agent" not in body:
        agents = db.session.execute(select(Device).where(Device.kind == "printer_agent",
                                                         Device.retired_at.is_(None))).scalars().all()
        printer.agent_id = agents[0].id if len(agents) == 1 else None
    _apply_printer(printer, body, creating=True)
    db.session.add(printer)
    transaction.commit_and_notify()
    return printer


def edit_printer(code: object, body: dict, actor: Actor) -> Printer:
    """Change the fields given; `"active": false` retires the printer (it takes no new jobs)."""
    _manager(actor)
    printer = _printer(code)
    _fields(body, PRINTER_FIELDS, editing=True)
    _apply_printer(printer, body, creating=False)
    transaction.commit_and_notify()
    return printer


def _apply_printer(printer: Printer, body: dict, creating: bool) -> None:
    if creating or "name" in body:
        printer.name = _name(body.get("name"), required=True)
    transport = body.get("transport", printer.transport)
    if transport not in TRANSPORTS:
        raise WmsError("unknown_transport", transport=str(transport)[:40])
    host, port, queue = printer.host, printer.port, printer.queue
    if transport != printer.transport:
        host, port, queue = None, None, None
    host, port, queue = body.get("host", host), body.get("port", port), body.get("queue", queue)
    if transport == "tcp9100":
        if host in (None, ""):
            raise WmsError("transport_needs", transport=transport, field="host")
        if not isinstance(host, str) or not _HOST.match(host.strip()):
            raise WmsError("bad_printer_host", host=str(host)[:140])
        port = DEFAULT_PORT if port in (None, "") else port
        if isinstance(port, str) and port.strip().isdigit():
            port = int(port.strip())
        if isinstance(port, bool) or not isinstance(port, int) or not 1 <= port <= 65535:
            raise WmsError("bad_port", port=str(port)[:40])
        printer.host, printer.port, printer.queue = host.strip(), port, None
    else:
        if queue in (None, ""):
            raise WmsError("transport_needs", transport=transport, field="queue")
        if not isinstance(queue, str) or not _QUEUE.match(queue.strip()):
            raise WmsError("bad_cups_queue", queue=str(queue)[:140])
        printer.host, printer.port, printer.queue = None, None, queue.strip()
    printer.transport = transport
    if "dpi" in body:
        dpi = body["dpi"]
        if isinstance(dpi, str) and dpi.strip().isdigit():
            dpi = int(dpi.strip())
        if isinstance(dpi, bool) or dpi not in DPIS:
            raise WmsError("bad_dpi", dpi=str(dpi)[:40])
        printer.dpi = dpi
    if "label_width_mm" in body or "label_height_mm" in body:
        width = _mm(body.get("label_width_mm", printer.label_width_mm))
        height = _mm(body.get("label_height_mm", printer.label_height_mm))
        if width is None or height is None or not all(LABEL_MM[0] <= v <= LABEL_MM[1] for v in (width, height)):
            raise WmsError("bad_label_size", min=f"{LABEL_MM[0]:g}", max=f"{LABEL_MM[1]:g}",
                           width=str(body.get("label_width_mm", printer.label_width_mm))[:20],
                           height=str(body.get("label_height_mm", printer.label_height_mm))[:20])
        printer.label_width_mm, printer.label_height_mm = width, height
    if "documents" in body:
        printer.documents = ",".join(_documents(body["documents"]))
    if "active" in body:
        if not isinstance(body["active"], bool):
            raise WmsError("bad_request", detail=Words("active is true or false", "active 须为 true 或 false"))
        printer.active = body["active"]
    if "agent" in body:
        agent = body["agent"]
        printer.agent_id = None if agent in (None, "") else _live_device(agent, "printer_agent").id


def _mm(value: object) -> float | None:
    if isinstance(value, str):
        try:
            value = float(value.strip())
        except ValueError:
            return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value:
        return None
    return round(float(value), 1)


def _documents(value: object) -> list[str]:
    """A list, or a comma-separated text; empty means every document."""
    if isinstance(value, str):
        value = [v for v in (part.strip() for part in value.split(",")) if v]
    if not isinstance(value, list):
        raise WmsError("bad_request", detail=Words("documents is a list of document names",
                                                   "documents 须为单据类型名称的列表"))
    chosen = []
    for document in value:
        if document not in DOCUMENTS:
            raise WmsError("unknown_document", document=str(document)[:40], choices=", ".join(DOCUMENTS))
        if document not in chosen:
            chosen.append(document)
    return chosen


def queue_test_print(code: object, actor: Actor):
    """Queue a test label on the printer (print_jobs.print_test_label); the job, committed."""
    _manager(actor)
    printer = _printer(code)
    return print_jobs.print_test_label(printer.code, actor)


# --- packing stations -------------------------------------------------------------------------------

def get_station(code: object) -> Station:
    return _station(code)


def add_station(body: dict, actor: Actor) -> Station:
    _manager(actor)
    _fields(body, STATION_FIELDS, editing=False)
    code = _code(body.get("code"), 32)
    if db.session.execute(select(Station.id).where(Station.code == code)).first() is not None:
        raise WmsError("duplicate_station", station=code)
    if body.get("printer") in (None, ""):
        raise WmsError("bad_request", detail=Words("printer is required: the station prints its parcels' labels there",
                                                   "必须填写 printer（打包台的包裹标签在该打印机上打印）"))
    station = Station(code=code, name="")
    _apply_station(station, body, creating=True)
    db.session.add(station)
    transaction.commit_and_notify()
    return station


def edit_station(code: object, body: dict, actor: Actor) -> Station:
    _manager(actor)
    station = _station(code)
    _fields(body, STATION_FIELDS, editing=True)
    _apply_station(station, body, creating=False)
    transaction.commit_and_notify()
    return station


def _apply_station(station: Station, body: dict, creating: bool) -> None:
    if creating or "name" in body:
        station.name = _name(body.get("name"), required=True)
    if "printer" in body:
        if body["printer"] in (None, ""):
            raise WmsError("bad_request", detail=Words(
                "printer is required: the station prints its parcels' labels there",
                "必须填写 printer（打包台的包裹标签在该打印机上打印）"))
        printer = _printer(body["printer"])
        if not printer.active:
            raise WmsError("printer_inactive", printer=printer.code)
        station.printer_id = printer.id
    if "scanner" in body:
        scanner = body["scanner"]
        if scanner in (None, ""):
            station.scanner_device_id = None
        else:
            device = _live_device(scanner, "scanner_bridge")
            other = db.session.execute(select(Station).where(Station.scanner_device_id == device.id)
                                       ).scalar_one_or_none()
            if other is not None and other is not station:
                raise WmsError("scanner_in_use", device=device.code, station=other.code)
            station.scanner_device_id = device.id


def station_view(station: Station) -> dict:
    """A station as its settings are (the packing view, with its order, is packing_station.station_view)."""
    printer = db.session.get(Printer, station.printer_id) if station.printer_id else None
    scanner = db.session.get(Device, station.scanner_device_id) if station.scanner_device_id else None
    return {"code": station.code, "name": station.name, "printer": printer.code if printer else None,
            "scanner": scanner.code if scanner else None}


def list_stations() -> list[Station]:
    return list(db.session.execute(select(Station).order_by(Station.code)).scalars())


# --- devices ----------------------------------------------------------------------------------------

def get_device(code: object) -> Device:
    return _device(code)


def add_device(body: dict, actor: Actor) -> Device:
    _manager(actor)
    _fields(body, DEVICE_FIELDS, editing=False)
    code = _code(body.get("code"), 64)
    kind = body.get("kind")
    if kind not in auth.DEVICE_KINDS:
        raise WmsError("unknown_device_kind", kind=str(kind)[:40])
    if db.session.execute(select(Device.id).where(Device.code == code)).first() is not None:
        raise WmsError("duplicate_device", device=code)
    device = Device(code=code, kind=kind, name=_name(body.get("name"), required=False))
    db.session.add(device)
    transaction.commit_and_notify()
    return device


def edit_device(code: object, body: dict, actor: Actor) -> Device:
    """Only the name changes: a device's kind is what its token may do, so a new kind is a new device."""
    _manager(actor)
    device = _device(code)
    _fields(body, DEVICE_FIELDS, editing=True)
    if device.retired_at is not None and body:
        raise WmsError("device_retired", device=device.code)
    if "name" in body:
        device.name = _name(body["name"], required=False)
    transaction.commit_and_notify()
    return device


def retire_device(code: object, actor: Actor) -> Device:
    """Retire for good: the token stops working now (its open sockets drop within a second or two,
    realtime/revocations.py), it leaves its station, its printers lose their agent; it can never be paired
    again. Retiring a retired device changes nothing."""
    _manager(actor)
    device = _device(code)
    if device.retired_at is None:
        now = utcnow()
        device.retired_at = now
        if device.token_digest and device.token_revoked_at is None:
            device.token_revoked_at = now
        for station in db.session.execute(select(Station).where(Station.scanner_device_id == device.id)).scalars():
            station.scanner_device_id = None
        for printer in db.session.execute(select(Printer).where(Printer.agent_id == device.id)).scalars():
            printer.agent_id = None
        transaction.commit_and_notify()
    return device


def pair_device(code: object, actor: Actor) -> tuple[Device, str]:
    """A new token for the device (the old one stops), refused for a retired device: (device, token)."""
    _manager(actor)
    device = _device(code)
    if device.retired_at is not None:
        raise WmsError("device_retired", device=device.code)
    return device, auth.issue_device_token(device.code)


def revoke_device(code: object, actor: Actor) -> Device:
    _manager(actor)
    return auth.revoke_device_token(_device(code).code)


def pairing_text(server_url: str, device: Device, token: str) -> str:
    """What a pairing QR code carries (docs/setup.md, "Devices and printers"): one line of JSON."""
    return json.dumps({"wms": 1, "server": server_url.rstrip("/"), "device": device.code, "kind": device.kind,
                       "token": token}, separators=(",", ":"))


def pairing_qr_svg(text: str) -> str:
    """The pairing text as a QR code (always a full-size QR, never a Micro QR a phone cannot read), inline SVG."""
    return segno.make_qr(text, error="m").svg_inline(scale=4, border=4, title="Pairing code · 配对码")


def device_view(device: Device) -> dict[str, Any]:
    station = db.session.execute(select(Station.code).where(Station.scanner_device_id == device.id)).scalar()
    printers = db.session.execute(select(Printer.code).where(Printer.agent_id == device.id)
                                  .order_by(Printer.code)).scalars().all()
    return auth.device_view(device) | {"station": station, "printers": list(printers)}


def list_devices() -> list[Device]:
    return auth.list_devices()


def list_printers() -> list[Printer]:
    return print_jobs.list_printers()
