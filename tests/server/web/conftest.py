"""What the supervisor pages' browser tests share: a desktop-sized Chromium page, and logging in."""
import pytest
from playwright.sync_api import expect


@pytest.fixture
def desk(chromium):
    """The supervisor pages in English (the language switch's cookie; the demo's accounts say zh)."""
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    context.add_cookies([{"name": "sup_lang", "value": "en", "url": "http://127.0.0.1"}])
    context.set_default_timeout(15_000)
    yield context.new_page()
    context.close()


def log_in(page, url: str, username: str, password: str = "demo") -> None:
    """Through the login form as a person does; waits for the page it leads to."""
    page.goto(f"{url}/sup/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    expect(page.locator("h1")).to_be_visible()
