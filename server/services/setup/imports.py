"""The imports by kind (`POST /api/v1/imports/<kind>`, the day-one page, `python -m server import`)."""
from __future__ import annotations

from sqlalchemy import select

from server.db.models import User
from server.domain.errors import WmsError
from server.extensions import db
from server.services.catalogue.bin_master import BinMaster
from server.services.catalogue.item_master import ItemMaster
from server.services.catalogue.kit_import import KitImporter
from server.services.catalogue.suppliers import SupplierImporter
from server.services.imports import framework
from server.services.imports.files import read_sheet
from server.services.imports.framework import Importer
from server.services.inventory.opening_stock import OpeningStock
from server.services.people import auth
from server.services.people.auth import Actor
from server.services.setup.staff import StaffImporter

IMPORTERS: dict[str, type[Importer]] = {
    "items": ItemMaster,
    "kits": KitImporter,
    "bins": BinMaster,
    "opening-stock": OpeningStock,
    # people and suppliers (the "people" branch)
    "staff": StaffImporter,
    "suppliers": SupplierImporter,
}
# In the order a new warehouse loads them: the master (its kits after its items), the places, then stock on them.
ORDER = ("items", "kits", "bins", "staff", "suppliers", "opening-stock")
TITLES = {"items": ("Items (item master)", "货品资料"), "kits": ("Kits", "组合装"),
          "bins": ("Bins (locations)", "库位"), "staff": ("Staff", "员工"), "suppliers": ("Suppliers", "供应商"),
          "opening-stock": ("Opening stock", "期初库存")}


def importer(kind: str) -> Importer:
    if kind not in IMPORTERS:
        raise WmsError("import_unknown_kind_name", kind=kind, known=", ".join(kinds()))
    return IMPORTERS[kind]()


def kinds() -> list[str]:
    return [kind for kind in ORDER if kind in IMPORTERS] + [k for k in IMPORTERS if k not in ORDER]


def run(kind: str, raw: bytes, filename: str, actor: Actor, *, dry_run: bool = False, good_rows_only: bool = False,
        mapping: dict[str, str] | None = None) -> tuple[dict, int]:
    return framework.run(importer(kind), raw, filename, actor, dry_run=dry_run, good_rows_only=good_rows_only,
                         mapping=mapping)


def actor_named(username: str | None) -> Actor:
    """Who a command-line import is done as: the named active user, else the first active admin."""
    query = select(User).where(User.active.is_(True))
    query = query.where(User.username == username) if username else query.where(User.role == "admin")
    user = db.session.execute(query.order_by(User.id).limit(1)).scalar()
    if user is None:
        raise WmsError("not_found", what=f"user {username or '(an admin)'}")
    return auth.actor_for_user(user.id)


def headers(raw: bytes, filename: str, kind: str) -> list[str]:
    """The column names of a file, to match them to an import's fields by hand."""
    return [h for h in read_sheet(raw, filename, importer(kind).sheet_names).header if h]


def columns(kind: str) -> dict[str, tuple[str, ...]]:
    """The columns an import understands: field -> names (the first is the customer's own)."""
    return dict(importer(kind).columns)
