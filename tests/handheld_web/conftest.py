"""The handheld app's browser fixtures: a fresh phone-sized Chromium context and the app opened in it."""
import pytest
from playwright.sync_api import Page

PHONE = {
    "viewport": {"width": 360, "height": 740},
    "is_mobile": True,
    "has_touch": True,
    "locale": "en-US",
}


@pytest.fixture
def phone(chromium):
    """A fresh phone (own cookies, localStorage and IndexedDB) starting in English."""
    context = chromium.new_context(**PHONE)
    context.add_init_script("if (!localStorage.getItem('hh.lang')) localStorage.setItem('hh.lang', 'en');")
    context.set_default_timeout(10_000)
    yield context
    context.close()


@pytest.fixture
def page(phone, live_server) -> Page:
    page = phone.new_page()
    page.goto(f"{live_server.url}/hh/")
    return page
