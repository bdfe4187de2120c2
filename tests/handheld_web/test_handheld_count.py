"""The Count journey of the handheld app in a real phone-sized Chromium against the live server: the
counter sees the bins to count, scans a bin and its item (one scan, the rest keyed in), closes the bin,
and is shown only what they counted, never what the books expect; the variance waits for a recount.
And the Transfer journey: from-bin, item, quantity, to-bin, moved at the last scan."""
import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser

KEY_DELAY_MS = 15


def sign_in(page: Page, username: str) -> None:
    page.get_by_test_id("login-username").fill(username)
    page.get_by_test_id("login-password").fill("demo")
    page.get_by_test_id("login-submit").tap()
    expect(page.get_by_test_id("conn-state")).to_have_attribute("data-state", "online")


def scan(page: Page, code: str) -> None:
    """What a keyboard-wedge scanner does: type into whatever has focus, then Enter."""
    page.keyboard.type(code, delay=KEY_DELAY_MS)
    page.keyboard.press("Enter")


def bin_to_count(live_server, http, zone="A") -> tuple[str, dict]:
    """An empty top-level bin given 2 units of a demo item (so the books say 2), put in a count of its own."""
    url = live_server.url
    item = next(i for i in http.get(f"{url}/api/v1/items?q=GEN&limit=300", timeout=10).json()
                if i["barcodes"] and http.get(f"{url}/api/v1/items/{i['sku']}", timeout=10).json()["lines"])
    lot = http.get(f"{url}/api/v1/items/{item['sku']}", timeout=10).json()["lines"][0]["lot"]
    for row in http.get(f"{url}/api/v1/bins?zone={zone}", timeout=10).json():
        if row["level"] == "4" and http.get(f"{url}/api/v1/bins/{row['code']}", timeout=10).json()["total_qty"] == 0:
            http.post(f"{url}/api/v1/adjustments", timeout=10, json={
                "bin": row["code"], "sku": item["sku"], "lot": lot, "qty": 2, "reason": "found"}).raise_for_status()
            http.post(f"{url}/api/v1/counts", json={"bins": [row["code"]]}, timeout=10).raise_for_status()
            return row["code"], item
    raise AssertionError(f"no empty bin in zone {zone}")


def test_a_counter_counts_a_bin_blind_and_sees_only_what_they_counted(page, live_server):
    boss = live_server.session("supervisor")
    bin_code, item = bin_to_count(live_server, boss)
    sign_in(page, "receiver")
    page.get_by_test_id("journey-count").tap()
    expect(page.locator("body")).to_have_attribute("data-screen", "count")
    task = page.locator(f'[data-testid="count-task"][data-bin="{bin_code}"]')
    expect(task).to_have_attribute("data-round", "count")

    scan(page, item["barcodes"][0]["code"])  # an item before any bin: the device says what to do first
    expect(page.get_by_test_id("error-panel")).to_be_visible()

    scan(page, bin_code)
    expect(page.get_by_test_id("count-bin")).to_have_attribute("data-bin", bin_code)
    expect(page.get_by_test_id("count-nothing")).to_be_visible()
    expect(page.get_by_test_id("count-close")).to_be_disabled()

    scan(page, item["barcodes"][0]["code"])
    line = page.locator(f'[data-testid="count-line"][data-sku="{item["sku"]}"]')
    expect(line).to_have_attribute("data-qty", "1")
    page.get_by_test_id("count-qty-input").tap()
    page.keyboard.type("4", delay=KEY_DELAY_MS)
    page.keyboard.press("Enter")
    expect(line).to_have_attribute("data-qty", "5")
    expect(page.get_by_test_id("count-units")).to_have_attribute("data-units", "5")

    page.get_by_test_id("count-close").tap()
    expect(page.get_by_test_id("confirm")).to_be_visible()
    page.get_by_test_id("confirm-yes").tap()
    done = page.get_by_test_id("count-done")
    expect(done).to_have_attribute("data-bin", bin_code)
    expect(done.get_by_test_id("count-done-line")).to_have_attribute("data-qty", "5")
    expect(page.get_by_test_id("count-prompt")).to_have_attribute("data-next", "scan_bin")

    # Nothing the device was told names the book quantity (2): neither the acks nor the task list.
    answers = page.evaluate("JSON.stringify(window.hh.journeys().count)")
    assert '"expected"' not in answers and '"variance"' not in answers
    # The server knows: 5 counted against 2 booked is beyond tolerance, so the bin waits for a recount.
    count = next(c for c in boss.get(f"{live_server.url}/api/v1/counts?status=open", timeout=10).json()
                 if c["scope"].get("bins") == [bin_code])
    line = boss.get(f"{live_server.url}/api/v1/counts/{count['count']}", timeout=10).json()["lines"][0]
    assert (line["status"], line["expected"], line["counted"], line["counted_by"]) == ("recount", 2, 5, "receiver")
    expect(task).to_have_attribute("data-round", "recount")


def test_a_transfer_is_from_bin_item_quantity_to_bin_and_moves_the_units_at_the_last_scan(page, live_server):
    url, boss = live_server.url, live_server.session("supervisor")
    item = next(i for i in boss.get(f"{url}/api/v1/items?q=GEN&limit=300", timeout=10).json()
                if i["barcodes"] and boss.get(f"{url}/api/v1/items/{i['sku']}", timeout=10).json()["lines"])
    lot = boss.get(f"{url}/api/v1/items/{item['sku']}", timeout=10).json()["lines"][0]["lot"]
    level_3 = [row["code"] for row in boss.get(f"{url}/api/v1/bins?zone=B", timeout=10).json() if row["level"] == "3"]
    empty = [code for code in level_3 if boss.get(f"{url}/api/v1/bins/{code}", timeout=10).json()["total_qty"] == 0]
    source, target = empty[-2:]
    boss.post(f"{url}/api/v1/adjustments", timeout=10, json={
        "bin": source, "sku": item["sku"], "lot": lot, "qty": 3, "reason": "found"}).raise_for_status()
    sign_in(page, "picker")
    page.get_by_test_id("journey-transfer").tap()
    expect(page.get_by_test_id("transfer-prompt")).to_have_attribute("data-next", "scan_from")

    scan(page, item["barcodes"][0]["code"])  # not a bin: the device asks for the from-bin
    expect(page.get_by_test_id("error-panel")).to_be_visible()
    scan(page, source)
    expect(page.get_by_test_id("transfer-prompt")).to_have_attribute("data-next", "scan_item")
    scan(page, item["barcodes"][0]["code"])
    expect(page.get_by_test_id("transfer-prompt")).to_have_attribute("data-next", "scan_qty")
    page.get_by_test_id("transfer-qty-input").tap()
    page.keyboard.type("2", delay=KEY_DELAY_MS)
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("transfer-step-qty")).to_have_attribute("data-value", "2")
    scan(page, target)

    moved = page.get_by_test_id("transfer-moved")
    expect(moved).to_have_attribute("data-qty", "2")
    expect(page.get_by_test_id("transfer-prompt")).to_have_attribute("data-next", "scan_from")
    totals = [boss.get(f"{url}/api/v1/bins/{code}", timeout=10).json()["total_qty"] for code in (source, target)]
    assert totals == [1, 2]
