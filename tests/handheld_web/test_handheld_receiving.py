"""The receiving journeys of the handheld app in a real phone-sized Chromium against the live
server: Receive (PO, packaging check, count, confirm), Inspect (sample, widen, decide, LPN label
printed) and Put-away (LPN, suggested bin, bin scan, then Lookup shows the units).

Each test makes its own purchase order over REST, so the tests share no data."""

import re
import time
import uuid
from datetime import date, timedelta

import pytest
import requests
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser

KEY_DELAY_MS = 15
CJK = re.compile(r"[\u4e00-\u9fff]")


# ---------- helpers ----------

def sign_in(page: Page, username: str) -> None:
    page.get_by_test_id("login-username").fill(username)
    page.get_by_test_id("login-password").fill("demo")
    page.get_by_test_id("login-submit").tap()
    expect(page.get_by_test_id("conn-state")).to_have_attribute("data-state", "online")


def open_journey(page: Page, name: str) -> None:
    page.get_by_test_id(f"journey-{name}").tap()
    expect(page.locator("body")).to_have_attribute("data-screen", name)
    expect(page.get_by_test_id("scan-input")).to_be_focused()


def scan(page: Page, code: str) -> None:
    """What a keyboard-wedge scanner does: type into whatever has focus, then Enter."""
    page.keyboard.type(code, delay=KEY_DELAY_MS)
    page.keyboard.press("Enter")


def all_sent(page: Page) -> None:
    """Every queued scan answered (the outbox is empty and nothing is pending)."""
    expect(page.get_by_test_id("conn-state")).to_have_attribute("data-waiting", "0")
    expect(page.get_by_test_id("pending")).to_be_hidden()


def last_sound(page: Page) -> str | None:
    return page.evaluate("document.body.dataset.lastSound")


def catalogue(live_server) -> list[dict]:
    items = live_server.session("supervisor").get(f"{live_server.url}/api/v1/items?limit=200", timeout=10).json()
    items = [item for item in items if item["barcodes"]]
    assert len(items) >= 12, "the demo catalogue is too small for these tests"
    return items


def item_for(live_server, index: int) -> dict:
    """A catalogue item, different per test so that lots and bins do not mix."""
    return catalogue(live_server)[index]


def create_po(live_server, supplier: str, lines: list[tuple[str, int]], expected_on: str | None = None) -> str:
    http = live_server.session("supervisor")
    body = {"supplier": supplier, "lines": [{"sku": sku, "qty": qty} for sku, qty in lines]}
    if expected_on:
        body["expected_on"] = expected_on
    answer = http.post(f"{live_server.url}/api/v1/purchase-orders", timeout=10, json=body)
    assert answer.status_code == 201, answer.text
    return answer.json()["purchase_order"]["number"]


def rest_scan(http: requests.Session, live_server, **fields) -> dict:
    """A scan through POST /api/v1/scans (same pipeline and idempotency as the socket)."""
    answer = http.post(f"{live_server.url}/api/v1/scans", timeout=10,
                       json={"scan_id": str(uuid.uuid4()), **fields})
    ack = answer.json()
    assert ack["ok"], (ack, live_server.log()[-3000:])
    return ack


def receive_over_rest(live_server, po: str, item: dict, qty: int) -> list[dict]:
    """Set-up over REST: one delivery of a PO, qty units in one intact carton, confirmed; its lots."""
    receiver = live_server.session("receiver")
    receipt = rest_scan(receiver, live_server, mode="receive", code=po)["result"]["receipt"]
    rest_scan(receiver, live_server, mode="receive.carton", receipt=receipt, condition="intact")
    rest_scan(receiver, live_server, mode="receive", code=item["barcodes"][0]["code"], receipt=receipt, carton=1,
              qty=qty)
    return rest_scan(receiver, live_server, mode="receive.confirm", receipt=receipt)["result"]["lots"]


def received_lot(live_server, supplier: str, item: dict, qty: int) -> dict:
    """Set-up over REST: a PO, one intact carton counted and confirmed; returns the inspection."""
    po = create_po(live_server, supplier, [(item["sku"], qty)])
    lots = receive_over_rest(live_server, po, item, qty)
    assert len(lots) == 1
    return lots[0]


