"""The Assembly journey (组装/拆卸) of the handheld in a real phone-sized Chromium: a supervisor orders one gift
set assembled; the picker takes the work order from the list, scans the bins and units the screen asks for, taps
"one kit made", and puts the kit away by scanning it and its bin."""
import uuid

import pytest
from playwright.sync_api import Page, expect

from tests.handheld_web.test_handheld_returns import scan, sign_in
from tests.server.realtime.test_work_orders_live import own_stock

pytestmark = pytest.mark.browser


def test_a_picker_assembles_a_gift_set_step_by_step_on_the_handheld(page: Page, live_server):
    tag = uuid.uuid4().hex[:6].upper()
    box_bin, candle_bin, kit_bin = own_stock(live_server, tag)
    kit, box, candle = f"GIFT-{tag}", f"BX{tag}", f"CD{tag}"
    boss = live_server.session("supervisor")
    made = boss.post(f"{live_server.url}/api/v1/work-orders", json={"kind": "assemble", "sku": kit, "qty": 1},
                     timeout=10)
    assert made.status_code == 201, made.text
    number = made.json()["work_order"]["number"]

    sign_in(page, "picker")
    page.get_by_test_id("journey-assembly").tap()
    entry = page.locator(f"[data-testid=assembly-entry][data-number='{number}']")
    expect(entry).to_contain_text(kit)
    entry.get_by_test_id("assembly-take").tap()
    expect(page.get_by_test_id("assembly-order")).to_have_attribute("data-number", number)

    prompt = page.get_by_test_id("assembly-prompt")
    expect(page.get_by_test_id("assembly-goto")).to_have_attribute("data-bin", box_bin)
    scan(page, kit_bin)  # not a bin of the pick: refused, the screen still asks for the box's bin
    scan(page, box_bin)
    expect(prompt).to_have_attribute("data-next", "scan_unit")
    scan(page, box)
    expect(page.get_by_test_id("assembly-goto")).to_have_attribute("data-bin", candle_bin)
    scan(page, candle_bin)
    expect(prompt).to_have_attribute("data-next", "scan_unit")
    scan(page, candle)
    expect(page.get_by_test_id("assembly-last")).to_contain_text(f"1 × CANDLE-{tag} picked from {candle_bin}")
    scan(page, candle)
    expect(prompt).to_have_attribute("data-next", "make")
    page.get_by_test_id("assembly-make").tap()
    expect(prompt).to_have_attribute("data-next", "scan_put_unit")
    scan(page, kit)
    expect(prompt).to_have_attribute("data-next", "scan_target")
    scan(page, kit_bin)
    done = page.get_by_test_id("assembly-done")
    expect(done).to_have_attribute("data-number", number)

    view = boss.get(f"{live_server.url}/api/v1/work-orders/{number}", timeout=10).json()
    assert (view["status"], view["done_qty"]) == ("done", 1)
    item = boss.get(f"{live_server.url}/api/v1/items/{kit}", timeout=10).json()
    assert [(line["bin"], line["qty"]) for line in item["lines"]] == [(kit_bin, 1)]
