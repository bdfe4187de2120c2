"""Supervisor pages in Chromium: log in, open a zone's bins, print its labels, watch the job print."""
import re
import uuid

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


def test_parcels_pseudo_bins_are_no_zone_and_no_page_prints_a_python_object(live_server, pick_an_order, desk):
    order = pick_an_order()
    live_server.session("packer").post(f"{live_server.url}/api/v1/stations/PACK-01/sign-in",
                                       timeout=10).raise_for_status()
    page = live_server.floor_client("packer", station="PACK-01")
    try:  # a closed parcel is a pseudo-bin of zone P in the ledger
        for code in [order["tote"], *(barcode for _, qty, barcode in order["lines"] for _ in range(qty))]:
            assert page.call("scan", {"scan_id": str(uuid.uuid4()), "mode": "pack", "station": "PACK-01",
                                      "code": code}, timeout=10)["ok"]
        assert page.call("scan", {"scan_id": str(uuid.uuid4()), "mode": "pack.close", "station": "PACK-01"},
                         timeout=10)["ok"]
    finally:
        page.disconnect()
    log_in(desk, live_server.url, "supervisor")
    overview = desk.locator("main").inner_text()
    assert "Zone A" in overview and "Zone P" not in overview
    assert not re.search(r"<built-in|object at 0x", overview)
    expect(desk.locator("main .tile").nth(1)).to_have_text(re.compile(r"^\d+ items$"))

    desk.click("header nav >> text=Bins")
    assert "A" in desk.locator("a.pill").all_inner_texts() and "P" not in desk.locator("a.pill").all_inner_texts()
    desk.goto(f"{live_server.url}/sup/bins?zone=P")
    expect(desk.get_by_test_id("no-bins")).to_be_visible()
    expect(desk.locator("button:has-text('Print labels for zone P')")).to_have_count(0)
