"""Items and bins by what names them: a bin code, a barcode (any packaging), an internal code or SKU —
the one way every journey finds them — and how they are shown."""
from __future__ import annotations

from sqlalchemy import func, or_, select

from server.db.fast import Sql
from server.db.models import Bin, BinStock, Item, ItemBarcode
from server.domain.barcodes import Decoded, item_code_key
from server.domain.errors import WmsError
from server.domain.places import NOT_ON_SHELVES
from server.extensions import db


def find_bin(code: str) -> Bin:
    found = db.session.execute(select(Bin).where(Bin.code == code)).scalar_one_or_none()
    if found is None:
        raise WmsError("unknown_barcode", code=code)
    return found


_ITEM_BY_BARCODE = Sql("""
    SELECT i.id, i.sku, b.packaging, b.qty FROM item_barcodes b JOIN items i ON i.id = b.item_id
    WHERE b.lookup_key = :key""")

_ITEM_BY_SKU = Sql("SELECT id, sku, 'unit', 1 FROM items WHERE sku = :sku")


def find_item_pack(decoded: Decoded) -> tuple[int, str, str, int]:
    """(id, sku, packaging, units per scan) of the item a barcode names — a case's GTIN-14 is `qty` units
    of it — or an internal code, its SKU (one unit). Prebuilt: every item scan asks."""
    row = _ITEM_BY_BARCODE.first(key=decoded.key)
    if row is None and decoded.kind == "internal":
        row = _ITEM_BY_SKU.first(sku=decoded.key)
    if row is None:
        raise WmsError("unknown_barcode", code=decoded.gtin or decoded.text)
    return row


def find_item_key(decoded: Decoded) -> tuple[int, str]:
    """(id, sku) of the item a barcode names — or an internal code, its SKU."""
    return tuple(find_item_pack(decoded)[:2])


def units_per_scan(decoded: Decoded) -> int:
    """How many units one scan of this code is: 1, or an inner pack's or a case's quantity."""
    if not decoded.names_an_item:
        return 1
    row = _ITEM_BY_BARCODE.first(key=decoded.key)
    return int(row[3]) if row is not None else 1


def pack_view(packaging: str, qty: int) -> dict | None:
    """What a person is told a scanned code stands for, when it is more than one unit."""
    if qty <= 1:
        return None
    en, zh = {"case": ("Case", "整箱"), "inner": ("Inner pack", "中包")}.get(packaging, ("Pack", "包"))
    return {"packaging": packaging, "qty": qty, "summary": {"en": f"{en} of {qty}", "zh": f"{zh} {qty} 件"}}


def find_item(decoded: Decoded) -> Item:
    return db.session.get(Item, find_item_key(decoded)[0])


def bin_view(bin_: Bin) -> dict:
    return {"code": bin_.code, "zone": bin_.zone, "aisle": bin_.aisle, "bay": bin_.bay,
            "level": bin_.level}


def item_view(item: Item) -> dict:
    return {"sku": item.sku, "name": {"en": item.product.name_en, "zh": item.product.name_zh},
            "variant": {"en": item.variant_en, "zh": item.variant_zh},
            "barcodes": [b.code for b in item.barcodes]}


def item_by_code(code: str) -> Item | None:
    item = db.session.execute(select(Item).where(Item.sku == code)).unique().scalar_one_or_none()
    if item is None:
        item = db.session.execute(
            select(Item).join(ItemBarcode).where(ItemBarcode.lookup_key == item_code_key(code))
        ).unique().scalar_one_or_none()
    return item




def list_bins(kind: str | None, zone: str | None, limit: int) -> list[Bin]:
    """Bins by code, of a kind or (no kind) the places on the shelves: totes, parcels and transit are bins
    in the ledger (units travel in them), not places on the shelves."""
    query = select(Bin).order_by(Bin.code).limit(limit)
    if kind:
        query = query.where(Bin.kind == kind)
    else:
        query = query.where(Bin.kind.not_in(NOT_ON_SHELVES))
    if zone:
        query = query.where(Bin.zone == zone)
    return list(db.session.execute(query).scalars())


def search_items(text: str | None, limit: int) -> list[Item]:
    """Items by SKU; with a text, those whose SKU (any case) or one of whose barcodes contains it."""
    query = select(Item).order_by(Item.sku).limit(limit)
    if text:
        pattern = f"%{text}%"
        query = query.where(or_(Item.sku.ilike(pattern),
                                Item.id.in_(select(ItemBarcode.item_id)
                                            .where(ItemBarcode.code.like(pattern)))))
    return list(db.session.execute(query).unique().scalars())


def item_by_sku(sku: str) -> Item | None:
    return db.session.execute(select(Item).where(Item.sku == sku)).unique().scalar_one_or_none()


def bins_with_units(zone: str) -> list:
    """(bin, units it holds) of every bin on the shelves of a zone, by code."""
    return db.session.execute(
        select(Bin, func.coalesce(func.sum(BinStock.qty), 0))
        .outerjoin(BinStock, BinStock.bin_id == Bin.id).where(Bin.zone == zone, Bin.kind.not_in(NOT_ON_SHELVES))
        .group_by(Bin.id).order_by(Bin.code)).all()


def bin_zones() -> list[str]:
    """The zones that have places on the shelves (not totes, parcels' pseudo-bins or transit)."""
    return db.session.execute(select(Bin.zone).where(Bin.kind.not_in(NOT_ON_SHELVES)).distinct()
                              .order_by(Bin.zone)).scalars().all()
