"""The packing station page (/station/PACK-01) in a desktop-sized Chromium against the live server:
a picked tote packed by typing scans (a wrong item refused in red, a missing unit blocking the close),
the same page following the station's fixed scanner (BRIDGE-01) live without any typing, the labels'
print states followed live, a hold notice shown at once, and a split order handed over to the carrier
on the Handover tab."""
import re
import uuid

import pytest
import socketio
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser

STATION = "PACK-01"
KEY_DELAY_MS = 10
DESKTOP = {"viewport": {"width": 1280, "height": 900}, "locale": "en-US"}
# window.print() would open a dialog: tests see what was put on paper instead.
NO_PRINT_DIALOG = """
if (!localStorage.getItem('hh.lang')) localStorage.setItem('hh.lang', 'en');
window.__printed = [];
window.print = () => window.__printed.push(document.getElementById('print-area').dataset.doc);
"""


@pytest.fixture
def free_station(live_server):
    """PACK-01 with no order open (a test that failed half-way may have left one there)."""
    packer = live_server.session("packer")
    view = packer.get(f"{live_server.url}/api/v1/stations/{STATION}", timeout=10).json()
    if view["order"] is not None:
        answer = packer.post(f"{live_server.url}/api/v1/scans", timeout=10, json={
            "scan_id": str(uuid.uuid4()), "mode": "pack.aside", "station": STATION})
        assert answer.status_code == 200, answer.text


@pytest.fixture
def page(chromium, live_server, free_station) -> Page:
    context = chromium.new_context(**DESKTOP)
    context.add_init_script(NO_PRINT_DIALOG)
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.goto(f"{live_server.url}/station/{STATION}")
    yield page
    context.close()


@pytest.fixture
def bridge(live_server):
    """The station's fixed scanner as the server sees it: device BRIDGE-01 with its token."""
    token = (live_server.data_dir / "token-BRIDGE-01.txt").read_text().strip()
    client = socketio.SimpleClient()
    client.connect(live_server.url, namespace="/floor", transports=["websocket"], auth={"token": token},
                   wait_timeout=5)

    def scan(code: str) -> dict:
        return client.call("scan", {"scan_id": str(uuid.uuid4()), "code": code, "mode": "station"}, timeout=10)

    yield scan
    client.disconnect()


# ---------- helpers ----------

def sign_in(page: Page, username: str = "packer") -> None:
    page.get_by_test_id("login-username").fill(username)
    page.get_by_test_id("login-password").fill("demo")
    page.get_by_test_id("login-submit").click()
    expect(page.get_by_test_id("conn-state")).to_have_attribute("data-state", "online")
    expect(page.get_by_test_id("station-packer")).to_have_attribute("data-username", username)
    expect(page.get_by_test_id("scan-input")).to_be_focused()


def scan(page: Page, code: str) -> None:
    """What a keyboard-wedge scanner does: type into whatever has focus, then Enter."""
    page.keyboard.type(code, delay=KEY_DELAY_MS)
    page.keyboard.press("Enter")


def answered(page: Page) -> None:
    expect(page.get_by_test_id("pending")).to_be_hidden()
    expect(page.get_by_test_id("conn-state")).to_have_attribute("data-waiting", "0")


def line(page: Page, sku: str):
    return page.locator(f'[data-testid="pack-line"][data-sku="{sku}"]')


def error_banner(page: Page, code: str):
    banner = page.get_by_test_id("station-error")
    expect(banner).to_have_attribute("data-code", code)
    return banner


def last_sound(page: Page) -> str | None:
    return page.evaluate("document.body.dataset.lastSound")


def close_parcel(page: Page, weight: int | None = None, parcels: int | None = None) -> str:
    """Close the open parcel; returns its tracking number once the page shows it."""
    before = page.get_by_test_id("closed-tracking").all_inner_texts()
    if weight is not None:
        page.get_by_test_id("close-weight").fill(str(weight))
    if parcels is not None:
        page.get_by_test_id("close-parcels").fill(str(parcels))
    page.get_by_test_id("close-parcel").click()
    tracking = page.get_by_test_id("closed-tracking")
    expect(tracking).to_have_text(re.compile(r"^SF\d{11}$"))
    if before:
        expect(tracking).not_to_have_text(before[0])
    return tracking.inner_text()


