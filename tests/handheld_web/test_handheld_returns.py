"""The Returns journey of the handheld in a real phone-sized Chromium: a shipped parcel comes back, the
inspector chooses why, scans its tracking number, then judges and scans every unit; a unit that was never
in the order is flagged; the case waits on the returns desk for dispositions and signatures."""
import pytest
from playwright.sync_api import Page, expect

from tests.server.realtime.test_returns_live import ship

pytestmark = pytest.mark.browser


def sign_in(page: Page, username: str) -> None:
    page.get_by_test_id("login-username").fill(username)
    page.get_by_test_id("login-password").fill("demo")
    page.get_by_test_id("login-submit").tap()
    expect(page.get_by_test_id("conn-state")).to_have_attribute("data-state", "online")


def scan(page: Page, code: str) -> None:
    page.keyboard.type(code, delay=15)
    page.keyboard.press("Enter")


def test_an_inspector_opens_a_returned_parcel_and_inspects_every_unit(page, live_server, pick_an_order):
    order = pick_an_order()
    tracking = ship(live_server, order)
    stranger = live_server.demo["item_barcode"]
    sign_in(page, "inspector")
    page.get_by_test_id("journey-returns").tap()

    scan(page, tracking)  # no reason yet: the handheld asks for it first, nothing is sent
    expect(page.get_by_test_id("error-panel")).to_contain_text("Choose why")
    page.get_by_test_id("returns-reason-size_or_fit").tap()
    scan(page, tracking)
    case = page.get_by_test_id("returns-case")
    expect(case).to_have_attribute("data-status", "open")
    expect(case).to_contain_text(order["number"])
    total = sum(qty for _, qty, _ in order["lines"])
    expect(page.get_by_test_id("returns-prompt")).to_contain_text(f"{total} to go")

    (_, first_qty, first_barcode), (_, second_qty, second_barcode) = order["lines"]
    for _ in range(first_qty):
        scan(page, first_barcode)
    page.get_by_test_id("returns-judgement-damaged").tap()  # the next unit only
    scan(page, second_barcode)
    expect(page.get_by_test_id("returns-last-unit")).to_contain_text("Damaged")
    expect(page.get_by_test_id("returns-judgement-good")).to_have_attribute("aria-pressed", "true")
    for _ in range(second_qty - 1):
        scan(page, second_barcode)
    expect(page.get_by_test_id("returns-prompt")).to_have_attribute("data-next", "desk")

    scan(page, stranger)  # never shipped with this order: flagged, and the case escalates
    expect(page.get_by_test_id("returns-last-unit")).to_contain_text("not in the order")
    expect(page.get_by_test_id("returns-escalated")).to_be_visible()

    number = case.get_attribute("data-case")
    view = live_server.session("supervisor").get(f"{live_server.url}/api/v1/returns/{number}", timeout=10).json()
    assert sorted(u["judgement"] for u in view["units"]) == sorted(
        ["good"] * (total - 1) + ["damaged"] + ["good"])
    assert view["escalated"] is True and view["reason"] == "size_or_fit"


def test_the_returns_journey_reads_in_chinese(page, live_server):
    page.evaluate("localStorage.setItem('hh.lang', 'zh')")
    page.reload()
    sign_in(page, "inspector")
    page.get_by_test_id("journey-returns").tap()
    expect(page.get_by_test_id("returns-prompt")).to_contain_text("请先选择退货原因")
    expect(page.get_by_test_id("returns-reason-changed_mind")).to_have_text("不想要了")
    page.screenshot(path=str(live_server.data_dir / "returns-zh.png"))


