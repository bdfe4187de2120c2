"""The Pick journey of the handheld app in a real phone-sized Chromium against the live server: take
a pick list, bind the cart's totes, walk the stops (bin, then item, into the order's tote, then the
tote scanned to confirm the put), a hold
pushed by the supervisor that shows at once without a scan, and a short pick re-allocated.

Each test makes its own orders (with a carrier name of its own, so its wave takes only them) and
claims its own pick list by tapping it: other tests share the server, so "the next" list could be
theirs."""

import re
import uuid

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser

KEY_DELAY_MS = 15
CJK = re.compile(r"[\u4e00-\u9fff]")
USED_SKUS: set[str] = set()  # one item per test, so that no two tests reserve the same units


# ---------- helpers ----------

def sign_in(page: Page, username: str = "picker") -> None:
    page.get_by_test_id("login-username").fill(username)
    page.get_by_test_id("login-password").fill("demo")
    page.get_by_test_id("login-submit").tap()
    expect(page.get_by_test_id("conn-state")).to_have_attribute("data-state", "online")


def open_pick(page: Page) -> None:
    page.get_by_test_id("journey-pick").tap()
    expect(page.locator("body")).to_have_attribute("data-screen", "pick")
    expect(page.get_by_test_id("scan-input")).to_be_focused()
    lists_loaded(page)


def lists_loaded(page: Page) -> None:
    """The open lists and the picker's own have arrived."""
    page.wait_for_function("(() => { const s = window.hh.journeys().pick;"
                           " return s.open !== null && s.mine !== null && !s.listsLoading; })()")


def scan(page: Page, code: str) -> None:
    """What a keyboard-wedge scanner does: type into whatever has focus, then Enter."""
    page.keyboard.type(code, delay=KEY_DELAY_MS)
    page.keyboard.press("Enter")


def last_sound(page: Page) -> str | None:
    return page.evaluate("document.body.dataset.lastSound")


def all_sent(page: Page) -> None:
    expect(page.get_by_test_id("conn-state")).to_have_attribute("data-waiting", "0")
    expect(page.get_by_test_id("pending")).to_be_hidden()


def stocked_item(live_server, qty: int, elsewhere: int = 0) -> dict:
    """A generated demo item (GEN…) whose oldest lot holds at least qty units in one bin (so FIFO
    makes one stop of it), with at least `elsewhere` more units in other bins; never the same item
    twice in a session. Returned with its stock lines."""
    http = live_server.session("supervisor")
    items = http.get(f"{live_server.url}/api/v1/items?q=GEN&limit=500", timeout=10).json()
    for item in reversed(items):  # from the end: the server's own picking test takes GEN1…
        if item["sku"] in USED_SKUS or not item["barcodes"]:
            continue
        lines = http.get(f"{live_server.url}/api/v1/items/{item['sku']}", timeout=10).json()["lines"]
        if not lines or lines[0]["qty"] < qty:
            continue
        if sum(line["qty"] for line in lines if line["bin"] != lines[0]["bin"]) < elsewhere:
            continue
        USED_SKUS.add(item["sku"])
        return item | {"lines": lines}
    raise AssertionError("no demo item with enough stock left")


def released_wave(live_server, orders: list[list[tuple[str, int]]]) -> tuple[dict, list[str]]:
    """Set-up over REST as the supervisor: the orders, released, and one wave of just them on a
    two-tote cart. Returns its one pick list and the order numbers."""
    http = live_server.session("supervisor")
    carrier = f"HH-PICK-{uuid.uuid4().hex[:8]}"
    numbers = []
    for lines in orders:
        number = f"HH-{uuid.uuid4().hex[:8].upper()}"
        answer = http.post(f"{live_server.url}/api/v1/orders", timeout=10, json={
            "number": number, "customer_name": "朱涛", "address": "江苏省 苏州市 星湖街749号", "carrier": carrier,
            "paid_at": "2026-11-23T08:00:00", "lines": [{"sku": sku, "qty": qty} for sku, qty in lines]})
        assert answer.status_code == 201, answer.text
        answer = http.post(f"{live_server.url}/api/v1/orders/{number}/release", timeout=10)
        assert answer.status_code == 200, answer.text
        numbers.append(number)
    answer = http.post(f"{live_server.url}/api/v1/waves", timeout=30, json={
        "filters": {"carrier": carrier}, "cart": {"totes": 2, "tote_capacity": 20}})
    assert answer.status_code == 201, answer.text
    lists = answer.json()["wave"]["pick_lists"]
    assert len(lists) == 1, lists
    return lists[0], numbers


