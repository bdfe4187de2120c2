"""Returns to vendor (RTV, 退供应商): a lot rejected at inspection goes back to its supplier. A manager
approves it (its dispatch note prints then, for the goods to travel with), the dock marks it sent when it
leaves, and only then is it off the exceptions list; it can be cancelled before it leaves, with a reason.
Nothing of a rejected lot ever entered stock, so none of these steps touches the books."""
from __future__ import annotations

import re

from sqlalchemy import func, or_, select

from printers import documents
from server.db.models import Item, Lot, PrintJob, PurchaseOrder, PurchaseOrderLine, Supplier, User, VendorReturn, utcnow
from server.domain.errors import WmsError, Words
from server.extensions import db
from server.local_time import local_iso
from server.services.people.auth import Actor
from server.services.printing import print_jobs
from server.services.receiving import inbound

STATES = ("awaiting_approval", "approved", "sent", "cancelled")
OPEN_STATES = ("awaiting_approval", "approved")  # still waiting for someone: on the exceptions list
# The states as refusals name them (the pages show server/web/statuses.py's words).
STATE_WORDS = {"awaiting_approval": ("awaiting approval", "待批准"), "approved": ("approved", "已批准"),
               "sent": ("sent", "已发出"), "cancelled": ("cancelled", "已取消")}
_NUMBER = re.compile(r"^RTV-?0*(\d{1,9})$")


def number(vendor_return: VendorReturn) -> str:
    return f"RTV-{vendor_return.id:06d}"


def find(ref: object, lock: bool = False) -> VendorReturn:
    """A vendor return by its id or number (RTV-000001). `lock`: its row is locked for a step that changes
    it (PostgreSQL), so an approval and a cancellation at once take turns."""
    found = None
    key = ref if isinstance(ref, int) and not isinstance(ref, bool) else None
    if isinstance(ref, str) and (match := _NUMBER.match(ref.strip().upper())):
        key = int(match.group(1))
    if key is not None:
        query = select(VendorReturn).where(VendorReturn.id == key)
        if lock:
            query = query.with_for_update(of=VendorReturn).execution_options(populate_existing=True)
        found = db.session.execute(query).scalar()
    if found is None:
        raise WmsError("unknown_vendor_return", rtv=str(ref)[:40])
    return found


def _refuse(code: str, vendor_return: VendorReturn) -> WmsError:
    english, chinese = STATE_WORDS[vendor_return.status]
    return WmsError(code, rtv=number(vendor_return), state=english, state_zh=chinese)


def approve(ref: object, actor: Actor, printer_code: str | None = None) -> PrintJob:
    """A manager lets the lot go back: approved (who, when), and its dispatch note printed — on the
    printer named, else the receiving dock's. Returns the print job (stored with the caller's commit)."""
    actor.require("vendor_returns.approve")
    vendor_return = find(ref, lock=True)
    if vendor_return.status != "awaiting_approval":
        raise _refuse("rtv_already_decided", vendor_return)
    vendor_return.status = "approved"
    vendor_return.approved_by, vendor_return.approved_at = actor.user_id, utcnow()
    db.session.flush()
    return _print_note(vendor_return, printer_code, actor)


def print_dispatch_note(ref: object, actor: Actor, printer_code: str | None = None) -> PrintJob:
    """The dispatch note again (lost, or another printer): only for an approved or sent return."""
    actor.require("labels.print")
    vendor_return = find(ref)
    if vendor_return.status not in ("approved", "sent"):
        raise _refuse("rtv_not_approved", vendor_return)
    return _print_note(vendor_return, printer_code, actor)


def mark_sent(ref: object, actor: Actor, note: object = "") -> VendorReturn:
    """The lot left the dock for its supplier (the note: carrier, waybill …): sent, who and when."""
    actor.require("floor.supervise")
    vendor_return = find(ref, lock=True)
    if vendor_return.status != "approved":
        raise _refuse("rtv_not_approved" if vendor_return.status == "awaiting_approval" else "rtv_closed",
                      vendor_return)
    vendor_return.status = "sent"
    vendor_return.sent_by, vendor_return.sent_at = actor.user_id, utcnow()
    vendor_return.sent_note = str(note or "").strip()[:200]
    db.session.flush()
    return vendor_return


def cancel(ref: object, reason: object, actor: Actor) -> VendorReturn:
    """Called off before it leaves (the supplier takes the goods another way, the lot is re-inspected …),
    with a written reason; the lot stays rejected."""
    actor.require("vendor_returns.approve")
    vendor_return = find(ref, lock=True)
    if vendor_return.status not in OPEN_STATES:
        raise _refuse("rtv_closed", vendor_return)
    if not isinstance(reason, str) or not reason.strip():
        raise WmsError("rtv_reason_required", rtv=number(vendor_return))
    vendor_return.status = "cancelled"
    vendor_return.cancelled_by, vendor_return.cancelled_at = actor.user_id, utcnow()
    vendor_return.cancel_reason = reason.strip()[:200]
    db.session.flush()
    return vendor_return


