"""Print jobs: stored before they are sent, handed to the printer's agent, moved by its reports."""
from __future__ import annotations

import re
from collections.abc import Callable

from sqlalchemy import select

from printers import documents
from server.local_time import local
from printers.labels import bin_label_zpl, code_label_zpl, printer_test_label_zpl
from server.db.models import Bin, Device, Printer, PrintJob, PrintJobEvent, utcnow
from server.domain.errors import WmsError, Words
from server.extensions import db
from server.domain import places, roles
from server.services import transaction
from server.services.people import users
from server.services.people.auth import Actor

# Which state may follow which. "waiting" repeats while a printer stays in fault.
NEXT_STATES: dict[str, frozenset[str]] = {
    "queued": frozenset({"waiting", "sent", "failed"}),
    "waiting": frozenset({"waiting", "sent", "failed"}),
    "sent": frozenset({"printed", "failed"}),
    "printed": frozenset(),
    "failed": frozenset(),
    # Its parcel's order was cancelled (services/orders/cancellation.py): final, never sent or reprinted.
    "voided": frozenset(),
}
# What an agent is offered at every hello: jobs to print, and jobs some agent reported `sent` that no
# one has seen leave the printer yet (their agent may have gone with its journal): confirmed, never resent.
UNFINISHED_STATES = ("queued", "waiting", "sent")
# Told about every job once it is committed (the realtime layer pushes it to the printer's agent).
job_listeners: list[Callable[[PrintJob], None]] = []
# Told of every state an agent reports (stations show why their labels wait: paper out, head open …).
state_listeners: list[Callable[[PrintJob], None]] = []


def find_printer(code: str) -> Printer:
    printer = db.session.execute(select(Printer).where(Printer.code == code)).scalar_one_or_none()
    if printer is None:
        raise WmsError("printer_not_found", printer=code)
    return printer


def print_bin_labels(zone: str, printer_code: str, actor: Actor, dpi: int | None = None,
                     bin_codes: list[str] | None = None) -> PrintJob:
    """One job carrying a label for every bin of a zone (or the bins named), in bin order."""
    actor.require("labels.print")
    printer = find_printer(printer_code)
    dpi = dpi or printer.dpi
    if dpi not in (203, 300):
        raise WmsError("bad_dpi", dpi=dpi)
    # Totes, parcels and transit carry no shelf label: a zone of only those has no bins to label.
    query = select(Bin).where(Bin.zone == zone, Bin.active.is_(True), Bin.kind.not_in(places.NOT_ON_SHELVES)
                              ).order_by(Bin.code)
    if bin_codes:
        query = query.where(Bin.code.in_(bin_codes))
    bins = db.session.execute(query).scalars().all()
    if not bins:
        raise WmsError("no_bins", zone=zone)
    zpl = "\n".join(bin_label_zpl(b.code, b.zone, b.aisle, b.bay, b.level, dpi=dpi) for b in bins)
    title = f"Bin labels zone {zone} ({len(bins)}) / 库区 {zone} 货位标签（{len(bins)}）"
    return _new_job(printer, "bin_labels", title, zpl, actor)


def print_badge(username: str, printer_code: str, actor: Actor) -> PrintJob:
    """A person's badge (工牌: name, staff number, role in both languages, Code 128 of the badge code) to a
    chosen printer. Printing (re)issues the badge: its code logs the person in from now on (floor roles).
    The job is stored with the caller's commit."""
    actor.require("people.manage")
    printer = find_printer(printer_code)
    person = users.issue_badge(username, actor)
    english, chinese = roles.ROLE_NAMES.get(person["role"], (person["role"], person["role"]))
    try:
        zpl = documents.badge({"code": person["code"], "name": person["name"], "employee_no": person["employee_no"],
                               "role": {"en": english, "zh": chinese}}, profile(printer))
    except ValueError as error:
        raise WmsError("bad_request", detail=Words(str(error), layout_zh(error, "工牌"))) from None
    title = f"Badge {person['username']} {person['name']} / 工牌"
    return _new_job(printer, "badge", title, zpl, actor, commit=False)


def print_code_label(printer_code: str, kind: str, code: str, english: str, chinese: str,
                     actor: Actor) -> PrintJob:
    """A single label naming one thing (a lot's licence plate, a return to vendor), printed as part
    of the caller's transaction: the job is stored with the caller's commit, never without it."""
    printer = find_printer(printer_code)
    zpl = code_label_zpl(code, english, chinese, dpi=printer.dpi)
    return _new_job(printer, kind, f"{code} {english}", zpl, actor, commit=False)


def print_document(printer: Printer, kind: str, title: str, zpl: str, actor: Actor,
                   parcel_id: int | None = None) -> PrintJob:
    """A document (shipping label, packing list …) made by the caller, stored with the caller's commit;
    `parcel_id`: the parcel it is for (cancelling its order voids it)."""
    return _new_job(printer, kind, title, zpl, actor, commit=False, parcel_id=parcel_id)


