"""The day-one page in Chromium: check the item master (every wrong row shown with its row number), load
only its good rows, generate a zone of bins, block a bin with a reason; a viewer sees but cannot load."""
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.conftest import start_server, stop_server
from tests.server.web.conftest import log_in

pytestmark = pytest.mark.browser
DAY_ONE = Path(__file__).resolve().parents[2] / "data" / "day-one"


@pytest.fixture(scope="module")
def own_server(tmp_path_factory, printer_emulator):
    server = start_server(tmp_path_factory.mktemp("wms-setup-pages"), printer_emulator.port)
    yield server
    stop_server(server)


def test_the_item_master_is_checked_then_only_its_good_rows_are_loaded(own_server, desk):
    log_in(desk, own_server.url, "admin")
    desk.click("header nav >> text=Day one")
    desk.get_by_test_id("file-items").set_input_files(str(DAY_ONE / "item-master.xlsx"))
    desk.get_by_test_id("check-items").click()

    summary = desk.get_by_test_id("import-summary")
    expect(summary).to_contain_text("39")
    expect(summary).to_contain_text("5 wrong")
    rows = desk.get_by_test_id("row-errors").locator("tbody tr")
    wrong = {(rows.nth(n).get_attribute("data-row"), rows.nth(n).get_attribute("data-code"))
             for n in range(rows.count())}
    assert {("36", "import_bad_check_digit"), ("37", "import_duplicate_in_file"), ("38", "import_negative"),
            ("39", "import_required"), ("40", "import_not_a_number")} <= wrong
    expect(desk.get_by_test_id("row-errors")).to_contain_text("半年 is not a number")
    http = own_server.session("admin")
    assert http.get(f"{own_server.url}/api/v1/items?q=HZ001", timeout=10).json() == []  # checked: nothing written

    desk.get_by_test_id("load-good-rows").click()
    expect(desk.get_by_test_id("import-done")).to_contain_text("34 new")
    [cup] = http.get(f"{own_server.url}/api/v1/items?q=HZ001-1", timeout=10).json()
    assert {(b["code"], b["packaging"], b["qty"]) for b in cup["barcodes"]} == {
        ("6987942000012", "unit", 1), ("16987942000019", "case", 24)}

    desk.goto(f"{own_server.url}/sup/items?q=HZ001-1")
    desk.click("text=HZ001-1")
    expect(desk.get_by_test_id("item-barcodes")).to_contain_text("case")
    desk.fill("input[name=shelf_life_days]", "a year")
    desk.get_by_test_id("item-save").click()
    expect(desk.get_by_test_id("item-errors")).to_contain_text("a year is not a number")


def test_a_zone_of_bins_is_generated_and_a_bin_blocked_with_its_reason(own_server, desk):
    log_in(desk, own_server.url, "admin")
    desk.goto(f"{own_server.url}/sup/setup")
    form = desk.get_by_test_id("generate-bins")
    form.locator("input[name=zone]").fill("Z")
    form.locator("input[name=aisles]").fill("01-02")
    form.locator("input[name=bays]").fill("01-03")
    form.locator("input[name=levels]").fill("1-2")
    form.locator("select[name=kind]").select_option("pick_face")
    form.locator("button").click()
    expect(desk.get_by_test_id("flash")).to_contain_text("12 bins created")
    table = desk.get_by_test_id("bins-table")
    expect(table.locator("tbody tr")).to_have_count(12)
    expect(table.locator("tr[data-bin='Z-01-01-1']")).to_contain_text("pick face")

    row = table.locator("tr[data-bin='Z-02-03-2']")
    row.locator("input[name=reason]").fill("rack damaged 货架损坏")
    row.locator("button").click()
    expect(desk.get_by_test_id("bins-table").locator("tr[data-bin='Z-02-03-2']")).to_contain_text("rack damaged")
    [blocked] = [b for b in own_server.session("admin").get(f"{own_server.url}/api/v1/bins?zone=Z", timeout=10).json()
                 if b["code"] == "Z-02-03-2"]
    assert blocked["blocked"] and blocked["block_reason"] == "rack damaged 货架损坏"


def test_a_viewer_sees_the_day_one_page_but_cannot_load_a_file(own_server, desk):
    log_in(desk, own_server.url, "viewer")
    desk.goto(f"{own_server.url}/sup/setup")
    expect(desk.get_by_test_id("setup-steps")).to_be_visible()
    desk.get_by_test_id("file-bins").set_input_files(str(DAY_ONE / "bins.xlsx"))
    desk.get_by_test_id("check-bins").click()
    expect(desk.locator("body")).to_contain_text("may not do this")


def test_the_layout_page_draws_the_map_with_cross_aisles_and_blocked_bays(own_server, desk):
    http = own_server.session("admin")
    http.post(f"{own_server.url}/api/v1/bins/generate", json={"zone": "Y", "aisles": "01-03", "bays": "01-06",
                                                              "levels": "1"}, timeout=10).raise_for_status()
    http.post(f"{own_server.url}/api/v1/bins/Y-02-05-1/block", json={"reason": "pallet in the aisle"},
              timeout=10).raise_for_status()
    log_in(desk, own_server.url, "admin")
    desk.goto(f"{own_server.url}/sup/layout?zone=Y")
    form = desk.get_by_test_id("layout-form")
    form.locator("input[name=bays_per_block]").fill("3")
    form.locator("textarea[name=aisles]").fill("Y-03 Y-01 Y-02")
    desk.get_by_test_id("layout-save").click()
    expect(desk.get_by_test_id("flash")).to_contain_text("Layout saved")
    desk.goto(f"{own_server.url}/sup/layout?zone=Y&colour=blocked")
    bays = desk.get_by_test_id("floor-map").locator("rect.bay")
    expect(bays).to_have_count(18)
    blocked = desk.get_by_test_id("floor-map").locator("rect.bay[data-blocked='1']")
    expect(blocked).to_have_count(1)
    assert (blocked.get_attribute("data-aisle"), blocked.get_attribute("fill")) == ("Y-02", "#d1242f")
    expect(desk.get_by_test_id("floor-map").locator("line.cross-aisle")).to_have_count(1)
    [y3] = [b for b in http.get(f"{own_server.url}/api/v1/bins?zone=Y", timeout=10).json() if b["code"] == "Y-03-01-1"]
    assert y3["x"] == 0  # Y-03 is now the first aisle from the left
    blocked.click()
    expect(desk.locator("h1")).to_contain_text("Zone Y")