def order_status(live_server, number: str) -> str:
    answer = live_server.session("supervisor").get(f"{live_server.url}/api/v1/orders/{number}", timeout=10)
    return answer.json()["status"]


# ---------- tests ----------

def test_a_tote_is_packed_by_typed_scans_and_a_wrong_item_shows_the_red_banner(page, live_server, pick_an_order,
                                                                               printer_agent, healthy_printer):
    order = pick_an_order()
    (sku_a, qty_a, barcode_a), (sku_b, qty_b, barcode_b) = order["lines"]
    wrong = live_server.demo["item_barcode"]
    assert wrong not in (barcode_a, barcode_b)

    sign_in(page)
    expect(page.get_by_test_id("station-name")).to_have_text("Packing station 1")
    expect(page.get_by_test_id("station-printer")).to_have_text("PRN-PACK-01")
    expect(page.get_by_test_id("pack-prompt")).to_have_attribute("data-next", "scan_tote_or_order")

    scan(page, order["tote"])
    expect(page.get_by_test_id("pack-order")).to_have_attribute("data-order", order["number"])
    expect(page.get_by_test_id("pack-line")).to_have_count(2)
    expect(line(page, sku_a).get_by_test_id("pack-line-remaining")).to_have_text(str(qty_a))
    expect(page.get_by_test_id("current-parcel")).to_have_attribute("data-seq", "1")
    expect(page.get_by_test_id("pack-prompt")).to_have_attribute("data-next", "scan_unit")

    scan(page, wrong)
    banner = error_banner(page, "not_in_order")
    expect(banner.get_by_test_id("station-error-headline")).to_have_text("WRONG ITEM: not in this order")
    expect(banner.get_by_test_id("station-error-message")).to_contain_text(order["number"])
    expect(banner).to_contain_text("不属于订单")  # the other language under it
    assert last_sound(page) == "error"
    assert banner.bounding_box()["height"] > 100

    scan(page, barcode_a)
    expect(page.get_by_test_id("station-error")).to_have_count(0)
    expect(line(page, sku_a).get_by_test_id("pack-line-in-parcel")).to_have_text("1")
    assert last_sound(page) == "ok"

    # One unit still in the tote: the last parcel cannot close.
    for _ in range(qty_a - 1):
        scan(page, barcode_a)
    expect(line(page, sku_a)).to_have_attribute("data-complete", "true")
    expect(line(page, sku_b)).to_have_attribute("data-complete", "false")
    answered(page)
    page.get_by_test_id("close-parcel").click()
    expect(error_banner(page, "units_missing").get_by_test_id("station-error-headline")).to_have_text("UNITS MISSING")

    for _ in range(qty_b):
        scan(page, barcode_b)
    expect(line(page, sku_b)).to_have_attribute("data-complete", "true")
    expect(page.get_by_test_id("pack-prompt")).to_have_attribute("data-next", "close_parcel")
    assert line(page, sku_b).evaluate("row => getComputedStyle(row.cells[0]).backgroundColor") == "rgb(230, 244, 234)"

    tracking = close_parcel(page, weight=850)
    expect(page.get_by_test_id("closed-printing")).to_contain_text("PRN-PACK-01")
    expect(page.get_by_test_id("order-done")).to_contain_text(order["number"])
    expect(page.get_by_test_id("print-jobs-link")).to_have_attribute("href", "/sup/print-jobs?printer=PRN-PACK-01")
    expect(page.get_by_test_id("pack-order")).to_have_count(0)
    expect(page.get_by_test_id("pack-prompt")).to_have_attribute("data-next", "scan_tote_or_order")
    assert order_status(live_server, order["number"]) == "packed"
    parcel = live_server.session("packer").get(f"{live_server.url}/api/v1/parcels/{tracking}", timeout=10).json()
    assert (parcel["status"], parcel["weight_g"], parcel["units"]) == ("closed", 850, qty_a + qty_b)
    # The agent's reports reach the page live: both documents of this parcel end up printed.
    label = page.locator('[data-testid="print-job"][data-kind="shipping_label"]', has_text=tracking)
    expect(label).to_have_attribute("data-status", "printed")
    packing_list = page.locator('[data-testid="print-job"][data-kind="packing_list"]', has_text=order["number"])
    expect(packing_list).to_have_attribute("data-status", "printed")

    # The A4 packing list: what went into the parcel, on paper.
    page.get_by_test_id("print-packing-list").click()
    assert page.evaluate("window.__printed") == ["packing-list"]
    doc = page.get_by_test_id("doc-packing-list")
    expect(doc).to_contain_text(tracking)
    expect(doc.get_by_test_id("doc-lines").locator("tbody tr")).to_have_count(2)
    expect(doc.get_by_test_id("doc-lines")).to_contain_text(sku_a)
    page.emulate_media(media="print")
    expect(doc).to_be_visible()
    expect(page.get_by_test_id("closed-parcel")).to_be_hidden()
    page.emulate_media(media="screen")

    page.get_by_test_id("lang-toggle").click()
    expect(page.get_by_test_id("pack-prompt")).to_have_text("请扫描周转箱或订单号开始打包。")
    expect(page.get_by_test_id("tab-handover")).to_have_text("交接")


