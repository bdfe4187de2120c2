"""What is in a bin, and where an item is: the answers of the Lookup journey."""
from __future__ import annotations

from sqlalchemy import select

from server.db.models import Bin, BinStock, Item, Lot, Product, PurchaseOrder, PutawayTask, User
from server.domain.barcodes import Decoded
from server.domain.errors import STATUS_ZH, WmsError
from server.db.fast import Sql
from server.extensions import db
from server.services import putaway, receiving
from server.services.auth import digest


def find_bin(code: str) -> Bin:
    found = db.session.execute(select(Bin).where(Bin.code == code)).scalar_one_or_none()
    if found is None:
        raise WmsError("unknown_barcode", code=code)
    return found


_ITEM_BY_BARCODE = Sql("""
    SELECT i.id, i.sku FROM item_barcodes b JOIN items i ON i.id = b.item_id WHERE b.lookup_key = :key""")
_ITEM_BY_SKU = Sql("SELECT id, sku FROM items WHERE sku = :sku")


def find_item_key(decoded: Decoded) -> tuple[int, str]:
    """(id, sku) of the item a barcode names — or an internal code, its SKU. Prebuilt: every item scan asks."""
    row = _ITEM_BY_BARCODE.first(key=decoded.key)
    if row is None and decoded.kind == "internal":
        row = _ITEM_BY_SKU.first(sku=decoded.key)
    if row is None:
        raise WmsError("unknown_barcode", code=decoded.gtin or decoded.text)
    return row


def find_item(decoded: Decoded) -> Item:
    return db.session.get(Item, find_item_key(decoded)[0])


def bin_view(bin_: Bin) -> dict:
    return {"code": bin_.code, "zone": bin_.zone, "aisle": bin_.aisle, "bay": bin_.bay,
            "level": bin_.level}


def item_view(item: Item) -> dict:
    return {"sku": item.sku, "name": {"en": item.product.name_en, "zh": item.product.name_zh},
            "variant": {"en": item.variant_en, "zh": item.variant_zh},
            "barcodes": [b.code for b in item.barcodes]}


def bin_contents(bin_: Bin) -> dict:
    rows = db.session.execute(
        select(Item.sku, Product.name_en, Product.name_zh, Item.variant_en, Item.variant_zh,
               Lot.code, Lot.expiry, BinStock.qty)
        .join(Item, Item.id == BinStock.item_id).join(Product, Product.id == Item.product_id)
        .join(Lot, Lot.id == BinStock.lot_id)
        .where(BinStock.bin_id == bin_.id, BinStock.qty > 0)
        .order_by(Item.sku, Lot.received_on, Lot.id)).all()
    lines = [{"sku": sku, "name": {"en": name_en, "zh": name_zh},
              "variant": {"en": var_en, "zh": var_zh}, "lot": lot,
              "expiry": expiry.isoformat() if expiry else None, "qty": qty}
             for sku, name_en, name_zh, var_en, var_zh, lot, expiry, qty in rows]
    return {"bin": bin_view(bin_), "lines": lines, "total_qty": sum(ln["qty"] for ln in lines)}


def item_locations(item: Item, decoded: Decoded | None = None) -> dict:
    rows = db.session.execute(
        select(Bin.code, Lot.code, Lot.expiry, BinStock.qty)
        .join(Bin, Bin.id == BinStock.bin_id).join(Lot, Lot.id == BinStock.lot_id)
        .where(BinStock.item_id == item.id, BinStock.qty > 0)
        # Oldest lot first: the order in which FIFO will issue them.
        .order_by(Lot.received_on, Lot.id, Bin.code)).all()
    lines = [{"bin": bin_code, "lot": lot, "expiry": expiry.isoformat() if expiry else None,
              "qty": qty} for bin_code, lot, expiry, qty in rows]
    return {"item": item_view(item), "lines": lines,
            "total_qty": sum(ln["qty"] for ln in lines),
            "gs1": decoded.gs1_fields() if decoded else None}


def badge_owner(decoded: Decoded) -> User:
    user = db.session.execute(
        select(User).where(User.badge_digest == digest(decoded.key))).scalar_one_or_none()
    if user is None:
        raise WmsError("unknown_badge")
    return user


def po_summary(number: str) -> dict:
    """A PO scanned outside receiving: what is still open on it."""
    po = db.session.execute(select(PurchaseOrder).where(PurchaseOrder.number == number)
                            ).unique().scalar_one_or_none()
    if po is None:
        raise WmsError("no_po", po=number)
    view = receiving.po_view(po)
    still_open = sum(line["open"] for line in view["lines"])
    status_zh = STATUS_ZH.get(po.status, po.status)
    return {"po": view, "summary": {
        "en": f"Purchase order {po.number} ({po.supplier.code}), {po.status}: {still_open} units still open",
        "zh": f"采购单 {po.number}（{po.supplier.code}），{status_zh}：仍有 {still_open} 件未收"}}


def putaway_task_for(lpn: str) -> dict | None:
    """An LPN that labels a put-away task: what it holds and where it goes (or went)."""
    match = putaway.LPN.match(lpn)
    task = db.session.get(PutawayTask, int(match.group(1))) if match else None
    if task is None:
        return None
    view = putaway.task_view(task)
    where = view["bin"] or view["suggested_bin"] or view["zone"]
    state_en = "put away in" if task.status == "done" else "to put away, suggested"
    state_zh = "已上架于" if task.status == "done" else "待上架，建议货位"
    return {"putaway": view, "summary": {
        "en": f"{lpn}: {view['qty']} × {view['sku']} lot {view['lot']}, {state_en} {where}",
        "zh": f"{lpn}：{view['name']['zh']} 批次 {view['lot']} 数量 {view['qty']}，{state_zh} {where}"}}
