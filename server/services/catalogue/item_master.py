"""The item master (货品资料): items with their style, names, variant, barcodes by packaging, packing data,
shelf life, prices and supplier — imported from a spreadsheet, or created and edited one at a time
through the very same checks (a form or a REST call is a file of one row)."""
from __future__ import annotations

import json

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from server.db.models import BinStock, Item, ItemBarcode, Lot, Product, SalesOrder, SalesOrderLine, Supplier
from server.domain import barcodes
from server.domain.errors import WmsError
from server.extensions import db
from server.services.imports.framework import Importer, Plan, Row, first_rows, flag, number, save_one, text
from server.services.people.auth import Actor

COLOURS_EN = {"黑色": "Black", "白色": "White", "红色": "Red", "蓝色": "Blue", "灰色": "Grey", "绿色": "Green",
              "黄色": "Yellow", "粉色": "Pink", "紫色": "Purple", "棕色": "Brown", "橙色": "Orange", "米色": "Beige"}
ATTRIBUTE_NAMES = ("colour", "size")  # 颜色及规格 "黑色;S": colour, then size, then spec3 …
PACKAGINGS = ("unit", "inner", "case")
CLOSED_ORDER_STATES = ("shipped", "cancelled")

# Fields an item has, in the order an export writes them; the second element is what it is called in
# the customer's files (item-master.xlsx), then other names understood.
COLUMNS: dict[str, tuple[str, ...]] = {
    "style": ("款式编码", "style", "款号"),
    "sku": ("商品编码", "sku", "货品编码", "商家编码"),
    "name_zh": ("商品名称", "name_zh", "name", "货品名称", "中文名称"),
    "name_en": ("英文名称", "name_en", "english name"),
    "variant": ("颜色及规格", "variant", "规格"),
    "unit_barcode": ("国标码", "barcode", "ean", "upc", "条码", "unit_barcode"),
    "inner_qty": ("中包规", "inner_qty"),
    "inner_barcode": ("中包码", "inner_barcode"),
    "case_qty": ("箱规", "case_qty", "units per case"),
    "case_barcode": ("箱码", "case_barcode", "case_gtin"),
    "uom": ("单位", "uom"),
    "tag_price": ("基本售价", "tag_price", "吊牌价", "售价"),
    "unit_cost": ("成本价", "unit_cost", "cost"),
    "weight_kg": ("重量(kg)", "weight_kg", "重量（kg）", "重量"),
    "weight_g": ("重量(g)", "weight_g", "重量（g）"),
    "length_mm": ("长(mm)", "length_mm"),
    "width_mm": ("宽(mm)", "width_mm"),
    "height_mm": ("高(mm)", "height_mm"),
    "shelf_life_days": ("保质期(天)", "shelf_life_days", "保质期（天）", "保质期"),
    "lot_tracked": ("批次管理", "lot_tracked"),
    "brand": ("品牌", "brand"),
    "category": ("分类", "category", "类目"),
    "supplier": ("供应商名称", "supplier", "供应商"),
    "safety_qty": ("安全库存", "safety_qty"),
    "active": ("是否启用", "active", "启用"),
}


def variant_of(text_: str) -> tuple[dict, str, str]:
    """'黑色;S' -> ({'colour': '黑色', 'size': 'S'}, '黑色 / S', 'Black / S'); 'a:b' parts keep their value."""
    parts = [p.split(":", 1)[-1].split("：", 1)[-1].strip() for p in text_.replace("；", ";").split(";") if p.strip()]
    names = list(ATTRIBUTE_NAMES) + [f"spec{n}" for n in range(3, len(parts) + 1)]
    attributes = dict(zip(names, parts, strict=False))
    return attributes, " / ".join(parts), " / ".join(COLOURS_EN.get(p, p) for p in parts)


def item_view(item: Item) -> dict:
    """An item as the master shows it (REST, export, the items page)."""
    supplier = db.session.get(Supplier, item.default_supplier_id) if item.default_supplier_id else None
    return {"sku": item.sku, "style": item.product.code,
            "name": {"en": item.product.name_en, "zh": item.product.name_zh},
            "variant": {"en": item.variant_en, "zh": item.variant_zh},
            "attributes": json.loads(item.attributes or "{}"),
            "barcodes": [{"code": b.code, "packaging": b.packaging, "qty": b.qty} for b in item.barcodes],
            "uom": item.uom, "weight_g": item.weight_g, "length_mm": item.length_mm, "width_mm": item.width_mm,
            "height_mm": item.height_mm, "shelf_life_days": item.shelf_life_days, "tracks_expiry": item.tracks_expiry,
            "lot_tracked": item.lot_tracked, "tag_price_cents": item.tag_price_cents,
            "unit_cost_cents": item.unit_cost_cents, "category": item.category, "brand": item.brand,
            "supplier": supplier.name if supplier else None, "safety_qty": item.safety_qty, "active": item.active,
            "block_reason": item.block_reason, "label_at_receiving": item.label_at_receiving}


