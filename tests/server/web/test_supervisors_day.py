"""A supervisor's day in Chromium, in Chinese (the demo account's language), on a server of its own: orders
imported from the page, found on the orders desk, released at once, one of them held with a written reason
and released again — every step a click, no curl."""
from __future__ import annotations

import uuid

import pytest
from playwright.sync_api import expect

from tests.conftest import start_server, stop_server
from tests.server.web.conftest import log_in

pytestmark = pytest.mark.browser
HEADER = "order_no,channel,customer_name,phone,address,carrier,sku,qty,paid_at,priority,cut_off\n"


@pytest.fixture(scope="module")
def own_server(tmp_path_factory, printer_emulator):
    server = start_server(tmp_path_factory.mktemp("wms-day"), printer_emulator.port)
    yield server
    stop_server(server)


@pytest.fixture
def zh_desk(chromium):
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(20_000)
    yield context.new_page()
    context.close()


def test_orders_from_the_page_to_released_and_held(own_server, zh_desk):
    page, prefix = zh_desk, f"DAY{uuid.uuid4().hex[:5].upper()}"
    rows = [f"{prefix}-1,csv,郭丽,13800000000,上海市 浦东新区 世纪大道1号,SF,TB01-1-M,1,2026-12-06T08:00:00,5,\n",
            f"{prefix}-2,csv,王强,13900000000,杭州市 西湖区 文三路2号,SF,TB01-1-M,1,2026-12-06T08:05:00,0,\n",
            f"{prefix}-3,csv,李娜,13700000000,北京市 朝阳区 建国路3号,SF,NO-SUCH-SKU,1,2026-12-06T08:10:00,0,\n"]
    log_in(page, own_server.url, "supervisor")
    page.get_by_role("link", name="订单", exact=True).click()
    expect(page.locator("h1")).to_have_text("订单")
    page.get_by_test_id("to-import").click()
    form = page.get_by_test_id("import-generic")
    form.locator("input[name=file]").set_input_files(
        {"name": "day.csv", "mimeType": "text/csv", "buffer": (HEADER + "".join(rows)).encode()})
    form.get_by_role("button", name="导入").click()
    expect(page.get_by_test_id("import-report")).to_be_visible(timeout=60_000)

    # The desk: the three orders, the unknown SKU's order stopped with its reason in words.
    page.get_by_role("link", name="订单", exact=True).click()
    page.get_by_label("订单号或货品编码").fill(prefix)
    page.get_by_role("button", name="查询").click()
    table = page.get_by_test_id("orders")
    expect(table.locator("tbody tr")).to_have_count(3)
    stopped = table.locator(f"tr[data-order='{prefix}-3']")
    expect(stopped.locator(".badge")).to_have_text("待审核")
    expect(stopped.locator(".reason")).to_contain_text("NO-SUCH-SKU")
    expect(page.get_by_test_id("release-all")).to_have_text("释放全部 2 单可释放订单")

    page.get_by_test_id("release-all").click()
    results = page.get_by_test_id("release-results")
    expect(results.locator("h2")).to_have_text("释放结果：2 单已释放，0 单未释放")
    expect(page.get_by_test_id("orders").locator(f"tr[data-order='{prefix}-1'] .badge")).to_have_text("已释放")

    # One order's page: its stages and timeline; held with a written reason, then released from hold.
    page.get_by_test_id("orders").get_by_role("link", name=f"{prefix}-1").click()
    expect(page.get_by_test_id("order-status")).to_have_text("已释放")
    expect(page.get_by_test_id("stages").locator("li.done")).to_have_count(3)  # imported, reviewed, released
    expect(page.get_by_test_id("timeline").locator("tbody tr")).to_have_count(2)
    expect(page.get_by_test_id("timeline").locator("tr[data-status=released]")).to_contain_text("supervisor")
    page.get_by_label("暂缓原因").fill("客户来电要求暂缓发货")
    page.get_by_test_id("hold").click()
    expect(page.get_by_test_id("flash")).to_have_text(f"订单 {prefix}-1 已暂缓。")
    expect(page.get_by_test_id("order-status")).to_have_text("暂缓")
    expect(page.get_by_test_id("hold-notice")).to_contain_text("客户来电要求暂缓发货")
    page.get_by_test_id("release-hold").click()
    expect(page.get_by_test_id("order-status")).to_have_text("已释放")
    expect(page.get_by_test_id("timeline").locator("tbody tr")).to_have_count(4)
