"""The item master's rules beyond the import file: a case code picks and counts its units, an item with
stock or open orders cannot be deactivated, and an exported master imports back unchanged."""
import io
import uuid
from datetime import datetime

import openpyxl
import pytest
from sqlalchemy import select

from server.db.models import Bin, BinStock, CountLine, Lot
from server.domain.barcodes import decode
from server.domain.batching import Cart
from server.domain.errors import ImportRejected
from server.extensions import db
from server.services.catalogue import item_master
from server.services.floor import scans
from server.services.inventory import counts
from server.services.orders import sales_orders
from server.services.orders.sales_orders import NewLine
from server.services.people.auth import Actor
from server.services.picking import pick_lists, waves
from server.services.setup import imports

TEE_CASE_OF_2 = "15901234123454"  # GTIN-14: indicator 1 + the tee's EAN-13 body + its check digit
ADMIN = Actor(user_id=None, username="admin", name="Admin", role="admin")


def give_the_tee_a_case_of(qty: int) -> None:
    item_master.save({"case_barcode": TEE_CASE_OF_2, "case_qty": qty}, ADMIN, sku="TEE-BLK-M")
    db.session.commit()


def held(bin_code: str) -> int:
    return db.session.execute(select(BinStock.qty).join(Bin).join(Lot)
                              .where(Bin.code == bin_code, Lot.code == "L1")).scalar()


def test_a_case_scan_picks_its_units_in_one_scan(tiny_warehouse):
    w = tiny_warehouse
    give_the_tee_a_case_of(2)
    sales_orders.create_order("api", "O-1", [NewLine("TEE-BLK-M", 2)], w.supervisor, address="上海市",
                              paid_at=datetime(2026, 11, 22, 9, 0))
    db.session.commit()
    sales_orders.release("O-1", w.supervisor)
    list_id = waves.release_wave(waves.WaveFilters(), Cart(totes=1, tote_capacity=20), w.supervisor)[
        "pick_lists"][0]["pick_list"]
    waves.claim(list_id, w.picker)
    pick_lists.bind_tote(list_id, 1, decode("TOTE-0001"), w.picker)
    pick_lists.scan(list_id, decode("A-01-01-1"), 1, w.picker)
    pick_lists.scan(list_id, decode(TEE_CASE_OF_2), 1, w.picker)
    db.session.commit()
    assert (held("A-01-01-1"), held("TOTE-0001")) == (1, 2)


def test_a_case_scan_counts_its_units(tiny_warehouse):
    w = tiny_warehouse
    give_the_tee_a_case_of(2)
    counts.schedule({"zone": "A"}, w.supervisor)
    db.session.commit()
    for message in ({"code": "A-01-01-1"}, {"code": TEE_CASE_OF_2, "bin": "A-01-01-1", "qty": 1}):
        ack = scans.handle({"scan_id": str(uuid.uuid4()), "mode": "count", **message}, w.picker)
        assert ack["ok"], ack
    counted = db.session.execute(select(CountLine.counted).join(Bin, Bin.id == CountLine.bin_id)
                                 .where(Bin.code == "A-01-01-1", CountLine.item_id == w.tee.id)).scalar()
    assert counted == 2


def test_an_item_with_stock_cannot_be_deactivated_and_one_without_can(tiny_warehouse):
    with pytest.raises(ImportRejected) as refused:
        item_master.save({"active": False}, ADMIN, sku="TEE-BLK-M")
    [row] = refused.value.rows
    assert row["code"] == "item_in_use" and "3 unit(s) in stock" in row["message"]["en"]
    db.session.rollback()
    item, action = item_master.save({"sku": "NEW-1", "name_zh": "新品", "active": True}, ADMIN)
    assert action == "created"
    item, action = item_master.save({"active": False}, ADMIN, sku="NEW-1")
    assert (action, item.active) == ("updated", False)


def test_the_exported_master_imports_back_unchanged(tiny_warehouse):
    give_the_tee_a_case_of(12)
    header, rows = item_master.export_rows()
    book = openpyxl.Workbook()
    book.active.append(header)
    for row in rows:
        book.active.append(row)
    data = io.BytesIO()
    book.save(data)
    answer, status = imports.run("items", data.getvalue(), "export.xlsx", ADMIN, dry_run=True)
    assert status == 200 and answer["errors"] == []
    assert (answer["created"], answer["updated"], answer["unchanged"]) == (0, 0, 2), answer["plan"]