def in_use(item_id: int) -> tuple[int, int]:
    """(units in stock, open orders) of an item: what keeps it from being deactivated."""
    units = db.session.execute(select(func.coalesce(func.sum(BinStock.qty), 0))
                               .where(BinStock.item_id == item_id)).scalar()
    orders = db.session.execute(
        select(func.count(func.distinct(SalesOrderLine.order_id))).join(SalesOrder)
        .where(SalesOrderLine.item_id == item_id, SalesOrderLine.status == "open",
               SalesOrder.status.not_in(CLOSED_ORDER_STATES))).scalar()
    return int(units), int(orders)


class ItemMaster(Importer):
    kind = "items"
    permission = "master.manage"
    sheet_names = ("商品资料", "货品资料", "items")
    columns = COLUMNS
    required = ("sku",)

    def check(self, rows: list[Row]) -> list[Plan]:
        plans = [Plan(row.number, key=row["sku"]) for row in rows]
        first_rows(rows, plans, lambda r: r["sku"].upper(), "sku")
        existing = self._existing({row["sku"] for row in rows if row["sku"]})
        codes_in_file: dict[str, tuple[int, str]] = {}
        styles: dict[str, tuple[str, int]] = {}
        suppliers = {s.name: s for s in db.session.execute(select(Supplier)).scalars()}
        suppliers |= {s.code: s for s in suppliers.values()}
        self._owners = self._barcode_owners(rows)
        for row, plan in zip(rows, plans, strict=True):
            if plan.problems:
                continue
            self._check_row(row, plan, existing.get(row["sku"]), codes_in_file, styles, suppliers)
        return plans

    def _barcode_owners(self, rows: list[Row]) -> dict[str, str]:
        """lookup key -> SKU of every barcode of the file already in the database: one query per 500 codes,
        not one per cell (a 10,000-item master checks in seconds)."""
        keys = {barcodes.item_code_key(row[name].replace(" ", "")) for row in rows
                for name in ("unit_barcode", "inner_barcode", "case_barcode") if row[name]}
        owners: dict[str, str] = {}
        ordered = sorted(keys)
        for start in range(0, len(ordered), 500):
            owners.update(db.session.execute(select(ItemBarcode.lookup_key, Item.sku).join(Item)
                                             .where(ItemBarcode.lookup_key.in_(ordered[start:start + 500]))).all())
        return owners

    def _existing(self, skus: set[str]) -> dict[str, Item]:
        if not skus:
            return {}
        found: dict[str, Item] = {}
        ordered = sorted(skus)
        for start in range(0, len(ordered), 500):  # with their barcodes: compared for every row
            found |= {item.sku: item for item in db.session.execute(
                select(Item).options(selectinload(Item.barcodes)).where(Item.sku.in_(ordered[start:start + 500]))
            ).unique().scalars()}
        return found

    def _check_row(self, row: Row, plan: Plan, item: Item | None, codes_in_file: dict, styles: dict,
                   suppliers: dict) -> None:
        has = row.headers.__contains__
        sku = text(plan, row, "sku", required=True, max_length=64)
        want: dict = {}
        if has("name_zh") or item is None:
            want["name_zh"] = text(plan, row, "name_zh", required=True)
        if has("name_en"):
            want["name_en"] = text(plan, row, "name_en") or (want.get("name_zh") or (item and item.product.name_zh))
        elif item is None:
            want["name_en"] = want.get("name_zh")
        style = (text(plan, row, "style", max_length=64) or (item.product.code if item else sku) or "").upper()
        want["style"] = style
        if want.get("name_zh") and style:
            named, first = styles.setdefault(style, (want["name_zh"], row.number))
            if named != want["name_zh"]:
                plan.refuse(row, "name_zh", "import_style_name", style=style, name=named, first_row=first)
        if has("variant"):
            attributes, want["variant_zh"], want["variant_en"] = variant_of(row["variant"])
            want["attributes"] = _attributes_json(attributes)
        for name, scale in (("tag_price", 100), ("unit_cost", 100), ("weight_kg", 1000), ("weight_g", 1),
                            ("length_mm", 1), ("width_mm", 1), ("height_mm", 1)):
            if has(name):
                want[{"tag_price": "tag_price_cents", "unit_cost": "unit_cost_cents",
                      "weight_kg": "weight_g"}.get(name, name)] = number(plan, row, name, scale=scale)
        if want.get("unit_cost_cents", 0) is None:
            want["unit_cost_cents"] = 0
        if has("shelf_life_days"):
            days = number(plan, row, "shelf_life_days", whole=True)
            want["shelf_life_days"] = days or None
            want["tracks_expiry"] = bool(days)
        if has("safety_qty"):
            want["safety_qty"] = number(plan, row, "safety_qty", whole=True) or 0
        for name, default in (("lot_tracked", False), ("active", True)):
            if has(name) or item is None:
                want[name] = flag(plan, row, name, default)
        for name in ("brand", "category"):
            if has(name):
                want[name] = text(plan, row, name, max_length=64)
        if has("uom"):
            want["uom"] = (text(plan, row, "uom", max_length=16) or "EA").upper()
        if has("supplier"):
            name = text(plan, row, "supplier")
            want["supplier"] = name or None
        codes = self._codes(row, plan, item, codes_in_file)
        if plan.problems:
            return
        if item is not None and item.active and want.get("active") is False:
            units, orders = in_use(item.id)
            if units or orders:
                plan.refuse(row, "active", "item_in_use", sku=item.sku, units=units, orders=orders)
                return
        plan.data = {"sku": sku, "want": want, "codes": codes, "item_id": item.id if item else None,
                     "new_supplier": bool(want.get("supplier")) and want["supplier"] not in suppliers}
        plan.changes = self._changes(item, want, codes)
        plan.action = "created" if item is None else ("updated" if plan.changes else "unchanged")

    def _codes(self, row: Row, plan: Plan, item: Item | None, codes_in_file: dict) -> dict | None:
        """The barcodes the row gives, by packaging: {packaging: (code, qty), or None when its column is empty};
        packagings whose column the row lacks are left as they are. None when it names no barcode at all."""
        has = row.headers.__contains__
        given: dict[str, tuple[str, int] | None] = {}
        for packaging, code_column, qty_column in (("unit", "unit_barcode", None),
                                                   ("inner", "inner_barcode", "inner_qty"),
                                                   ("case", "case_barcode", "case_qty")):
            if not has(code_column):
                continue
            code = row[code_column].replace(" ", "")
            if not code:
                given[packaging] = None
                continue
            try:
                decoded = barcodes.decode(code)
            except WmsError:
                plan.refuse(row, code_column, "import_bad_check_digit" if code.isdigit() else "import_bad_barcode",
                            value=code)
                continue
            if decoded.kind != "gtin":
                plan.refuse(row, code_column, "import_bad_barcode", value=code)
                continue
            qty = 1
            if qty_column:
                qty = number(plan, row, qty_column, whole=True) or 0
                if qty < 2:
                    plan.refuse(row, qty_column, "import_case_qty_missing")
                    continue
            key = decoded.key
            if key in codes_in_file:
                first_row, first_sku = codes_in_file[key]
                plan.refuse(row, code_column, "import_duplicate_in_file", value=code, first_row=first_row)
                continue
            owner = self._owners.get(key)
            if owner is not None and owner != row["sku"]:
                plan.refuse(row, code_column, "import_barcode_taken", value=code, sku=owner)
                continue
            codes_in_file[key] = (row.number, row["sku"])
            given[packaging] = (code, qty)
        if not any(has(c) for c in ("unit_barcode", "inner_barcode", "case_barcode")):
            return None
        return given

    def _changes(self, item: Item | None, want: dict, codes: dict | None) -> dict:
        current = _current(item)
        changes = {name: [current.get(name), value] for name, value in want.items() if current.get(name) != value}
        if codes is not None:
            have = {b.packaging: (b.code, b.qty) for b in item.barcodes} if item else {}
            for packaging in PACKAGINGS:
                if packaging in codes and have.get(packaging) != codes[packaging]:
                    old, new = have.get(packaging), codes.get(packaging)
                    changes[f"{packaging}_barcode"] = [_code_text(old), _code_text(new)]
        return changes

    def apply(self, plans: list[Plan], actor: Actor) -> None:
        suppliers = {s.name: s for s in db.session.execute(select(Supplier)).scalars()}
        suppliers |= {s.code: s for s in suppliers.values()}
        # Every style the plans name, in one query: a query per row would also flush the session per row.
        styles = sorted({plan.data["want"].get("style") for plan in plans} - {None})
        products: dict[str, Product | None] = dict.fromkeys(styles)  # None: no such style yet
        for start in range(0, len(styles), 500):
            products.update({p.code: p for p in db.session.execute(
                select(Product).where(Product.code.in_(styles[start:start + 500]))).scalars()})
        for plan in plans:
            data = plan.data
            want = dict(data["want"])
            item = db.session.get(Item, data["item_id"]) if data["item_id"] else None
            product = self._product(want, item, products)
            if item is None:
                item = Item(sku=data["sku"], product=product)
                db.session.add(item)
            elif product is not item.product:
                item.product = product
            supplier_name = want.pop("supplier", ...)
            if supplier_name is not ...:
                item.default_supplier_id = self._supplier(supplier_name, suppliers).id if supplier_name else None
            for name, value in want.items():
                if name in ("style", "name_zh", "name_en"):
                    continue
                setattr(item, name, value)
            if data["codes"] is not None:
                self._set_codes(item, data["codes"])
        db.session.flush()

    def _product(self, want: dict, item: Item | None, products: dict) -> Product:
        code = want.get("style") or (item.product.code if item else want.get("sku"))
        product = products[code] if code in products else db.session.execute(
            select(Product).where(Product.code == code)).scalar_one_or_none()
        if product is None:
            product = Product(code=code, name_zh=want.get("name_zh") or "", name_en=want.get("name_en") or "")
            db.session.add(product)
        else:
            for name in ("name_zh", "name_en"):
                if want.get(name) and getattr(product, name) != want[name]:
                    setattr(product, name, want[name])
        products[code] = product
        return product

    def _supplier(self, name: str, suppliers: dict) -> Supplier:
        if name not in suppliers:
            number_ = db.session.execute(select(func.count(Supplier.id))).scalar() + 1
            code = f"SUP-{number_:04d}"
            while db.session.execute(select(Supplier.id).where(Supplier.code == code)).scalar():
                number_ += 1
                code = f"SUP-{number_:04d}"
            suppliers[name] = Supplier(code=code, name=name[:200])
            db.session.add(suppliers[name])
            db.session.flush()
        return suppliers[name]

    def _set_codes(self, item: Item, codes: dict) -> None:
        """The packagings the row gives become exactly what it says (an empty column removes that code)."""
        replaced = False
        for barcode in list(item.barcodes):
            if barcode.packaging in codes and (codes[barcode.packaging] or (None,))[0] != barcode.code:
                item.barcodes.remove(barcode)
                db.session.delete(barcode)
                replaced = True
        if replaced:
            db.session.flush()  # the old code's row goes before a new one may take its lookup key
        have = {b.packaging: b for b in item.barcodes}
        for packaging, given in codes.items():
            if given is None:
                continue
            code, qty = given
            if packaging in have:
                have[packaging].qty = qty
            else:
                item.barcodes.append(ItemBarcode(code=code, lookup_key=barcodes.item_code_key(code),
                                                 symbology=_symbology(code), packaging=packaging, qty=qty))