# --- the dispatch note ------------------------------------------------------------------------

def dispatch_document(vendor_return: VendorReturn) -> dict:
    lot = db.session.get(Lot, vendor_return.lot_id)
    item = db.session.get(Item, lot.item_id)
    supplier = db.session.get(Supplier, vendor_return.supplier_id)
    return {"rtv": number(vendor_return), "supplier": f"{supplier.code} {supplier.name}", "po": _po_number(lot),
            "lot": lot.code, "reason": vendor_return.reason, "approved_by": _name(vendor_return.approved_by),
            "approved_at": local_iso(vendor_return.approved_at),
            "lines": [{"sku": item.sku, "name": {"en": item.product.name_en, "zh": item.product.name_zh},
                       "variant": {"en": item.variant_en, "zh": item.variant_zh}, "qty": vendor_return.qty}]}


def _print_note(vendor_return: VendorReturn, printer_code: str | None, actor: Actor) -> PrintJob:
    printer = print_jobs.find_printer(printer_code or inbound.settings()["label_printer"])
    try:
        zpl = documents.rtv_dispatch_note(dispatch_document(vendor_return), print_jobs.profile(printer))
    except ValueError as error:  # a lot code or supplier the note cannot carry
        raise WmsError("bad_request", detail=Words(str(error), print_jobs.layout_zh(error, "退供应商发货单"))) from None
    rtv = number(vendor_return)
    return print_jobs.print_document(printer, "rtv_dispatch_note", f"Return to vendor {rtv} · 退供应商发货单 {rtv}",
                                     zpl, actor)


def _po_number(lot: Lot) -> str:
    if lot.po_line_id is None:
        return ""
    return db.session.execute(select(PurchaseOrder.number).join(
        PurchaseOrderLine, PurchaseOrderLine.po_id == PurchaseOrder.id).where(
        PurchaseOrderLine.id == lot.po_line_id)).scalar() or ""


def _name(user_id: int | None) -> str:
    user = db.session.get(User, user_id) if user_id else None
    return user.name if user else ""


# --- reading ----------------------------------------------------------------------------------

def search(q: str = "", status: str | None = None, page: int = 1, per_page: int = 25) -> tuple[list[VendorReturn], int]:
    """Newest first; `q` finds an RTV number, a lot, a SKU or a supplier (code or name)."""
    query = (select(VendorReturn).join(Lot, Lot.id == VendorReturn.lot_id).join(Item, Item.id == Lot.item_id)
             .join(Supplier, Supplier.id == VendorReturn.supplier_id))
    if status:
        query = query.where(VendorReturn.status == status)
    q = (q or "").strip()
    if q:
        like = f"%{q}%"
        found = [Lot.code.ilike(like), Item.sku.ilike(like), Supplier.code.ilike(like), Supplier.name.ilike(like)]
        if match := _NUMBER.match(q.upper()):
            found.append(VendorReturn.id == int(match.group(1)))
        query = query.where(or_(*found))
    total = db.session.execute(select(func.count()).select_from(query.subquery())).scalar()
    rows = db.session.execute(query.order_by(VendorReturn.id.desc()).limit(per_page)
                              .offset((max(page, 1) - 1) * per_page)).scalars()
    return list(rows), int(total)


def counts() -> dict[str, int]:
    return {status: n for status, n in db.session.execute(
        select(VendorReturn.status, func.count()).group_by(VendorReturn.status))}


def view(vendor_return: VendorReturn) -> dict:
    lot = db.session.get(Lot, vendor_return.lot_id)
    item = db.session.get(Item, lot.item_id)
    supplier = db.session.get(Supplier, vendor_return.supplier_id)
    jobs = db.session.execute(select(PrintJob).where(PrintJob.kind == "rtv_dispatch_note",
                                                     PrintJob.title.like(f"%{number(vendor_return)}%"))
                              .order_by(PrintJob.id.desc())).scalars().all()

    def step(by: int | None, at) -> dict | None:
        return {"by": _name(by), "at": at.isoformat() + "Z"} if at else None

    return {"number": number(vendor_return), "id": vendor_return.id, "status": vendor_return.status,
            "supplier": {"code": supplier.code, "name": supplier.name}, "lot": lot.code, "po": _po_number(lot),
            "sku": item.sku, "name": {"en": item.product.name_en, "zh": item.product.name_zh},
            "variant": {"en": item.variant_en, "zh": item.variant_zh}, "qty": vendor_return.qty,
            "reason": vendor_return.reason, "created": step(vendor_return.created_by, vendor_return.created_at),
            "approved": step(vendor_return.approved_by, vendor_return.approved_at),
            "sent": step(vendor_return.sent_by, vendor_return.sent_at), "sent_note": vendor_return.sent_note,
            "cancelled": step(vendor_return.cancelled_by, vendor_return.cancelled_at),
            "cancel_reason": vendor_return.cancel_reason,
            "dispatch_notes": [{"job": job.id, "status": job.status, "printer": job.printer.code} for job in jobs]}
