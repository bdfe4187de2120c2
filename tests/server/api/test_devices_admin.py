"""Devices and printers over REST against the live server: printers, packing stations and devices added,
edited and retired by an administrator, each wrong field refused with its own code, a test print that comes
out of the Zebra emulator, and a retired device's token refused at once."""
from __future__ import annotations

import json
import time
import uuid

import pytest
import requests


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:6].upper()}"


@pytest.fixture(scope="module")
def admin(live_server):
    return live_server.session("admin")


def api(live_server, http, method: str, path: str, body: dict | None = None):
    answer = http.request(method, f"{live_server.url}/api/v1{path}", json=body, timeout=10)
    return answer.status_code, answer.json()


def code_of(answer) -> str | None:
    return answer[1]["error"]["code"] if isinstance(answer[1], dict) and "error" in answer[1] else None


def new_printer(live_server, admin, port: int, **fields) -> dict:
    body = {"code": unique("ZT"), "name": "Test Zebra 测试打印机", "transport": "tcp9100", "host": "127.0.0.1",
            "port": port, "dpi": 203, "label_width_mm": 101.6, "label_height_mm": 152.4, "agent": "AGENT-01"} | fields
    status, answer = api(live_server, admin, "POST", "/printers", body)
    assert status == 201, answer
    return answer["printer"]


# --- printers ---------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def spare(live_server, admin, printer_emulator):
    """A printer of this module's own, for edits that must be refused (the demo's printers stay as they are)."""
    return new_printer(live_server, admin, printer_emulator.port)


def test_a_printer_is_added_read_edited_and_listed(live_server, admin, printer_emulator):
    printer = new_printer(live_server, admin, printer_emulator.port, code=unique("zt").lower(),
                          documents=["bin_label", "lpn_label"])
    assert printer["code"].isupper()  # codes are kept upper case
    assert printer | {"code": None} == {
        "code": None, "name": "Test Zebra 测试打印机", "transport": "tcp9100", "host": "127.0.0.1",
        "port": printer_emulator.port, "queue": None, "dpi": 203, "label_width_mm": 101.6, "label_height_mm": 152.4,
        "documents": ["bin_label", "lpn_label"], "active": True, "agent": "AGENT-01"}
    code = printer["code"]
    picker = live_server.session("picker")  # reading printers is for anyone logged in, as before
    assert api(live_server, picker, "GET", f"/printers/{code}") == (200, printer)
    assert code in [p["code"] for p in api(live_server, picker, "GET", "/printers")[1]]

    status, answer = api(live_server, admin, "PATCH", f"/printers/{code}",
                         {"transport": "cups", "queue": "zebra_pack", "dpi": 300, "label_height_mm": 50.8,
                          "documents": "shipping_label, packing_list", "name": "Packing Zebra"})
    assert status == 200, answer
    assert answer["printer"] | {} == printer | {
        "name": "Packing Zebra", "transport": "cups", "host": None, "port": None, "queue": "zebra_pack", "dpi": 300,
        "label_height_mm": 50.8, "documents": ["shipping_label", "packing_list"]}
    status, answer = api(live_server, admin, "PATCH", f"/printers/{code}", {"transport": "tcp9100", "host": "10.0.0.9"})
    assert status == 200 and (answer["printer"]["host"], answer["printer"]["port"]) == ("10.0.0.9", 9100)
    assert api(live_server, admin, "PATCH", f"/printers/{code}", {}) [0] == 200  # nothing to change


