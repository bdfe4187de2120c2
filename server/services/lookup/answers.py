"""What is in a bin, and where an item is: the answers of the Lookup journey."""
from __future__ import annotations

from sqlalchemy import select

from server.db.models import Bin, Item, PurchaseOrder, PutawayTask, User
from server.domain.barcodes import Decoded
from server.domain.errors import WmsError
from server.domain.status_words import STATUS_ZH
from server.db.fast import Sql
from server.extensions import db
from server.services.receiving import putaway
from server.services.receiving import inbound
from server.services.people.auth import digest
from server.services.catalogue.items import bin_view, find_item_pack, item_view, pack_view


# The Lookup journey's answers, prebuilt (server/db/fast.py): with ORM queries a lookup scan cost twice
# the CPU (measured at saturation: 61 % of the floor thread's time was these four reads).
_BIN = Sql("SELECT id, code, zone, aisle, bay, level FROM bins WHERE code = :code")
_BIN_LINES = Sql("""
    SELECT i.sku, p.name_en, p.name_zh, i.variant_en, i.variant_zh, l.code, l.expiry, s.qty
    FROM bin_stock s JOIN items i ON i.id = s.item_id JOIN products p ON p.id = i.product_id
    JOIN lots l ON l.id = s.lot_id
    WHERE s.bin_id = :bin AND s.qty > 0
    ORDER BY i.sku, l.received_on, l.id""")
_ITEM = Sql("""
    SELECT i.sku, p.name_en, p.name_zh, i.variant_en, i.variant_zh
    FROM items i JOIN products p ON p.id = i.product_id WHERE i.id = :id""")
_ITEM_BARCODES = Sql("SELECT code FROM item_barcodes WHERE item_id = :id ORDER BY id")
_ITEM_LINES = Sql("""
    SELECT b.code, l.code, l.expiry, s.qty
    FROM bin_stock s JOIN bins b ON b.id = s.bin_id JOIN lots l ON l.id = s.lot_id
    WHERE s.item_id = :item AND s.qty > 0
    ORDER BY l.received_on, l.id, b.code""")  # oldest lot first: the order in which FIFO will issue them


def _day(value: object) -> str | None:
    """A DATE as text: SQLite hands back the stored text, PostgreSQL a date."""
    return value if value is None or isinstance(value, str) else value.isoformat()


def bin_contents(bin_: Bin) -> dict:
    return _contents(bin_view(bin_), bin_.id)


def bin_contents_by_code(code: str) -> dict:
    row = _BIN.first(code=code)
    if row is None:
        raise WmsError("unknown_barcode", code=code)
    bin_id, code, zone, aisle, bay, level = row
    return _contents({"code": code, "zone": zone, "aisle": aisle, "bay": bay, "level": level}, bin_id)


def _contents(view: dict, bin_id: int) -> dict:
    lines = [{"sku": sku, "name": {"en": name_en, "zh": name_zh},
              "variant": {"en": var_en, "zh": var_zh}, "lot": lot, "expiry": _day(expiry), "qty": qty}
             for sku, name_en, name_zh, var_en, var_zh, lot, expiry, qty in _BIN_LINES.all(bin=bin_id)]
    return {"bin": view, "lines": lines, "total_qty": sum(ln["qty"] for ln in lines)}


def item_locations(item: Item, decoded: Decoded | None = None) -> dict:
    return _locations(item_view(item), item.id, decoded)


def item_locations_by_key(decoded: Decoded) -> dict:
    item_id, _, packaging, per_scan = find_item_pack(decoded)
    sku, name_en, name_zh, var_en, var_zh = _ITEM.first(id=item_id)
    view = {"sku": sku, "name": {"en": name_en, "zh": name_zh}, "variant": {"en": var_en, "zh": var_zh},
            "barcodes": [code for (code,) in _ITEM_BARCODES.all(id=item_id)]}
    return _locations(view, item_id, decoded) | {"pack": pack_view(packaging, per_scan)}


def _locations(view: dict, item_id: int, decoded: Decoded | None) -> dict:
    lines = [{"bin": bin_code, "lot": lot, "expiry": _day(expiry), "qty": qty}
             for bin_code, lot, expiry, qty in _ITEM_LINES.all(item=item_id)]
    return {"item": view, "lines": lines, "total_qty": sum(ln["qty"] for ln in lines),
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
    view = inbound.po_view(po)
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
