"""Supervisor pages in Chromium: log in, open a zone's bins, print its labels, watch the job print."""
import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def log_in(page, url, username, password="demo"):
    page.goto(f"{url}/sup/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")


def test_a_supervisor_prints_a_zones_bin_labels_and_sees_the_job_printed(
        live_server, printer_agent, healthy_printer, desk):
    before = len(healthy_printer.printed)
    log_in(desk, live_server.url, "supervisor")
    desk.click("header nav >> text=Bins")
    desk.click("a.pill:text-is('B')")
    expect(desk.locator("h1")).to_contain_text("Zone B")
    desk.select_option("select[name=dpi]", "300")
    desk.click("button:has-text('Print labels for zone B')")

    row = desk.locator("tr.highlight")
    expect(row.get_by_test_id("job-status")).to_have_text("Printed", timeout=20_000)
    assert len(healthy_printer.printed) - before == 200
    assert "^PW1219" in healthy_printer.printed[-1].zpl  # 4 inches at 300 dpi


def test_a_wrong_password_on_the_supervisor_login_is_explained(live_server, desk):
    log_in(desk, live_server.url, "supervisor", "wrong")
    expect(desk.get_by_test_id("login-error")).to_contain_text("Wrong user name or password")
    expect(desk.get_by_test_id("login-error")).not_to_contain_text("用户名或密码错误")  # one language at a time
    desk.get_by_test_id("language-switch").click()
    log_in(desk, live_server.url, "supervisor", "wrong")
    expect(desk.get_by_test_id("login-error")).to_contain_text("用户名或密码错误")


def test_a_picker_is_kept_out_of_the_supervisor_pages(live_server, desk):
    log_in(desk, live_server.url, "picker")
    expect(desk.locator(".flash.error")).to_contain_text("may not do this")
