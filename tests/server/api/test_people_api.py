"""People and suppliers over REST on a live server: staff.csv imported, a picker from it logs in by badge,
a supervisor from it needs the password a manager sets; badges printed reach the Zebra and scan back; a
phone is shown only to those who manage people; suppliers created, read and edited."""
from __future__ import annotations

import re
import time
import uuid
from pathlib import Path

import requests

from tests.conftest import read_barcodes

STAFF = Path(__file__).resolve().parents[2] / "data" / "day-one" / "staff.csv"
UPLOAD = {"X-Requested-With": "test"}


def import_staff(live_server, admin):
    answer = admin.post(f"{live_server.url}/api/v1/imports/staff?good_rows_only=1", headers=UPLOAD, timeout=30,
                        files={"file": ("staff.csv", STAFF.read_bytes(), "text/csv")})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["created"] + body["unchanged"] == 9 and body["refused"] == 2  # once per live server
    return body


def test_a_picker_from_the_staff_list_logs_in_by_badge_and_a_supervisor_needs_a_password(live_server):
    admin = live_server.session("admin")
    import_staff(live_server, admin)
    assert {(e["row"], e["code"]) for e in import_staff(live_server, admin)["errors"]} == {
        (11, "import_duplicate_in_file"), (12, "import_unknown_role")}

    picker = requests.Session()
    answer = picker.post(f"{live_server.url}/api/v1/auth/badge", json={"badge": "BDG-E1001", "device": "PDA-01"},
                         timeout=5)
    assert answer.status_code == 200, answer.text
    assert answer.json()["user"]["username"] == "e1001" and answer.json()["user"]["role"] == "picker"
    assert "lookup" in picker.get(f"{live_server.url}/api/v1/auth/me", timeout=5).json()["user"]["journeys"]

    boss = requests.Session()
    refused = boss.post(f"{live_server.url}/api/v1/auth/badge", json={"badge": "BDG-E1008"}, timeout=5)
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "badge_not_allowed"
    assert "密码" in refused.json()["error"]["message"]["zh"]
    no_password = boss.post(f"{live_server.url}/api/v1/auth/login", json={"username": "e1008", "password": ""},
                            timeout=5)
    assert no_password.status_code == 401
    short = admin.post(f"{live_server.url}/api/v1/users/e1008/password", json={"password": "short"}, timeout=5)
    assert short.status_code == 400 and short.json()["error"]["code"] == "password_too_short"
    done = admin.post(f"{live_server.url}/api/v1/users/e1008/password", json={"password": "陈洋 sets 1 now"},
                      timeout=5)
    assert done.status_code == 200 and done.json() == {"ok": True}
    assert boss.post(f"{live_server.url}/api/v1/auth/login", json={"username": "e1008", "password": "陈洋 sets 1 now"},
                     timeout=5).status_code == 200


def test_a_demo_supervisor_badge_is_refused(live_server):
    badge = live_server.demo.get("badges", {}).get("supervisor")
    if badge:
        answer = requests.post(f"{live_server.url}/api/v1/auth/badge", json={"badge": badge}, timeout=5)
        assert answer.status_code == 403 and answer.json()["error"]["code"] == "badge_not_allowed"


def test_users_are_created_edited_and_deactivated_and_phones_stay_private(live_server):
    admin = live_server.session("admin")
    name = f"u{uuid.uuid4().hex[:8]}"
    made = admin.post(f"{live_server.url}/api/v1/users", timeout=5,
                      json={"username": name, "password": "long enough 1", "role": "packer", "name": "Pat 包装",
                            "phone": "13900000000"})
    assert made.status_code == 201, made.text
    assert made.json()["user"]["phone"] == "13900000000" and "long enough" not in made.text
    again = admin.post(f"{live_server.url}/api/v1/users", timeout=5,
                       json={"username": name, "password": "long enough 1", "role": "packer", "name": "x"})
    assert again.status_code == 409 and again.json()["error"]["code"] == "username_taken"
    unknown = admin.post(f"{live_server.url}/api/v1/users", timeout=5,
                         json={"username": name + "x", "password": "long enough 1", "role": "driver", "name": "x"})
    assert unknown.json()["error"]["code"] == "unknown_role"

    viewer = live_server.session("viewer")
    seen = viewer.get(f"{live_server.url}/api/v1/users/{name}", timeout=5).json()["user"]
    assert seen["role"] == "packer" and "phone" not in seen
    assert all("phone" not in u for u in viewer.get(f"{live_server.url}/api/v1/users?q={name}", timeout=5)
               .json()["users"])
    assert admin.get(f"{live_server.url}/api/v1/users?q={name}", timeout=5).json()["users"][0]["phone"] == "13900000000"
    assert live_server.session("picker").get(f"{live_server.url}/api/v1/users", timeout=5).status_code == 403

    person = requests.Session()
    assert person.post(f"{live_server.url}/api/v1/auth/login", json={"username": name, "password": "long enough 1"},
                       timeout=5).status_code == 200
    changed = admin.patch(f"{live_server.url}/api/v1/users/{name}", json={"role": "receiver", "name": "Pat"},
                          timeout=5)
    assert changed.json()["user"]["role"] == "receiver"
    assert person.get(f"{live_server.url}/api/v1/auth/me", timeout=5).json()["user"]["role"] == "receiver"
    off = admin.patch(f"{live_server.url}/api/v1/users/{name}", json={"active": False}, timeout=5)
    assert off.status_code == 200 and off.json()["user"]["active"] is False
    assert person.get(f"{live_server.url}/api/v1/auth/me", timeout=5).status_code == 401  # the session stopped
    assert requests.post(f"{live_server.url}/api/v1/auth/login", json={"username": name, "password": "long enough 1"},
                         timeout=5).status_code == 401
    me = admin.get(f"{live_server.url}/api/v1/auth/me", timeout=5).json()["user"]["username"]
    myself = admin.patch(f"{live_server.url}/api/v1/users/{me}", json={"active": False}, timeout=5)
    assert myself.status_code == 409 and myself.json()["error"]["code"] == "cannot_deactivate_self"


