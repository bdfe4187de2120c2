"""The orders desk (/sup/orders) as a supervisor uses it: find orders by filters, release the ready ones at once
(one result each), open an order and read its story (stages, timeline with who and which device, lines with
their reservations, stock movements), and act on it (resolve a stopped line, correct, hold, release the hold)."""
from __future__ import annotations

import re
from datetime import datetime

import pytest

from server.db.models import SalesOrder, User
from server.extensions import db, writes_too
from server.services.orders import sales_orders
from server.services.people import audit
from server.services.people.auth import hash_password
from server.services.orders.sales_orders import NewLine
from tests.server.conftest import log_in_on_the_pages, pick_released


@pytest.fixture
def desk_client(app, tiny_warehouse):
    w = tiny_warehouse
    orders = [("D-100", "taobao", [NewLine("TEE-BLK-M", 1)], 5, datetime(2026, 12, 6, 9)),
              ("D-101", "jd", [NewLine("MUG-WHT", 1)], 0, datetime(2026, 12, 8, 9)),
              ("D-102", "taobao", [NewLine("NO-SUCH", 1)], 0, None),
              ("D-103", "taobao", [NewLine("TEE-BLK-M", 9)], 0, None)]
    for number, channel, lines, priority, cut_off in orders:
        sales_orders.create_order(channel, number, lines, w.supervisor, customer_name="郭丽", phone="13800000000",
                                  address="上海市 浦东新区 世纪大道1号", carrier="SF", paid_at=datetime(2026, 12, 1),
                                  priority=priority, cut_off=cut_off)
    db.session.add(User(username="vic", name="Vic", role="viewer", password_hash=hash_password("pw")))
    db.session.commit()
    return log_in_on_the_pages(app.test_client(), "sue"), w


def rows(html: str) -> list[str]:
    return re.findall(r'<tr data-order="([^"]+)"', html)


def text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_the_list_filters_by_what_a_supervisor_looks_for(desk_client):
    client, _ = desk_client
    assert rows(client.get("/sup/orders").get_data(as_text=True)) == ["D-103", "D-102", "D-101", "D-100"]
    assert rows(client.get("/sup/orders?channel=jd").get_data(as_text=True)) == ["D-101"]
    assert rows(client.get("/sup/orders?stopped=unknown_sku").get_data(as_text=True)) == ["D-102"]
    assert rows(client.get("/sup/orders?min_priority=1").get_data(as_text=True)) == ["D-100"]
    # A cut-off date includes that whole day, in the warehouse's time zone.
    assert rows(client.get("/sup/orders?cut_off_before=2026-12-06").get_data(as_text=True)) == ["D-100"]
    assert rows(client.get("/sup/orders?q=TEE-BLK-M").get_data(as_text=True)) == ["D-103", "D-100"]
    page = client.get("/sup/orders?stopped=unknown_sku").get_data(as_text=True)
    assert "NO-SUCH" in text(page) and "淘宝" not in text(page)  # the reason in words, English page
    wrong = client.get("/sup/orders?cut_off_before=tomorrow").get_data(as_text=True)
    assert "cut_off_before must be a date" in wrong


def test_release_all_ready_gives_one_result_per_order(desk_client):
    client, _ = desk_client
    answer = client.post("/sup/orders/release", data={"all_ready": "1", "channel": "taobao"})
    page = text(answer.get_data(as_text=True))
    # D-100 is released; D-103 asks for 9 tees (a shortage); D-102 is stopped (not ready, not tried);
    # D-101 is another channel's.
    assert "Release: 1 released, 1 refused" in page
    results = answer.get_data(as_text=True).split('data-testid="release-results"')[1].split("</section>")[0]
    assert rows(results) == ["D-100", "D-103"]
    assert "TEE-BLK-M short 7" in text(results)  # 3 on the shelf, 1 promised to D-100 just before
    assert sales_orders.find_order("D-100").status == "released"
    assert sales_orders.find_order("D-101").status == "pending_review"


def test_release_selected_releases_only_those(desk_client):
    client, _ = desk_client
    client.post("/sup/orders/release", data={"order": ["jd/D-101"]})
    assert [o.number for o in db.session.query(SalesOrder).filter_by(status="released")] == ["D-101"]