def accepted_lot(live_server, supplier: str, item: dict, qty: int) -> list[dict]:
    """Set-up over REST: a received lot inspected with every unit passing; returns its put-away tasks."""
    lot = received_lot(live_server, supplier, item, qty)
    inspector = live_server.session("inspector")
    for _ in range(qty):
        ack = rest_scan(inspector, live_server, mode="inspect", code=item["barcodes"][0]["code"],
                        inspection=lot["inspection"], result="pass")
        if ack["result"].get("decision"):
            assert ack["result"]["decision"] == "accept"
            return ack["result"]["putaway"]
    raise AssertionError("the lot was never decided")


def inspection(live_server, inspection_id: int) -> dict:
    answer = live_server.session("inspector").get(f"{live_server.url}/api/v1/inspections/{inspection_id}", timeout=10)
    assert answer.status_code == 200, answer.text
    return answer.json()


def receive_line(page: Page, sku: str):
    return page.locator(f'[data-testid="receive-line"][data-sku="{sku}"]')


def po_item(page: Page, number: str):
    return page.locator(f'[data-testid="po-item"][data-po="{number}"]')


# ---------- Receive ----------

def test_the_menu_offers_each_role_its_receiving_journeys(page, phone, live_server):
    sign_in(page, "receiver")
    expect(page.get_by_test_id("journey-receive")).to_be_visible()
    expect(page.get_by_test_id("journey-putaway")).to_be_visible()
    expect(page.get_by_test_id("journey-lookup")).to_be_visible()
    expect(page.get_by_test_id("journey-inspect")).to_have_count(0)
    assert page.get_by_test_id("journey-receive").bounding_box()["height"] >= 56

    page.get_by_test_id("logout").tap()
    sign_in(page, "inspector")
    expect(page.get_by_test_id("journey-inspect")).to_be_visible()
    expect(page.get_by_test_id("journey-receive")).to_have_count(0)
    expect(page.get_by_test_id("journey-putaway")).to_have_count(0)


def test_a_receiver_counts_a_po_against_its_lines_and_confirms_the_lot_for_inspection(page, live_server):
    item, stranger = item_for(live_server, 0), item_for(live_server, 1)
    po = create_po(live_server, "SUP-HZ", [(item["sku"], 20)])
    barcode = item["barcodes"][0]["code"]
    sign_in(page, "receiver")
    open_journey(page, "receive")
    expect(page.get_by_test_id("receive-prompt")).to_have_attribute("data-next", "scan_po")

    # An item before any PO: the device says what to do first.
    scan(page, barcode)
    expect(page.get_by_test_id("error-panel")).to_be_visible()
    assert last_sound(page) == "error"

    scan(page, po)

    expect(page.get_by_test_id("receive-po")).to_contain_text(po)
    expect(page.get_by_test_id("error-panel")).to_have_count(0)
    line = receive_line(page, item["sku"])
    expect(line.get_by_test_id("line-open")).to_have_text("20")
    expect(line.get_by_test_id("line-counted")).to_have_text("0")
    # The packaging check comes before counting.
    expect(page.get_by_test_id("carton-check")).to_be_visible()
    for condition in ("intact", "deformed", "damaged", "wet", "mouldy"):
        box = page.get_by_test_id(f"condition-{condition}").bounding_box()
        assert box["height"] >= 56, condition
    scan(page, barcode)
    expect(page.get_by_test_id("error-panel")).to_be_visible()
    expect(line.get_by_test_id("line-counted")).to_have_text("0")

    page.get_by_test_id("condition-intact").tap()

    carton = page.get_by_test_id("carton-current")
    expect(carton).to_have_attribute("data-seq", "1")
    expect(carton).to_have_attribute("data-flagged", "false")
    expect(carton).to_contain_text("Intact")

    scan(page, barcode)

    expect(line.get_by_test_id("line-counted")).to_have_text("1")
    expect(line.get_by_test_id("line-open")).to_have_text("19")
    assert last_sound(page) == "ok"

    # Over-receipt: 25 more would be too many; the receiver is told how many are still open.
    page.get_by_test_id("qty-input").fill("25")
    page.get_by_test_id("qty-input").press("Enter")

    panel = page.get_by_test_id("error-panel")
    expect(panel).to_have_attribute("data-code", "over_receipt")
    expect(page.get_by_test_id("error-message")).to_contain_text("19")
    assert last_sound(page) == "error"
    expect(line.get_by_test_id("line-counted")).to_have_text("1")
    expect(page.get_by_test_id("scan-input")).to_be_focused()

    page.get_by_test_id("qty-input").fill("19")
    page.get_by_test_id("qty-input").press("Enter")

    expect(line.get_by_test_id("line-counted")).to_have_text("20")
    expect(line.get_by_test_id("line-open")).to_have_text("0")
    expect(page.get_by_test_id("error-panel")).to_have_count(0)

    # One more unit of a full line, and an item the PO does not name: both refused.
    scan(page, barcode)
    expect(panel).to_have_attribute("data-code", "over_receipt")
    expect(page.get_by_test_id("error-message")).to_contain_text("Only 0")
    scan(page, stranger["barcodes"][0]["code"])
    expect(panel).to_have_attribute("data-code", "item_not_on_po")
    expect(page.get_by_test_id("error-message")).to_contain_text(stranger["sku"])
    assert last_sound(page) == "error"
    expect(line.get_by_test_id("line-counted")).to_have_text("20")

    # Confirm: the dialog's safe answer has the focus, so a stray scanner Enter says No.
    page.get_by_test_id("confirm-count").tap()
    expect(page.get_by_test_id("confirm")).to_be_visible()
    expect(page.get_by_test_id("confirm")).to_contain_text("20 units")
    expect(page.get_by_test_id("confirm-no")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("confirm")).to_be_hidden()
    expect(page.get_by_test_id("receive-lots")).to_have_count(0)

    page.get_by_test_id("confirm-count").tap()
    page.get_by_test_id("confirm-yes").tap()

    lots = page.get_by_test_id("receive-lots")
    expect(lots).to_be_visible()
    expect(lots).to_contain_text(item["sku"])
    signed = page.get_by_test_id("receive-signed")
    expect(signed).to_have_attribute("data-user", "receiver")
    expect(signed).to_contain_text("Wang Qiang")
    lot = page.get_by_test_id("receive-lot")
    expect(lot).to_have_count(1)
    shown = inspection(live_server, int(lot.get_attribute("data-inspection")))
    assert shown["lot_qty"] == 20
    assert shown["plan"]["policy"] == "seed"
    if shown["plan"]["rate"] == 0.1:  # SUP-HZ with no inspection history: the default 10 %
        assert shown["progress"]["remaining"] == 2
    expect(lot.get_by_test_id("lot-plan")).to_have_text(f"Inspect {shown['progress']['remaining']} units")
    expect(page.get_by_test_id("receive-prompt")).to_have_attribute("data-next", "scan_po")


