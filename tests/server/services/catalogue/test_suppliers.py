"""Suppliers: created, edited and imported through the same checks; a code made when the file has none;
purchase orders name only known, active suppliers and items."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from server.db.models import Supplier
from server.domain.errors import ImportRejected, WmsError
from server.extensions import db
from server.services.catalogue import suppliers
from server.services.people.auth import Actor
from server.services.receiving import inbound
from server.services.setup import imports

ADMIN = Actor(user_id=None, username="admin", name="Admin", role="admin")
FILE = ("供应商编码,供应商名称,联系人,是否启用\n"
        "SUP-9001,杭州织造有限公司,王经理 0571-1234,是\n"
        ",东莞市鑫达电子科技有限公司,李小姐,是\n"
        ",义乌小商品批发,,否\n"
        "SUP-9001,重复编码,,\n"
        ",,没有名称,\n").encode()


def load(raw: bytes, **flags):
    return imports.run("suppliers", raw, "suppliers.csv", ADMIN, **flags)


def count() -> int:
    return db.session.execute(select(func.count(Supplier.id))).scalar()


def test_a_supplier_file_refuses_its_wrong_rows_then_loads_its_good_ones_once(app):
    answer, status = load(FILE)
    assert status == 422 and count() == 0
    assert {(e["row"], e["column"], e["code"]) for e in answer["errors"]} == {
        (5, "供应商编码", "import_duplicate_in_file"), (6, "供应商名称", "import_required")}
    answer, status = load(FILE, good_rows_only=True)
    assert status == 200 and answer["created"] == 3
    found = {s.name: s for s in db.session.execute(select(Supplier)).scalars()}
    assert found["杭州织造有限公司"].code == "SUP-9001" and found["杭州织造有限公司"].contact == "王经理 0571-1234"
    assert found["东莞市鑫达电子科技有限公司"].code.startswith("SUP-0")
    assert found["东莞市鑫达电子科技有限公司"].code != found["义乌小商品批发"].code
    assert not found["义乌小商品批发"].active
    again, _ = load(FILE, good_rows_only=True)
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 3) and count() == 3
    # matched by name when the row has no code
    changed, _ = load("供应商编码,供应商名称,联系人,是否启用\n,义乌小商品批发,赵先生,是\n".encode())
    assert changed["updated"] == 1 and found["义乌小商品批发"].active and found["义乌小商品批发"].contact == "赵先生"


def test_create_and_edit_one_supplier(app):
    supplier, action = suppliers.save({"name": "新供应商", "contact": "陈"}, ADMIN)
    db.session.commit()
    assert action == "created" and supplier.code == "SUP-0001"
    with pytest.raises(WmsError) as twice:
        suppliers.save({"name": "新供应商"}, ADMIN)
    assert twice.value.code == "already_exists"
    supplier, action = suppliers.save({"contact": "陈先生", "active": False}, ADMIN, code="sup-0001")
    db.session.commit()
    assert action == "updated" and (supplier.name, supplier.contact, supplier.active) == ("新供应商", "陈先生", False)
    with pytest.raises(ImportRejected):
        suppliers.save({"contact": "nobody"}, ADMIN)
    with pytest.raises(WmsError) as missing:
        suppliers.save({"name": "x"}, ADMIN, code="SUP-NOPE")
    assert missing.value.code == "not_found"
    with pytest.raises(WmsError) as refused:
        suppliers.save({"name": "y"}, Actor(None, "sue", "Sue", "supervisor"))
    assert refused.value.code == "forbidden"


def test_purchase_orders_name_only_known_active_suppliers_and_items(tiny_warehouse):
    w = tiny_warehouse
    with pytest.raises(WmsError) as unknown:
        inbound.create_po("SUP-NOPE", [{"sku": w.tee.sku, "qty": 1}], w.receiver)
    assert unknown.value.code == "not_found"
    suppliers.save({"active": False}, ADMIN, code="SUP-T")
    db.session.commit()
    with pytest.raises(WmsError) as inactive:
        inbound.create_po("SUP-T", [{"sku": w.tee.sku, "qty": 1}], w.receiver)
    assert inactive.value.code == "supplier_inactive" and "SUP-T" in inactive.value.message()["zh"]
    suppliers.save({"active": True}, ADMIN, code="SUP-T")
    w.mug.active = False
    db.session.commit()
    with pytest.raises(WmsError) as item:
        inbound.create_po("SUP-T", [{"sku": w.mug.sku, "qty": 1}], w.receiver)
    assert item.value.code == "item_inactive"
    with pytest.raises(WmsError) as nothing:
        inbound.create_po("SUP-T", [{"sku": "NOPE-SKU", "qty": 1}], w.receiver)
    assert nothing.value.code == "not_found"
    assert inbound.create_po("SUP-T", [{"sku": w.tee.sku, "qty": 2}], w.receiver).supplier.code == "SUP-T"
