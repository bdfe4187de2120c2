"""The Put-back journey of the handheld in a real phone-sized Chromium: an order picked into its tote is
cancelled on the orders desk; the picker finds the tote in the list, scans it, then each unit and the bin
it goes into, until everything is back on the shelves (and in the ledger)."""
import pytest
from playwright.sync_api import Page, expect

from tests.handheld_web.test_handheld_returns import scan, sign_in

pytestmark = pytest.mark.browser


def test_a_picker_puts_a_cancelled_orders_units_back_by_scanning_tote_unit_and_bin(page: Page, live_server,
                                                                                   pick_an_order):
    order = pick_an_order()
    boss = live_server.session("supervisor")
    answer = boss.post(f"{live_server.url}/api/v1/orders/{order['number']}/cancel", timeout=10,
                       json={"reason": "买家退款 refund"})
    assert answer.status_code == 200, answer.text
    task, = answer.json()["cancellation"]["put_back"]
    assert task["scan"] == order["tote"]
    suggested = {line["sku"]: line["suggested_bin"] for line in task["lines"]}

    sign_in(page, "picker")
    page.get_by_test_id("journey-putback").tap()
    entry = page.locator(f"[data-testid=putback-entry][data-task='{task['task']}']")
    expect(entry).to_contain_text(order["tote"])
    expect(entry).to_contain_text(order["number"])

    scan(page, order["tote"])
    expect(page.get_by_test_id("putback-task")).to_have_attribute("data-source", order["tote"])
    total = sum(qty for _, qty, _ in order["lines"])
    expect(page.get_by_test_id("putback-prompt")).to_contain_text(f"{total} to go")
    for sku, qty, barcode in order["lines"]:
        for _ in range(qty):
            scan(page, barcode)
            expect(page.get_by_test_id("putback-goto")).to_have_attribute("data-bin", suggested[sku])
            expect(page.get_by_test_id("putback-prompt")).to_have_attribute("data-next", "scan_bin")
            scan(page, suggested[sku])
            expect(page.get_by_test_id("putback-goto")).to_have_count(0)
    done = page.get_by_test_id("putback-done")
    expect(done).to_contain_text(order["number"])
    expect(done).to_have_attribute("data-task", str(task["task"]))

    view = boss.get(f"{live_server.url}/api/v1/orders/{order['number']}", timeout=10).json()
    assert view["status"] == "cancelled" and view["cancellation"]["put_back"][0]["status"] == "done"
    for sku, qty, _ in order["lines"]:
        moves = boss.get(f"{live_server.url}/api/v1/ledger/items/{sku}", timeout=10).json()["moves"]
        assert [(m["bin"], m["qty"]) for m in moves if m["reason"] == "put_back"][-2 * qty:] == \
            [(order["tote"], -1), (suggested[sku], 1)] * qty
