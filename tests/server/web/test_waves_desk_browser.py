"""The waves desk in Chromium, as a supervisor works it: from the picking dashboard to the desk, a wave
proposed (its carts, orders and the map with a route per cart), released in one click, and its board moving
by itself while a picker picks over Socket.IO — in Chinese, then in English; usable on a tablet."""
from __future__ import annotations

import uuid

import pytest
from playwright.sync_api import expect

from tests.server.web.conftest import log_in
from tests.conftest import on_shelves

pytestmark = pytest.mark.browser


def send(client, mode, code=None, **payload):
    message = {"scan_id": str(uuid.uuid4()), "mode": mode, **payload} | ({"code": code} if code else {})
    return client.call("scan", message, timeout=10)


def two_released_orders(live_server) -> tuple[str, list[str], dict]:
    """Two released one-unit orders of an item in stock, under a carrier of their own (no other order has it)."""
    boss = live_server.session("supervisor")
    item = next(i for i in boss.get(f"{live_server.url}/api/v1/items?q=GEN2&limit=100", timeout=10).json()
                if on_shelves(boss.get(f"{live_server.url}/api/v1/items/{i['sku']}", timeout=10).json()["lines"]) >= 2)
    carrier, numbers = f"WAVE-{uuid.uuid4().hex[:6]}", [f"WD-{uuid.uuid4().hex[:8]}" for _ in range(2)]
    for number in numbers:
        boss.post(f"{live_server.url}/api/v1/orders", timeout=10, json={
            "number": number, "customer_name": "徐娟", "address": "湖北省 武汉市 珞喻路532号", "carrier": carrier,
            "paid_at": "2026-11-23T07:00:00", "lines": [{"sku": item["sku"], "qty": 1}]}).raise_for_status()
        boss.post(f"{live_server.url}/api/v1/orders/{number}/release", timeout=10).raise_for_status()
    return carrier, numbers, item


def pick_whole_list(live_server, picker, pick_list: int, barcode: str) -> None:
    live_server.session("picker").post(f"{live_server.url}/api/v1/pick-lists/{pick_list}/claim",
                                       timeout=10).raise_for_status()
    view = live_server.session("picker").get(f"{live_server.url}/api/v1/pick-lists/{pick_list}", timeout=10).json()
    assert send(picker, "pick.tote", f"TOTE-{uuid.uuid4().hex[:6].upper()}", pick_list=pick_list, slot=1)["ok"]
    for stop in view["stops"]:
        assert send(picker, "pick", stop["bin"], pick_list=pick_list)["ok"]
        assert send(picker, "pick", barcode, pick_list=pick_list, qty=stop["qty"])["ok"]


def test_propose_release_and_follow_a_wave_in_chinese_then_english(live_server, chromium):
    carrier, numbers, item = two_released_orders(live_server)
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    context.add_cookies([{"name": "sup_lang", "value": "zh", "url": "http://127.0.0.1"}])
    context.set_default_timeout(15_000)
    picker = None
    try:
        page = context.new_page()
        log_in(page, live_server.url, "supervisor")
        page.goto(f"{live_server.url}/sup/picking")
        page.get_by_test_id("to-waves-desk").click()  # the dashboard leads to the desk
        expect(page.locator("h1")).to_have_text("波次")
        expect(page.locator("header nav a[aria-current=page]")).to_have_text("波次")

        filters = page.get_by_test_id("wave-filters")
        filters.locator("select[name=carrier]").select_option(carrier)
        filters.locator("input[name=totes]").fill("1")  # one order a cart: two carts
        filters.get_by_role("button", name="建议波次（试算）").click()
        proposal = page.get_by_test_id("proposal")
        expect(proposal.get_by_test_id("proposal-carts")).to_have_text("2")
        expect(proposal.get_by_test_id("proposal-orders")).to_have_text("2")
        assert sorted(proposal.get_by_test_id("proposal-order").all_inner_texts()) == sorted(numbers)
        expect(proposal.locator("[data-testid=proposal-map] svg g.route")).to_have_count(2)
        expect(proposal.get_by_test_id("cart-sshape")).to_have_count(2)

        proposal.get_by_role("button", name="下发此波次").click()
        expect(page.get_by_test_id("flash")).to_contain_text("与建议一致")
        expect(page.get_by_test_id("live-state")).to_have_text("实时")
        carts = page.get_by_test_id("wave-cart")
        expect(carts).to_have_count(2)
        expect(page.get_by_test_id("cart-done")).to_have_text(["0 / 1", "0 / 1"])
        expect(page.get_by_test_id("cart-status").first).to_have_text("开启")
        expect(page.locator("[data-testid=wave-map] svg g.route")).to_have_count(2)
        wave = int(page.url.rstrip("/").rsplit("/", 1)[1])
        lists = live_server.session("supervisor").get(f"{live_server.url}/api/v1/waves/{wave}", timeout=10
                                                      ).json()["pick_lists"]

        # a picker picks the first cart: the board moves without a reload
        picker = live_server.floor_client("picker")
        pick_whole_list(live_server, picker, lists[0]["pick_list"], item["barcodes"][0]["code"])
        first = page.locator(f"[data-testid=wave-cart][data-pick-list='{lists[0]['pick_list']}']")
        expect(first.get_by_test_id("cart-done")).to_have_text("1 / 1")
        expect(first.get_by_test_id("cart-status")).to_have_text("完成")
        expect(first.get_by_test_id("cart-finish")).to_have_text("已完成")
        expect(page.get_by_test_id("wave-status")).to_have_text("拣货中")

        # the same board in English
        page.get_by_test_id("language-switch").click()
        expect(page.locator("h1")).to_contain_text(f"Wave {wave}")
        expect(page.get_by_test_id("live-state")).to_have_text("live")
        expect(first.get_by_test_id("cart-status")).to_have_text("Done")
        second = page.locator(f"[data-testid=wave-cart][data-pick-list='{lists[1]['pick_list']}']")
        expect(second.get_by_test_id("cart-status")).to_have_text("Open")
        pick_whole_list(live_server, picker, lists[1]["pick_list"], item["barcodes"][0]["code"])
        expect(second.get_by_test_id("cart-done")).to_have_text("1 / 1")
        expect(page.get_by_test_id("wave-status")).to_have_text("Done")

        # on a tablet the board and the desk fit the screen's width (the map scrolls inside its own frame)
        page.set_viewport_size({"width": 800, "height": 1100})
        for path in (f"/sup/waves/{wave}", "/sup/waves"):
            page.goto(f"{live_server.url}{path}")
            expect(page.locator("h1")).to_be_visible()
            assert page.evaluate("document.documentElement.scrollWidth") <= 800, path
    finally:
        if picker is not None:
            picker.disconnect()
        context.close()