def test_the_fixed_scanners_scans_show_live_on_the_page_without_typing(page, live_server, pick_an_order, bridge):
    order = pick_an_order()
    (sku_a, qty_a, barcode_a), (sku_b, qty_b, barcode_b) = order["lines"]
    sign_in(page)
    log = page.get_by_test_id("scan-log-entry")

    opened = bridge(order["tote"])
    assert opened["ok"], opened
    expect(page.get_by_test_id("pack-order")).to_have_attribute("data-order", order["number"])
    expect(page.get_by_test_id("pack-line")).to_have_count(2)
    expect(log.first).to_have_attribute("data-source", "BRIDGE-01")
    expect(log.first.get_by_test_id("scan-source")).to_have_text("scanner BRIDGE-01")
    expect(log.first).to_have_attribute("data-code", order["tote"])

    assert bridge(barcode_a)["ok"]
    expect(line(page, sku_a).get_by_test_id("pack-line-in-parcel")).to_have_text("1")
    assert last_sound(page) == "ok"

    refused = bridge(live_server.demo["item_barcode"])
    assert refused["error"]["code"] == "not_in_order"
    banner = error_banner(page, "not_in_order")
    expect(banner).to_have_attribute("data-source", "BRIDGE-01")
    expect(banner).to_contain_text("scanner BRIDGE-01")
    assert last_sound(page) == "error"

    # A scan typed on the page is shown once: its echo to the station's room is not a second entry.
    expect(log).to_have_count(3)
    scan(page, barcode_a)
    expect(line(page, sku_a).get_by_test_id("pack-line-in-parcel")).to_have_text("2")
    answered(page)
    expect(log).to_have_count(4)
    expect(log.first).to_have_attribute("data-source", "page")
    expect(page.get_by_test_id("station-error")).to_have_count(0)

    for _ in range(qty_b):
        assert bridge(barcode_b)["ok"]
    expect(page.get_by_test_id("pack-prompt")).to_have_attribute("data-next", "close_parcel")
    expect(log).to_have_count(4 + qty_b)
    close_parcel(page)
    expect(page.get_by_test_id("order-done")).to_contain_text(order["number"])


def test_a_hold_notice_for_the_order_on_screen_shows_at_once(page, live_server, pick_an_order, bridge):
    order = pick_an_order()
    (_, _, barcode_a), _ = order["lines"]
    sign_in(page)
    scan(page, order["tote"])
    expect(page.get_by_test_id("pack-order")).to_have_attribute("data-order", order["number"])

    boss = live_server.session("supervisor")
    boss.post(f"{live_server.url}/api/v1/orders/{order['number']}/hold",
              json={"reason": "客户取消 customer cancels"}, timeout=10).raise_for_status()
    hold = page.get_by_test_id("hold-banner")
    expect(hold).to_have_attribute("data-order", order["number"])
    expect(hold).to_contain_text("客户取消 customer cancels")
    assert last_sound(page) == "alert"

    scan(page, barcode_a)
    expect(error_banner(page, "order_on_hold").get_by_test_id("station-error-headline")).to_have_text(
        "ORDER ON HOLD: DO NOT SHIP")

    boss.post(f"{live_server.url}/api/v1/orders/{order['number']}/release-hold", timeout=10).raise_for_status()
    expect(page.get_by_test_id("hold-banner")).to_have_count(0)
    page.get_by_test_id("set-aside").click()
    page.get_by_test_id("confirm-yes").click()
    expect(page.get_by_test_id("set-aside-notice")).to_have_attribute("data-order", order["number"])
    expect(page.get_by_test_id("pack-order")).to_have_count(0)