def order_status(live_server, number: str) -> str:
    answer = live_server.session("supervisor").get(f"{live_server.url}/api/v1/orders/{number}", timeout=10)
    return answer.json()["status"]


def new_tote() -> str:
    return f"TOTE-{uuid.uuid4().hex[:6].upper()}"


def listed(page: Page, pick_list: dict):
    return page.locator(f'[data-testid="pick-list"][data-pick-list="{pick_list["pick_list"]}"]')


def show_every_open_list(page: Page) -> None:
    """The screen opens with the first open lists in line; on the shared server ours may come later."""
    more = page.get_by_test_id("pick-more-open")
    if more.count():
        more.tap()
        expect(more).to_have_count(0)
        lists_loaded(page)


def take_list(page: Page, pick_list: dict) -> None:
    """Tap our own pick list in the open list: the server gives it to this picker."""
    show_every_open_list(page)
    entry = listed(page, pick_list)
    expect(entry).to_have_attribute("data-status", "open")
    entry.tap()
    expect(page.get_by_test_id("pick-header")).to_have_attribute("data-pick-list", str(pick_list["pick_list"]))


def bind_totes(page: Page, count: int) -> dict[str, str]:
    """Scan a new tote for each slot the screen asks for; returns order number -> tote code."""
    totes = {}
    for slot in range(1, count + 1):
        prompt = page.get_by_test_id("pick-tote-prompt")
        expect(prompt).to_have_attribute("data-slot", str(slot))
        order = prompt.get_attribute("data-order")
        expect(prompt).to_contain_text(f"Scan tote for order {order} (slot {slot})")
        tote = new_tote()
        scan(page, tote)
        bound = page.locator(f'[data-testid="pick-bound-tote"][data-slot="{slot}"]')
        expect(bound).to_have_attribute("data-tote", tote)
        totes[order] = tote
    expect(page.get_by_test_id("pick-tote-prompt")).to_have_count(0)
    return totes


def current_stop(page: Page) -> dict:
    stop = page.get_by_test_id("pick-stop")
    expect(stop).to_be_visible()
    qty = page.get_by_test_id("pick-qty")
    return {"task": stop.get_attribute("data-task"), "order": stop.get_attribute("data-order"),
            "bin": page.get_by_test_id("pick-bin").get_attribute("data-bin"),
            "sku": page.get_by_test_id("pick-item").get_attribute("data-sku"),
            "qty": int(qty.get_attribute("data-qty")), "picked": int(qty.get_attribute("data-picked"))}


def confirm_put(page: Page, tote: str | None = None) -> str:
    """The last step of a picked stop: scan the tote the prompt asks for (the units went into it)."""
    prompt = page.get_by_test_id("pick-put-prompt")
    expect(prompt).to_have_attribute("data-state", "due")
    if tote is not None:
        expect(prompt).to_have_attribute("data-tote", tote)
    tote = prompt.get_attribute("data-tote")
    assert tote.startswith("TOTE-"), tote
    scan(page, tote)
    expect(page.get_by_test_id("pick-put-done")).to_have_attribute("data-tote", tote)
    expect(prompt).to_have_count(0)
    return tote


def pick_stop(page: Page, barcodes: dict[str, str]) -> None:
    """The plain walk through one stop: the bin, then one scan per unit, then its tote."""
    stop = current_stop(page)
    scan(page, stop["bin"])
    expect(page.get_by_test_id("pick-prompt")).to_have_attribute("data-next", "scan_item")
    for _ in range(stop["qty"] - stop["picked"]):
        scan(page, barcodes[stop["sku"]])
    expect(page.locator(f'[data-testid="pick-stop"][data-task="{stop["task"]}"]')).to_have_count(0)
    confirm_put(page)


