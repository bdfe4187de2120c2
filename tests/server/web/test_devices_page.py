"""The Devices page (/sup/devices) over plain HTTP: an administrator adds and pairs a handheld — the token
shown once, with a QR code that is decoded here like a camera would (the SVG's modules drawn to an image and
read with zxing-cpp) and must carry the token —, revokes it with one click, test-prints a printer; viewers
and supervisors see the page but every form POST is refused for them."""
from __future__ import annotations

import html
import json
import re
import time
import uuid

import pytest
import requests


def csrf(http: requests.Session, url: str) -> str:
    page = http.get(f"{url}/sup/devices", timeout=10)
    assert page.status_code == 200, page.text
    return re.search(r'name="csrf-token" content="([^"]+)"', page.text).group(1)


def post(http: requests.Session, url: str, path: str, **form: str) -> requests.Response:
    return http.post(f"{url}{path}", data={"csrf_token": csrf(http, url), **form}, timeout=10, allow_redirects=False)


def qr_text(page: str) -> str:
    """Decode the pairing QR code of the page: the SVG path's dark modules drawn as pixels, read by zxing-cpp."""
    import zxingcpp
    from PIL import Image, ImageDraw

    svg = re.search(r'<div class="qr" data-testid="pairing-qr">(.*?)</div>', page, re.S).group(1)
    size = int(re.search(r'<svg width="(\d+)"', svg).group(1))
    scale = float(re.search(r'transform="scale\(([\d.]+)\)"', svg).group(1))
    path = re.search(r' d="([^"]+)"', svg).group(1)
    image = Image.new("L", (size, size), 255)
    draw = ImageDraw.Draw(image)
    x = y = 0.0
    for command, numbers in re.findall(r"([MmHhVv])([-\d. ]+)", path):
        values = [float(n) for n in numbers.split()]
        if command == "M":
            x, y = values
        elif command == "m":
            x, y = x + values[0], y + values[1]
        elif command == "h":  # a run of dark modules on the row whose centre line is y
            top = (y - 0.5) * scale
            draw.rectangle([x * scale, top, (x + values[0]) * scale - 1, top + scale - 1], fill=0)
            x += values[0]
        else:
            raise AssertionError(f"unexpected path command {command}")
    found = zxingcpp.read_barcodes(image.resize((size * 2, size * 2), Image.NEAREST))
    assert len(found) == 1 and found[0].format == zxingcpp.BarcodeFormat.QRCode, found
    return found[0].text


def test_an_admin_pairs_a_handheld_sees_its_token_once_as_a_qr_code_and_revokes_it(live_server):
    admin = live_server.session("admin")
    code = f"PDA-{uuid.uuid4().hex[:6].upper()}"
    added = post(admin, live_server.url, "/sup/devices/device", code=code, kind="pda", name="Aisle 3 · 三号巷道")
    assert added.status_code == 302 and added.headers["Location"].endswith("/sup/devices#devices")
    page = admin.get(f"{live_server.url}/sup/devices", timeout=10).text
    assert f'data-device="{code}"' in page and "Aisle 3 · 三号巷道" in page and "Devices and printers" in page

    paired = post(admin, live_server.url, f"/sup/devices/device/{code}/pair")
    assert paired.status_code == 200 and paired.headers["Cache-Control"] == "no-store"
    token = re.search(r'data-testid="pairing-token">([^<]+)<', paired.text).group(1)
    carried = json.loads(qr_text(paired.text))
    assert carried == {"wms": 1, "server": live_server.url, "device": code, "kind": "pda", "token": token}
    assert json.loads(html.unescape(re.search(r'data-testid="pairing-text">([^<]+)<', paired.text).group(1))) == carried

    device = {"Authorization": f"Bearer {token}"}
    whoami = requests.get(f"{live_server.url}/api/v1/auth/whoami", headers=device, timeout=10)
    assert whoami.status_code == 200 and whoami.json()["device"] == code  # the token in the QR code works

    again = admin.get(f"{live_server.url}/sup/devices", timeout=10).text
    assert token not in again and 'data-testid="pairing"' not in again  # shown once, never again

    revoked = post(admin, live_server.url, f"/sup/devices/device/{code}/revoke")
    assert revoked.status_code == 302
    assert requests.get(f"{live_server.url}/api/v1/auth/whoami", headers=device, timeout=10).status_code == 401

    retired = post(admin, live_server.url, f"/sup/devices/device/{code}/retire")
    assert retired.status_code == 302
    refused = post(admin, live_server.url, f"/sup/devices/device/{code}/pair")  # never paired again
    assert refused.status_code == 302
    page = admin.get(f"{live_server.url}/sup/devices", timeout=10).text
    assert f"Device {code} is retired" in page and f"设备 {code} 已停用" not in page  # one language at a time