def test_an_order_cancelled_while_on_the_station_shows_in_red_at_once_and_leaves_the_station(
        page, live_server, pick_an_order):
    order = pick_an_order()
    (_, _, barcode_a), _ = order["lines"]
    sign_in(page)
    scan(page, order["tote"])
    expect(page.get_by_test_id("pack-order")).to_have_attribute("data-order", order["number"])
    scan(page, barcode_a)
    answered(page)

    boss = live_server.session("supervisor")
    boss.post(f"{live_server.url}/api/v1/orders/{order['number']}/cancel",
              json={"reason": "买家退款 refund"}, timeout=10).raise_for_status()
    banner = page.get_by_test_id("cancel-banner")
    expect(banner).to_have_attribute("data-order", order["number"])
    expect(banner).to_contain_text(f"Order {order['number']} CANCELLED")
    expect(banner).to_contain_text("买家退款 refund")
    expect(banner).to_contain_text("Do not ship it")
    assert last_sound(page) == "alert"
    expect(page.get_by_test_id("pack-order")).to_have_count(0)  # the server let the station go
    page.get_by_test_id("cancel-banner-ok").click()
    expect(page.get_by_test_id("cancel-banner")).to_have_count(0)


def test_a_split_order_is_handed_over_driver_and_packer_confirm_and_the_manifest_prints(page, live_server,
                                                                                        pick_an_order):
    order = pick_an_order()
    (sku_a, qty_a, barcode_a), (sku_b, qty_b, barcode_b) = order["lines"]
    sign_in(page)
    scan(page, order["tote"])
    expect(page.get_by_test_id("pack-order")).to_have_attribute("data-order", order["number"])
    for _ in range(qty_a):
        scan(page, barcode_a)
    expect(line(page, sku_a)).to_have_attribute("data-complete", "true")
    answered(page)
    first = close_parcel(page, weight=600, parcels=2)
    expect(page.get_by_test_id("current-parcel")).to_have_attribute("data-seq", "2")
    expect(page.get_by_test_id("current-parcel")).to_have_attribute("data-of", "2")
    for _ in range(qty_b):
        scan(page, barcode_b)
    expect(page.get_by_test_id("pack-prompt")).to_have_attribute("data-next", "close_parcel")
    answered(page)
    second = close_parcel(page, weight=400)
    expect(page.get_by_test_id("order-done")).to_contain_text(order["number"])

    # With no order open, the first parcel's label scanned in the Pack tab goes onto SF's manifest.
    scan(page, first)
    notice = page.get_by_test_id("parcel-on-manifest")
    expect(notice).to_have_attribute("data-tracking", first)
    manifest_id = notice.get_attribute("data-manifest")

    page.get_by_test_id("tab-handover").click()
    manifest = page.get_by_test_id("manifest")
    expect(manifest).to_have_attribute("data-manifest", manifest_id)
    expect(page.locator(f'[data-testid="manifest-item"][data-manifest="{manifest_id}"]')).to_be_visible()
    expect(page.get_by_test_id("handover-prompt")).to_have_attribute("data-manifest", manifest_id)
    # Parcels other tests left on the shared manifest are taken off (the Remove button).
    for tracking in page.locator('[data-testid="manifest-parcel"]').evaluate_all(
            f"rows => rows.filter(r => r.dataset.order !== {order['number']!r}).map(r => r.dataset.tracking)"):
        page.locator(f'[data-testid="manifest-remove"][data-tracking="{tracking}"]').click()
        expect(page.locator(f'[data-testid="manifest-parcel"][data-tracking="{tracking}"]')).to_have_count(0)

    scan(page, second)
    rows = page.get_by_test_id("manifest-parcel")
    expect(rows).to_have_count(2)
    page.locator(f'[data-testid="manifest-remove"][data-tracking="{second}"]').click()
    expect(rows).to_have_count(1)
    scan(page, second)
    expect(rows).to_have_count(2)
    scan(page, second)  # twice: refused, it is on the manifest already
    error_banner(page, "parcel_on_manifest")

    page.get_by_test_id("driver-confirm").click()  # no name: refused on the page
    error_banner(page, "local:st_driver_name_missing")
    expect(page.get_by_test_id("handover-confirm")).to_have_count(0)
    page.get_by_test_id("driver-name").fill("李师傅")
    page.get_by_test_id("driver-phone").fill("13700001111")
    page.get_by_test_id("driver-vehicle").fill("浙A·12345")
    page.get_by_test_id("driver-confirm").click()
    expect(page.get_by_test_id("driver-confirmed")).to_contain_text("李师傅")
    expect(page.get_by_test_id("driver-form")).to_be_hidden()

    page.get_by_test_id("handover-confirm").click()
    expect(page.get_by_test_id("confirm-no")).to_be_focused()
    page.get_by_test_id("confirm-yes").click()
    expect(manifest).to_have_attribute("data-status", "shipped")
    expect(page.get_by_test_id("manifest-shipped")).to_be_visible()
    expect(page.get_by_test_id("manifest-remove")).to_have_count(0)
    assert order_status(live_server, order["number"]) == "shipped"

    page.get_by_test_id("print-manifest").click()
    assert page.evaluate("window.__printed") == ["manifest"]
    doc = page.get_by_test_id("doc-manifest")
    expect(doc.get_by_test_id("doc-parcels").locator("tbody tr")).to_have_count(2)
    expect(doc.get_by_test_id("doc-parcels")).to_contain_text(first)
    expect(doc.get_by_test_id("doc-parcels")).to_contain_text(second)
    expect(doc.get_by_test_id("doc-parcels")).to_contain_text("1/2")
    expect(doc.get_by_test_id("doc-sign-driver")).to_contain_text("李师傅")
    expect(doc.get_by_test_id("doc-sign-driver")).to_contain_text("浙A·12345")
    expect(doc.get_by_test_id("doc-sign-packer")).to_contain_text("Confirmed at")


