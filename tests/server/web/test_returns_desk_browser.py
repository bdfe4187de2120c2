"""The returns desk in Chromium, in Chinese, as the desk uses it: a shipped parcel comes back and its
tracking number is typed (scanned) into the page, the units are inspected on the handheld (Socket.IO),
given their disposition on the page, and the chain is signed level by level by its people, each logged
in on the page; a stray parcel is opened as unknown and cancelled with a reason."""
import re
import uuid

import pytest
from playwright.sync_api import expect

from tests.server.realtime.test_returns_live import send, ship

pytestmark = pytest.mark.browser


@pytest.fixture
def zh_desk(chromium):
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    context.add_cookies([{"name": "sup_lang", "value": "zh", "url": "http://127.0.0.1"}])
    context.set_default_timeout(15_000)
    yield context.new_page()
    context.close()


def as_person(page, url: str, username: str, path: str) -> None:
    """Log out whoever is at the desk, and in as `username` through the login form, landing on `path`."""
    page.goto(f"{url}/sup/logout")
    page.goto(f"{url}/sup/login?next={path}")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "demo")
    page.press("input[name=password]", "Enter")
    page.wait_for_url(f"**{path}")


def test_the_returns_desk_in_chinese_opens_disposes_signs_and_cancels(live_server, pick_an_order, zh_desk):
    page, url = zh_desk, live_server.url
    order = pick_an_order()
    tracking = ship(live_server, order)

    as_person(page, url, "inspector", "/sup/returns")
    expect(page.locator("h1")).to_contain_text("退货台")
    page.get_by_test_id("open-code").fill(tracking)
    page.get_by_test_id("open-reason").select_option(label="与描述不符")
    page.get_by_test_id("open-code").press("Enter")  # a scanner ends with Enter
    expect(page.get_by_test_id("flash")).to_contain_text("已登记退货单 RMA-")
    number = re.search(r"RMA-\d+", page.get_by_test_id("flash").text_content()).group(0)
    expect(page.get_by_test_id("case-status")).to_have_text("开启")
    expect(page.locator("main")).to_contain_text("与描述不符")

    inspector = live_server.floor_client("inspector")
    try:
        for _, qty, barcode in order["lines"]:
            for _ in range(qty):
                ack = send(inspector, "return.unit", barcode, **{"return": number, "judgement": "damaged"})
                assert ack["ok"], ack
    finally:
        inspector.disconnect()

    page.reload()
    expect(page.get_by_test_id("sign-hint")).to_have_text("所有货品检验完毕并确定处理方式后才能签核。")
    for box in page.locator("[data-testid=units] input[type=checkbox]").all():
        box.check()
    page.get_by_test_id("dispose-choice").select_option(label="报废")
    page.get_by_test_id("dispose").get_by_role("button").click()
    expect(page.get_by_test_id("flash")).to_have_text("3 件：报废。")
    expect(page.get_by_test_id("disposition")).to_have_text(["报废", "报废", "报废"])

    chain = live_server.session("supervisor").get(f"{url}/api/v1/returns/{number}", timeout=10).json()["chain"]
    needed = [level for level in chain["levels"] if level["needed"]]
    assert [level["role"] for level in needed][:2] == ["inspector", "supervisor"]  # scrap needs the supervisor
    names = {"inspector": "质检员", "supervisor": "主管", "manager": "经理"}
    for level in needed:
        if level["role"] != "inspector":
            as_person(page, url, level["role"], f"/sup/returns/{number}")
        expect(page.get_by_test_id("sign-hint")).to_contain_text(
            f"下一级：第 {level['level']} 级，须由{names[level['role']]}签核。")
        page.get_by_test_id("sign").get_by_role("button").click()
        expect(page.get_by_test_id("flash").first).to_contain_text(f"已签核 {number} 第 {level['level']} 级")
        expect(page.get_by_test_id(f"signed-{level['level']}")).to_contain_text(
            re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}"))
    expect(page.get_by_test_id("case-status")).to_have_text("完成")
    expect(page.get_by_test_id("flash").last).to_have_text("签核完成：货品已按处理方式流转（上架、维修、退供应商或报废）。")

    label = f"YT{uuid.uuid4().hex[:10].upper()}"
    page.goto(f"{url}/sup/returns")
    page.get_by_test_id("unknown-code").fill(label)
    page.get_by_test_id("unknown-note").fill("无寄件人，蓝色袋子")
    page.get_by_test_id("open-unknown").get_by_role("button").click()
    expect(page.locator("main")).to_contain_text("未知包裹：逐件检验。")
    page.get_by_test_id("cancel").locator("textarea").fill("隔壁店铺的包裹")
    page.get_by_test_id("cancel").get_by_role("button").click()
    expect(page.get_by_test_id("case-status")).to_have_text("取消")
    expect(page.get_by_test_id("case-note")).to_contain_text("隔壁店铺的包裹")
    page.goto(f"{url}/sup/returns?q={label}")
    expect(page.get_by_test_id("return-cases").locator("tbody tr")).to_have_count(1)
    expect(page.get_by_test_id("return-cases")).to_contain_text("未知包裹")
