"""The handheld app through a Wi-Fi drop, in a real phone-sized Chromium against the live server: the
service worker keeps the app shell, scans made offline wait in the outbox as "pending" while the pick
screen moves on through the cached pick list, a reload while offline opens the app where it was with
the scans still pending, and on reconnect the queue is replayed in order: each answer is shown, a scan
that became invalid meanwhile (its order was put on hold) comes back as an error to resolve, and the
server has each scan exactly once."""

import re
import uuid

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser

KEY_DELAY_MS = 15
USED_SKUS: set[str] = set()


# ---------- helpers ----------

def sign_in(page: Page, username: str = "picker") -> None:
    page.get_by_test_id("login-username").fill(username)
    page.get_by_test_id("login-password").fill("demo")
    page.get_by_test_id("login-submit").tap()
    expect(page.get_by_test_id("conn-state")).to_have_attribute("data-state", "online")


def lists_loaded(page: Page) -> None:
    page.wait_for_function("(() => { const s = window.hh.journeys().pick;"
                           " return s.open !== null && s.mine !== null && !s.listsLoading; })()")


def scan(page: Page, code: str) -> None:
    """What a keyboard-wedge scanner does: type into whatever has focus, then Enter."""
    page.keyboard.type(code, delay=KEY_DELAY_MS)
    page.keyboard.press("Enter")


def current_stop(page: Page) -> dict:
    stop = page.get_by_test_id("pick-stop")
    expect(stop).to_be_visible()
    return {"seq": stop.get_attribute("data-seq"), "order": stop.get_attribute("data-order"),
            "bin": page.get_by_test_id("pick-bin").get_attribute("data-bin"),
            "sku": page.get_by_test_id("pick-item").get_attribute("data-sku"),
            "tote": page.get_by_test_id("pick-tote").get_attribute("data-tote")}


def new_tote() -> str:
    return f"TOTE-{uuid.uuid4().hex[:6].upper()}"