def test_a_receiver_picks_the_suppliers_open_po_from_the_list_and_lands_on_its_carton_check(page, phone, live_server):
    item, other, later = item_for(live_server, 9), item_for(live_server, 10), item_for(live_server, 11)
    expected = (date.today() + timedelta(days=2)).isoformat()
    po = create_po(live_server, "SUP-YW", [(item["sku"], 12)], expected_on=expected)
    receive_over_rest(live_server, po, item, 5)  # an earlier delivery: 7 of the 12 are still open
    # Received in full: the PO stays open on the server but has nothing left to receive.
    full = create_po(live_server, "SUP-YW", [(other["sku"], 3)])
    receive_over_rest(live_server, full, other, 3)
    sign_in(page, "receiver")
    open_journey(page, "receive")

    expect(page.get_by_test_id("po-list")).to_be_visible()
    listed = po_item(page, po)
    expect(listed).to_be_visible()
    expect(listed).to_have_attribute("data-supplier", "SUP-YW")
    expect(listed).to_contain_text("SUP-YW")
    expect(listed).to_contain_text(f"Expected {expected}")
    expect(listed).to_contain_text("7 units open")
    assert listed.bounding_box()["height"] >= 56
    expect(po_item(page, full)).to_have_count(0)

    # A PO made after the list was shown appears on Refresh.
    newer = create_po(live_server, "SUP-SZ", [(later["sku"], 4)])
    expect(po_item(page, newer)).to_have_count(0)
    page.get_by_test_id("po-refresh").tap()
    expect(po_item(page, newer)).to_be_visible()

    # Narrowed to the supplier whose truck is at the dock.
    chip = page.get_by_test_id("po-supplier-filter").locator('[data-supplier="SUP-YW"]')
    assert chip.bounding_box()["height"] >= 56
    chip.tap()
    expect(chip).to_have_attribute("aria-pressed", "true")
    expect(po_item(page, newer)).to_have_count(0)
    expect(page.get_by_test_id("po-group")).to_have_count(1)
    suppliers = page.get_by_test_id("po-item").evaluate_all("items => items.map((item) => item.dataset.supplier)")
    assert suppliers and set(suppliers) == {"SUP-YW"}, suppliers

    page.get_by_test_id("lang-toggle").tap()
    expect(listed).to_contain_text("未收 7 件")
    expect(listed).to_contain_text(f"预计到货 {expected}")
    expect(page.get_by_test_id("po-refresh")).to_have_text("刷新")
    page.get_by_test_id("lang-toggle").tap()

    # The tap is the same step as scanning the number: a record in the outbox, even offline.
    phone.set_offline(True)
    expect(page.get_by_test_id("conn-state")).to_have_attribute("data-state", "offline")
    listed.tap()
    expect(page.get_by_test_id("conn-state")).to_contain_text("1 waiting")
    expect(page.get_by_test_id("receive-prompt")).to_have_attribute("data-next", "wait_po")
    expect(page.get_by_test_id("po-list")).to_have_count(0)
    stored = [entry["record"] for entry in page.evaluate("window.hh.pendingScans()")]
    assert len(stored) == 1
    assert {k: v for k, v in stored[0].items() if k not in ("scan_id", "at")} == {"mode": "receive", "code": po}

    phone.set_offline(False)

    expect(page.get_by_test_id("receive-po")).to_have_attribute("data-po", po, timeout=20_000)
    expect(page.get_by_test_id("carton-check")).to_have_attribute("data-seq", "1")
    line = receive_line(page, item["sku"])
    expect(line.get_by_test_id("line-earlier")).to_have_text("5")
    expect(line.get_by_test_id("line-open")).to_have_text("7")
    all_sent(page)
    expect(page.get_by_test_id("error-panel")).to_have_count(0)
    expect(page.get_by_test_id("po-list")).to_have_count(0)