@pytest.mark.parametrize(("fields", "status", "code"), [
    ({"transport": "usb"}, 400, "unknown_transport"),
    ({"port": 0}, 400, "bad_port"),
    ({"port": 70000}, 400, "bad_port"),
    ({"port": "ninety"}, 400, "bad_port"),
    ({"port": True}, 400, "bad_port"),
    ({"host": "192.168.1.5:9100"}, 400, "bad_printer_host"),
    ({"host": ""}, 400, "transport_needs"),
    ({"transport": "cups"}, 400, "transport_needs"),
    ({"transport": "cups", "queue": "my queue"}, 400, "bad_cups_queue"),
    ({"dpi": 250}, 400, "bad_dpi"),
    ({"label_width_mm": 2}, 400, "bad_label_size"),
    ({"label_height_mm": "tall"}, 400, "bad_label_size"),
    ({"documents": ["bin_label", "poster"]}, 400, "unknown_document"),
    ({"agent": "NOPE-AGENT"}, 404, "not_found"),
    ({"agent": "BRIDGE-01"}, 409, "wrong_device_kind"),
    ({"colour": "red"}, 400, "unknown_field"),
    ({"name": ""}, 400, "bad_request"),
    ({"code": "bad code!"}, 400, "bad_code"),
    ({"code": "PRN-PACK-01"}, 409, "duplicate_printer"),
])
def test_a_wrong_printer_is_refused_with_its_own_code_and_nothing_is_written(live_server, admin, spare, fields, status,
                                                                             code):
    before = api(live_server, admin, "GET", "/printers")[1]
    body = {"code": unique("ZT"), "name": "Refused", "transport": "tcp9100", "host": "127.0.0.1", "port": 9100} | fields
    answer = api(live_server, admin, "POST", "/printers", body)
    assert (answer[0], code_of(answer)) == (status, code), answer
    assert set(answer[1]["error"]["message"]) == {"en", "zh"}
    if "code" not in fields:  # the same change to an existing printer is refused the same way
        fields = {k: v for k, v in fields.items() if k != "code"}
        answer = api(live_server, admin, "PATCH", "/printers/PRN-PACK-01", fields)
        if fields:
            assert (answer[0], code_of(answer)) == (status, code), answer
    assert api(live_server, admin, "GET", "/printers")[1] == before


def test_an_unknown_printer_is_404(live_server, admin):
    assert code_of(api(live_server, admin, "GET", "/printers/NOPE-PRINTER")) == "printer_not_found"
    assert code_of(api(live_server, admin, "PATCH", "/printers/NOPE-PRINTER", {"dpi": 300})) == "printer_not_found"
    assert code_of(api(live_server, admin, "POST", "/printers/NOPE-PRINTER/test-print")) == "printer_not_found"


def test_a_test_print_comes_out_of_the_printer(live_server, admin, printer_agent, healthy_printer, label_barcodes):
    printer = new_printer(live_server, admin, healthy_printer.port, dpi=300, label_height_mm=50.8)
    before = len(healthy_printer.printed)
    status, answer = api(live_server, admin, "POST", f"/printers/{printer['code']}/test-print")
    assert status == 201, answer
    job = answer["job"]
    assert (job["printer"], job["kind"], job["labels"], job["status"]) == (printer["code"], "test_label", 1, "queued")
    deadline = time.monotonic() + 20
    while (state := api(live_server, admin, "GET", f"/print-jobs/{job['id']}")[1])["status"] != "printed":
        assert state["status"] not in ("failed",) and time.monotonic() < deadline, state
        time.sleep(0.1)
    printed = healthy_printer.wait_for_printed(before + 1, timeout=10)[before:]
    zpl = printed[-1].zpl
    assert f"TEST PRINT {printer['code']}" in zpl and "Test Zebra" in zpl
    assert "300 dpi, 101.6 x 50.8 mm" in zpl and "^PW1219^LL610" in zpl  # laid out for the printer's stock
    assert label_barcodes(zpl, width=1219, height=610, dpi=300) == [[printer["code"]]]  # its code, scannable


def test_a_retired_printer_takes_no_job_and_no_station(live_server, admin, printer_emulator):
    printer = new_printer(live_server, admin, printer_emulator.port)
    status, answer = api(live_server, admin, "PATCH", f"/printers/{printer['code']}", {"active": False})
    assert status == 200 and answer["printer"]["active"] is False
    assert code_of(api(live_server, admin, "POST", f"/printers/{printer['code']}/test-print")) == "printer_inactive"
    answer = api(live_server, admin, "POST", "/stations",
                 {"code": unique("PK"), "name": "x", "printer": printer["code"]})
    assert code_of(answer) == "printer_inactive"
    assert api(live_server, admin, "PATCH", f"/printers/{printer['code']}", {"active": True})[0] == 200


def test_a_printer_without_agent_says_so_on_a_test_print(live_server, admin, printer_emulator):
    printer = new_printer(live_server, admin, printer_emulator.port, agent=None)
    assert printer["agent"] is None
    assert code_of(api(live_server, admin, "POST", f"/printers/{printer['code']}/test-print")) == "printer_no_agent"


# --- packing stations -------------------------------------------------------------------------------