def test_an_order_page_tells_its_story_and_its_actions_work(desk_client):
    client, w = desk_client
    # A stopped line substituted from the page; the order is then released from the page.
    client.post("/sup/orders/D-102/lines/1/resolve", data={"choice": "substitute", "substitute": "MUG-WHT"})
    page = client.get("/sup/orders/D-102").get_data(as_text=True)
    assert "MUG-WHT" in page and 'data-testid="stops"' not in page
    client.post("/sup/orders/D-102/release", data={"channel": "taobao"})
    assert sales_orders.find_order("D-102").status == "released"

    audit.act_as(w.picker, "/floor scan")  # as the floor's scans are attributed
    pick_released(w, "D-100")  # released, waved, picked by Pia on PDA-T
    page = client.get("/sup/orders/D-100").get_data(as_text=True)
    assert re.search(r'data-reached="(\d)"', page).group(1) == "4"  # imported … picked
    timeline = page.split('data-testid="timeline"')[1].split("</table>")[0]
    # One unit: its only pick takes the order from allocated to picked.
    assert re.findall(r'<tr data-status="([a-z_]+)"', timeline) == ["imported", "released", "allocated", "picked"]
    picked_row = re.search(r'<tr data-status="picked">(.*?)</tr>', timeline, re.S).group(1)
    assert "pia" in picked_row and "PDA-T" in picked_row
    movements = text(page.split('data-testid="movements"')[1].split("</table>")[0])
    assert "A-01-01-1 TEE-BLK-M L1 -1" in movements and "TOTE-0001" in movements and "+1" in movements

    # Held with a written reason, then released from hold: both from the page.
    client.post("/sup/orders/D-100/hold", data={"reason": "客户要求改地址"})
    assert sales_orders.find_order("D-100").status == "on_hold"
    assert "客户要求改地址" in client.get("/sup/orders/D-100").get_data(as_text=True)
    client.post("/sup/orders/D-100/release-hold")
    assert sales_orders.find_order("D-100").status == "picked"


def test_a_hold_without_a_reason_is_refused_with_words(desk_client):
    client, _ = desk_client
    answer = client.post("/sup/orders/D-100/hold", data={"reason": " "}, follow_redirects=True)
    assert "a hold needs its reason" in answer.get_data(as_text=True)
    assert sales_orders.find_order("D-100").status == "pending_review"


def test_correcting_an_order_reviews_it_again(desk_client):
    client, _ = desk_client
    client.post("/sup/orders/D-101/correct", data={"customer_name": "郭丽", "phone": "13800000000", "address": "",
                                                  "carrier": "SF"})
    assert "missing_address" in sales_orders.find_order("D-101").review_json
    page = client.get("/sup/orders?stopped=missing_address").get_data(as_text=True)
    assert rows(page) == ["D-101"]


def test_customer_details_only_for_roles_that_need_them(app, desk_client):
    client, _ = desk_client
    assert "世纪大道" in client.get("/sup/orders/D-101").get_data(as_text=True)
    viewer = log_in_on_the_pages(app.test_client(), "vic")
    page = viewer.get("/sup/orders/D-101").get_data(as_text=True)
    assert "世纪大道" not in page and "13800000000" not in page
    assert 'data-testid="actions"' not in page  # looking only
    assert viewer.post("/sup/orders/D-101/hold", data={"reason": "x"}).status_code == 403


def test_cancelling_from_the_page_needs_a_reason_and_shows_the_put_back(desk_client):
    client, w = desk_client
    writes_too()  # the fixture's app context outlives the log-in's page reads (read-only connection)
    pick_released(w, "D-100")  # one tee in TOTE-0001
    refused = client.post("/sup/orders/D-100/cancel", data={"reason": ""}, follow_redirects=True)
    assert sales_orders.find_order("D-100").status == "picked"
    assert 'data-testid="flash"' in refused.get_data(as_text=True)

    done = client.post("/sup/orders/D-100/cancel", data={"reason": "买家申请退款"}, follow_redirects=True)
    page = done.get_data(as_text=True)
    assert "Order D-100 cancelled. 1 put-back task(s) for the handheld." in page
    assert sales_orders.find_order("D-100").status == "cancelled"
    panel = text(page.split('data-testid="cancellation"')[1].split("</section>")[0])
    assert "买家申请退款" in panel and "Picked" in panel  # why, and the stage it was cancelled from
    assert "TOTE-0001" in panel and "TEE-BLK-M × 1 → A-01-01-1" in panel  # back to the bin it came from
    assert 'data-testid="cancel-form"' not in page