def test_a_damaged_carton_is_flagged_and_its_units_are_inspected_first(page, live_server):
    item = item_for(live_server, 2)
    po = create_po(live_server, "SUP-HZ", [(item["sku"], 10)])
    barcode = item["barcodes"][0]["code"]
    sign_in(page, "receiver")
    open_journey(page, "receive")
    scan(page, po)

    page.get_by_test_id("condition-damaged").tap()
    carton = page.get_by_test_id("carton-current")
    expect(carton).to_have_attribute("data-flagged", "true")
    expect(carton).to_contain_text("supplier asked to replace packaging")
    scan(page, barcode)
    page.get_by_test_id("qty-input").fill("3")
    page.get_by_test_id("qty-add").tap()
    expect(receive_line(page, item["sku"]).get_by_test_id("line-counted")).to_have_text("4")

    page.get_by_test_id("next-carton").tap()
    expect(page.get_by_test_id("carton-check")).to_have_attribute("data-seq", "2")
    page.get_by_test_id("condition-intact").tap()
    expect(carton).to_have_attribute("data-seq", "2")
    expect(carton).to_have_attribute("data-flagged", "false")
    scan(page, barcode)
    page.get_by_test_id("qty-input").fill("5")
    page.get_by_test_id("qty-input").press("Enter")
    expect(receive_line(page, item["sku"]).get_by_test_id("line-open")).to_have_text("0")

    page.get_by_test_id("confirm-count").tap()
    page.get_by_test_id("confirm-yes").tap()

    lot = page.get_by_test_id("receive-lot")
    expect(lot).to_contain_text("4 units from damaged cartons first")
    shown = inspection(live_server, int(lot.get_attribute("data-inspection")))
    assert shown["flagged_qty"] == 4
    assert shown["progress"]["remaining"] == 4 + shown["plan"]["first_sample"]


def test_returned_goods_are_received_for_a_full_inspection(page, live_server):
    item = item_for(live_server, 8)
    po = create_po(live_server, "SUP-HZ", [(item["sku"], 5)])
    sign_in(page, "receiver")
    open_journey(page, "receive")

    page.get_by_test_id("returned-goods").tap()
    expect(page.get_by_test_id("returned-goods")).to_have_attribute("aria-checked", "true")
    scan(page, po)

    expect(page.get_by_test_id("receive-returned")).to_be_visible()
    page.get_by_test_id("condition-intact").tap()
    scan(page, item["barcodes"][0]["code"])
    page.get_by_test_id("qty-input").fill("4")
    page.get_by_test_id("qty-input").press("Enter")
    expect(receive_line(page, item["sku"]).get_by_test_id("line-counted")).to_have_text("5")
    page.get_by_test_id("confirm-count").tap()
    page.get_by_test_id("confirm-yes").tap()

    expect(page.get_by_test_id("lot-plan")).to_have_text("Inspect 5 units")
    expect(page.get_by_test_id("receive-lot")).to_contain_text("100 %")