def test_a_station_is_added_with_its_printer_and_scanner_and_edited(live_server, admin, printer_emulator):
    printer = new_printer(live_server, admin, printer_emulator.port)
    scanner = unique("BRIDGE")
    assert api(live_server, admin, "POST", "/devices", {"code": scanner, "kind": "scanner_bridge"})[0] == 201
    code = unique("PACK")
    status, answer = api(live_server, admin, "POST", "/stations",
                         {"code": code.lower(), "name": "Packing 3 · 打包台3", "printer": printer["code"],
                          "scanner": scanner})
    assert status == 201, answer
    assert answer["station"] == {"code": code, "name": "Packing 3 · 打包台3", "printer": printer["code"],
                                 "scanner": scanner}
    listed = {s["code"]: s for s in api(live_server, admin, "GET", "/stations")[1]}
    assert listed[code]["printer"] == printer["code"] and listed[code]["scanner"] == scanner
    view = api(live_server, live_server.session("packer"), "GET", f"/stations/{code}")[1]
    assert view["station"]["printer"] == printer["code"] and view["order"] is None  # the packing view, as before

    # One fixed scanner serves one station.
    answer = api(live_server, admin, "POST", "/stations",
                 {"code": unique("PACK"), "name": "x", "printer": printer["code"], "scanner": scanner})
    assert code_of(answer) == "scanner_in_use"
    status, answer = api(live_server, admin, "PATCH", f"/stations/{code}", {"scanner": None, "printer": "PRN-PACK-01"})
    assert status == 200 and answer["station"] | {} == {"code": code, "name": "Packing 3 · 打包台3",
                                                         "printer": "PRN-PACK-01", "scanner": None}


@pytest.mark.parametrize(("fields", "status", "code"), [
    ({"printer": "NOPE-PRINTER"}, 404, "printer_not_found"),
    ({"printer": ""}, 400, "bad_request"),
    ({"scanner": "NOPE-SCANNER"}, 404, "not_found"),
    ({"scanner": "AGENT-01"}, 409, "wrong_device_kind"),
    ({"scanner": "BRIDGE-01"}, 409, "scanner_in_use"),  # the demo's PACK-01 has it
    ({"code": "PACK-01"}, 409, "duplicate_station"),
    ({"name": None}, 400, "bad_request"),
    ({"till": "1"}, 400, "unknown_field"),
])
def test_a_wrong_station_is_refused_with_its_own_code(live_server, admin, fields, status, code):
    body = {"code": unique("PACK"), "name": "Refused", "printer": "PRN-PACK-01"} | fields
    answer = api(live_server, admin, "POST", "/stations", body)
    assert (answer[0], code_of(answer)) == (status, code), answer
    assert code_of(api(live_server, admin, "GET", f"/stations/{body['code']}")) in ("station_not_found", None)


# --- devices ----------------------------------------------------------------------------------------

def test_a_device_is_added_renamed_paired_and_its_token_works(live_server, admin):
    code = unique("PDA")
    status, answer = api(live_server, admin, "POST", "/devices", {"code": code, "kind": "pda", "name": "Hall 1"})
    assert status == 201 and answer["device"]["token"] == "none" and answer["device"]["retired_at"] is None
    assert api(live_server, admin, "PATCH", f"/devices/{code}", {"name": "Hall 2"})[1]["device"]["name"] == "Hall 2"
    assert code_of(api(live_server, admin, "PATCH", f"/devices/{code}", {"kind": "printer_agent"})) == "unknown_field"
    token = api(live_server, admin, "POST", f"/devices/{code}/token")[1]["token"]
    view = api(live_server, admin, "GET", f"/devices/{code}")[1]
    assert view["token"] == "active" and token not in str(view)
    assert code_of(api(live_server, admin, "POST", "/devices", {"code": code, "kind": "pda"})) == "duplicate_device"
    assert code_of(api(live_server, admin, "POST", "/devices", {"code": unique("X"), "kind": "phone"})) \
        == "unknown_device_kind"
    assert code_of(api(live_server, admin, "GET", "/devices/NOPE-DEVICE")) == "not_found"