def reprint(job_id: int, actor: Actor, reason: object = None) -> PrintJob:
    """A reprint is a new job with the same ZPL, naming the original and why (a second shipping label
    can become a second parcel, so every reprint is audited); the first job's history stays as it was."""
    actor.require("labels.print")
    if not isinstance(reason, str) or not reason.strip():
        raise WmsError("reprint_reason_required")
    original = get_job(job_id)
    if original.status == "voided":
        raise WmsError("label_voided", job=original.id)
    return _new_job(original.printer, original.kind, "Reprint: " + original.title, original.zpl,
                    actor, reprint_of=original.id, reprint_reason=reason.strip()[:200], parcel_id=original.parcel_id)


def print_test_label(printer_code: str, actor: Actor) -> PrintJob:
    """A test label for a printer (its code, name, dpi, label size and the time), through the same queue and
    agent as every other job: a printed test shows the whole path works, not only the printer."""
    actor.require("devices.manage")
    printer = find_printer(printer_code)
    if printer.agent_id is None:
        raise WmsError("printer_no_agent", printer=printer.code)
    at = local(utcnow(), "%Y-%m-%d %H:%M:%S %Z")  # the warehouse's clock, its zone named
    zpl = printer_test_label_zpl(printer.code, printer.name, printer.dpi, printer.label_width_mm,
                                 printer.label_height_mm, at)
    return _new_job(printer, "test_label", f"Test print {printer.code} / 测试打印 {printer.code}", zpl, actor)


def _new_job(printer: Printer, kind: str, title: str, zpl: str, actor: Actor,
             commit: bool = True, reprint_of: int | None = None, reprint_reason: str | None = None,
             parcel_id: int | None = None) -> PrintJob:
    if not printer.active:
        raise WmsError("printer_inactive", printer=printer.code)
    job = PrintJob(printer_id=printer.id, printer=printer, kind=kind, title=title[:200], zpl=zpl,
                   status="queued", created_by=actor.user_id, reprint_of=reprint_of,
                   reprint_reason=reprint_reason, parcel_id=parcel_id)
    db.session.add(job)
    db.session.flush()
    db.session.add(PrintJobEvent(job_id=job.id, status="queued", device_id=actor.device_id))
    transaction.after_commit(lambda: _tell_listeners(job.id))
    if commit:
        db.session.commit()
        transaction.committed()
    return job


def _tell_listeners(job_id: int) -> None:
    job = db.session.get(PrintJob, job_id)
    for listener in job_listeners:
        listener(job)


def get_job(job_id: int) -> PrintJob:
    job = db.session.get(PrintJob, job_id)
    if job is None:
        raise WmsError("job_not_found", job=job_id)
    return job


def record_state(job_id: int, status: str, reason: str | None, agent: Actor) -> PrintJob:
    """The agent says where a job is. Saying the current final state again changes nothing."""
    agent.require("printing.agent")
    job = get_job(job_id)
    if job.printer.agent_id != agent.device_id:
        raise WmsError("forbidden", role=agent.device_kind)
    if status == job.status and (status != "waiting" or reason == job.reason):
        return job  # a report repeated after a reconnect
    if job.status == "voided":
        return job  # the agent had it before it was voided: what it says now changes nothing
    if status not in NEXT_STATES.get(job.status, ()):
        raise WmsError("bad_job_state", job=job_id, current=job.status, new=status)
    job.status, job.reason, job.updated_at = status, reason, utcnow()
    db.session.add(PrintJobEvent(job_id=job.id, status=status, reason=reason,
                                 device_id=agent.device_id))
    db.session.commit()
    for listener in state_listeners:
        listener(job)
    return job


def unfinished_jobs_for_agent(agent: Actor) -> list[PrintJob]:
    agent.require("printing.agent")
    return list(db.session.execute(
        select(PrintJob).join(Printer).where(Printer.agent_id == agent.device_id,
                                             PrintJob.status.in_(UNFINISHED_STATES))
        .order_by(PrintJob.id)).scalars())


def printers_for_agent(agent: Actor) -> list[dict]:
    agent.require("printing.agent")
    printers = db.session.execute(
        select(Printer).where(Printer.agent_id == agent.device_id).order_by(Printer.code)).scalars()
    return [printer_view(p) for p in printers]


def printer_view(printer: Printer) -> dict:
    agent = db.session.get(Device, printer.agent_id) if printer.agent_id else None
    return {"code": printer.code, "name": printer.name, "transport": printer.transport,
            "host": printer.host, "port": printer.port, "queue": printer.queue, "dpi": printer.dpi,
            "label_width_mm": printer.label_width_mm, "label_height_mm": printer.label_height_mm,
            "documents": [d for d in (printer.documents or "").split(",") if d], "active": printer.active,
            "agent": agent.code if agent else None}


