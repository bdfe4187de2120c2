"""Day one of a real warehouse in Chromium, through the pages only (docs/setup.md): an empty start, the
admin logs in, imports items, bins and staff from the customer's files (checked first, every wrong row
shown by row and code, then only the good rows), adds a printer agent and a printer (the Zebra emulator)
and prints a zone's bin labels, pairs a handheld, loads the opening stock, types the first PO — and a
picker from the staff list signs in on the handheld by badge and looks up a bin."""
from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from printers.agent import PrinterAgent
from printers.labels import label_size_dots
from tests.server.test_startup import OWN_KEY, clean_env, manage, serving
from tests.server.web.conftest import log_in

pytestmark = pytest.mark.browser
DAY_ONE = Path(__file__).resolve().parents[2] / "data" / "day-one"
ADMIN, PASSWORD = "zhao", "day one, ten+ chars"

# The wrong rows the sample files' README lists, written out here: (row, code).
WRONG = {
    "items": {(36, "import_bad_check_digit"), (37, "import_duplicate_in_file"), (38, "import_negative"),
              (39, "import_required"), (40, "import_not_a_number")},
    "bins": {(1012, "import_duplicate_in_file"), (1013, "import_unknown_kind")},
    "staff": {(11, "import_duplicate_in_file"), (12, "import_unknown_role")},
    "opening-stock": {(27, "import_unknown_bin"), (28, "import_unknown_item"), (29, "import_negative"),
                      (30, "import_expiry_required")},
}
LOADED = {"items": 34, "bins": 1010, "staff": 9, "opening-stock": 25}


@pytest.fixture(scope="module")
def empty_warehouse(tmp_path_factory):
    data = tmp_path_factory.mktemp("day-one")
    env = clean_env(data, WMS_DEMO="0", WMS_SECRET_KEY=OWN_KEY, WMS_ADMIN_USER=ADMIN, WMS_ADMIN_PASSWORD=PASSWORD)
    setup = manage(env, "setup")
    assert setup.returncode == 0, setup.stderr
    with serving(env) as url:
        yield url


def import_file(desk: Page, url: str, kind: str, name: str) -> None:
    """Check the file, see its wrong rows, load only the good ones."""
    desk.goto(f"{url}/sup/setup")
    desk.get_by_test_id(f"file-{kind}").set_input_files(str(DAY_ONE / name))
    desk.get_by_test_id(f"check-{kind}").click()
    expect(desk.get_by_test_id("import-summary")).to_contain_text(f"{len(WRONG[kind])} wrong")
    rows = desk.get_by_test_id("row-errors").locator("tbody tr")
    shown = {(int(rows.nth(n).get_attribute("data-row")), rows.nth(n).get_attribute("data-code"))
             for n in range(rows.count())}
    assert WRONG[kind] <= shown and {row for row, _ in shown} == {row for row, _ in WRONG[kind]}, shown
    desk.get_by_test_id("load-good-rows").click()
    expect(desk.get_by_test_id("import-done")).to_contain_text(f"{LOADED[kind]} new")


def add_and_pair(desk: Page, url: str, code: str, kind: str) -> None:
    """Add a device on the Devices page and pair it: the page then shows its token once, with a QR code."""
    desk.goto(f"{url}/sup/devices")
    desk.locator("summary", has_text="Add a device").click()
    add = desk.get_by_test_id("add-device")
    add.locator("input[name=code]").fill(code)
    add.locator("select[name=kind]").select_option(kind)
    add.locator("button[type=submit]").click()
    desk.get_by_test_id(f"pair-{code}").click()


def step_done(desk: Page, url: str, key: str) -> bool:
    desk.goto(f"{url}/sup/setup")
    return desk.get_by_test_id(f"step-{key}").get_attribute("data-done") == "yes"


