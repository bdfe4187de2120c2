"""Opening stock (期初库存): units already on the shelves when the warehouse starts using the system,
loaded from a list (bin, item, lot, expiry, quantity) into the ledger under the reason `opening` —
once per warehouse, unless a supervisor reopens it (a second load would count the goods twice)."""
from __future__ import annotations

import json
from datetime import date

from sqlalchemy import select

from server.db.models import Bin, Item, ItemBarcode, Lot, SiteFact, utcnow
from server.domain.barcodes import item_code_key
from server.domain.errors import WmsError
from server.domain.stock import Movement
from server.extensions import db
from server.services.imports.framework import Importer, Plan, Row, first_rows, number, text
from server.services.inventory import stock
from server.services.people.auth import Actor

OPENING_LOT = "OPENING"  # the lot of units whose list names none
PLACES_FOR_STOCK = ("storage", "pick_face", "quarantine", "staging", "packing", "hold", "returns", "dock")


def _fact_key(warehouse: str) -> str:
    return f"opening_stock:{warehouse}"


def status(warehouse: str = "WH1") -> dict | None:
    """When and by whom a warehouse's opening stock was loaded; None while it may still be loaded."""
    fact = db.session.get(SiteFact, _fact_key(warehouse))
    if fact is None:
        return None
    value = json.loads(fact.value)
    return None if value.get("reopened_at") else value


def reopen(warehouse: str, reason: str, actor: Actor) -> None:
    """A supervisor allows one more load (e.g. a forgotten aisle): written down with the reason."""
    actor.require("stock.opening")
    if not (reason or "").strip():
        raise WmsError("reason_required")
    fact = db.session.get(SiteFact, _fact_key(warehouse))
    if fact is None:
        return
    value = json.loads(fact.value) | {"reopened_at": utcnow().isoformat(timespec="seconds"),
                                      "reopened_by": actor.username, "reopen_reason": reason.strip()[:200]}
    fact.value = json.dumps(value, ensure_ascii=False)
    fact.updated_at = utcnow()


class OpeningStock(Importer):
    kind = "opening-stock"
    permission = "stock.opening"
    sheet_names = ("期初库存", "opening stock")
    columns = {
        "bin": ("库位编码", "bin", "库位", "货位"),
        "sku": ("商品编码", "sku", "条码", "barcode"),
        "lot": ("批次号", "lot", "批次"),
        "expiry": ("到期日", "expiry", "有效期至", "过期日期"),
        "qty": ("数量", "qty", "库存数量"),
    }
    required = ("bin", "sku", "qty")

    def check(self, rows: list[Row]) -> list[Plan]:
        plans = [Plan(row.number, key=f"{row['bin'].upper()} {row['sku']} {row['lot']}".strip()) for row in rows]
        first_rows(rows, plans, lambda r: (r["bin"].upper(), r["sku"].upper(), r["lot"].upper()), "sku")
        bins = {b.code: b for b in db.session.execute(select(Bin)).scalars()}
        warehouses = set()
        for row, plan in zip(rows, plans, strict=True):
            if plan.problems:
                continue
            code = (text(plan, row, "bin", required=True, max_length=32) or "").upper()
            bin_ = bins.get(code)
            if code and bin_ is None:
                plan.refuse(row, "bin", "import_unknown_bin", value=row["bin"])
            elif bin_ is not None and bin_.kind not in PLACES_FOR_STOCK:
                plan.refuse(row, "bin", "import_bin_not_stock", value=code, kind=bin_.kind, kind_zh=bin_.kind)
            item = self._item(plan, row)
            lot = text(plan, row, "lot", max_length=64) or OPENING_LOT
            expiry = self._expiry(plan, row)
            qty = number(plan, row, "qty", whole=True, minimum=0)
            if qty == 0:
                plan.refuse(row, "qty", "import_too_small", value=row["qty"], minimum=1)
            elif row["qty"] == "" and "qty" in row.headers:
                plan.refuse(row, "qty", "import_required")
            if item is not None and item.tracks_expiry and expiry is None and not plan.problems:
                plan.refuse(row, "expiry", "import_expiry_required", sku=item.sku)
            if plan.problems:
                continue
            warehouses.add(bin_.warehouse)
            plan.data = {"bin": bin_.id, "item": item.id, "lot": lot, "expiry": expiry, "qty": qty,
                         "warehouse": bin_.warehouse}
            plan.changes = {"qty": [None, qty]}
            plan.action = "created"
        for warehouse in sorted(warehouses):
            loaded = status(warehouse)
            if loaded:
                raise WmsError("opening_stock_loaded", warehouse=warehouse, at=loaded["at"])
        return plans

    def _item(self, plan: Plan, row: Row) -> Item | None:
        code = text(plan, row, "sku", required=True, max_length=64)
        if not code:
            return None
        item = db.session.execute(select(Item).where(Item.sku == code)).unique().scalar_one_or_none() or \
            db.session.execute(select(Item).join(ItemBarcode)
                               .where(ItemBarcode.lookup_key == item_code_key(code))).unique().scalar_one_or_none()
        if item is None:
            plan.refuse(row, "sku", "import_unknown_item", value=code)
        return item

    def _expiry(self, plan: Plan, row: Row) -> date | None:
        value = row["expiry"].replace("/", "-").replace(".", "-")
        if not value:
            return None
        try:
            return date.fromisoformat(value[:10])
        except ValueError:
            plan.refuse(row, "expiry", "import_bad_date", value=row["expiry"])
            return None

    def apply(self, plans: list[Plan], actor: Actor) -> None:
        today = date.today()
        lots: dict[tuple[int, str], Lot] = {}
        for plan in plans:
            data = plan.data
            key = (data["item"], data["lot"])
            lot = lots.get(key) or db.session.execute(
                select(Lot).where(Lot.item_id == data["item"], Lot.code == data["lot"])).scalars().first()
            if lot is None:
                lot = Lot(item_id=data["item"], code=data["lot"], received_on=today, expiry=data["expiry"])
                db.session.add(lot)
                db.session.flush()
            lots[key] = lot
            stock.move(Movement(data["bin"], data["item"], lot.id, data["qty"], "opening"), actor,
                       ref="opening stock")
        for warehouse in sorted({plan.data["warehouse"] for plan in plans}):
            fact = db.session.get(SiteFact, _fact_key(warehouse))
            value = {"at": utcnow().isoformat(timespec="seconds"), "by": actor.username,
                     "rows": sum(1 for p in plans if p.data["warehouse"] == warehouse),
                     "units": sum(p.data["qty"] for p in plans if p.data["warehouse"] == warehouse)}
            if fact is None:
                db.session.add(SiteFact(key=_fact_key(warehouse), value=json.dumps(value)))
            else:
                fact.value, fact.updated_at = json.dumps(value), utcnow()
