"""Suppliers (供应商): created, edited (name, contact, active) and imported through the same checks — a form
or a REST call is a file of one row. A row names a supplier by its code (供应商编码), or by its name when it
has no code; a new supplier without a code gets the next SUP-0001…. Purchase orders name only active
suppliers (receiving/inbound.py)."""
from __future__ import annotations

from sqlalchemy import func, or_, select

from server.db.models import Supplier
from server.domain.errors import WmsError
from server.extensions import db
from server.services.imports.framework import Importer, Plan, Row, first_rows, flag, save_one, text
from server.services.people.auth import Actor

COLUMNS: dict[str, tuple[str, ...]] = {
    "code": ("供应商编码", "code", "supplier code", "编码"),
    "name": ("供应商名称", "name", "supplier", "供应商", "名称"),
    "contact": ("联系人", "contact", "联系方式"),
    "active": ("是否启用", "active", "启用"),
}
FIELDS = ("name", "contact", "active")


def next_code() -> str:
    """The next free SUP-nnnn (as the item master names a supplier it meets first)."""
    number = db.session.execute(select(func.count(Supplier.id))).scalar() + 1
    while db.session.execute(select(Supplier.id).where(Supplier.code == f"SUP-{number:04d}")).scalar():
        number += 1
    return f"SUP-{number:04d}"


class SupplierImporter(Importer):
    kind = "suppliers"
    permission = "master.manage"
    sheet_names = ("供应商", "suppliers")
    columns = COLUMNS
    required = ("name",)

    def check(self, rows: list[Row]) -> list[Plan]:
        plans = [Plan(row.number, key=row["code"].upper() or row["name"]) for row in rows]
        first_rows(rows, plans, lambda r: r["code"].upper(), "code")
        first_rows(rows, plans, lambda r: r["name"], "name")
        everyone = list(db.session.execute(select(Supplier)).scalars())
        by_code = {s.code.upper(): s for s in everyone}
        by_name = {s.name: s for s in everyone}
        for row, plan in zip(rows, plans, strict=True):
            if not plan.problems:
                self._check_row(row, plan, by_code, by_name)
        return plans

    def _check_row(self, row: Row, plan: Plan, by_code: dict, by_name: dict) -> None:
        has = row.headers.__contains__
        code = (text(plan, row, "code", max_length=32) or "").upper()
        supplier = by_code.get(code) if code else by_name.get(row["name"])
        want: dict = {}
        if has("name") or supplier is None:
            want["name"] = text(plan, row, "name", required=supplier is None, max_length=200) or \
                (supplier.name if supplier else None)
        if has("contact"):
            want["contact"] = text(plan, row, "contact", max_length=200) or ""
        if has("active") or supplier is None:
            want["active"] = flag(plan, row, "active", True)
        if plan.problems:
            return
        if supplier is not None and want.get("name") and want["name"] != supplier.name \
                and by_name.get(want["name"]) not in (None, supplier):
            plan.refuse(row, "name", "import_supplier_name_taken", value=want["name"], code=by_name[want["name"]].code)
            return
        if supplier is None and want["name"] in by_name:  # a new code for a name that has another code
            plan.refuse(row, "name", "import_supplier_name_taken", value=want["name"], code=by_name[want["name"]].code)
            return
        current = {name: getattr(supplier, name) for name in FIELDS} if supplier else {}
        plan.changes = {k: [current.get(k), v] for k, v in want.items() if current.get(k) != v}
        plan.key = code or (supplier.code if supplier else want["name"])
        plan.data = {"id": supplier.id if supplier else None, "code": code, "want": want}
        plan.action = "created" if supplier is None else ("updated" if plan.changes else "unchanged")

    def apply(self, plans: list[Plan], actor: Actor) -> None:
        for plan in plans:
            data = plan.data
            supplier = db.session.get(Supplier, data["id"]) if data["id"] else None
            if supplier is None:
                supplier = Supplier(code=data["code"] or next_code(), name=data["want"]["name"])
                db.session.add(supplier)
            for name, value in data["want"].items():
                setattr(supplier, name, value)
            db.session.flush()
            plan.data["code"] = supplier.code


def find(code: str) -> Supplier:
    supplier = db.session.execute(
        select(Supplier).where(func.upper(Supplier.code) == (code or "").strip().upper())).scalar_one_or_none()
    if supplier is None:
        raise WmsError("not_found", what=f"supplier {code}")
    return supplier


def save(values: dict[str, object], actor: Actor, *, code: str | None = None) -> tuple[Supplier, str]:
    """Create a supplier, or edit one (`code`), through the import's checks; refused with every problem
    (ImportRejected), nothing written. The caller commits."""
    values = dict(values)
    if code is not None:
        values["code"] = find(code).code
    elif values.get("code") and db.session.execute(
            select(Supplier.id).where(func.upper(Supplier.code) == str(values["code"]).strip().upper())).scalar():
        raise WmsError("already_exists", what=f"supplier {str(values['code']).strip().upper()}")
    elif values.get("name") and db.session.execute(
            select(Supplier.id).where(Supplier.name == str(values["name"]).strip())).scalar():
        raise WmsError("already_exists", what=f"supplier {str(values['name']).strip()}")
    plan = save_one(SupplierImporter(), values, actor)
    return find(plan.data["code"] or plan.key), plan.action


def list_suppliers(q: str | None = None, limit: int = 500) -> list[Supplier]:
    query = select(Supplier).order_by(Supplier.code).limit(max(1, min(limit, 5000)))
    if q and q.strip():
        like = f"%{q.strip()}%"
        query = query.where(or_(Supplier.code.ilike(like), Supplier.name.ilike(like), Supplier.contact.ilike(like)))
    return list(db.session.execute(query).scalars())


def supplier_view(supplier: Supplier) -> dict:
    return {"code": supplier.code, "name": supplier.name, "contact": supplier.contact, "active": supplier.active}