def test_a_retired_device_is_refused_at_once_and_never_paired_again(live_server, admin, printer_emulator):
    code = unique("BRIDGE")
    api(live_server, admin, "POST", "/devices", {"code": code, "kind": "scanner_bridge"})
    token = api(live_server, admin, "POST", f"/devices/{code}/token")[1]["token"]
    station = unique("PACK")
    api(live_server, admin, "POST", "/stations",
        {"code": station, "name": "s", "printer": "PRN-PACK-01", "scanner": code})
    device = {"Authorization": f"Bearer {token}"}

    whoami = requests.get(f"{live_server.url}/api/v1/auth/whoami", headers=device, timeout=10)
    assert whoami.status_code == 200 and whoami.json()["device"] == code

    status, answer = api(live_server, admin, "POST", f"/devices/{code}/retire")
    assert status == 200 and answer["device"]["retired_at"] and answer["device"]["token"] == "revoked"
    refused = requests.get(f"{live_server.url}/api/v1/auth/whoami", headers=device, timeout=10)
    assert refused.status_code == 401 and refused.json()["error"]["code"] == "device_token_invalid"
    assert code_of(api(live_server, admin, "POST", f"/devices/{code}/token")) == "device_retired"
    assert code_of(api(live_server, admin, "PATCH", f"/devices/{code}", {"name": "again"})) == "device_retired"
    assert api(live_server, admin, "GET", f"/stations/{station}")[1]["station"]["scanner"] is None  # left its station
    again = api(live_server, admin, "POST", f"/devices/{code}/retire")  # retiring twice changes nothing
    assert again[0] == 200 and again[1]["device"]["retired_at"] == answer["device"]["retired_at"]
    assert code_of(api(live_server, admin, "PATCH", f"/stations/{station}", {"scanner": code})) == "device_retired"


@pytest.mark.parametrize("role", ["supervisor", "viewer", "picker"])
def test_only_managers_and_the_admin_change_devices(live_server, role, admin):
    http = live_server.session(role)
    before = (api(live_server, admin, "GET", "/printers")[1], api(live_server, admin, "GET", "/devices")[1],
              api(live_server, admin, "GET", "/stations")[1])
    for method, path, body in (("POST", "/printers", {"code": unique("ZT"), "name": "n", "transport": "cups",
                                                      "queue": "q"}),
                               ("PATCH", "/printers/PRN-PACK-01", {"dpi": 300}),
                               ("POST", "/printers/PRN-PACK-01/test-print", None),
                               ("POST", "/stations", {"code": unique("PACK"), "name": "n", "printer": "PRN-PACK-01"}),
                               ("PATCH", "/stations/PACK-01", {"name": "n"}),
                               ("POST", "/devices", {"code": unique("PDA"), "kind": "pda"}),
                               ("PATCH", "/devices/PDA-01", {"name": "n"}),
                               ("POST", "/devices/PDA-01/retire", None)):
        answer = api(live_server, http, method, path, body)
        assert (answer[0], code_of(answer)) == (403, "forbidden"), (role, method, path, answer)
    assert api(live_server, live_server.session("manager"), "GET", "/devices")[0] == 200  # managers may
    after = (api(live_server, admin, "GET", "/printers")[1], api(live_server, admin, "GET", "/devices")[1],
             api(live_server, admin, "GET", "/stations")[1])
    assert [[{k: v for k, v in d.items() if k != "last_seen_at"} for d in part] for part in after] == \
        [[{k: v for k, v in d.items() if k != "last_seen_at"} for d in part] for part in before]


def test_every_change_is_in_the_audit_trail(live_server, admin, printer_emulator):
    from tests.server.security.test_audit_trail import entries

    printer = new_printer(live_server, admin, printer_emulator.port)
    code = printer["code"]
    assert api(live_server, admin, "PATCH", f"/printers/{code}", {"dpi": 300})[0] == 200
    entry = entries(live_server, "a.via = ?", f"PATCH /api/v1/printers/{code}")[0]
    change = next(c for c in entry["changes"] if c["table"] == "printers")
    assert entry["username"] == "admin" and change["op"] == "update" and "dpi" in json.dumps(change)
    device = unique("PDA")
    api(live_server, admin, "POST", "/devices", {"code": device, "kind": "pda"})
    api(live_server, admin, "POST", f"/devices/{device}/retire")
    entry = entries(live_server, "a.via = ?", f"POST /api/v1/devices/{device}/retire")[0]
    assert any(c["table"] == "devices" and "retired_at" in json.dumps(c) for c in entry["changes"])