def test_a_printed_badge_reaches_the_printer_and_scans_back(live_server, printer_agent, healthy_printer):
    admin = live_server.session("admin")
    number = f"E{uuid.uuid4().int % 10**6:06d}"
    made = admin.post(f"{live_server.url}/api/v1/users", timeout=5, json={
        "username": number.lower(), "password": "long enough 1", "role": "picker", "name": "王伟",
        "employee_no": number})
    assert made.status_code == 201, made.text
    before = len(healthy_printer.printed)
    answer = admin.post(f"{live_server.url}/api/v1/users/{number.lower()}/badge-print",
                        json={"printer": live_server.demo["printer"]}, timeout=10)
    assert answer.status_code == 201, answer.text
    deadline = time.monotonic() + 20
    while len(healthy_printer.printed) == before:
        assert time.monotonic() < deadline, "the badge did not print"
        time.sleep(0.05)
    zpl = healthy_printer.printed[-1].zpl
    assert "王伟" in zpl and number in zpl and "picker" in zpl and "拣货员" in zpl and "工号" in zpl
    width, height = (int(v) for v in re.search(r"\^PW(\d+)\^LL(\d+)", zpl).groups())
    dpi = 300 if width > 900 else 203
    assert read_barcodes(zpl, width, height, dpi) == [[f"BDG-{number}"]]
    scanned = requests.post(f"{live_server.url}/api/v1/auth/badge", json={"badge": f"BDG-{number}"}, timeout=5)
    assert scanned.status_code == 200 and scanned.json()["user"]["username"] == number.lower()
    unknown = admin.post(f"{live_server.url}/api/v1/users/{number.lower()}/badge-print", json={"printer": "NOPE"},
                         timeout=10)
    assert unknown.status_code == 404 and unknown.json()["error"]["code"] == "printer_not_found"


def test_suppliers_are_created_read_and_edited(live_server):
    admin = live_server.session("admin")
    name = f"杭州测试供应商 {uuid.uuid4().hex[:6]}"
    made = admin.post(f"{live_server.url}/api/v1/suppliers", json={"name": name, "contact": "王"}, timeout=5)
    assert made.status_code == 201, made.text
    code = made.json()["supplier"]["code"]
    assert code.startswith("SUP-")
    anyone = live_server.session("picker")
    assert anyone.get(f"{live_server.url}/api/v1/suppliers/{code}", timeout=5).json()["supplier"]["name"] == name
    assert any(s["code"] == code for s in anyone.get(f"{live_server.url}/api/v1/suppliers", timeout=5).json())
    assert anyone.post(f"{live_server.url}/api/v1/suppliers", json={"name": "x"}, timeout=5).status_code == 403
    assert live_server.session("supervisor").patch(f"{live_server.url}/api/v1/suppliers/{code}",
                                                   json={"active": False}, timeout=5).status_code == 403
    edited = admin.patch(f"{live_server.url}/api/v1/suppliers/{code}", json={"active": False, "contact": "李"},
                         timeout=5)
    assert edited.status_code == 200 and edited.json()["supplier"] == {"code": code, "name": name, "contact": "李",
                                                                       "active": False}
    po = live_server.session("receiver").post(f"{live_server.url}/api/v1/purchase-orders", timeout=5, json={
        "supplier": code, "lines": [{"sku": live_server.demo.get("sku", "NOPE"), "qty": 1}]})
    assert po.status_code == 409 and po.json()["error"]["code"] == "supplier_inactive"
    twice = admin.post(f"{live_server.url}/api/v1/suppliers", json={"name": name}, timeout=5)
    assert twice.status_code == 409 and twice.json()["error"]["code"] == "already_exists"
    assert admin.get(f"{live_server.url}/api/v1/suppliers/SUP-NOPE", timeout=5).status_code == 404