def test_day_one_through_the_pages(empty_warehouse, chromium, printer_emulator, label_barcodes):
    url = empty_warehouse
    desk_context = chromium.new_context(viewport={"width": 1280, "height": 900})
    desk_context.add_cookies([{"name": "sup_lang", "value": "en", "url": "http://127.0.0.1"}])  # pages in English
    desk_context.set_default_timeout(20_000)
    desk = desk_context.new_page()
    agent = None
    try:
        log_in(desk, url, ADMIN, PASSWORD)
        expect(desk.get_by_test_id("day-one-hint")).to_be_visible()
        desk.get_by_test_id("day-one-hint").get_by_role("link").first.click()
        expect(desk.get_by_test_id("setup-steps")).to_be_visible()
        assert not step_done(desk, url, "items")

        import_file(desk, url, "items", "item-master.xlsx")
        import_file(desk, url, "bins", "bins.xlsx")
        import_file(desk, url, "staff", "staff.csv")
        assert all(step_done(desk, url, key) for key in ("items", "bins", "staff"))

        # A printer agent paired on the Devices page, then the printer it drives: the emulator.
        add_and_pair(desk, url, "AGENT-01", "printer_agent")
        token = desk.get_by_test_id("pairing-token").inner_text().strip()
        agent = PrinterAgent(url, token, retry_seconds=0.2).start()
        assert agent.ready.wait(10), "the paired agent did not connect"

        desk.goto(f"{url}/sup/devices")
        desk.locator("summary", has_text="Add a printer").click()
        printer = desk.get_by_test_id("add-printer")
        printer.locator("input[name=code]").fill("ZEBRA-01")
        printer.locator("input[name=name]").fill("Zone A printer · A区打印机")
        printer.locator("input[name=host]").fill("127.0.0.1")
        printer.locator("input[name=port]").fill(str(printer_emulator.port))
        printer.locator("select[name=agent]").select_option("AGENT-01")
        printer.locator("button[type=submit]").click()
        expect(desk.get_by_test_id("printers")).to_contain_text("ZEBRA-01")

        before = len(printer_emulator.printed)
        desk.goto(f"{url}/sup/bins?zone=A")
        zone_a = desk.get_by_test_id("bins-table").locator("tbody tr").count()
        assert zone_a > 100
        desk.get_by_test_id("print-form").locator("select[name=printer]").select_option("ZEBRA-01")
        desk.get_by_test_id("print-form").locator("button[type=submit]").click()
        expect(desk.locator("tr.highlight").get_by_test_id("job-status")).to_have_text("Printed", timeout=60_000)
        labels = printer_emulator.wait_for_printed(before + zone_a, timeout=30)[before:]
        assert len(labels) == zone_a
        [first] = [label for label in labels if "^FDA01-01-1^FS" in label.zpl]  # the code in big letters
        width, height = label_size_dots(203)
        assert label_barcodes(first.zpl, width=width, height=height, dpi=203) == [["A01-01-1"]]
        assert step_done(desk, url, "bin-labels")

        # A handheld paired: its token shown once, with the QR code it scans.
        add_and_pair(desk, url, "PDA-01", "pda")
        expect(desk.get_by_test_id("pairing-qr").locator("svg")).to_be_visible()
        assert len(desk.get_by_test_id("pairing-token").inner_text().strip()) >= 20
        assert step_done(desk, url, "handhelds")

        import_file(desk, url, "opening-stock", "opening-stock.csv")
        assert step_done(desk, url, "opening-stock")

        # The first PO, typed on the receiving page.
        desk.goto(f"{url}/sup/receiving")
        po = desk.get_by_test_id("new-po")
        po.locator("textarea[name=lines]").fill("HZ001-1 48\n6987942000029 100")
        po.locator("button[type=submit]").click()
        expect(desk.get_by_test_id("flash")).to_contain_text("created")
        expect(desk.get_by_test_id("open-pos")).to_contain_text("HZ001-1 0/48")
        assert step_done(desk, url, "first-po")
    finally:
        if agent is not None:
            agent.stop()
        desk_context.close()

    # A picker of the staff list (E1001 王伟) scans the badge on the handheld and looks up a bin of the
    # opening stock: A08-10-4 holds 103 of HZ001-1 (opening-stock.csv, row 2).
    phone = chromium.new_context(viewport={"width": 360, "height": 640}, is_mobile=True, has_touch=True)
    phone.add_init_script("localStorage.setItem('hh.lang', 'en');")
    phone.set_default_timeout(15_000)
    try:
        hand = phone.new_page()
        hand.goto(f"{url}/hh/")
        expect(hand.get_by_test_id("scan-input")).to_be_focused()
        hand.keyboard.type("BDG-E1001", delay=15)
        hand.keyboard.press("Enter")
        hand.get_by_test_id("journey-lookup").tap()
        expect(hand.get_by_test_id("conn-state")).to_have_attribute("data-state", "online")
        hand.keyboard.type("A08-10-4", delay=15)
        hand.keyboard.press("Enter")
        expect(hand.get_by_test_id("result-title")).to_have_text("A08-10-4")
        expect(hand.get_by_test_id("result-line")).to_contain_text("HZ001-1")
        assert [int(q) for q in hand.get_by_test_id("result-line-qty").all_inner_texts()] == [103]
    finally:
        phone.close()