def test_a_judgement_chosen_while_an_earlier_unit_awaits_its_answer_goes_with_the_next_unit(
        page, live_server, pick_an_order):
    """The answer to an earlier unit used to reset the choice to good: on a slow network the damaged unit
    the inspector had just marked was booked good."""
    order = pick_an_order()
    tracking = ship(live_server, order)
    sign_in(page, "inspector")
    page.get_by_test_id("journey-returns").tap()
    page.get_by_test_id("returns-reason-defective").tap()
    scan(page, tracking)
    case = page.get_by_test_id("returns-case")
    expect(case).to_have_attribute("data-status", "open")
    (_, _, first_barcode), (_, _, second_barcode) = order["lines"]

    page.context.set_offline(True)  # the first unit waits in the outbox for its answer
    expect(page.get_by_test_id("conn-state")).not_to_have_attribute("data-state", "online")
    scan(page, first_barcode)
    page.get_by_test_id("returns-judgement-damaged").tap()  # meant for the next unit
    page.context.set_offline(False)
    expect(page.get_by_test_id("returns-last-unit")).to_contain_text("Good")  # the first unit's answer came
    expect(page.get_by_test_id("returns-judgement-damaged")).to_have_attribute("aria-pressed", "true")
    scan(page, second_barcode)
    expect(page.get_by_test_id("returns-last-unit")).to_contain_text("Damaged")

    number = case.get_attribute("data-case")
    view = live_server.session("supervisor").get(f"{live_server.url}/api/v1/returns/{number}", timeout=10).json()
    assert sorted(u["judgement"] for u in view["units"]) == ["damaged", "good"]


def test_a_parcel_opened_and_inspected_on_the_handheld_is_signed_on_the_desk(page, live_server, pick_an_order,
                                                                             chromium):
    """The returns desk's whole path as two people work it: the handheld opens the case by scanning the parcel's
    tracking number and judges every unit; the desk gives the dispositions and each level signs on the page."""
    from tests.server.web.test_returns_desk_browser import as_person

    order = pick_an_order()
    tracking = ship(live_server, order)
    sign_in(page, "inspector")
    page.get_by_test_id("journey-returns").tap()
    page.get_by_test_id("returns-reason-size_or_fit").tap()
    scan(page, tracking)
    case = page.get_by_test_id("returns-case")
    expect(case).to_have_attribute("data-status", "open")
    for _, qty, barcode in order["lines"]:
        for _ in range(qty):
            scan(page, barcode)
    expect(page.get_by_test_id("returns-prompt")).to_have_attribute("data-next", "desk")
    number = case.get_attribute("data-case")

    desk_context = chromium.new_context(viewport={"width": 1280, "height": 900})
    desk_context.add_cookies([{"name": "sup_lang", "value": "en", "url": "http://127.0.0.1"}])
    desk_context.set_default_timeout(15_000)
    try:
        desk = desk_context.new_page()
        as_person(desk, live_server.url, "inspector", f"/sup/returns/{number}")
        for box in desk.locator("[data-testid=units] input[type=checkbox]").all():
            box.check()
        desk.get_by_test_id("dispose-choice").select_option("scrap")  # nothing left to put away on the shared server
        desk.get_by_test_id("dispose").get_by_role("button").click()
        total = sum(qty for _, qty, _ in order["lines"])
        expect(desk.get_by_test_id("disposition")).to_have_count(total)
        chain = live_server.session("supervisor").get(f"{live_server.url}/api/v1/returns/{number}",
                                                      timeout=10).json()["chain"]
        for level in [lv for lv in chain["levels"] if lv["needed"]]:
            if level["role"] != "inspector":
                as_person(desk, live_server.url, level["role"], f"/sup/returns/{number}")
            desk.get_by_test_id("sign").get_by_role("button").click()
            expect(desk.get_by_test_id(f"signed-{level['level']}")).to_be_visible()
        expect(desk.get_by_test_id("case-status")).to_have_text("Done")
    finally:
        desk_context.close()
    view = live_server.session("supervisor").get(f"{live_server.url}/api/v1/returns/{number}", timeout=10).json()
    assert view["status"] == "done" and sorted(u["disposition"] for u in view["units"]) == ["scrap"] * total