def plenty_of(live_server, http, count: int) -> list[dict]:
    """`count` demo items, each with units to spare in its first (FIFO) bin, all in different bins; from
    the middle of the generated catalogue (other tests take from its start and its end)."""
    items = http.get(f"{live_server.url}/api/v1/items?q=GEN&limit=500", timeout=10).json()
    found, bins = [], set()
    for item in items[len(items) // 3:]:
        if item["sku"] in USED_SKUS or not item["barcodes"]:
            continue
        lines = http.get(f"{live_server.url}/api/v1/items/{item['sku']}", timeout=10).json()["lines"]
        if not lines or lines[0]["qty"] < 4 or lines[0]["bin"] in bins:
            continue
        USED_SKUS.add(item["sku"])
        bins.add(lines[0]["bin"])
        found.append(item)
        if len(found) == count:
            return found
    raise AssertionError("not enough demo items with stock to spare")


def wave_of_single_line_orders(live_server, http, skus: list[str]) -> tuple[dict, list[str]]:
    """One order of 1 unit per SKU, released, in one wave on a cart with a tote per order."""
    carrier = f"HH-OFF-{uuid.uuid4().hex[:8]}"
    numbers = []
    for sku in skus:
        number = f"HO-{uuid.uuid4().hex[:8].upper()}"
        answer = http.post(f"{live_server.url}/api/v1/orders", timeout=10, json={
            "number": number, "customer_name": "李娜", "address": "上海市 浦东新区 世纪大道 88 号", "carrier": carrier,
            "paid_at": "2026-11-23T08:00:00", "lines": [{"sku": sku, "qty": 1}]})
        assert answer.status_code == 201, answer.text
        answer = http.post(f"{live_server.url}/api/v1/orders/{number}/release", timeout=10)
        assert answer.status_code == 200, answer.text
        numbers.append(number)
    answer = http.post(f"{live_server.url}/api/v1/waves", timeout=30, json={
        "filters": {"carrier": carrier}, "cart": {"totes": len(skus), "tote_capacity": 20}})
    assert answer.status_code == 201, answer.text
    lists = answer.json()["wave"]["pick_lists"]
    assert len(lists) == 1, lists
    return lists[0], numbers


def bin_qty(live_server, http, bin_code: str, sku: str) -> int:
    lines = http.get(f"{live_server.url}/api/v1/bins/{bin_code}", timeout=10).json()["lines"]
    return sum(line["qty"] for line in lines if line["sku"] == sku)


def picker_scans_of(live_server, http, codes: list[str]) -> dict[str, int]:
    """How often each code appears among the picker's rows of the supervisor's scan list."""
    html = http.get(f"{live_server.url}/sup/scans", params={"user": "picker"}, timeout=10).text
    scanned = re.findall(r'<tr class="(?:ok|error)" data-code="([^"]*)"', html)
    return {code: scanned.count(code) for code in codes}


def queue_entries(page: Page) -> list[dict]:
    return page.evaluate("window.hh.queue()")


# ---------- the test ----------

def test_scans_made_offline_are_pending_survive_a_reload_and_replay_in_order_with_each_answer_shown(
        phone, live_server):
    boss = live_server.session("supervisor")
    items = plenty_of(live_server, boss, 3)
    barcodes = {item["sku"]: item["barcodes"][0]["code"] for item in items}
    pick_list, numbers = wave_of_single_line_orders(live_server, boss, [item["sku"] for item in items])
    stops = sorted(pick_list["stops"], key=lambda stop: stop["seq"])
    assert len(stops) == 3 and len({stop["bin"] for stop in stops}) == 3, stops
    second, third = stops[1], stops[2]
    before = {seq: bin_qty(live_server, boss, stop["bin"], stop["sku"]) for seq, stop in ((2, second), (3, third))}

    page = phone.new_page()
    page.goto(f"{live_server.url}/hh/")
    # The service worker has cached the app shell (so the app opens without the network).
    expect(page.locator("body")).to_have_attribute("data-shell", "cached")
    sign_in(page, "picker")
    page.get_by_test_id("journey-pick").tap()
    lists_loaded(page)
    if page.get_by_test_id("pick-more-open").count():  # ours may come after the first lists in line
        page.get_by_test_id("pick-more-open").tap()
    entry = page.locator(f'[data-testid="pick-list"][data-pick-list="{pick_list["pick_list"]}"]')
    expect(entry).to_have_attribute("data-status", "open")
    entry.tap()
    expect(page.get_by_test_id("pick-header")).to_have_attribute("data-pick-list", str(pick_list["pick_list"]))
    totes = {}
    for slot in (1, 2, 3):
        prompt = page.get_by_test_id("pick-tote-prompt")
        expect(prompt).to_have_attribute("data-slot", str(slot))
        tote = new_tote()
        scan(page, tote)
        bound = page.locator(f'[data-testid="pick-bound-tote"][data-slot="{slot}"]')
        expect(bound).to_have_attribute("data-tote", tote)
        totes[slot] = tote

    # The first stop, online: bin, item, tote.
    stop = current_stop(page)
    assert stop["bin"] == stops[0]["bin"], (stop, stops)
    scan(page, stop["bin"])
    expect(page.get_by_test_id("pick-prompt")).to_have_attribute("data-next", "scan_item")
    scan(page, barcodes[stop["sku"]])
    expect(page.get_by_test_id("pick-put-prompt")).to_have_attribute("data-state", "due")
    scan(page, stop["tote"])
    expect(page.get_by_test_id("pick-put-done")).to_have_attribute("data-tote", stop["tote"])
    expect(page.get_by_test_id("pick-stop")).to_have_attribute("data-seq", str(second["seq"]))
    expect(page.get_by_test_id("conn-state")).to_have_attribute("data-waiting", "0")
    expect(page.get_by_test_id("queue")).to_be_hidden()

    # ---- the Wi-Fi drops in the middle of the pick list ----
    phone.set_offline(True)
    expect(page.get_by_test_id("conn-state")).to_have_attribute("data-state", "offline")

    stop = current_stop(page)
    assert stop["bin"] == second["bin"]
    scan(page, second["bin"])
    # Queued, shown as pending, and the screen goes on (optimistic): the item is next.
    expect(page.get_by_test_id("queue-count")).to_have_attribute("data-count", "1")
    expect(page.get_by_test_id("pick-prompt")).to_have_attribute("data-next", "scan_item")
    scan(page, barcodes[second["sku"]])
    # The stop is picked on the device: its tote is asked for, and the next stop is up already.
    due = page.get_by_test_id("pick-put-prompt")
    expect(due).to_have_attribute("data-tote", stop["tote"])
    expect(page.get_by_test_id("pick-stop")).to_have_attribute("data-seq", str(third["seq"]))
    expect(page.get_by_test_id("pick-bin")).to_have_attribute("data-bin", third["bin"])
    expect(page.get_by_test_id("pick-progress")).to_have_text(f"Stop {third['seq']} of 3")
    scan(page, stop["tote"])
    expect(page.get_by_test_id("pick-put-done")).to_have_attribute("data-tote", stop["tote"])
    expect(due).to_have_count(0)
    scan(page, third["bin"])
    expect(page.get_by_test_id("pick-prompt")).to_have_attribute("data-next", "scan_item")
    scan(page, barcodes[third["sku"]])
    expect(page.get_by_test_id("pick-prompt")).to_have_attribute("data-next", "wait")
    expect(page.get_by_test_id("pick-prompt")).to_contain_text("Every stop is scanned")

    sent_offline = [second["bin"], barcodes[second["sku"]], stop["tote"], third["bin"], barcodes[third["sku"]]]
    queue = page.get_by_test_id("queue")
    expect(page.get_by_test_id("queue-count")).to_have_attribute("data-count", "5")
    expect(page.get_by_test_id("queue-count")).to_contain_text("5 scans pending")
    expect(page.get_by_test_id("conn-state")).to_have_attribute("data-waiting", "5")
    expect(queue.get_by_test_id("queue-entry")).to_have_count(5)
    expect(queue.locator('[data-testid="queue-entry"][data-state="pending"]')).to_have_count(5)
    pending = queue_entries(page)
    assert [entry["code"] for entry in pending] == sent_offline
    scan_ids = [entry["scan_id"] for entry in pending]
    assert len(set(scan_ids)) == 5

    # ---- a reload while offline: the service worker serves the shell, nothing is lost ----
    page.reload()
    expect(page.locator("body")).to_have_attribute("data-screen", "pick")
    expect(page.get_by_test_id("conn-state")).not_to_have_attribute("data-state", "online")
    expect(page.get_by_test_id("pick-header")).to_have_attribute("data-pick-list", str(pick_list["pick_list"]))
    expect(page.get_by_test_id("pick-prompt")).to_have_attribute("data-next", "wait")
    expect(page.get_by_test_id("queue-count")).to_have_attribute("data-count", "5")
    expect(page.get_by_test_id("conn-state")).to_have_attribute("data-waiting", "5")
    assert [entry["scan_id"] for entry in queue_entries(page)] == scan_ids
    assert [entry["state"] for entry in queue_entries(page)] == ["pending"] * 5
    stored = page.evaluate("window.hh.pendingScans().then((rows) => rows.map((row) => row.record.scan_id))")
    assert stored == scan_ids

    # Meanwhile the supervisor puts the last stop's order on hold: its queued scans are no longer valid.
    held = third["order"]
    answer = boss.post(f"{live_server.url}/api/v1/orders/{held}/hold", json={"reason": "customer changed address"},
                       timeout=10)
    assert answer.status_code == 200, answer.text
    seen_before = picker_scans_of(live_server, boss, sent_offline)

    # ---- the Wi-Fi is back: the queue replays in order, each answer shown ----
    phone.set_offline(False)
    expect(page.get_by_test_id("conn-state")).to_have_attribute("data-state", "online")
    expect(queue).to_have_attribute("data-pending", "0", timeout=20_000)
    expect(page.get_by_test_id("conn-state")).to_have_attribute("data-waiting", "0")
    entries = queue.get_by_test_id("queue-entry")
    expect(entries).to_have_count(5)
    states = ["ok", "ok", "ok", "error", "error"]
    for n, (state, scan_id) in enumerate(zip(states, scan_ids, strict=True)):
        expect(entries.nth(n)).to_have_attribute("data-scan-id", scan_id)
        expect(entries.nth(n)).to_have_attribute("data-state", state)
    answered = page.evaluate("window.hh.state.answered")
    assert answered[-5:] == scan_ids, answered  # in the order they were made
    # The invalid ones: a clear error each, in both languages, with the error tone.
    refused = queue.locator('[data-testid="queue-entry"][data-state="error"]')
    expect(refused).to_have_count(2)
    for n in range(2):
        expect(refused.nth(n)).to_have_attribute("data-error", "order_on_hold")
        expect(refused.nth(n).get_by_test_id("queue-entry-message")).to_contain_text(f"Order {held} is on hold")
        expect(refused.nth(n)).to_contain_text(f"订单 {held} 已暂缓出货")
        expect(refused.nth(n).get_by_test_id("queue-ack")).to_be_visible()
    expect(page.get_by_test_id("queue-count")).to_contain_text("2 replayed scans refused")
    assert page.evaluate("document.body.dataset.lastSound") == "error"

    # The list is re-synced from the server: the held order's stop, with its hold banner.
    banner = page.locator(f'[data-testid="pick-hold-banner"][data-order="{held}"]')
    expect(banner).to_be_visible()
    expect(page.get_by_test_id("pick-stop")).to_have_attribute("data-seq", str(third["seq"]))
    expect(page.get_by_test_id("pick-prompt")).to_have_attribute("data-next", "on_hold")

    # Server side: every scan exactly once; only the valid ones moved stock.
    view = boss.get(f"{live_server.url}/api/v1/pick-lists/{pick_list['pick_list']}", timeout=10).json()
    assert [stop["status"] for stop in sorted(view["stops"], key=lambda s: s["seq"])] == ["picked", "picked", "open"]
    assert bin_qty(live_server, boss, second["bin"], second["sku"]) == before[2] - 1
    assert bin_qty(live_server, boss, third["bin"], third["sku"]) == before[3]
    seen_after = picker_scans_of(live_server, boss, sent_offline)
    assert {code: seen_after[code] - seen_before[code] for code in sent_offline} == dict.fromkeys(sent_offline, 1)
    # A replay of a stored scan id changes nothing.
    item_record = page.evaluate(f"window.hh.queue().find((e) => e.scan_id === '{scan_ids[1]}')")
    assert item_record["state"] == "ok"
    again = live_server.session("picker").post(f"{live_server.url}/api/v1/scans", timeout=10, json={
        "scan_id": scan_ids[1], "mode": "pick", "code": barcodes[second["sku"]], "pick_list": pick_list["pick_list"],
        "qty": 1})
    assert again.status_code == 200 and again.json()["ok"] and again.json()["scan_id"] == scan_ids[1], again.text
    assert bin_qty(live_server, boss, second["bin"], second["sku"]) == before[2] - 1

    # The picker acknowledges each refusal; the replayed ones that went through can be cleared.
    for _ in range(2):
        refused.first.get_by_test_id("queue-ack").tap()
    expect(refused).to_have_count(0)
    expect(page.get_by_test_id("queue-count")).to_contain_text("All queued scans sent")
    page.get_by_test_id("queue-clear").tap()
    expect(queue).to_be_hidden()

    # Once the hold is lifted, the last stop is picked online as usual and the list completes.
    answer = boss.post(f"{live_server.url}/api/v1/orders/{held}/release-hold", timeout=10)
    assert answer.status_code == 200, answer.text
    expect(banner).to_have_count(0)
    scan(page, third["bin"])
    expect(page.get_by_test_id("pick-prompt")).to_have_attribute("data-next", "scan_item")
    scan(page, barcodes[third["sku"]])
    expect(page.get_by_test_id("pick-put-prompt")).to_have_attribute("data-state", "due")
    scan(page, totes[int(third["tote"])])
    expect(page.get_by_test_id("pick-done")).to_contain_text("Pick list complete")
    expect(page.get_by_test_id("conn-state")).to_have_attribute("data-waiting", "0")
    assert bin_qty(live_server, boss, third["bin"], third["sku"]) == before[3] - 1