def _current(item: Item | None) -> dict:
    if item is None:
        return {}
    supplier = db.session.get(Supplier, item.default_supplier_id) if item.default_supplier_id else None
    fields = ("variant_zh", "variant_en", "attributes", "tag_price_cents", "unit_cost_cents", "weight_g",
              "length_mm", "width_mm", "height_mm", "shelf_life_days", "tracks_expiry", "safety_qty", "lot_tracked",
              "active", "brand", "category", "uom")
    current = {name: getattr(item, name) for name in fields}
    if current["attributes"] in ("", "{}") and item.variant_zh:  # made before the master had attributes
        current["attributes"] = _attributes_json(variant_of(_variant_text(item))[0])
    return current | {
        "style": item.product.code, "name_zh": item.product.name_zh, "name_en": item.product.name_en,
        "supplier": supplier.name if supplier else None}


def _attributes_json(attributes: dict) -> str:
    return json.dumps(attributes, ensure_ascii=False, sort_keys=True)


def _variant_text(item: Item) -> str:
    """The variant as the item master writes it: `黑色;M` (from the attributes, else the shown `黑色 / M`)."""
    attributes = json.loads(item.attributes or "{}")
    if attributes:
        names = list(ATTRIBUTE_NAMES) + [f"spec{n}" for n in range(3, len(attributes) + 1)]
        return ";".join(attributes[name] for name in names if name in attributes)
    return ";".join(part.strip() for part in item.variant_zh.split(" / ") if part.strip())