# A code as the server and the agent speak it (not_in_order, no_status_response, …), never meant for people.
RAW_CODE = re.compile(r"\b[a-z]+_[a-z_]+\b|\b(lpn|taobao)\b")


def visible_text(page: Page) -> str:
    return page.locator("body").inner_text()


def test_the_station_speaks_the_packers_language_and_shows_no_raw_codes(page, live_server, pick_an_order,
                                                                      printer_agent, healthy_printer):
    order = pick_an_order(channel="taobao")
    wrong = live_server.demo["item_barcode"]
    sign_in(page)
    page.get_by_test_id("lang-toggle").click()
    expect(page.get_by_test_id("tab-handover")).to_have_text("交接")

    scan(page, order["tote"])
    expect(page.get_by_test_id("pack-order")).to_contain_text("渠道：淘宝")
    page.get_by_test_id("lang-toggle").click()
    expect(page.get_by_test_id("pack-order")).to_contain_text("Channel: Taobao")
    page.get_by_test_id("lang-toggle").click()
    scan(page, wrong)
    banner = error_banner(page, "not_in_order")
    expect(banner.get_by_test_id("station-error-headline")).to_have_text("错货：不属于此订单")
    assert not RAW_CODE.search(visible_text(page)), visible_text(page)
    scan(page, "LPN-000001")  # a licence plate (箱号) is no unit to pack
    expect(page.get_by_test_id("station-error")).not_to_have_attribute("data-code", "not_in_order")
    assert not RAW_CODE.search(visible_text(page)), visible_text(page)

    healthy_printer.set_faults(paper_out=True)
    for _, qty, barcode in order["lines"]:
        for _ in range(qty):
            scan(page, barcode)
    expect(page.get_by_test_id("pack-prompt")).to_have_attribute("data-next", "close_parcel")
    close_parcel(page)
    waiting = page.locator('[data-testid="print-job"][data-kind="shipping_label"][data-status="waiting"]')
    expect(waiting.first).to_contain_text("打印机无响应（缺纸或打印头未合上？）")
    assert not RAW_CODE.search(visible_text(page)), visible_text(page)

    page.get_by_test_id("lang-toggle").click()
    expect(waiting.first).to_contain_text("printer not answering (paper out or head open?)")
    assert not RAW_CODE.search(visible_text(page)), visible_text(page)
    healthy_printer.set_faults(paper_out=False)
    expect(page.locator('[data-testid="print-job"][data-kind="shipping_label"]').first).to_have_attribute(
        "data-status", "printed", timeout=20_000)