# ---------- tests ----------

def test_the_menu_offers_pick_and_take_next_says_when_there_is_nothing_to_pick(page, live_server):
    sign_in(page, "picker")
    expect(page.get_by_test_id("journey-pick")).to_be_visible()
    assert page.get_by_test_id("journey-pick").bounding_box()["height"] >= 56
    expect(page.get_by_test_id("journey-receive")).to_have_count(0)
    open_pick(page)
    expect(page.get_by_test_id("pick-lists")).to_be_attached()
    take = page.get_by_test_id("pick-take-next")
    assert take.bounding_box()["height"] >= 56

    # The shared server may well have open lists; what the server answers when it has none:
    page.route("**/api/v1/pick-lists/next/claim", lambda route: route.fulfill(
        status=404, content_type="application/json",
        body='{"ok": false, "error": {"code": "not_found", "message": {"en": "open pick list not found.", '
             '"zh": "未找到open pick list。"}}}'))
    take.tap()

    expect(page.get_by_test_id("pick-nothing")).to_have_text("Nothing to pick right now: no open pick list.")
    expect(page.get_by_test_id("pick-header")).to_have_count(0)
    assert last_sound(page) == "error"
    page.get_by_test_id("lang-toggle").tap()
    expect(page.get_by_test_id("pick-nothing")).to_contain_text("目前没有可拣的货")
    expect(page.get_by_test_id("pick-take-next")).to_have_text("领取下一张拣货单")

    # A scan before any list is taken: the device says what to do first.
    page.get_by_test_id("lang-toggle").tap()
    scan(page, "A-01-01-1")
    expect(page.get_by_test_id("error-panel")).to_have_attribute("data-code", "local:pick_take_list_first")


def test_the_screen_opens_with_the_first_open_lists_and_lists_the_rest_on_a_tap(page, live_server):
    item = stocked_item(live_server, 2)
    first, _ = released_wave(live_server, [[(item["sku"], 1)]])
    last, _ = released_wave(live_server, [[(item["sku"], 1)]])

    def first_in_line_only(route):
        # The server shows 25 lists before "more" (tests/server/services/picking/test_waves.py); the shared
        # server may hold fewer: here its answer is cut to the first list in line.
        answer = route.fetch().json()
        answer["open_more"] = len(answer["open"]) > 1
        answer["open"] = answer["open"][:1]
        route.fulfill(json=answer)

    page.route("**/api/v1/pick-lists/choice", first_in_line_only)
    sign_in(page)
    open_pick(page)
    expect(page.get_by_test_id("pick-lists").get_by_test_id("pick-list")).to_have_count(1)
    expect(listed(page, last)).to_have_count(0)
    more = page.get_by_test_id("pick-more-open")
    expect(more).to_have_text("Show more open lists")
    page.get_by_test_id("lang-toggle").tap()
    expect(more).to_have_text("显示更多待领取的拣货单")
    page.get_by_test_id("lang-toggle").tap()

    more.tap()
    # Every open list now, in line: ours (released one after the other) among them, the older first.
    expect(listed(page, last)).to_have_attribute("data-status", "open")
    shown = [int(n) for n in page.get_by_test_id("pick-lists").get_by_test_id("pick-list").evaluate_all(
        "(entries) => entries.map((e) => e.dataset.pickList)")]
    assert shown.index(first["pick_list"]) < shown.index(last["pick_list"])
    expect(more).to_have_count(0)
    # Refresh: the screen again, from its first lists.
    page.get_by_test_id("pick-refresh").tap()
    expect(page.get_by_test_id("pick-lists").get_by_test_id("pick-list")).to_have_count(1)
    expect(page.get_by_test_id("pick-more-open")).to_be_visible()

    # The shared server as found: both lists picked, their units promised to no order any more.
    page.unroute("**/api/v1/pick-lists/choice")
    for pick_list in (first, last):
        take_list(page, pick_list)
        bind_totes(page, 1)
        pick_stop(page, {item["sku"]: item["barcodes"][0]["code"]})
        expect(page.get_by_test_id("pick-done")).to_have_attribute("data-pick-list", str(pick_list["pick_list"]))
        all_sent(page)