def profile(printer: Printer) -> dict:
    """The stock and resolution documents for this printer are laid out for."""
    return {"dpi": printer.dpi, "width_mm": printer.label_width_mm, "height_mm": printer.label_height_mm}


# printers.documents refuses in English only ("a badge needs stock at least 48 mm tall"). The refusals a
# supervisor meets (the stock loaded, the resolution) are said again in Chinese; any other is named in general,
# with the library's words in parentheses for the value at fault (a code a barcode cannot carry, say).
_STOCK_MINIMUM = re.compile(r"needs stock at least ([\d.]+)(?: x ([\d.]+))? mm( tall)?")
_ROWS = re.compile(r"a ([\d.]+) mm tall label leaves room for (\d+) lines; this document needs at least (\d+)")
_PROFILE = ("unsupported dpi", "label width_mm", "label height_mm", "bad label profile")
# The documents of printers.documents.DOCUMENTS as the Chinese pages name them.
DOCUMENT_ZH = {"shipping_label": "快递面单", "packing_list": "发货清单", "exchange_notice": "换货单", "badge": "工牌",
               "rtv_dispatch_note": "退供应商发货单", "item_label": "货品标签"}


def layout_zh(error: ValueError, document_zh: str) -> str:
    """Why printers.documents could not lay out a document (`document_zh`: 货品标签, 工牌…), in Chinese."""
    said = str(error)
    if stock := _STOCK_MINIMUM.search(said):
        width, height, tall = stock.groups()
        size = f"高度至少 {width} 毫米" if tall else f"至少 {width} × {height} 毫米" if height else f"至少 {width} 毫米"
        return f"{document_zh}需要{size}的标签纸"
    if rows := _ROWS.search(said):
        height, room, needed = rows.groups()
        return f"{height} 毫米高的标签纸只能排 {room} 行，{document_zh}至少需要 {needed} 行"
    if said.startswith(_PROFILE):
        dpis = " 或 ".join(str(dpi) for dpi in sorted(documents.DPMM))
        return f"标签纸规格无效：分辨率须为 {dpis} dpi，宽度和高度须在 20 到 400 毫米之间"
    return f"无法生成{document_zh}，请检查标签纸尺寸和单据内容（{said}）"


def job_view(job: PrintJob, with_zpl: bool = False) -> dict:
    view = {"id": job.id, "printer": job.printer.code, "kind": job.kind, "title": job.title,
            "status": job.status, "reason": job.reason,
            "labels": job.zpl.count("^XA"), "reprint_of": job.reprint_of,
            "reprint_reason": job.reprint_reason,
            "created_at": job.created_at.isoformat() + "Z",
            "updated_at": job.updated_at.isoformat() + "Z"}
    if with_zpl:
        view["zpl"] = job.zpl
    return view


def job_page(printer_code: str | None = None, status: str | None = None, q: str | None = None,
             before: int | None = None, per_page: int = 50) -> tuple[list[PrintJob], int | None]:
    """Jobs newest first, older than job `before`, narrowed by printer, status and words of the title (an
    order number, a tracking number, a bin); and the `before` of the next page (None on the last)."""
    query = select(PrintJob)
    if printer_code:
        query = query.where(PrintJob.printer_id == find_printer(printer_code).id)
    if status:
        query = query.where(PrintJob.status == status)
    if q:
        query = query.where(PrintJob.title.contains(q, autoescape=True))
    if before:
        query = query.where(PrintJob.id < before)
    jobs = list(db.session.execute(query.order_by(PrintJob.id.desc()).limit(per_page + 1)).scalars())
    return jobs[:per_page], (jobs[per_page - 1].id if len(jobs) > per_page else None)


def recent_jobs(limit: int = 50, printer_code: str | None = None) -> list[PrintJob]:
    """The latest jobs, of every printer or of one (a printer's job history)."""
    query = select(PrintJob).order_by(PrintJob.id.desc()).limit(limit)
    if printer_code:
        query = query.where(PrintJob.printer_id == find_printer(printer_code).id)
    return list(db.session.execute(query).scalars())


def job_history(job_id: int) -> list[dict]:
    events = db.session.execute(select(PrintJobEvent).where(PrintJobEvent.job_id == job_id)
                                .order_by(PrintJobEvent.id)).scalars()
    return [{"status": e.status, "reason": e.reason, "at": e.at.isoformat() + "Z"}
            for e in events]


def list_printers() -> list[Printer]:
    return list(db.session.execute(select(Printer).order_by(Printer.code)).scalars())


def printer_codes() -> list[str]:
    return db.session.execute(select(Printer.code).order_by(Printer.code)).scalars().all()