@pytest.fixture
def scale(live_server):
    """The station's scale as the server sees it: scripts/scale_bridge.py's socket (BRIDGE-01's token,
    `auth.scale`). reading(grams, stable) sends one reading, as the bridge does for each change."""
    token = (live_server.data_dir / "token-BRIDGE-01.txt").read_text().strip()
    client = socketio.SimpleClient()
    client.connect(live_server.url, namespace="/floor", transports=["websocket"], auth={"token": token, "scale": True},
                   wait_timeout=5)

    def reading(grams: int, stable: bool) -> None:
        answer = client.call("weight", {"grams": grams, "stable": stable, "raw": "ST,GS"}, timeout=10)
        assert answer == {"ok": True, "station": STATION}

    yield reading
    client.disconnect()


def test_the_page_shows_the_scales_live_weight_and_closes_with_the_stable_one(page, live_server, pick_an_order,
                                                                             printer_agent, healthy_printer, scale):
    order = pick_an_order()
    admin = live_server.session("admin")
    for sku, _, _ in order["lines"]:
        admin.patch(f"{live_server.url}/api/v1/items/{sku}", json={"weight_g": 150}, timeout=10).raise_for_status()
    expected = 250 + 150 * sum(qty for _, qty, _ in order["lines"])  # a medium carton + the units
    sign_in(page)
    scan(page, order["tote"])
    for _, qty, barcode in order["lines"]:
        for _ in range(qty):
            scan(page, barcode)
    answered(page)
    live = page.get_by_test_id("scale-live")
    expect(live).to_contain_text("No scale")
    expect(page.get_by_test_id("close-packaging")).to_have_value("CTN-M")

    scale(expected + 300, False)
    expect(live).to_have_attribute("data-stable", "false")
    expect(live).to_contain_text(f"Scale: {expected + 300} g · moving: wait")
    expect(page.get_by_test_id("close-weight")).to_be_hidden()  # a typed weight would not count
    page.get_by_test_id("close-parcel").click()
    expect(error_banner(page, "scale_unstable").get_by_test_id("station-error-headline")).to_have_text(
        "SCALE NOT STEADY")

    scale(expected + 300, True)
    expect(live).to_contain_text(f"Scale: {expected + 300} g · stable")
    page.get_by_test_id("close-parcel").click()
    banner = error_banner(page, "weight_mismatch")
    expect(banner.get_by_test_id("station-error-headline")).to_have_text("WRONG WEIGHT")
    expect(banner.get_by_test_id("station-error-message")).to_contain_text(
        f"The parcel weighs {expected + 300} g but should weigh {expected} g")
    expect(banner.get_by_test_id("weight-override-link")).to_have_attribute("href", f"/sup/stations/{STATION}")

    scale(expected - 8, True)
    expect(live).to_have_attribute("data-grams", str(expected - 8))
    tracking = close_parcel(page)
    parcel = live_server.session("packer").get(f"{live_server.url}/api/v1/parcels/{tracking}", timeout=10).json()
    assert (parcel["weight_g"], parcel["expected_weight_g"], parcel["packaging"]) == (expected - 8, expected, "CTN-M")
    assert order_status(live_server, order["number"]) == "packed"