def test_take_next_gives_the_pickers_own_unfinished_list_first(page, live_server):
    # The supervisor picks too; no other test claims lists as the supervisor, so "next" is ours.
    item = stocked_item(live_server, 1)
    pick_list, (number,) = released_wave(live_server, [[(item["sku"], 1)]])
    claimed = live_server.session("supervisor").post(
        f"{live_server.url}/api/v1/pick-lists/{pick_list['pick_list']}/claim", timeout=10)
    assert claimed.status_code == 200, claimed.text
    sign_in(page, "supervisor")
    open_pick(page)
    expect(page.get_by_test_id("pick-mine").locator(f'[data-pick-list="{pick_list["pick_list"]}"]')).to_be_visible()

    page.get_by_test_id("pick-take-next").tap()

    expect(page.get_by_test_id("pick-header")).to_have_attribute("data-pick-list", str(pick_list["pick_list"]))
    expect(page.get_by_test_id("pick-header")).to_contain_text("1 tote · 1 stop · ")
    bind_totes(page, 1)
    pick_stop(page, {item["sku"]: item["barcodes"][0]["code"]})
    expect(page.get_by_test_id("pick-done")).to_contain_text("Pick list complete")
    assert order_status(live_server, number) == "picked"


def test_a_picker_takes_the_list_binds_the_totes_and_picks_every_stop_until_the_list_is_complete(page, live_server):
    first, second = stocked_item(live_server, 3), stocked_item(live_server, 1)
    pick_list, numbers = released_wave(live_server, [[(first["sku"], 3)], [(second["sku"], 1)]])
    barcodes = {first["sku"]: first["barcodes"][0]["code"], second["sku"]: second["barcodes"][0]["code"]}
    sign_in(page, "picker")
    reads: list[str] = []
    page.on("request", lambda request: reads.append(request.url.split("/api/v1/")[1])
            if request.method == "GET" and "/api/v1/pick-lists" in request.url else None)
    open_pick(page)

    # The pick screen (the picker's own lists and the open ones) comes in one request.
    assert reads == ["pick-lists/choice"], reads
    show_every_open_list(page)
    entry = listed(page, pick_list)
    expect(entry).to_contain_text(f"Pick list {pick_list['pick_list']}")
    expect(entry).to_contain_text(f"Wave {pick_list['wave']}")
    expect(entry).to_contain_text(f"2 totes · {len(pick_list['stops'])} stops · ")
    expect(entry).to_contain_text(" m")
    assert entry.bounding_box()["height"] >= 56
    reads.clear()
    take_list(page, pick_list)
    expect(listed(page, pick_list)).to_have_count(0)
    # The claim's answer carries the first stop: nothing more is fetched over the Wi-Fi to start picking.
    expect(page.get_by_test_id("pick-tote-prompt")).to_be_visible()
    assert reads == [], reads

    # Totes first: a bin is not a tote label.
    expect(page.get_by_test_id("pick-tote-prompt")).to_have_attribute("data-slot", "1")
    scan(page, pick_list["stops"][0]["bin"])
    expect(page.get_by_test_id("error-panel")).to_have_attribute("data-code", "local:pick_not_a_tote")
    assert last_sound(page) == "error"
    totes = bind_totes(page, 2)
    assert set(totes) == set(numbers)
    expect(page.get_by_test_id("error-panel")).to_have_count(0)

    # A reload (or a flat battery) loses nothing: the list waits under the picker's own lists, with
    # its totes still on the cart.
    page.reload()
    open_pick(page)
    mine = page.get_by_test_id("pick-mine").locator(f'[data-pick-list="{pick_list["pick_list"]}"]')
    expect(mine).to_have_attribute("data-status", "claimed")
    expect(mine).to_contain_text(f"Resume at bin {pick_list['stops'][0]['bin']}")
    mine.tap()
    expect(page.get_by_test_id("pick-tote-prompt")).to_have_count(0)
    expect(page.get_by_test_id("pick-stop")).to_be_visible()

    stops = len(pick_list["stops"])
    assert stops >= 2, pick_list["stops"]
    at_bin_already = False  # the next stop's bin was scanned before the tote (the put is no lock)
    for k in range(1, stops + 1):
        stop = current_stop(page)
        expect(page.get_by_test_id("pick-progress")).to_have_text(f"Stop {k} of {stops}")
        expect(page.get_by_test_id("pick-bin")).to_contain_text(stop["bin"])
        expect(page.get_by_test_id("pick-item")).to_contain_text(stop["sku"])
        expect(page.get_by_test_id("pick-item")).to_contain_text("Lot ")
        tote = page.get_by_test_id("pick-tote")
        expect(tote).to_have_attribute("data-tote", totes[stop["order"]])
        expect(tote).to_contain_text(totes[stop["order"]])
        slot = tote.get_attribute("data-slot")
        expect(page.get_by_test_id("pick-prompt")).to_have_attribute(
            "data-next", "scan_item" if at_bin_already else "scan_bin")

        if k == 1:
            # The wrong bin: the error tone and where to go instead.
            wrong = "A-01-01-1" if stop["bin"] != "A-01-01-1" else "A-01-01-2"
            scan(page, wrong)
            expect(page.get_by_test_id("error-panel")).to_have_attribute("data-code", "wrong_bin")
            expect(page.get_by_test_id("error-message")).to_contain_text(f"go to {stop['bin']}")
            assert last_sound(page) == "error"
            # An item before its bin is refused too.
            scan(page, barcodes[stop["sku"]])
            expect(page.get_by_test_id("error-panel")).to_have_attribute("data-code", "scan_bin_first")
            expect(page.get_by_test_id("pick-qty")).to_have_attribute("data-picked", "0")

        if not at_bin_already:
            scan(page, stop["bin"])
        expect(page.get_by_test_id("pick-prompt")).to_have_attribute("data-next", "scan_item")
        expect(page.get_by_test_id("error-panel")).to_have_count(0)
        assert last_sound(page) == "ok"

        scan(page, barcodes[stop["sku"]])
        put = page.get_by_test_id("pick-put")
        expect(put).to_contain_text("put into tote")
        expect(put).to_have_attribute("data-tote", totes[stop["order"]])
        if stop["qty"] > 1:
            expect(page.get_by_test_id("pick-qty")).to_have_attribute("data-picked", "1")
            # Scan once, key in the rest: too many is refused, the right number finishes the stop.
            page.get_by_test_id("pick-qty-input").fill(str(stop["qty"]))
            page.get_by_test_id("pick-qty-input").press("Enter")
            expect(page.get_by_test_id("error-panel")).to_have_attribute("data-code", "over_pick")
            expect(page.get_by_test_id("error-message")).to_contain_text(f"Only {stop['qty'] - 1} more")
            expect(page.get_by_test_id("pick-qty")).to_have_attribute("data-picked", "1")
            page.get_by_test_id("pick-qty-input").fill(str(stop["qty"] - 1))
            page.get_by_test_id("pick-qty-input").press("Enter")
        if k < stops:
            expect(page.get_by_test_id("pick-progress")).to_have_text(f"Stop {k + 1} of {stops}")

        # The stop is picked: scan the tote the units went into.
        prompt = page.get_by_test_id("pick-put-prompt")
        expect(prompt).to_have_attribute("data-tote", totes[stop["order"]])
        expect(prompt).to_have_attribute("data-slot", slot)
        expect(prompt).to_contain_text(f"Scan tote {slot} ({totes[stop['order']]}) to confirm")
        if k < stops:
            expect(page.get_by_test_id("pick-prompt")).to_have_attribute("data-next", "scan_tote")
        else:
            # The list is complete on the server, but it stays in hand until its last tote is scanned.
            expect(page.get_by_test_id("pick-done")).to_have_count(0)
            expect(page.get_by_test_id("pick-header")).to_have_attribute("data-pick-list", str(pick_list["pick_list"]))
        if k == 1:
            # A check, not a lock: the next stop's bin is taken while the prompt waits.
            scan(page, current_stop(page)["bin"])
            expect(page.get_by_test_id("pick-stop")).to_have_attribute("data-bin-confirmed", "true")
            expect(prompt).to_have_attribute("data-state", "due")
            # The wrong tote (the other order's): the error tone and the tote the units belong in.
            other = next(code for order, code in totes.items() if order != stop["order"])
            scan(page, other)
            expect(page.get_by_test_id("error-panel")).to_have_attribute("data-code", "wrong_tote")
            expect(page.get_by_test_id("error-message")).to_contain_text(
                f"Wrong tote {other}: put the units into {totes[stop['order']]} (slot {slot})")
            assert last_sound(page) == "error"
            expect(prompt).to_have_attribute("data-tote", totes[stop["order"]])
            page.get_by_test_id("lang-toggle").tap()
            expect(prompt).to_contain_text(f"请扫描第 {slot} 格周转箱（{totes[stop['order']]}）确认")
            page.get_by_test_id("lang-toggle").tap()
        scan(page, totes[stop["order"]])
        put_done = page.get_by_test_id("pick-put-done")
        expect(put_done).to_have_attribute("data-tote", totes[stop["order"]])
        expect(put_done).to_contain_text(f"Put confirmed: tote {slot}")
        expect(prompt).to_have_count(0)
        expect(page.get_by_test_id("error-panel")).to_have_count(0)
        assert last_sound(page) == "ok"
        at_bin_already = k == 1

    done = page.get_by_test_id("pick-done")
    expect(done).to_have_attribute("data-pick-list", str(pick_list["pick_list"]))
    expect(done).to_contain_text("Pick list complete")
    expect(done.get_by_test_id("pick-put-done")).to_be_visible()
    assert last_sound(page) == "ok"
    all_sent(page)
    expect(page.get_by_test_id("pick-take-next")).to_be_visible()
    for number in numbers:
        assert order_status(live_server, number) == "picked"


