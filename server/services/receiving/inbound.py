"""Receiving: purchase orders, counting a delivery against its PO (never above what was ordered),
the packaging check per carton, and confirming the count (the receiver's signature)."""
from __future__ import annotations

import csv
import io
import json
from collections import defaultdict
from datetime import date
from uuid import uuid4

from flask import current_app
from sqlalchemy import func, select, update

from server.db.models import (Carton, PurchaseOrder, PurchaseOrderLine, Receipt,
                              ReceiptCount, Supplier, utcnow)
from server import local_time
from server.domain import shelf_life
from server.domain.barcodes import Decoded
from server.domain.errors import WmsError, Words
from server.extensions import db
from server.services.people.auth import Actor
from server.domain.errors import ImportRejected
from server.domain.stock import quantity
from server.services.catalogue.items import item_by_code

CONDITIONS = ("intact", "deformed", "damaged", "wet", "mouldy")


def settings() -> dict:
    return current_app.config["WMS"]["receiving"]


# --- purchase orders -------------------------------------------------------------------------

def _po_number(po_id: int, prefix: str) -> str:
    """A new PO's number, from its row's id (two made at once, on two server processes, never share one;
    counting the POs gave both the same), the year in the warehouse's time zone. Should a PO typed in by
    hand already have it, the next free `-2`, `-3`, … is added."""
    base = f"{prefix}{local_time.today():%Y}-{po_id:05d}"
    taken = set(db.session.execute(select(PurchaseOrder.number).where(PurchaseOrder.number.startswith(
        base, autoescape=True))).scalars())
    number, n = base, 1
    while number in taken:
        n += 1
        number = f"{base}-{n}"
    return number


def create_po(supplier_code: str, lines: list[dict], actor: Actor, number: str | None = None,
              expected_on: date | None = None, commit: bool = True) -> PurchaseOrder:
    """A PO with its lines; each line names an item by SKU or barcode and an ordered quantity."""
    actor.require("journey.receive")
    supplier = db.session.execute(select(Supplier).where(Supplier.code == supplier_code)).scalar()
    if supplier is None:
        raise WmsError("not_found", what=f"supplier {supplier_code}")
    if not supplier.active:
        raise WmsError("supplier_inactive", supplier=supplier.code)
    if not lines:
        raise WmsError("bad_request", detail=Words("a purchase order needs at least one line", "采购单至少要有一行"))
    number = (number or "").strip().upper()
    prefix = current_app.extensions["wms_decoder_rules"].po_prefix
    if number and not number.startswith(prefix):
        # A PO number that does not read as one when scanned would be counted as an item.
        raise WmsError("bad_request", detail=Words(f"PO numbers start with {prefix}: {number}",
                                                   f"采购单号须以 {prefix} 开头：{number}"))
    if number and db.session.execute(select(PurchaseOrder.id).where(PurchaseOrder.number == number)).scalar():
        raise WmsError("duplicate_po", po=number)
    po = PurchaseOrder(number=number or f"TMP-{uuid4().hex[:20]}", supplier_id=supplier.id, supplier=supplier,
                       expected_on=expected_on, created_by=actor.user_id)
    for n, line in enumerate(lines, start=1):
        code = str(line.get("sku") or line.get("barcode") or "")
        item = item_by_code(code)
        if item is None:
            raise WmsError("not_found", what=f"item {code}")
        if not item.active:
            raise WmsError("item_inactive", sku=item.sku)
        po.lines.append(PurchaseOrderLine(line_no=n, item_id=item.id, item=item,
                                          ordered_qty=quantity(line.get("qty")),
                                          expected_on=line.get("expected_on") or expected_on))
    db.session.add(po)
    if not number:
        db.session.flush()
        po.number = _po_number(po.id, prefix)
    if commit:
        db.session.commit()
    return po


def suppliers_to_order_from() -> list[Supplier]:
    """Active suppliers by name: whom a purchase order may name."""
    return list(db.session.execute(select(Supplier).where(Supplier.active.is_(True)).order_by(Supplier.name)).scalars())


def parse_po_lines(text: str) -> list[dict]:
    """Lines typed one per row as `SKU-or-barcode quantity` (tab, comma or spaces between them)."""
    lines = []
    for n, row in enumerate(text.splitlines(), start=1):
        parts = [p for p in row.replace("\t", " ").replace(",", " ").replace("，", " ").split() if p]
        if not parts:
            continue
        if len(parts) != 2:
            raise WmsError("bad_request", detail=Words(f"line {n}: write the SKU (or barcode) and the quantity",
                                                       f"第 {n} 行：请填写货品编码（或条码）和数量"))
        lines.append({"sku": parts[0], "qty": parts[1]})
    return lines


