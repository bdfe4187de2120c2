"""The kits file (kits.csv of the day-one sample, and small files of our own): every wrong row named with its
row, column and code; nothing written unless only the good rows are asked for, a kit with a wrong row then
left out whole; loading a kit again replaces its components; the same checks for a kit saved by hand."""
from __future__ import annotations

from pathlib import Path

import pytest

from server.domain.errors import ImportRejected
from server.extensions import db
from server.services.catalogue import kit_import, kits
from server.services.catalogue.items import item_by_sku
from server.services.people.auth import Actor
from server.services.setup import imports

DAY_ONE = Path(__file__).resolve().parents[3] / "data" / "day-one"
ADMIN = Actor(user_id=None, username="admin", name="Admin", role="admin")
SUPERVISOR = Actor(user_id=None, username="sue", name="Sue", role="supervisor")


def load_sample(**flags):
    return imports.run("kits", (DAY_ONE / "kits.csv").read_bytes(), "kits.csv", ADMIN, **flags)


def load_csv(text: str, **flags):
    return imports.run("kits", text.encode("gbk"), "kits.csv", ADMIN, **flags)


def refused(answer: dict) -> set[tuple[int, str, str]]:
    return {(e["row"], e["column"], e["code"]) for e in answer["errors"]}


def recipe(sku: str) -> list[tuple[str, int]]:
    return [(item.sku, qty) for item, qty in kits.components_of(item_by_sku(sku))]


@pytest.fixture
def day_one_items(app):
    """The sample's item master, its good rows (its wrong rows are the item import's own test)."""
    name = "item-master.xlsx"
    answer, status = imports.run("items", (DAY_ONE / name).read_bytes(), name, ADMIN, good_rows_only=True)
    assert status == 200 and answer["created"] == 34


# Written out from the sample's README: (row, column, code) of its three wrong rows.
SAMPLE_ERRORS = {(15, "子商品编码", "kit_unknown_component"),  # HZK90 names HZ999-9, no item
                 (16, "子商品编码", "kit_contains_itself"),  # HZK91 is its own component
                 (17, "数量", "kit_bad_qty")}  # HZK92: 0 of HZ001-1


def test_the_sample_with_three_wrong_rows_writes_nothing_and_names_each_row(day_one_items):
    answer, status = load_sample()
    assert status == 422 and not answer["written"]
    assert refused(answer) == SAMPLE_ERRORS
    assert (answer["rows"], answer["refused"], answer["created"]) == (16, 3, 13)
    unknown = next(e for e in answer["errors"] if e["row"] == 15)["message"]
    assert "HZ999-9" in unknown["en"] and "HZ999-9" in unknown["zh"]
    assert kits.kit_skus() == [] and item_by_sku("HZK01") is None


def test_a_dry_run_shows_the_kits_it_would_define_and_writes_nothing(day_one_items):
    answer, status = load_sample(dry_run=True, good_rows_only=True)
    assert status == 200 and not answer["written"] and answer["created"] == 13
    first = answer["plan"][0]
    assert first["key"] == "HZK01" and first["changes"] == {"components": [None, "HZ004-1 ×1 · HZ009-2-XL ×2"]}
    assert kits.kit_skus() == []


def test_good_rows_only_defines_the_six_good_kits_and_a_second_load_changes_nothing(day_one_items):
    answer, status = load_sample(good_rows_only=True)
    assert status == 200 and answer["written"] and refused(answer) == SAMPLE_ERRORS
    assert kits.kit_skus() == ["HZK01", "HZK02", "HZK03", "HZK04", "HZK05", "HZK06"]
    assert recipe("HZK01") == [("HZ004-1", 1), ("HZ009-2-XL", 2)]
    assert recipe("HZK03") == [("HZ009-1-L", 2), ("HZ009-2-M", 1), ("HZ009-1-M", 1)]
    assert item_by_sku("HZK01").product.name_zh == "组合装1：洗发水400ml+儿童袜"
    assert item_by_sku("HZK90") is None and item_by_sku("HZK91") is None
    again, status = load_sample(good_rows_only=True)
    assert status == 200 and (again["created"], again["updated"], again["unchanged"]) == (0, 0, 13)