def test_a_hold_placed_mid_pick_shows_at_once_stops_the_next_scan_and_its_release_clears_it(page, live_server):
    item = stocked_item(live_server, 2)
    pick_list, (number,) = released_wave(live_server, [[(item["sku"], 2)]])
    supervisor = live_server.session("supervisor")
    sign_in(page, "picker")
    open_pick(page)
    take_list(page, pick_list)
    bind_totes(page, 1)
    stop = current_stop(page)
    scan(page, stop["bin"])
    scan(page, item["barcodes"][0]["code"])
    expect(page.get_by_test_id("pick-qty")).to_have_attribute("data-picked", "1")
    all_sent(page)
    answered = page.evaluate("window.hh.state.answered.length")

    reason = "地址有误 wrong address"
    answer = supervisor.post(f"{live_server.url}/api/v1/orders/{number}/hold", json={"reason": reason}, timeout=10)
    assert answer.status_code == 200, answer.text

    # No scan: the notice arrives over the socket and shows at once.
    banner = page.get_by_test_id("pick-hold-banner")
    expect(banner).to_be_visible()
    expect(banner).to_have_attribute("data-order", number)
    expect(banner).to_have_attribute("data-current", "true")
    expect(banner).to_contain_text(f"Order {number} ON HOLD")
    expect(banner).to_contain_text(f"{reason} — set it apart, do not ship")
    expect(page.get_by_test_id("pick-prompt")).to_have_attribute("data-next", "on_hold")
    assert last_sound(page) == "alert"
    assert page.evaluate("window.hh.state.answered.length") == answered
    expect(page.get_by_test_id("pick-qty")).to_have_attribute("data-picked", "1")

    scan(page, item["barcodes"][0]["code"])
    expect(page.get_by_test_id("error-panel")).to_have_attribute("data-code", "order_on_hold")
    expect(page.get_by_test_id("error-message")).to_contain_text(f"Order {number} is on hold: {reason}")
    assert last_sound(page) == "error"
    expect(page.get_by_test_id("pick-qty")).to_have_attribute("data-picked", "1")

    page.get_by_test_id("lang-toggle").tap()
    expect(banner).to_contain_text(f"订单 {number} 暂缓出货")
    expect(banner).to_contain_text("请单独放置，不要发货")
    assert CJK.search(page.get_by_test_id("error-message").inner_text())
    page.get_by_test_id("lang-toggle").tap()

    answer = supervisor.post(f"{live_server.url}/api/v1/orders/{number}/release-hold", timeout=10)
    assert answer.status_code == 200, answer.text
    expect(banner).to_have_count(0)
    expect(page.get_by_test_id("pick-prompt")).to_have_attribute("data-next", "scan_item")

    scan(page, item["barcodes"][0]["code"])
    confirm_put(page)
    expect(page.get_by_test_id("pick-done")).to_contain_text("Pick list complete")
    all_sent(page)
    assert order_status(live_server, number) == "picked"