PO_CSV_COLUMNS = ("po_number", "supplier", "sku", "qty", "expected_on")


def import_pos_csv(text: str, actor: Actor) -> list[PurchaseOrder]:
    """CSV with columns po_number, supplier, sku (or a barcode), qty, expected_on (YYYY-MM-DD).
    All or nothing: one bad row and no PO of the file is created."""
    actor.require("journey.receive")
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    missing = [c for c in PO_CSV_COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise WmsError("bad_request", detail=Words("CSV columns missing: " + ", ".join(missing),
                                                   "CSV 缺少列：" + "、".join(missing)))
    orders: dict[str, dict] = defaultdict(lambda: {"lines": []})
    problems: list[dict] = []
    for row_no, row in enumerate(reader, start=2):
        number = (row["po_number"] or "").strip().upper()
        try:
            if not number:
                raise WmsError("bad_request", detail=Words("po_number is empty", "po_number 为空"))
            expected = date.fromisoformat(row["expected_on"]) if row["expected_on"] else None
            order = orders[number]
            supplier = (row["supplier"] or "").strip()
            if order.setdefault("supplier", supplier) != supplier:
                raise WmsError("bad_request", detail=Words(f"{number} names two suppliers",
                                                           f"{number} 填了两个不同的供应商"))
            if item_by_code((row["sku"] or "").strip()) is None:
                raise WmsError("not_found", what=f"item {row['sku']}")
            order["lines"].append({"sku": row["sku"].strip(), "qty": quantity(row["qty"]),
                                   "expected_on": expected})
            order["expected_on"] = min(filter(None, [order.get("expected_on"), expected]), default=None)
        except WmsError as error:
            problems.append({"row": row_no, "po": number} | error.as_dict())
        except ValueError:
            refusal = WmsError("bad_request", detail=Words(f"bad date {row['expected_on']}",
                                                           f"expected_on 不是有效日期：{row['expected_on']}"))
            problems.append({"row": row_no, "po": number} | refusal.as_dict())
    created = []
    broken = {problem["po"] for problem in problems}
    try:
        for number, order in orders.items():
            if number in broken:
                continue
            try:
                created.append(create_po(order["supplier"], order["lines"], actor, number=number,
                                         expected_on=order.get("expected_on"), commit=False))
                db.session.flush()
            except WmsError as error:
                problems.append({"row": None, "po": number} | error.as_dict())
        if problems:
            raise ImportRejected(problems)
        db.session.commit()
    except WmsError:
        db.session.rollback()
        raise
    return created


def open_po(number: str) -> PurchaseOrder:
    po = po_by_number(number.upper())
    if po is None:
        raise WmsError("no_po", po=number)
    if po.status != "open":
        raise WmsError("po_closed", po=po.number, status=po.status)
    return po


def close_po(number: str, actor: Actor) -> PurchaseOrder:
    actor.require("floor.supervise")
    po = open_po(number)
    po.status = "closed"
    db.session.commit()
    return po


def po_view(po: PurchaseOrder) -> dict:
    return {"number": po.number, "supplier": po.supplier.code, "supplier_name": po.supplier.name,
            "status": po.status, "expected_on": po.expected_on.isoformat() if po.expected_on else None,
            "lines": [{"line_no": ln.line_no, "sku": ln.item.sku,
                       "name": {"en": ln.item.product.name_en, "zh": ln.item.product.name_zh},
                       "variant": {"en": ln.item.variant_en, "zh": ln.item.variant_zh},
                       "ordered": ln.ordered_qty, "received": ln.received_qty,
                       "open": ln.ordered_qty - ln.received_qty} for ln in po.lines]}


# --- a delivery: receipt, cartons, counts ----------------------------------------------------

def start_receipt(po_number: str, actor: Actor, returned_goods: bool = False) -> Receipt:
    """The receiver's receipt for this PO: resumed if they left one open, else a new one."""
    actor.require("journey.receive")
    po = open_po(po_number)
    # The PO row locked: the receiver's two handhelds scanning the PO at once resume one receipt, never
    # start two (a second open receipt of one receiver would make every later resume ambiguous).
    db.session.execute(select(PurchaseOrder.id).where(PurchaseOrder.id == po.id).with_for_update())
    receipt = db.session.execute(
        select(Receipt).where(Receipt.po_id == po.id, Receipt.status == "counting",
                              Receipt.created_by == actor.user_id)).unique().scalar_one_or_none()
    if receipt is None:
        receipt = Receipt(po_id=po.id, po=po, created_by=actor.user_id,
                          returned_goods=bool(returned_goods))
        db.session.add(receipt)
        db.session.flush()
    return receipt


def counting_receipt(receipt_id: object, actor: Actor) -> Receipt:
    """An open receipt. Any receiver may count into it: a delivery is often unloaded by a team."""
    actor.require("journey.receive")
    if receipt_id is None:
        raise WmsError("scan_po_first")
    # Locked for the scan's transaction (PostgreSQL; SQLite serialises writers anyway): a count, a carton
    # and the signature on one receipt take turns, so no unit is counted into a receipt while another
    # device signs it (the signature's lots would miss that unit) and the receipt is signed once.
    receipt = db.session.get(Receipt, receipt_id, with_for_update={"of": Receipt}, populate_existing=True) \
        if isinstance(receipt_id, int) else None
    if receipt is None:
        raise WmsError("not_found", what=f"receipt {receipt_id}")
    if receipt.status != "counting":
        raise WmsError("receipt_not_counting", receipt=receipt.id, status=receipt.status)
    if receipt.po.status != "open":
        raise WmsError("po_closed", po=receipt.po.number, status=receipt.po.status)
    return receipt


def check_carton(receipt_id: object, condition: object, actor: Actor) -> Carton:
    """The packaging check of the next carton. Anything but intact flags it: the supplier is asked
    to replace the packaging and every unit counted into it is inspected."""
    receipt = counting_receipt(receipt_id, actor)
    if condition not in CONDITIONS:
        raise WmsError("bad_request", detail=Words(f"condition must be one of {', '.join(CONDITIONS)}",
                                                   f"condition 须为 {'、'.join(CONDITIONS)} 之一"))
    seq = (db.session.execute(select(func.max(Carton.seq)).where(Carton.receipt_id == receipt.id))
           .scalar() or 0) + 1
    carton = Carton(receipt_id=receipt.id, seq=seq, condition=condition, checked_by=actor.user_id,
                    replacement_requested=condition != "intact")
    db.session.add(carton)
    db.session.flush()
    return carton


def is_flagged(carton: Carton) -> bool:
    return carton.condition in settings()["full_inspection_conditions"]


def count(receipt_id: object, carton_seq: object, decoded: Decoded, qty: int, actor: Actor,
          scan_id: str | None = None, expiry: date | None = None,
          production: date | None = None) -> tuple[PurchaseOrderLine, ReceiptCount]:
    """Count units of a scanned item into a carton. Refused, with nothing recorded, when the item
    is not on the PO or the units would take the line above its ordered quantity — counting every
    receipt of the PO on every device (one conditional UPDATE, so two devices cannot overshoot).
    An item with a shelf life needs its expiry (scanned AI 17/15, typed, or a production date with the
    item's shelf life) and enough life left (拒收临期: server/domain/shelf_life.py)."""
    receipt = counting_receipt(receipt_id, actor)
    carton = db.session.execute(select(Carton).where(
        Carton.receipt_id == receipt.id, Carton.seq == carton_seq)).scalar_one_or_none() \
        if carton_seq is not None else db.session.execute(
            select(Carton).where(Carton.receipt_id == receipt.id).order_by(Carton.seq.desc())
            .limit(1)).scalar_one_or_none()
    if carton is None:
        raise WmsError("packaging_check_first")
    if not decoded.names_an_item:
        raise WmsError("item_not_on_po", sku=decoded.key, po=receipt.po.number)
    item = item_by_code(decoded.gtin or decoded.key)
    lines = [ln for ln in receipt.po.lines if item is not None and ln.item_id == item.id]
    if not lines:
        raise WmsError("item_not_on_po", sku=item.sku if item else decoded.key, po=receipt.po.number)
    life = item_life(item)
    expiry = shelf_life.expiry_of(life, expiry or decoded.expiry, production or decoded.production)
    shelf_life.check_receivable(life, expiry, local_time.today())
    for line in lines:
        raised = db.session.execute(
            update(PurchaseOrderLine)
            .where(PurchaseOrderLine.id == line.id,
                   PurchaseOrderLine.received_qty + qty <= PurchaseOrderLine.ordered_qty)
            .values(received_qty=PurchaseOrderLine.received_qty + qty)
            .execution_options(synchronize_session=False))
        if raised.rowcount == 1:
            db.session.refresh(line)
            counted = ReceiptCount(receipt_id=receipt.id, carton_id=carton.id, po_line_id=line.id,
                                   qty=qty, expiry=expiry, supplier_lot=decoded.lot,
                                   user_id=actor.user_id, scan_id=scan_id)
            db.session.add(counted)
            db.session.flush()
            return line, counted
    still_open = 0
    for line in lines:
        db.session.refresh(line)
        still_open += line.ordered_qty - line.received_qty
    raise WmsError("over_receipt", open=still_open, sku=item.sku, po=receipt.po.number,
                   ordered=sum(ln.ordered_qty for ln in lines), qty=qty)


def item_life(item) -> shelf_life.Life:
    """The item's shelf-life rules, its limit resolved from its attributes, its category and the settings."""
    try:
        attributes = json.loads(item.attributes or "{}")
    except ValueError:
        attributes = {}
    settings = current_app.config["WMS"].get("shelf_life", {})
    attributes = attributes if isinstance(attributes, dict) else {}
    return shelf_life.Life(item.sku, item.shelf_life_days, bool(item.tracks_expiry),
                           shelf_life.min_remaining_days(item.shelf_life_days, attributes, item.category or "",
                                                         settings))


def receipt_view(receipt: Receipt) -> dict:
    counts = db.session.execute(
        select(ReceiptCount.po_line_id, Carton.seq, Carton.condition, func.sum(ReceiptCount.qty))
        .join(Carton, Carton.id == ReceiptCount.carton_id)
        .where(ReceiptCount.receipt_id == receipt.id)
        .group_by(ReceiptCount.po_line_id, Carton.seq, Carton.condition)).all()
    counted: dict[int, int] = defaultdict(int)
    for line_id, _, _, qty in counts:
        counted[line_id] += int(qty)
    cartons = db.session.execute(select(Carton).where(Carton.receipt_id == receipt.id)
                                 .order_by(Carton.seq)).scalars().all()
    view = po_view(receipt.po)
    for line in view["lines"]:
        po_line = next(ln for ln in receipt.po.lines if ln.line_no == line["line_no"])
        line["counted_here"] = counted.get(po_line.id, 0)
    return {"receipt": receipt.id, "status": receipt.status, "po": view,
            "returned_goods": receipt.returned_goods,
            "cartons": [{"seq": c.seq, "condition": c.condition, "flagged": is_flagged(c)}
                        for c in cartons]}


def counts_by_line(receipt: Receipt) -> dict[int, dict]:
    """Per PO line of a receipt: units counted, units in flagged cartons, expiry and supplier lot."""
    rows = db.session.execute(
        select(ReceiptCount, Carton).join(Carton, Carton.id == ReceiptCount.carton_id)
        .where(ReceiptCount.receipt_id == receipt.id).order_by(ReceiptCount.id)).all()
    lines: dict[int, dict] = {}
    for counted, carton in rows:
        line = lines.setdefault(counted.po_line_id, {"qty": 0, "flagged": 0, "expiry": None,
                                                     "supplier_lot": None})
        line["qty"] += counted.qty
        line["flagged"] += counted.qty if is_flagged(carton) else 0
        line["expiry"] = line["expiry"] or counted.expiry
        line["supplier_lot"] = line["supplier_lot"] or counted.supplier_lot
    return lines


def sign(receipt: Receipt, actor: Actor) -> None:
    receipt.status = "confirmed"
    receipt.confirmed_by = actor.user_id
    receipt.confirmed_at = utcnow()


def list_pos(status: str | None = None, supplier: str | None = None) -> list[PurchaseOrder]:
    """Purchase orders, newest first, of a status and of a supplier (its code) if given."""
    query = select(PurchaseOrder).order_by(PurchaseOrder.id.desc())
    if status:
        query = query.where(PurchaseOrder.status == status)
    return [po for po in db.session.execute(query).unique().scalars()
            if not supplier or po.supplier.code == supplier]


def open_pos() -> list[PurchaseOrder]:
    """Open purchase orders, by number."""
    return list(db.session.execute(select(PurchaseOrder).where(PurchaseOrder.status == "open")
                                   .order_by(PurchaseOrder.number)).unique().scalars())


def po_by_number(number: str) -> PurchaseOrder | None:
    return db.session.execute(select(PurchaseOrder).where(PurchaseOrder.number == number)
                              ).unique().scalar_one_or_none()


def get_receipt(receipt_id: int) -> Receipt:
    receipt = db.session.get(Receipt, receipt_id)
    if receipt is None:
        raise WmsError("not_found", what=f"receipt {receipt_id}")
    return receipt
