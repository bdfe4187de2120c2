"""Day one's checklist: what a new warehouse has set up so far, in the order it is usually done."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from server.db.models import Bin, Device, Item, Printer, PrintJob, PurchaseOrder, User
from server.extensions import db
from server.services.catalogue.items import NOT_ON_SHELVES
from server.services.inventory import opening_stock


@dataclass
class Step:
    key: str
    title: tuple[str, str]  # en, zh
    done: bool
    figure: int
    link: str


def _count(query) -> int:
    return int(db.session.execute(query).scalar() or 0)


def steps(warehouse: str = "WH1") -> list[Step]:
    opening = opening_stock.status(warehouse)
    return [
        Step("items", ("Load the item master", "导入货品资料"), *_n(select(func.count(Item.id))), "#import-items"),
        Step("bins", ("Set up bins", "设置库位"),
             *_n(select(func.count(Bin.id)).where(Bin.kind.not_in(NOT_ON_SHELVES))), "#import-bins"),
        Step("staff", ("Add the staff", "添加员工"),
             *_n(select(func.count(User.id)).where(User.role.not_in(("admin",)))), "/sup/people"),
        Step("printers", ("Connect printers", "连接打印机"), *_n(select(func.count(Printer.id))), "/sup/devices"),
        Step("bin-labels", ("Print bin labels", "打印库位标签"),
             *_n(select(func.count(PrintJob.id)).where(PrintJob.kind == "bin_labels")), "/sup/bins"),
        Step("handhelds", ("Pair handhelds", "配对手持终端"),
             *_n(select(func.count(Device.id)).where(Device.kind == "pda", Device.token_digest.is_not(None),
                                                     Device.token_revoked_at.is_(None))), "/sup/devices"),
        Step("opening-stock", ("Load opening stock", "导入期初库存"), opening is not None,
             int(opening["units"]) if opening else 0, "#import-opening-stock"),
        Step("first-po", ("Receive the first PO", "首张采购单收货"),
             *_n(select(func.count(PurchaseOrder.id))), "/sup/receiving"),
    ]


def _n(query) -> tuple[bool, int]:
    n = _count(query)
    return n > 0, n