def test_a_short_report_at_a_stop_books_the_count_and_shows_the_re_allocation(page, live_server):
    item = stocked_item(live_server, 2, elsewhere=2)
    pick_list, (number,) = released_wave(live_server, [[(item["sku"], 2)]])
    sign_in(page, "picker")
    open_pick(page)
    take_list(page, pick_list)
    bind_totes(page, 1)
    stop = current_stop(page)
    assert stop["qty"] == 2
    expect(page.get_by_test_id("pick-progress")).to_have_text("Stop 1 of 1")

    short = page.get_by_test_id("pick-short")
    assert short.bounding_box()["height"] >= 56
    short.tap()
    found = page.get_by_test_id("pick-short-found")
    expect(page.get_by_test_id("pick-short-form")).to_contain_text(f"Short at bin {stop['bin']}")
    expect(found).to_have_value("0")
    page.get_by_test_id("pick-short-plus").tap()
    expect(found).to_have_value("1")
    page.get_by_test_id("pick-short-minus").tap()
    expect(found).to_have_value("0")

    # The question's safe answer has the focus: a stray scanner Enter says No and nothing is sent.
    page.get_by_test_id("pick-short-send").tap()
    dialog = page.get_by_test_id("confirm")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text(f"0 × {item['sku']} found, 2 missing")
    expect(page.get_by_test_id("confirm-no")).to_be_focused()
    # A routine question: its Yes is the app's calm accent blue, never the error red (#b00020).
    yes_colour = page.get_by_test_id("confirm-yes").evaluate("button => getComputedStyle(button).backgroundColor")
    assert yes_colour == "rgb(0, 80, 179)", yes_colour
    page.keyboard.press("Enter")
    expect(dialog).to_be_hidden()
    expect(page.get_by_test_id("pick-stop")).to_have_attribute("data-task", stop["task"])
    expect(page.get_by_test_id("pick-short-outcome")).to_have_count(0)

    page.get_by_test_id("pick-short-send").tap()
    page.get_by_test_id("confirm-yes").tap()

    outcome = page.get_by_test_id("pick-short-outcome")
    expect(outcome).to_have_attribute("data-re-allocated", "2")
    expect(outcome).to_have_attribute("data-still-short", "0")
    expect(outcome).to_contain_text(f"Bin {stop['bin']} counted: 0 found.")
    expect(outcome).to_contain_text("2 units re-allocated from other bins")
    expect(page.get_by_test_id("pick-short-form")).to_be_hidden()
    new_stop = current_stop(page)
    assert new_stop["task"] != stop["task"] and new_stop["bin"] != stop["bin"], (stop, new_stop)
    assert new_stop["sku"] == item["sku"]
    expect(page.get_by_test_id("pick-progress")).to_contain_text("of ")
    assert last_sound(page) == "ok"
    http = live_server.session("supervisor")
    lines = http.get(f"{live_server.url}/api/v1/items/{item['sku']}", timeout=10).json()["lines"]
    assert not any(line["bin"] == stop["bin"] and line["lot"] == item["lines"][0]["lot"] and line["qty"] > 0
                   for line in lines), lines

    # The re-allocated units are picked like any stop.
    while page.get_by_test_id("pick-done").count() == 0:
        pick_stop(page, {item["sku"]: item["barcodes"][0]["code"]})
    expect(page.get_by_test_id("pick-done")).to_contain_text("Pick list complete")
    assert order_status(live_server, number) == "picked"