def test_a_manager_adds_a_printer_and_a_station_and_test_prints_from_the_page(
        live_server, printer_agent, healthy_printer):
    manager = live_server.session("manager")
    code = f"ZP-{uuid.uuid4().hex[:6].upper()}"
    added = post(manager, live_server.url, "/sup/devices/printers", code=code, name="Dock printer 月台打印机",
                 transport="tcp9100", host="127.0.0.1", port=str(healthy_printer.port), queue="", dpi="203",
                 label_width_mm="101.6", label_height_mm="50.8", agent="AGENT-01")
    assert added.status_code == 302
    page = manager.get(f"{live_server.url}/sup/devices", timeout=10).text
    assert f'data-printer="{code}"' in page and "Dock printer 月台打印机" in page and "flash" not in page

    wrong = post(manager, live_server.url, "/sup/devices/printers", code=f"{code}X", name="n", transport="tcp9100",
                 host="127.0.0.1", port="99999", dpi="203", label_width_mm="101.6", label_height_mm="50.8")
    assert wrong.status_code == 302
    page = manager.get(f"{live_server.url}/sup/devices", timeout=10).text
    assert "99999 is not a TCP port" in page and f'data-printer="{code}X"' not in page

    station = f"PK-{uuid.uuid4().hex[:6].upper()}"
    assert post(manager, live_server.url, "/sup/devices/stations", code=station, name="Dock 月台",
                printer=code, scanner="").status_code == 302
    assert manager.get(f"{live_server.url}/api/v1/stations/{station}", timeout=10).json()["station"]["printer"] == code

    before = len(healthy_printer.printed)
    printed = post(manager, live_server.url, f"/sup/devices/printers/{code}/test-print")
    assert printed.status_code == 302 and "/sup/print-jobs?highlight=" in printed.headers["Location"]
    job_id = int(printed.headers["Location"].rsplit("=", 1)[1])
    deadline = time.monotonic() + 20
    while manager.get(f"{live_server.url}/api/v1/print-jobs/{job_id}", timeout=10).json()["status"] != "printed":
        assert time.monotonic() < deadline
        time.sleep(0.1)
    assert f"TEST PRINT {code}" in healthy_printer.wait_for_printed(before + 1, timeout=10)[-1].zpl

    retired = post(manager, live_server.url, f"/sup/devices/printers/{code}", name="Dock printer 月台打印机",
                   transport="tcp9100", host="127.0.0.1", port=str(healthy_printer.port), dpi="203",
                   label_width_mm="101.6", label_height_mm="50.8", agent="AGENT-01")  # "active" unticked
    assert retired.status_code == 302
    assert manager.get(f"{live_server.url}/api/v1/printers/{code}", timeout=10).json()["active"] is False


@pytest.mark.parametrize("role", ["viewer", "supervisor"])
def test_viewers_and_supervisors_see_the_page_but_cannot_act(live_server, role):
    http = live_server.session(role)
    page = http.get(f"{live_server.url}/sup/devices", timeout=10)
    assert page.status_code == 200
    assert 'data-testid="read-only"' in page.text and "PRN-PACK-01" in page.text and "BRIDGE-01" in page.text
    assert "/pair" not in page.text and "test-print" not in page.text  # no forms to act with
    admin = live_server.session("admin")
    before = admin.get(f"{live_server.url}/api/v1/devices", timeout=10).json()
    for path, form in (("/sup/devices/device/PDA-01/pair", {}), ("/sup/devices/device/PDA-01/revoke", {}),
                       ("/sup/devices/device/PDA-01/retire", {}),
                       ("/sup/devices/device", {"code": "X-1", "kind": "pda"}),
                       ("/sup/devices/printers", {"code": "X-1", "name": "x", "transport": "cups", "queue": "q"}),
                       ("/sup/devices/printers/PRN-PACK-01/test-print", {}),
                       ("/sup/devices/stations/PACK-01", {"name": "x", "printer": "PRN-PACK-01"})):
        answer = post(http, live_server.url, path, **form)
        assert answer.status_code == 403, (role, path, answer.status_code)
        assert "pairing-token" not in answer.text
    after = admin.get(f"{live_server.url}/api/v1/devices", timeout=10).json()
    assert [{k: v for k, v in d.items() if k != "last_seen_at"} for d in after] == \
        [{k: v for k, v in d.items() if k != "last_seen_at"} for d in before]


def test_a_picker_does_not_see_the_page(live_server):
    assert live_server.session("picker").get(f"{live_server.url}/sup/devices", timeout=10,
                                             allow_redirects=False).status_code == 403
