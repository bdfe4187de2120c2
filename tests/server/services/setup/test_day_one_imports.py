"""The day-one files of ../shared/samples/day-one (copied to tests/data/day-one): every wrong row refused
with its own row, column and code; nothing written unless only the good rows are asked for; loading the
same file again changes nothing."""
from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from server.db.models import Bin, Item, ItemBarcode, LedgerEntry, Supplier
from server.domain.errors import WmsError
from server.extensions import db
from server.services.inventory import ledger
from server.services.people.auth import Actor
from server.services.setup import imports

DAY_ONE = Path(__file__).resolve().parents[3] / "data" / "day-one"
ADMIN = Actor(user_id=None, username="admin", name="Admin", role="admin")


def load(kind: str, name: str, **flags):
    return imports.run(kind, (DAY_ONE / name).read_bytes(), name, ADMIN, **flags)


def count(model) -> int:
    return db.session.execute(select(func.count()).select_from(model)).scalar()


def refused(answer: dict) -> set[tuple[int, str, str]]:
    return {(e["row"], e["column"], e["code"]) for e in answer["errors"]}


# Written out from the sample's README, not from the code: (row, column, code) of every wrong row.
ITEM_ERRORS = {
    (36, "国标码", "import_bad_check_digit"),  # HZ900-1: EAN 6987942000044, check digit should be 3
    (37, "商品编码", "import_duplicate_in_file"),  # HZ002-2-S again (row 7)
    (38, "重量(kg)", "import_negative"),  # HZ901-1 weighs -0.2 kg
    (39, "商品名称", "import_required"),  # HZ902-1 has no name
    (40, "保质期(天)", "import_not_a_number"),  # HZ903-1: 半年
}


def test_the_item_master_with_wrong_rows_writes_nothing_and_names_each_row(app):
    answer, status = load("items", "item-master.xlsx")
    assert status == 422 and not answer["ok"] and not answer["written"]
    assert {(row, column, code) for row, column, code in refused(answer) if (row, column, code) in ITEM_ERRORS} \
        == ITEM_ERRORS
    assert {row for row, _, _ in refused(answer)} == {36, 37, 38, 39, 40}
    assert answer["rows"] == 39 and answer["refused"] == 5 and answer["created"] == 34
    message = next(e["message"] for e in answer["errors"] if e["row"] == 40)
    assert "半年" in message["en"] and "半年" in message["zh"] and "保质期(天)" in message["zh"]
    assert count(Item) == 0 and count(Supplier) == 0


def test_a_dry_run_shows_what_would_be_created_and_writes_nothing(app):
    answer, status = load("items", "item-master.xlsx", dry_run=True, good_rows_only=True)
    assert status == 200 and answer["dry_run"] and not answer["written"]
    assert answer["created"] == 34 and answer["refused"] == 5
    assert count(Item) == 0


def test_good_rows_only_loads_the_rest_and_a_second_load_changes_nothing(app):
    answer, status = load("items", "item-master.xlsx", good_rows_only=True)
    assert status == 200 and answer["written"] and answer["created"] == 34
    assert count(Item) == 34
    cup = db.session.execute(select(Item).where(Item.sku == "HZ001-1")).unique().scalar_one()
    assert (cup.product.name_zh, cup.weight_g, cup.shelf_life_days, cup.tracks_expiry, cup.tag_price_cents,
            cup.unit_cost_cents, cup.brand, cup.category) == ("保温杯", 320, 720, True, 12900, 5418, "家居", "杯壶")
    assert {(b.code, b.packaging, b.qty) for b in cup.barcodes} == {("6987942000012", "unit", 1),
                                                                     ("16987942000019", "case", 24)}
    tee = db.session.execute(select(Item).where(Item.sku == "HZ002-1-S")).unique().scalar_one()
    assert (tee.variant_zh, tee.variant_en, tee.shelf_life_days) == ("黑色 / S", "Black / S", None)
    assert db.session.get(Supplier, tee.default_supplier_id).name == "东莞市鑫达电子科技有限公司"
    again, status = load("items", "item-master.xlsx", good_rows_only=True)
    assert status == 200 and (again["created"], again["updated"], again["unchanged"]) == (0, 0, 34)
    assert count(Item) == 34 and count(ItemBarcode) == 68


BIN_ERRORS = {(1012, "库位编码", "import_duplicate_in_file"), (1013, "库位类型", "import_unknown_kind")}


def test_the_location_list_refuses_its_two_wrong_rows(app):
    answer, status = load("bins", "bins.xlsx")
    assert status == 422 and refused(answer) == BIN_ERRORS and count(Bin) == 0
    answer, status = load("bins", "bins.xlsx", good_rows_only=True)
    assert status == 200 and answer["created"] == 1010  # 1,012 rows, 2 wrong
    kinds = dict(db.session.execute(select(Bin.kind, func.count()).group_by(Bin.kind)).all())
    assert set(kinds) <= {"storage", "pick_face", "quarantine", "staging"} and kinds["storage"] > 500


def test_opening_stock_refuses_its_wrong_rows_then_loads_once(app):
    load("items", "item-master.xlsx", good_rows_only=True)
    load("bins", "bins.xlsx", good_rows_only=True)
    answer, status = load("opening-stock", "opening-stock.csv")
    assert status == 422 and count(LedgerEntry) == 0
    codes = {code for _, _, code in refused(answer)}
    assert {"import_unknown_bin", "import_unknown_item", "import_negative", "import_expiry_required"} <= codes
    assert answer["refused"] == 4
    answer, status = load("opening-stock", "opening-stock.csv", good_rows_only=True)
    assert status == 200 and answer["created"] == 25
    units = db.session.execute(select(func.sum(LedgerEntry.qty)).where(LedgerEntry.reason == "opening")).scalar()
    assert units == sum(p["changes"]["qty"][1] for p in answer["plan"] if p["action"] == "created")
    assert ledger.check()["balanced"]
    with pytest.raises(WmsError) as loaded:
        load("opening-stock", "opening-stock.csv", good_rows_only=True)
    assert loaded.value.code == "opening_stock_loaded"
