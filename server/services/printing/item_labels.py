"""Item labels (货品标签/吊牌): the item's barcode (its EAN-13, else a Code 128 of the SKU), names, variant, tag
price and, for a lot, lot code and expiry — printed for an item, a lot, the units of a receipt that arrive
unlabelled, and units restocked from returns; laid out by config/labels/item_label.zpl.j2 for the printer's
stock (printers.documents.item_label). Every print is one job per item (and lot), through print_jobs."""
from __future__ import annotations

from collections import defaultdict

from sqlalchemy import func, select

from printers import documents
from server.db.models import Item, Lot, PrintJob, Receipt, ReceiptCount, ReturnCase, ReturnUnit, Supplier
from server.domain.errors import WmsError, Words
from server.extensions import db
from server.services.catalogue import items as catalogue
from server.services.people.auth import Actor
from server.services.printing import print_jobs

MAX_COPIES = documents.MAX_ITEM_LABEL_COPIES


def find_item(sku: object) -> Item:
    item = catalogue.item_by_sku(str(sku or "").strip()) if isinstance(sku, str) else None
    if item is None:
        raise WmsError("not_found", what=f"item {sku}")
    return item


def find_lot(item: Item, code: object) -> Lot:
    lot = db.session.execute(select(Lot).where(Lot.item_id == item.id, Lot.code == str(code).strip())
                             ).scalar_one_or_none() if isinstance(code, str) and code.strip() else None
    if lot is None:
        raise WmsError("not_found", what=f"lot {code}")
    return lot


def ean13_of(item: Item) -> str:
    """The item's unit EAN-13 (the first valid one), or "" when it has none."""
    for barcode in item.barcodes:
        if barcode.symbology == "ean13" and barcode.packaging == "unit" and documents.is_ean13(barcode.code):
            return barcode.code
    return ""


def label_data(item: Item, lot: Lot | None = None) -> dict:
    """What one label of this item (and lot) says, as printers.documents.item_label takes it."""
    return {"sku": item.sku, "ean13": ean13_of(item),
            "name": {"en": item.product.name_en or "", "zh": item.product.name_zh or ""},
            "variant": {"en": item.variant_en or "", "zh": item.variant_zh or ""},
            "tag_price_cents": item.tag_price_cents,
            "lot": lot.code if lot else "", "expiry": lot.expiry.isoformat() if lot and lot.expiry else ""}


def print_item_labels(item: Item | str, qty: object, printer_code: str, actor: Actor,
                      lot: Lot | str | None = None) -> PrintJob:
    """`qty` labels of an item (by Item or SKU), with a lot's code and expiry when a lot is given, on the
    printer's stock. The job is stored with the caller's commit, so a receipt or a return can print as part
    of its own transaction."""
    actor.require("labels.print")
    if isinstance(item, str):
        item = find_item(item)
    if isinstance(lot, str):
        lot = find_lot(item, lot)
    if isinstance(qty, bool) or not isinstance(qty, int) or not 1 <= qty <= MAX_COPIES:
        raise WmsError("bad_label_qty", qty=str(qty)[:20], max=MAX_COPIES)
    printer = print_jobs.find_printer(str(printer_code or ""))
    data = label_data(item, lot)
    try:
        zpl = documents.item_label(data, print_jobs.profile(printer), copies=qty)
    except ValueError as error:  # stock too small, or a SKU too long for a Code 128 on it
        if not data["ean13"] and "does not fit" in str(error):
            raise WmsError("label_barcode_too_long", sku=item.sku, width_mm=f"{printer.label_width_mm:g}") from None
        raise WmsError("bad_request", detail=Words(str(error), print_jobs.layout_zh(error, "货品标签"))) from None
    lot_words = f" lot {lot.code}" if lot else ""
    lot_zh = f" 批号 {lot.code}" if lot else ""
    title = f"Item labels {item.sku}{lot_words} ×{qty} / 货品标签 {item.sku}{lot_zh} ×{qty}"
    return print_jobs.print_document(printer, "item_label", title, zpl, actor)


# --- receiving: units that arrive unlabelled ------------------------------------------------------

def arrives_unlabelled(item: Item, supplier: Supplier | None) -> bool:
    """Whether these goods come without item labels (the item's flag, or its supplier's)."""
    return bool(item.label_at_receiving or (supplier is not None and supplier.label_at_receiving))


def receipt_labels(receipt: Receipt) -> list[dict]:
    """Per item (and lot) of a receipt: units received and whether they arrive unlabelled. Lots once the receipt
    is confirmed (their code and expiry go on the label), the counts while it is counted."""
    supplier = receipt.po.supplier
    lines = []
    lots = db.session.execute(select(Lot).where(Lot.receipt_id == receipt.id).order_by(Lot.id)).scalars().all()
    if lots:
        for lot in lots:
            item = db.session.get(Item, lot.item_id)
            lines.append({"item": item, "lot": lot, "qty": int(lot.qty_received or 0)})
    else:
        # Units counted per PO line so far (read here: receiving prints through this package, not back).
        counted = dict(db.session.execute(
            select(ReceiptCount.po_line_id, func.sum(ReceiptCount.qty)).where(ReceiptCount.receipt_id == receipt.id)
            .group_by(ReceiptCount.po_line_id)).all())
        for po_line in receipt.po.lines:
            if counted.get(po_line.id):
                lines.append({"item": po_line.item, "lot": None, "qty": int(counted[po_line.id])})
    for line in lines:
        line["unlabelled"] = arrives_unlabelled(line["item"], supplier)
    return [line for line in lines if line["qty"] > 0]