def test_loading_a_kit_again_replaces_its_components(day_one_items):
    load_csv("kit_sku,kit_name,component_sku,qty\nKIT-A,Set A,HZ001-1,1\nKIT-A,Set A,HZ004-1,2\n")
    answer, status = load_csv("kit_sku,kit_name,component_sku,qty\nKIT-A,Set A,HZ004-1,3\n")
    assert status == 200 and answer["updated"] == 1
    assert answer["plan"][0]["changes"] == {"components": ["HZ001-1 ×1 · HZ004-1 ×2", "HZ004-1 ×3"]}
    assert recipe("KIT-A") == [("HZ004-1", 3)]
    assert item_by_sku("KIT-A").product.name_zh == "Set A"


def test_a_kit_with_one_wrong_row_is_left_out_whole_and_its_good_rows_say_why(day_one_items):
    answer, status = load_csv("组合装商品编码,组合装商品名称,子商品编码,数量\n"
                              "KIT-B,B,HZ001-1,1\nKIT-B,B,HZ004-1,半\nKIT-C,C,HZ001-1,2\n", good_rows_only=True)
    assert status == 200 and refused(answer) == {(2, "组合装商品编码", "kit_left_out"), (3, "数量", "kit_bad_qty")}
    left_out = next(e for e in answer["errors"] if e["row"] == 2)["message"]
    assert left_out["en"] == "Kit KIT-B is left out whole: its row 3 is wrong."
    assert kits.kit_skus() == ["KIT-C"]


def test_a_kit_containing_itself_through_another_kit_is_refused(day_one_items):
    load_csv("kit_sku,component_sku,qty\nKIT-OUT,HZ001-1,1\n")
    answer, status = load_csv("kit_sku,component_sku,qty\nKIT-IN,KIT-OUT,1\nKIT-OUT,KIT-IN,1\n"
                              "KIT-NEST,KIT-OUT,2\nKIT-NEST,HZ004-1,1\n")
    assert status == 422
    assert refused(answer) == {(2, "component_sku", "kit_contains_itself"),
                               (3, "component_sku", "kit_contains_itself")}
    path = next(e for e in answer["errors"] if e["row"] == 2)["message"]["en"]
    assert path == "Kit KIT-IN contains itself (KIT-IN → KIT-OUT → KIT-IN)."


def test_a_kit_of_the_file_may_be_a_component_of_another(day_one_items):
    answer, status = load_csv("kit_sku,component_sku,qty\nKIT-BIG,KIT-SMALL,2\nKIT-SMALL,HZ001-1,1\n")
    assert status == 200 and answer["created"] == 2
    assert recipe("KIT-BIG") == [("KIT-SMALL", 2)]


def test_a_component_named_twice_or_without_a_number_is_refused(day_one_items):
    answer, status = load_csv("kit_sku,component_sku,qty\nKIT-D,HZ001-1,1\nKIT-D,HZ001-1,2\nKIT-E,HZ001-1,-1\n"
                              "KIT-E,HZ004-1,abc\nKIT-E,HZ008-3,1.5\n")
    assert status == 422
    assert refused(answer) == {(3, "component_sku", "kit_component_twice"), (2, "kit_sku", "kit_left_out"),
                               (4, "qty", "kit_bad_qty"), (5, "qty", "kit_bad_qty"), (6, "qty", "kit_bad_qty")}


def test_a_kit_saved_by_hand_is_refused_with_every_problem(day_one_items):
    with pytest.raises(ImportRejected) as refusal:
        kit_import.save("KIT-F", [{"sku": "HZ999-9", "qty": 1}, {"sku": "HZ001-1", "qty": 0}], ADMIN)
    assert [(row["row"], row["code"]) for row in refusal.value.rows] == [(1, "kit_unknown_component"),
                                                                        (2, "kit_bad_qty")]
    assert item_by_sku("KIT-F") is None
    kit, action = kit_import.save("KIT-F", [{"sku": "HZ001-1", "qty": 2}], ADMIN, name_zh="套装F", name_en="Set F")
    db.session.commit()
    assert (kit.sku, action, kit.product.name_en, recipe("KIT-F")) == ("KIT-F", "created", "Set F", [("HZ001-1", 2)])


def test_only_the_master_keepers_define_kits(day_one_items):
    with pytest.raises(Exception) as refusal:
        kit_import.save("KIT-G", [{"sku": "HZ001-1", "qty": 1}], SUPERVISOR)
    assert getattr(refusal.value, "code", None) == "forbidden"