def _code_text(code: tuple[str, int] | None) -> str | None:
    if code is None:
        return None
    return code[0] if code[1] == 1 else f"{code[0]} ×{code[1]}"


def _symbology(code: str) -> str:
    return {8: "ean8", 12: "upca", 13: "ean13", 14: "gtin14"}.get(len(code), "code128")


def save(values: dict[str, object], actor: Actor, *, sku: str | None = None) -> tuple[Item, str]:
    """Create an item, or edit one (`sku`), from named fields as the import takes them; refused with every
    problem (ImportRejected) and nothing written. Returns the item and what was done."""
    values = dict(values)
    if sku is not None:
        if db.session.execute(select(Item.id).where(Item.sku == sku)).scalar() is None:
            raise WmsError("not_found", what=f"item {sku}")
        values["sku"] = sku
    plan = save_one(ItemMaster(), values, actor)
    return db.session.execute(select(Item).where(Item.sku == plan.data["sku"])).unique().scalar_one(), plan.action


def export_rows() -> tuple[list[str], list[list]]:
    """The master as a sheet the import reads back: the customer's column names, one row per item."""
    header = [COLUMNS[name][0] for name in EXPORT_FIELDS]
    rows = []
    for item in db.session.execute(select(Item).order_by(Item.sku)).unique().scalars():
        view = item_view(item)
        codes = {b["packaging"]: b for b in view["barcodes"]}
        values = {"style": view["style"], "sku": item.sku, "name_zh": view["name"]["zh"],
                  "name_en": view["name"]["en"],
                  "variant": _variant_text(item),
                  "unit_barcode": codes.get("unit", {}).get("code", ""),
                  "inner_qty": codes.get("inner", {}).get("qty", ""),
                  "inner_barcode": codes.get("inner", {}).get("code", ""),
                  "case_qty": codes.get("case", {}).get("qty", ""),
                  "case_barcode": codes.get("case", {}).get("code", ""),
                  "uom": item.uom, "tag_price": _yuan(item.tag_price_cents), "unit_cost": _yuan(item.unit_cost_cents),
                  "weight_g": item.weight_g if item.weight_g is not None else "",
                  "length_mm": item.length_mm or "", "width_mm": item.width_mm or "", "height_mm": item.height_mm or "",
                  "shelf_life_days": item.shelf_life_days or "", "lot_tracked": "是" if item.lot_tracked else "否",
                  "brand": item.brand, "category": item.category, "supplier": view["supplier"] or "",
                  "safety_qty": item.safety_qty, "active": "是" if item.active else "否"}
        rows.append([values[name] for name in EXPORT_FIELDS])
    return header, rows


