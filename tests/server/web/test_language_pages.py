"""The supervisor pages in one language at a time, with a switch in the navigation (as the handheld): every
page the navigation reaches, in Chromium, shows English only or Chinese only — names people typed in
(items, suppliers, staff; marked translate="no") aside. The navigation fits a 1280 px desk screen and a
768 px tablet."""
import re

import pytest
from playwright.sync_api import expect

from tests.server.web.conftest import log_in

pytestmark = pytest.mark.browser

CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]+")
PAIR = re.compile(r"[a-z]{2,}\)? · [\u3400-\u9fff]")  # "Items · 货品": both languages side by side

# The words a person reads in <main>: text and the labels of controls, leaving out people's own data.
READ_MAIN = """() => {
  const main = document.querySelector("main").cloneNode(true);
  main.querySelectorAll('[translate="no"], script, style').forEach(e => e.remove());
  const labels = [...main.querySelectorAll("[placeholder], [aria-label], [title]")]
    .map(e => [e.getAttribute("placeholder"), e.getAttribute("aria-label"), e.getAttribute("title")].join(" "));
  return main.textContent + " " + labels.join(" ");
}"""
NAV_LINKS = """() => [...document.querySelectorAll("header nav a")].map(a => ({text: a.textContent.trim(),
  href: a.getAttribute("href")}))"""


def pages_to_visit(page, url):
    """Every supervisor page the navigation links to, and every report the reports page links to."""
    links = [link["href"] for link in page.evaluate(NAV_LINKS) if link["href"].startswith("/sup/")]
    page.goto(f"{url}/sup/reports/")
    reports = page.eval_on_selector_all("[data-testid=report-index] a", "as => as.map(a => a.getAttribute('href'))")
    return list(dict.fromkeys(links + reports))


def test_the_switch_changes_the_language_and_it_stays_chosen(live_server, desk):
    desk.context.clear_cookies()
    log_in(desk, live_server.url, "supervisor")
    expect(desk.locator("h1")).to_have_text("概览")  # the account's locale (zh) until a choice is made
    expect(desk.get_by_test_id("language-switch")).to_have_text("English")
    desk.get_by_test_id("language-switch").click()
    expect(desk.locator("h1")).to_have_text("Overview")
    expect(desk.locator("header nav")).to_contain_text("Items")
    desk.click("header nav >> text=Bins")
    expect(desk.locator("h1")).to_have_text("Zone A")  # chosen once, kept on the next page
    desk.get_by_test_id("language-switch").click()
    expect(desk.locator("h1")).to_have_text("库区 A")  # back on the page it was pressed on


@pytest.mark.parametrize("language", ["en", "zh"])
def test_every_page_shows_one_language(live_server, desk, language):
    log_in(desk, live_server.url, "admin")  # sees every page with every form
    desk.goto(f"{live_server.url}/sup/language/{language}?next=/sup/")
    nav = desk.evaluate(NAV_LINKS)
    for link in nav:
        assert bool(CJK.search(link["text"])) == (language == "zh"), link
    wrong = {}
    for path in pages_to_visit(desk, live_server.url):
        desk.goto(live_server.url + path)
        heading = desk.locator("h1").first.text_content()
        text = " ".join(desk.evaluate(READ_MAIN).split())
        if language == "en":
            found = CJK.findall(text + " " + heading)
        else:
            found = PAIR.findall(text) + ([] if CJK.search(heading) else [f"heading {heading!r}"])
        if found:
            wrong[path] = found[:8]
    assert not wrong, wrong


@pytest.mark.parametrize("width,height", [(1280, 800), (768, 1024)], ids=["desk", "tablet"])
@pytest.mark.parametrize("language", ["en", "zh"])
def test_the_navigation_fits_a_desk_screen_and_a_tablet(live_server, chromium, width, height, language,
                                                         tmp_path_factory):
    context = chromium.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    try:
        log_in(page, live_server.url, "supervisor")
        page.goto(f"{live_server.url}/sup/language/{language}?next=/sup/picking")
        shot = tmp_path_factory.mktemp("screens") / f"picking-{language}-{width}.png"
        page.screenshot(path=str(shot))
        assert page.evaluate("document.documentElement.scrollWidth") <= width  # nothing to scroll sideways to
        boxes = [a.bounding_box() for a in page.locator("header nav a").all()]
        assert all(b["x"] >= 0 and b["x"] + b["width"] <= width for b in boxes)  # every link on screen
        header = page.locator("header").bounding_box()
        assert header["height"] <= height * 0.25, f"header {header['height']} px of {height}: see {shot}"
        switch = page.get_by_test_id("language-switch").bounding_box()
        assert switch["x"] + switch["width"] <= width and switch["y"] < header["height"]
    finally:
        context.close()