def receipt_labels_view(receipt: Receipt) -> list[dict]:
    return [{"sku": ln["item"].sku, "name": {"en": ln["item"].product.name_en, "zh": ln["item"].product.name_zh},
             "lot": ln["lot"].code if ln["lot"] else None, "qty": ln["qty"], "unlabelled": ln["unlabelled"]}
            for ln in receipt_labels(receipt)]


def print_receipt_labels(receipt_id: object, printer_code: str, actor: Actor,
                         everything: bool = False) -> list[PrintJob]:
    """A label for every unit received on a receipt that arrives unlabelled (`everything`: every unit), one job
    per item and lot. Refused when no unit of the receipt needs one."""
    actor.require("labels.print")
    receipt = db.session.get(Receipt, receipt_id) if isinstance(receipt_id, int) else None
    if receipt is None:
        raise WmsError("not_found", what=f"receipt {receipt_id}")
    wanted = [ln for ln in receipt_labels(receipt) if everything or ln["unlabelled"]]
    if not wanted:
        raise WmsError("no_item_labels", what=f"receipt {receipt.id}")
    return [print_item_labels(ln["item"], min(ln["qty"], MAX_COPIES), printer_code, actor, lot=ln["lot"])
            for ln in wanted]


# --- returns: units restocked from a return case ---------------------------------------------------

def print_restocked_return_labels(case_number: str, printer_code: str, actor: Actor) -> list[PrintJob]:
    """A label for every unit of a return case whose disposition is restock, one job per item and lot."""
    actor.require("labels.print")
    case = db.session.execute(select(ReturnCase).where(ReturnCase.number == str(case_number))).scalar_one_or_none()
    if case is None:
        raise WmsError("not_found", what=f"return {case_number}")
    units: dict[tuple[int, int | None], int] = defaultdict(int)
    for unit in db.session.execute(select(ReturnUnit).where(ReturnUnit.return_id == case.id,
                                                            ReturnUnit.disposition == "restock")).scalars():
        units[(unit.item_id, unit.lot_id)] += 1
    if not units:
        raise WmsError("no_item_labels", what=f"return {case.number}")
    return [print_item_labels(db.session.get(Item, item_id), qty, printer_code, actor,
                              lot=db.session.get(Lot, lot_id) if lot_id else None)
            for (item_id, lot_id), qty in sorted(units.items(), key=lambda kv: (kv[0][0], kv[0][1] or 0))]


def label_printers() -> list[dict]:
    """Active printers that may print item labels (their documents list it, or is empty), with their stock."""
    return [{"code": p.code, "name": p.name, "dpi": p.dpi, "width_mm": p.label_width_mm,
             "height_mm": p.label_height_mm}
            for p in print_jobs.list_printers()
            if p.active and (not p.documents or "item_label" in p.documents.split(","))]


def item_lots(item: Item) -> list[Lot]:
    """The item's lots, newest first (the page offers their codes)."""
    return list(db.session.execute(select(Lot).where(Lot.item_id == item.id).order_by(Lot.id.desc()).limit(50))
                .scalars())


def set_label_at_receiving(sku: str, on: bool, actor: Actor) -> Item:
    """Mark an item as arriving unlabelled (receiving prints its labels), or not. The caller commits."""
    actor.require("master.manage")
    item = find_item(sku)
    item.label_at_receiving = bool(on)
    return item


def set_supplier_label_at_receiving(code: str, on: bool, actor: Actor) -> Supplier:
    """Mark all of a supplier's goods as arriving unlabelled, or not. The caller commits."""
    actor.require("master.manage")
    supplier = db.session.execute(select(Supplier).where(Supplier.code == str(code))).scalar_one_or_none()
    if supplier is None:
        raise WmsError("not_found", what=f"supplier {code}")
    supplier.label_at_receiving = bool(on)
    return supplier


def unlabelled_suppliers() -> set[str]:
    """Codes of the suppliers whose goods arrive unlabelled."""
    return set(db.session.execute(select(Supplier.code).where(Supplier.label_at_receiving.is_(True))).scalars())


def restocked_units(case_number: str) -> int:
    """How many units of a return case are disposed restock (the labels its page offers to print)."""
    return db.session.query(ReturnUnit).join(ReturnCase, ReturnCase.id == ReturnUnit.return_id).filter(
        ReturnCase.number == case_number, ReturnUnit.disposition == "restock").count()