EXPORT_FIELDS = ("style", "sku", "name_zh", "name_en", "variant", "unit_barcode", "inner_qty", "inner_barcode",
                 "case_qty", "case_barcode", "uom", "tag_price", "unit_cost", "weight_g", "length_mm", "width_mm",
                 "height_mm", "shelf_life_days", "lot_tracked", "brand", "category", "supplier", "safety_qty", "active")


def _yuan(cents: int | None) -> str:
    if cents is None:
        return ""
    return f"{cents // 100}" if cents % 100 == 0 else f"{cents / 100:.2f}"


def set_blocked(sku: str, blocked: bool, reason: str, actor: Actor, lot_code: str | None = None) -> Item:
    """Block (freeze) an item, or one lot of it, with a written reason — not allocated, replenished or moved
    by hand until unblocked (a recall, a quality hold) — or unblock it. The audit trail keeps who and why."""
    actor.require("stock.adjust")
    reason = (reason or "").strip()
    if blocked and not reason:
        raise WmsError("reason_required")
    item = db.session.execute(select(Item).where(Item.sku == sku)).unique().scalar_one_or_none()
    if item is None:
        raise WmsError("not_found", what=f"item {sku}")
    target = item
    if lot_code is not None:
        target = db.session.execute(select(Lot).where(Lot.item_id == item.id, Lot.code == lot_code)).scalars().first()
        if target is None:
            raise WmsError("not_found", what=f"lot {lot_code} of {sku}")
    target.block_reason = reason[:200] if blocked else None
    db.session.flush()
    return item


def blocked_lots(item_id: int) -> list[Lot]:
    return list(db.session.execute(select(Lot).where(Lot.item_id == item_id, Lot.block_reason.is_not(None))
                                   .order_by(Lot.code)).scalars())


def refuse_if_blocked(item: Item, lot_ids: list[int] = ()) -> None:
    """Moving stock by hand: a blocked item or lot stays where it is."""
    if item.block_reason:
        raise WmsError("item_blocked", sku=item.sku, reason=item.block_reason)
    for lot_id in lot_ids:
        lot = db.session.get(Lot, lot_id)
        if lot is not None and lot.block_reason:
            raise WmsError("lot_blocked", sku=item.sku, lot=lot.code, reason=lot.block_reason)