def test_carton_checks_and_counts_made_offline_are_sent_in_order_once_back_online(page, phone, live_server):
    item = item_for(live_server, 7)
    po = create_po(live_server, "SUP-HZ", [(item["sku"], 5)])
    sign_in(page, "receiver")
    open_journey(page, "receive")
    scan(page, po)
    expect(page.get_by_test_id("carton-check")).to_be_visible()

    phone.set_offline(True)
    expect(page.get_by_test_id("conn-state")).to_have_attribute("data-state", "offline")
    page.get_by_test_id("condition-intact").tap()
    for _ in range(3):
        scan(page, item["barcodes"][0]["code"])
    expect(page.get_by_test_id("conn-state")).to_contain_text("4 waiting")
    stored = [entry["record"] for entry in page.evaluate("window.hh.pendingScans()")]
    assert [record["mode"] for record in stored] == ["receive.carton"] + ["receive"] * 3
    assert all(record["carton"] == 1 for record in stored[1:])

    phone.set_offline(False)

    line = receive_line(page, item["sku"])
    expect(line.get_by_test_id("line-counted")).to_have_text("3", timeout=20_000)
    expect(line.get_by_test_id("line-open")).to_have_text("2")
    all_sent(page)
    expect(page.get_by_test_id("error-panel")).to_have_count(0)


# ---------- Inspect ----------

def open_inspection(page: Page, inspection_id: int) -> None:
    sign_in(page, "inspector")
    open_journey(page, "inspect")
    expect(page.get_by_test_id("inspection-list")).to_be_visible()
    page.get_by_test_id("inspect-refresh").tap()
    item = page.locator(f'[data-testid="inspection-item"][data-inspection="{inspection_id}"]')
    item.tap()
    expect(page.get_by_test_id("inspect-remaining")).to_be_visible()


def test_an_inspector_passes_the_sample_and_the_accepted_lot_prints_its_lpn_label(
        page, live_server, printer_agent, healthy_printer):
    item = item_for(live_server, 3)
    lot = received_lot(live_server, "SUP-YW", item, 20)
    remaining = lot["progress"]["remaining"]
    before = len(healthy_printer.printed)
    open_inspection(page, lot["inspection"])

    expect(page.get_by_test_id("inspect-lot")).to_contain_text(lot["lot"])
    expect(page.get_by_test_id("inspect-remaining")).to_have_attribute("data-remaining", str(remaining))
    expect(page.get_by_test_id("inspect-remaining")).to_contain_text(f"Inspect {remaining} more")
    expect(page.get_by_test_id("mark-pass")).to_have_attribute("aria-pressed", "true")
    assert page.get_by_test_id("mark-pass").bounding_box()["height"] >= 56

    for done in range(1, remaining + 1):
        scan(page, item["barcodes"][0]["code"])
        if done < remaining:
            expect(page.get_by_test_id("inspect-remaining")).to_have_attribute("data-remaining", str(remaining - done))

    decision = page.get_by_test_id("inspect-decision")
    expect(decision).to_have_attribute("data-decision", "accepted")
    expect(decision).to_contain_text("ACCEPTED")
    assert last_sound(page) == "ok"
    lpn = page.get_by_test_id("inspect-lpn")
    expect(lpn).to_have_count(1)
    lpn_code = lpn.get_attribute("data-lpn")
    assert re.fullmatch(r"LPN-\d{6,}", lpn_code)

    def lpn_printed() -> bool:
        return any(lpn_code in label.zpl for label in healthy_printer.printed[before:])

    deadline = time.monotonic() + 15
    while not lpn_printed() and time.monotonic() < deadline:
        page.wait_for_timeout(200)  # the agent takes the job and the emulator prints it
    assert lpn_printed(), [label.zpl[:200] for label in healthy_printer.printed[before:]]

    # Scanning more units of a decided lot is refused on the device.
    scan(page, item["barcodes"][0]["code"])
    expect(page.get_by_test_id("error-panel")).to_be_visible()
    page.get_by_test_id("inspect-next-lot").tap()
    expect(page.locator(f'[data-testid="inspection-item"][data-inspection="{lot["inspection"]}"]')).to_have_count(0)