def in_view(page: Page, testid: str) -> dict:
    """The element's box, asserted wholly inside the 360 × 640 screen (no scrolling to read it)."""
    box = page.get_by_test_id(testid).bounding_box()
    assert box is not None and box["y"] >= 0 and box["y"] + box["height"] <= 640, box
    return box


def test_on_a_360x640_screen_the_next_prompt_shows_without_scrolling_and_a_bin_is_scanned_once(
        page, live_server, tmp_path):
    page.set_viewport_size({"width": 360, "height": 640})
    item = stocked_item(live_server, 2)
    pick_list, _ = released_wave(live_server, [[(item["sku"], 1)], [(item["sku"], 1)]])
    assert [stop["bin"] for stop in pick_list["stops"]] == [item["lines"][0]["bin"]] * 2, pick_list["stops"]
    barcode = item["barcodes"][0]["code"]
    sign_in(page)
    open_pick(page)
    take_list(page, pick_list)
    bind_totes(page, 2)

    first = current_stop(page)
    scan(page, first["bin"])
    prompt = page.get_by_test_id("pick-prompt")
    expect(prompt).to_have_attribute("data-next", "scan_item")
    expect(prompt).to_contain_text("(1 to go)")
    page.screenshot(path=str(tmp_path / "pick-after-bin-360x640.png"))
    in_view(page, "pick-prompt")
    scan(page, barcode)
    confirm_put(page)

    # The next stop is at the bin the picker stands at: the item scan is taken at once.
    second = current_stop(page)
    assert second["task"] != first["task"] and second["bin"] == first["bin"]
    expect(prompt).to_have_attribute("data-next", "scan_item")
    page.screenshot(path=str(tmp_path / "pick-same-bin-360x640.png"))
    in_view(page, "pick-prompt")
    scan(page, barcode)
    expect(page.get_by_test_id("error-panel")).to_have_count(0)
    expect(page.locator(f'[data-testid="pick-stop"][data-task="{second["task"]}"]')).to_have_count(0)
    assert last_sound(page) != "error"



