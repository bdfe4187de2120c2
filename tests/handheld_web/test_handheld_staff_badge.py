"""Day one on the handheld: a picker from the imported staff list scans their badge on the log-in screen and
is in; a supervisor's badge is refused with the reason (use your password)."""
import json
import uuid

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser


def scan(page: Page, code: str) -> None:
    page.keyboard.type(code, delay=15)
    page.keyboard.press("Enter")


@pytest.fixture
def staff(live_server) -> str:
    """Two people imported from a staff list, as staff.csv lists them: a picker and a supervisor."""
    prefix = f"H{uuid.uuid4().hex[:5].upper()}"
    sheet = f"工号,姓名,岗位,手机\n{prefix}1,王伟,拣货员,13000000001\n{prefix}2,陈洋,仓库主管,13000000002\n"
    answer = live_server.session("admin").post(
        f"{live_server.url}/api/v1/imports/staff", headers={"X-Requested-With": "test"}, timeout=30,
        files={"file": ("staff.csv", sheet.encode("utf-8-sig"), "text/csv")})
    assert answer.status_code == 200 and answer.json()["created"] == 2, answer.text
    return prefix


def test_a_picker_from_the_staff_list_signs_in_by_badge(page, staff):
    expect(page.get_by_test_id("scan-input")).to_be_focused()
    scan(page, f"BDG-{staff}1")
    expect(page.get_by_test_id("journey-lookup")).to_be_visible()


def test_a_supervisors_badge_is_refused_with_the_reason(page, staff):
    expect(page.get_by_test_id("scan-input")).to_be_focused()
    scan(page, f"BDG-{staff}2")
    expect(page.get_by_test_id("login-error")).to_contain_text("password")
    expect(page.get_by_test_id("journey-lookup")).to_have_count(0)


def test_a_handheld_is_paired_by_scanning_its_pairing_code_and_proves_itself_at_log_in(page, live_server, staff):
    admin = live_server.session("admin")
    code = f"PDA-{staff}"
    made = admin.post(f"{live_server.url}/api/v1/devices", json={"code": code, "kind": "pda", "name": "pairing test"},
                      headers={"X-Requested-With": "test"}, timeout=10)
    assert made.status_code in (200, 201), made.text
    paired = admin.post(f"{live_server.url}/api/v1/devices/{code}/token", headers={"X-Requested-With": "test"},
                        timeout=10).json()
    expect(page.get_by_test_id("device-paired")).to_contain_text("Not paired")

    scan(page, '{"wms":1,"device":"PDA-X"}')  # half a code: refused with words, nothing stored
    expect(page.get_by_test_id("login-error")).to_contain_text("not a pairing code")
    pairing = json.dumps({"wms": 1, "server": live_server.url, "device": code, "kind": "pda", "token": paired["token"]})
    scan(page, pairing)
    expect(page.get_by_test_id("device-paired")).to_contain_text("Paired")
    expect(page.get_by_test_id("device-code")).to_have_value(code)

    with page.expect_request("**/api/v1/auth/badge") as sent:
        scan(page, f"BDG-{staff}1")
    body = json.loads(sent.value.post_data)
    assert body["device"] == code and body["device_token"] == paired["token"]  # the token goes with the name
    expect(page.get_by_test_id("journey-lookup")).to_be_visible()
    who = page.request.get(f"{live_server.url}/api/v1/auth/whoami").json()
    assert who["device"] == code