def test_a_defect_in_the_first_sample_widens_it_and_the_screen_says_how_many_more(page, live_server):
    item = item_for(live_server, 4)
    lot = received_lot(live_server, "SUP-YW", item, 20)
    widened = lot["plan"]["widened_sample"]
    assert widened == 6  # 30 % of 20
    open_inspection(page, lot["inspection"])
    expect(page.get_by_test_id("inspect-widened")).to_have_count(0)

    # A defect needs its reason; it applies to the next unit only.
    page.get_by_test_id("mark-defect").tap()
    scan(page, item["barcodes"][0]["code"])
    expect(page.get_by_test_id("error-panel")).to_be_visible()
    expect(page.get_by_test_id("inspect-counts")).to_have_attribute("data-inspected", "0")
    page.get_by_test_id("defect-reason-dirty").tap()
    expect(page.get_by_test_id("defect-reason-dirty")).to_have_attribute("aria-pressed", "true")
    scan(page, item["barcodes"][0]["code"])

    widened_note = page.get_by_test_id("inspect-widened")
    expect(widened_note).to_be_visible()
    expect(widened_note).to_contain_text(f"take {widened - 1} more")
    expect(page.get_by_test_id("inspect-remaining")).to_have_attribute("data-remaining", str(widened - 1))
    expect(page.get_by_test_id("inspect-counts")).to_have_attribute("data-defects", "1")
    expect(page.get_by_test_id("mark-pass")).to_have_attribute("aria-pressed", "true")
    assert inspection(live_server, lot["inspection"])["progress"]["widened"] is True

    for _ in range(widened - 1):
        scan(page, item["barcodes"][0]["code"])
    decision = page.get_by_test_id("inspect-decision")
    expect(decision).to_have_attribute("data-decision", "accepted")
    # 19 good units to their zone, the defective one to quarantine: one LPN each.
    expect(page.get_by_test_id("inspect-lpn")).to_have_count(2)


def test_the_inspection_screen_reads_in_chinese(page, live_server):
    item = item_for(live_server, 5)
    lot = received_lot(live_server, "SUP-YW", item, 12)
    open_inspection(page, lot["inspection"])

    page.get_by_test_id("lang-toggle").tap()

    expect(page.get_by_test_id("inspect-remaining")).to_contain_text("还需检验")
    expect(page.get_by_test_id("mark-pass")).to_have_text("合格")
    expect(page.get_by_test_id("mark-defect")).to_have_text("残次品")
    scan(page, "6900000000000")  # a wrong check digit: the server's message in Chinese
    expect(page.get_by_test_id("error-panel")).to_be_visible()
    assert CJK.search(page.get_by_test_id("error-message").inner_text())


# ---------- Put-away ----------

def test_a_receiver_puts_an_lpn_away_in_the_suggested_bin_and_lookup_shows_the_units(page, live_server):
    item = item_for(live_server, 6)
    tasks = accepted_lot(live_server, "SUP-SZ", item, 8)
    assert len(tasks) == 1
    task = tasks[0]
    sign_in(page, "receiver")
    open_journey(page, "putaway")

    listed = page.locator(f'[data-testid="putaway-task"][data-lpn="{task["lpn"]}"]')
    expect(listed).to_be_visible()
    expect(listed).to_contain_text(item["sku"])

    # A bin before any LPN: the device asks for the label first.
    scan(page, task["suggested_bin"])
    expect(page.get_by_test_id("error-panel")).to_be_visible()
    assert last_sound(page) == "error"

    scan(page, task["lpn"])

    suggested = page.get_by_test_id("putaway-suggested")
    expect(suggested).to_have_attribute("data-bin", task["suggested_bin"])
    expect(suggested).to_contain_text(task["suggested_bin"])
    expect(page.get_by_test_id("putaway-current")).to_contain_text(item["sku"])

    # A bin in another zone is refused and the task stays.
    other_zone = "B-01-01-1" if task["zone"] != "B" else "A-01-01-1"
    scan(page, other_zone)
    expect(page.get_by_test_id("error-panel")).to_have_attribute("data-code", "wrong_zone")
    expect(suggested).to_be_visible()

    scan(page, task["suggested_bin"])

    done = page.get_by_test_id("putaway-done")
    expect(done).to_have_attribute("data-bin", task["suggested_bin"])
    expect(done).to_have_attribute("data-lpn", task["lpn"])
    assert last_sound(page) == "ok"
    expect(listed).to_have_count(0)
    all_sent(page)

    page.get_by_test_id("back").tap()
    open_journey(page, "lookup")
    scan(page, task["suggested_bin"])

    expect(page.get_by_test_id("result-title")).to_have_text(task["suggested_bin"])
    row = page.locator(f'[data-testid="result-line"][data-sku="{item["sku"]}"]').filter(has_text=task["lot"])
    expect(row.get_by_test_id("result-line-qty")).to_have_text(str(task["qty"]))