def test_a_tote_still_holding_another_orders_units_is_refused_in_the_pickers_language(page, live_server,
                                                                                      pick_an_order):
    busy = pick_an_order()  # picked into its tote, not packed yet
    item = stocked_item(live_server, 1)
    pick_list, _ = released_wave(live_server, [[(item["sku"], 1)]])
    sign_in(page)
    page.get_by_test_id("lang-toggle").tap()
    open_pick(page)
    take_list(page, pick_list)

    scan(page, busy["tote"])
    panel = page.get_by_test_id("error-panel")
    expect(panel).to_have_attribute("data-code", "tote_in_use")
    expect(page.get_by_test_id("error-message")).to_contain_text(f"周转箱 {busy['tote']} 正用于订单 {busy['number']}")
    assert last_sound(page) == "error"
    text = page.locator("body").inner_text()
    assert not re.search(r"\b[a-z]+_[a-z_]+\b", text), text  # no raw code on the screen
    expect(page.locator('[data-testid="pick-bound-tote"][data-slot="1"]')).to_have_attribute("data-tote", "")

    page.get_by_test_id("lang-toggle").tap()
    scan(page, busy["tote"])
    expect(page.get_by_test_id("error-message")).to_contain_text(
        f"Tote {busy['tote']} is in use for order {busy['number']}")
