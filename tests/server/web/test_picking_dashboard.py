"""The picking dashboard in Chromium updates by itself (Socket.IO) while a picker works."""
import uuid

import pytest
from playwright.sync_api import expect
from tests.conftest import on_shelves

pytestmark = pytest.mark.browser


def send(client, mode, code=None, **payload):
    message = {"scan_id": str(uuid.uuid4()), "mode": mode, **payload} | ({"code": code} if code else {})
    return client.call("scan", message, timeout=10)


def test_the_dashboard_shows_a_pick_as_it_happens_without_reloading(live_server, supervisor_page):
    boss = live_server.session("supervisor")
    item = next(i for i in boss.get(f"{live_server.url}/api/v1/items?q=GEN2&limit=100", timeout=10).json()
                if on_shelves(boss.get(f"{live_server.url}/api/v1/items/{i['sku']}", timeout=10).json()["lines"]) >= 1)
    number, carrier = f"D-{uuid.uuid4().hex[:8]}", f"DASH-{uuid.uuid4().hex[:6]}"
    boss.post(f"{live_server.url}/api/v1/orders", timeout=10, json={
        "number": number, "customer_name": "徐娟", "address": "湖北省 武汉市 珞喻路532号", "carrier": carrier,
        "paid_at": "2026-11-23T07:00:00", "lines": [{"sku": item["sku"], "qty": 1}]}).raise_for_status()
    boss.post(f"{live_server.url}/api/v1/orders/{number}/release", timeout=10).raise_for_status()
    pick_list = boss.post(f"{live_server.url}/api/v1/waves", timeout=30, json={
        "filters": {"carrier": carrier}, "cart": {"totes": 1, "tote_capacity": 10}}).json()["wave"]["pick_lists"][0]

    page = supervisor_page("/sup/picking")
    expect(page.get_by_test_id("live-state")).to_have_text("live", timeout=10_000)
    row = page.locator(f"tr[data-pick-list='{pick_list['pick_list']}']")
    expect(row.get_by_test_id("pick-list-status")).to_have_text("Open")  # a word, its code in data-status

    picker = live_server.floor_client("picker")
    try:
        live_server.session("picker").post(f"{live_server.url}/api/v1/pick-lists/{pick_list['pick_list']}/claim",
                                           timeout=10).raise_for_status()
        send(picker, "pick.tote", f"TOTE-{uuid.uuid4().hex[:6].upper()}", pick_list=pick_list["pick_list"], slot=1)
        send(picker, "pick", pick_list["stops"][0]["bin"], pick_list=pick_list["pick_list"])
        assert send(picker, "pick", item["barcodes"][0]["code"], pick_list=pick_list["pick_list"])["result"]["done"]
    finally:
        picker.disconnect()
    expect(row.get_by_test_id("pick-list-status")).to_have_text("Done", timeout=10_000)
    expect(row.get_by_test_id("pick-list-done")).to_have_text("1 / 1")
