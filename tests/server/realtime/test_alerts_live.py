"""Low stock on the live server: the pick that takes an item below its safety quantity raises an alert
that reaches a supervisor's Socket.IO client and the picking dashboard in Chromium at once."""
import pytest
from playwright.sync_api import expect


def next_event(client, name, timeout=10):
    while True:
        event, data = client.receive(timeout=timeout)
        if event == name:
            return data


@pytest.mark.browser
def test_a_pick_below_safety_stock_alerts_the_dashboard_at_once(live_server, supervisor_page, pick_an_order):
    boss = live_server.session("supervisor")
    sku = next(i["sku"] for i in boss.get(f"{live_server.url}/api/v1/items?q=GEN1&limit=100", timeout=10).json()
               if boss.get(f"{live_server.url}/api/v1/items/{i['sku']}", timeout=10).json()["total_qty"] >= 3)
    on_hand = boss.get(f"{live_server.url}/api/v1/items/{sku}", timeout=10).json()["total_qty"]
    assert boss.put(f"{live_server.url}/api/v1/items/{sku}/safety", json={"qty": on_hand}, timeout=10).ok
    assert boss.get(f"{live_server.url}/api/v1/alerts", timeout=10).json() == [] or \
        sku not in [a["sku"] for a in boss.get(f"{live_server.url}/api/v1/alerts", timeout=10).json()]
    picker_refused = live_server.session("picker").put(f"{live_server.url}/api/v1/items/{sku}/safety",
                                                       json={"qty": 1}, timeout=10)
    assert picker_refused.status_code == 403 and picker_refused.json()["error"]["code"] == "forbidden"

    page = supervisor_page("/sup/picking")
    expect(page.get_by_test_id("live-state")).to_have_text("live", timeout=10_000)
    dashboard = live_server.floor_client("supervisor", device="DASHBOARD-T")
    try:
        pick_an_order(lines=[(sku, 1)])
        alert = next_event(dashboard, "stock_alert")
        assert (alert["kind"], alert["sku"], alert["qty"], alert["threshold"], alert["status"]) == \
            ("low_stock", sku, on_hand - 1, on_hand, "open")
        expect(page.locator(f"[data-testid=stock-alert][data-sku='{sku}']")).to_contain_text(
            f"{on_hand - 1} < {on_hand}", timeout=10_000)
    finally:
        dashboard.disconnect()
        boss.put(f"{live_server.url}/api/v1/items/{sku}/safety", json={"qty": 0}, timeout=10)
