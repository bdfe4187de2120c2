"""Report pages on the demo warehouse: each answers a supervisor with a chart, its table and a CSV
export; a picker is refused; in a browser the stock chart is drawn with its bars, title and legend."""
import csv
import io
import re

import pytest
from playwright.sync_api import expect

PAGES = ("stock", "turnover", "suppliers", "picking", "returns", "exceptions")


@pytest.mark.parametrize("name", PAGES)
def test_each_report_page_draws_a_chart_and_its_table_for_a_supervisor(live_server, name):
    page = live_server.session("supervisor").get(f"{live_server.url}/sup/reports/{name}", timeout=10)
    assert page.status_code == 200, page.text[:500]
    assert re.search(r'<figure class="report-chart" data-testid="report-chart">\s*<svg', page.text)
    assert 'data-testid="chart-legend"' in page.text and "<table" in page.text
    assert re.search(r'href="[^"]*format=csv[^"]*"', page.text)


def test_the_index_links_every_report_and_same_day_clearing(live_server):
    page = live_server.session("supervisor").get(f"{live_server.url}/sup/reports/", timeout=10).text
    for name in PAGES:
        assert f'href="/sup/reports/{name}"' in page
    assert 'href="/sup/clearing"' in page and "Stock turnover" in page


def test_the_stock_csv_opens_in_excel_with_the_same_rows_as_the_table(live_server):
    http = live_server.session("supervisor")
    page = http.get(f"{live_server.url}/sup/reports/stock", params={"by": "zone"}, timeout=10).text
    export = http.get(f"{live_server.url}/sup/reports/stock", params={"by": "zone", "format": "csv"}, timeout=10)
    assert export.status_code == 200 and export.headers["Content-Type"].startswith("text/csv")
    assert "attachment" in export.headers["Content-Disposition"]
    assert export.content.startswith(b"\xef\xbb\xbf")  # the BOM: Excel then reads UTF-8, not GBK
    rows = list(csv.reader(io.StringIO(export.content.decode("utf-8-sig"))))
    assert rows[0][:4] == ["Warehouse · 仓库", "Zone · 库区", "Units on hand · 在库件数", "Value ¥ · 金额（元）"]
    table = page.split('data-testid="table-on_hand"')[1].split("</table>")[0]
    assert len(rows) - 1 == table.count("<tr>") - 1 > 0  # header row + one row per zone in both


def test_a_second_table_exports_by_name_and_an_unknown_one_is_not_found(live_server):
    http = live_server.session("supervisor")
    url = f"{live_server.url}/sup/reports/stock"
    rows = list(csv.reader(io.StringIO(http.get(url, params={"format": "csv", "table": "in_process"},
                                                timeout=10).content.decode("utf-8-sig"))))
    assert rows[0][0] == "Where · 状态" and any(r[0].startswith("In totes") for r in rows[1:])
    assert http.get(url, params={"format": "csv", "table": "nope"}, timeout=10).status_code == 404


def test_a_bad_date_filter_is_explained_not_a_crash(live_server):
    page = live_server.session("supervisor").get(f"{live_server.url}/sup/reports/turnover",
                                                 params={"from": "yesterday"}, timeout=10)
    assert page.status_code == 400 and "2026-11-01" in page.text


def test_a_picker_cannot_open_the_reports(live_server):
    http = live_server.session("picker")
    for path in ("/sup/reports/", "/sup/reports/stock", "/sup/reports/turnover?format=csv"):
        page = http.get(f"{live_server.url}{path}", timeout=10)
        assert page.status_code == 403 and "may not do this" in page.text


def test_in_a_browser_the_stock_report_shows_its_chart_with_bars_title_and_legend(supervisor_page):
    page = supervisor_page("/sup/reports/stock")
    chart = page.get_by_test_id("report-chart").first
    expect(chart).to_be_visible()
    expect(chart.locator("svg")).to_be_visible()
    expect(chart.locator(".chart-title")).to_have_text(
        "Stock on hand by item, split by lot age")
    expect(chart.get_by_test_id("chart-legend").first).to_contain_text("0–30 d")
    bars = chart.get_by_test_id("chart-bar")
    assert bars.count() > 0
    box = bars.first.bounding_box()
    assert box and box["height"] > 0 and box["width"] > 0  # drawn, not just present
    page.select_option("select[name=by]", "age")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url("**by=age**")
    expect(page.get_by_test_id("report-chart").first.locator(".chart-title")).to_contain_text("lot age")


def test_the_day_end_page_lists_an_old_hold_and_a_picker_is_refused(live_server):
    import uuid

    http = live_server.session("supervisor")
    number = f"DE-{uuid.uuid4().hex[:8].upper()}"
    http.post(f"{live_server.url}/api/v1/orders", timeout=10, json={
        "number": number, "customer_name": "王芳", "address": "上海市 1 号", "paid_at": "2026-12-06T09:00:00",
        "lines": [{"sku": live_server.demo["item_sku"], "qty": 1}]}).raise_for_status()
    http.post(f"{live_server.url}/api/v1/orders/{number}/hold", json={"reason": "buyer asked to wait"},
              timeout=10).raise_for_status()
    page = http.get(f"{live_server.url}/sup/day-end", timeout=10)
    assert page.status_code == 200 and "Day-end" in page.text and "data-print" in page.text
    assert 'data-testid="day-end-old_holds"' in page.text  # a fresh hold is not a day-end matter yet
    assert number not in page.text.split('data-testid="day-end-old_holds"')[1].split("</section>")[0]
    index = http.get(f"{live_server.url}/sup/reports/", timeout=10).text
    assert 'href="/sup/day-end"' in index
    assert live_server.session("picker").get(f"{live_server.url}/sup/day-end", timeout=10).status_code == 403
