"""The order import page in Chromium: a peak day's file uploaded, its progress bar moving while the job writes,
then the report with the stopped orders' reasons in words; a wrong file shows every wrong row."""
from __future__ import annotations

import uuid

import pytest
from playwright.sync_api import expect

from tests.server.web.conftest import log_in

pytestmark = pytest.mark.browser
HEADER = "order_no,channel,customer_name,phone,address,carrier,sku,qty,paid_at,priority,cut_off\n"


def peak_file(prefix: str, orders: int) -> bytes:
    """Paid orders to 上海; order 7 names an unknown SKU and order 8 is not paid yet (both stop at review)."""
    rows = []
    for n in range(orders):
        sku = "TB99-9" if n == 7 else "TB01-1-M"
        paid = "" if n == 8 else "2026-11-11T00:01:00"
        rows.append(f"{prefix}-{n:06d},peak,郭丽,13800000000,上海市 浦东新区 世纪大道1号,SF,{sku},1,{paid},0,\n")
    return (HEADER + "".join(rows)).encode()


def test_a_peak_file_shows_its_progress_then_its_report(live_server, desk):
    prefix = f"WEB{uuid.uuid4().hex[:6]}"
    log_in(desk, live_server.url, "supervisor")
    desk.get_by_role("link", name="Orders", exact=True).click()
    desk.get_by_test_id("to-import").click()
    expect(desk.locator("h1")).to_contain_text("Order import")
    form = desk.get_by_test_id("import-generic")
    form.locator("input[name=file]").set_input_files(
        {"name": "peak.csv", "mimeType": "text/csv", "buffer": peak_file(prefix, 30_000)})
    form.get_by_role("button", name="Import").click()
    expect(desk.get_by_test_id("import-progress")).to_be_visible()
    # The bar moves while the job writes (the page follows the job without a reload) ...
    desk.wait_for_function("""() => { const bar = document.querySelector('[data-testid=import-bar]');
        return bar && bar.value > 0 && bar.value < 100; }""", timeout=120_000)
    expect(desk.get_by_test_id("import-status")).to_have_text("importing")  # one language: the reader's
    # ... and the report follows once it is done.
    expect(desk.get_by_test_id("import-report")).to_be_visible(timeout=180_000)
    expect(desk.get_by_test_id("import-status")).to_have_text("done")
    expect(desk.get_by_test_id("import-counts")).to_contain_text("30000 / 30000")
    stopped = desk.get_by_test_id("import-stopped")
    expect(stopped.locator("tr", has_text=f"{prefix}-000007")).to_contain_text("TB99-9")
    expect(stopped.locator("tr", has_text=f"{prefix}-000008")).to_contain_text("not paid")
    expect(stopped).not_to_contain_text("未付款")
    expect(desk.get_by_test_id("import-bar")).to_have_attribute("value", "100.0")


def test_a_wrong_taobao_pair_lists_every_wrong_row_and_imports_nothing(live_server, desk):
    log_in(desk, live_server.url, "supervisor")
    desk.goto(f"{live_server.url}/sup/orders/import")
    form = desk.get_by_test_id("import-taobao")
    number = f"39{uuid.uuid4().int % 10**17:017d}"
    orders = ("订单编号,订单状态,收货人姓名,收货地址,联系手机,订单付款时间,物流公司\n"
              f"{number},买家已付款，等待卖家发货,郭丽,上海,'13800000000,2026-11-11 00:01:00,申通快递\n")
    items = f"订单编号,购买数量,商家编码\n{number},两,TB01-1-M\n999,1,TB01-1-M\n"
    form.locator("input[name=orders]").set_input_files({"name": "订单报表.csv", "mimeType": "text/csv",
                                                        "buffer": orders.encode("gbk")})
    form.locator("input[name=items]").set_input_files({"name": "宝贝报表.csv", "mimeType": "text/csv",
                                                       "buffer": items.encode("gbk")})
    form.get_by_role("button", name="Import").click()
    expect(desk.get_by_test_id("import-report")).to_be_visible(timeout=60_000)
    expect(desk.get_by_test_id("import-status")).to_contain_text("nothing imported")
    rows = desk.get_by_test_id("import-errors").locator("tbody tr")
    # The item report's two wrong rows, and the order left without lines by them.
    expect(rows).to_have_count(3)
    shown = [rows.nth(n).locator("td").all_inner_texts()[:4] for n in range(3)]
    assert [(row, file, code) for row, file, _, code in shown] == [
        ("2", "items", "bad_quantity"), ("3", "items", "not_found"), ("2", "orders", "bad_request")], shown
    expect(rows.nth(2)).to_contain_text("no lines in the item report")
