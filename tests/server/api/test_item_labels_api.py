"""Item labels over REST on a live server, printed by the printer agent on the emulated Zebra: for each stock
(40 x 30 and 50 x 30 mm) at each resolution (203 and 300 dpi) the label that reaches the printer scans back —
the EAN-13 of an item that has one, a Code 128 of the SKU of one that has none — and says the names, the
variant, the tag price, the lot and its expiry."""
from __future__ import annotations

import io
import re
import time
import uuid

import pytest
import zplkit
import zxingcpp
from PIL import Image

from tests.conftest import label_texts, renderable

UPLOAD = {"X-Requested-With": "test"}
STOCK = [(dpi, width) for dpi in (203, 300) for width in (40, 50)]


def ean13(body12: str) -> str:
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(body12))
    return body12 + str((10 - total % 10) % 10)


def scanned(zpl: str) -> list[tuple[str, str]]:
    """What a scanner reads off the one label of `zpl`, rendered at the size and resolution it says."""
    width, height = (int(v) for v in re.search(r"\^PW(\d+)\^LL(\d+)", zpl).groups())
    dpi = 300 if width in (480, 600) else 203  # 40 and 50 mm at 12 dots/mm; at 8 dots/mm 320 and 400
    document = zplkit.render(renderable(zpl), zplkit.Options(width=width, height=height, dpi=dpi))
    (label,) = document.labels
    return [(b.format.name, b.text) for b in zxingcpp.read_barcodes(Image.open(io.BytesIO(label.png())))]


def wait_until_printed(live_server, http, answer) -> None:
    """The agent reported the job printed (so it leaves no job half-done to the next test's agent)."""
    job = answer.json()["job"]["id"]
    deadline = time.monotonic() + 20
    while http.get(f"{live_server.url}/api/v1/print-jobs/{job}", timeout=5).json()["status"] != "printed":
        assert time.monotonic() < deadline, f"job {job} was not reported printed"
        time.sleep(0.05)


@pytest.fixture(scope="module")
def labelled(live_server, printer_emulator):
    """Two new items (one with an EAN-13, one without) and a printer for each stock, all on the emulator."""
    admin = live_server.session("admin")
    tag = uuid.uuid4().hex[:6].upper()
    code = ean13(f"200{uuid.uuid4().int % 10**9:09d}")
    short = f"LC{uuid.uuid4().int % 10**5:05d}"  # a Code 128 of 7 characters fits 40 mm stock
    csv = ("sku,style,name_zh,name_en,variant,unit_barcode,tag_price\n"
           f"LB{tag}-E,LB{tag},帆布托特包,Canvas tote,米色;L,{code},129.00\n"
           f"{short},LB{tag}C,棒球帽,Baseball cap,藏青,,12.90\n")
    answer = admin.post(f"{live_server.url}/api/v1/imports/items", headers=UPLOAD, timeout=30,
                        files={"file": ("items.csv", csv.encode(), "text/csv")})
    assert answer.status_code == 200 and answer.json()["created"] == 2, answer.text
    printers = {}
    for dpi, width in STOCK:
        body = {"code": f"ZT-{tag}-{dpi}-{width}", "name": f"Tag printer 吊牌 {width}x30", "transport": "tcp9100",
                "host": "127.0.0.1", "port": printer_emulator.port, "dpi": dpi, "label_width_mm": width,
                "label_height_mm": 30, "agent": "AGENT-01", "documents": ["item_label"]}
        made = admin.post(f"{live_server.url}/api/v1/printers", json=body, timeout=10)
        assert made.status_code == 201, made.text
        printers[(dpi, width)] = body["code"]
    return {"with_ean": f"LB{tag}-E", "ean": code, "without": short, "printers": printers}


@pytest.mark.parametrize(("dpi", "width"), STOCK)
def test_an_items_labels_reach_the_printer_and_scan_back(live_server, printer_agent, healthy_printer, labelled,
                                                         dpi, width):
    http = live_server.session("supervisor")
    printer = labelled["printers"][(dpi, width)]
    before = len(healthy_printer.printed)
    answer = http.post(f"{live_server.url}/api/v1/items/{labelled['with_ean']}/labels",
                       json={"qty": 2, "printer": printer}, timeout=10)
    assert answer.json()["job"]["labels"] == 2 and answer.json()["job"]["kind"] == "item_label"
    wait_until_printed(live_server, http, answer)
    labels = healthy_printer.wait_for_printed(before + 2, timeout=20)[before:]
    assert len(labels) == 2 and labels[0].zpl == labels[1].zpl
    zpl = labels[0].zpl
    assert zpl.startswith(f"^XA^CI28^PW{width * (12 if dpi == 300 else 8)}^LL{30 * (12 if dpi == 300 else 8)}")
    assert scanned(zpl) == [("EAN13", labelled["ean"])]
    assert label_texts(zpl) == ["帆布托特包", "Canvas tote", "Beige / L · 米色 / L", "¥129.00"]

    before = len(healthy_printer.printed)
    answer = http.post(f"{live_server.url}/api/v1/print-jobs/item-labels",
                       json={"sku": labelled["without"], "qty": 1, "printer": printer}, timeout=10)
    assert answer.status_code == 201, answer.text
    wait_until_printed(live_server, http, answer)
    (label,) = healthy_printer.wait_for_printed(before + 1, timeout=20)[before:]
    assert scanned(label.zpl) == [("Code128", labelled["without"])]
    # a colour the item master has no English for is the same in both: printed once
    assert label_texts(label.zpl) == ["棒球帽", "Baseball cap", "藏青", "¥12.90"]


@pytest.mark.parametrize(("dpi", "width"), [(203, 40), (300, 50)])
def test_a_lots_labels_carry_its_code_and_expiry(live_server, printer_agent, healthy_printer, labelled, dpi, width):
    http = live_server.session("supervisor")
    sku = live_server.demo["item_sku"]  # the demo's stocked item, in its lot
    line = next(ln for ln in http.get(f"{live_server.url}/api/v1/items/{sku}", timeout=5).json()["lines"]
                if ln["lot"])
    before = len(healthy_printer.printed)
    answer = http.post(f"{live_server.url}/api/v1/items/{sku}/labels", timeout=10,
                       json={"qty": 1, "printer": labelled["printers"][(dpi, width)], "lot": line["lot"]})
    assert answer.status_code == 201, answer.text
    assert answer.json()["job"]["title"].startswith(f"Item labels {sku} lot {line['lot']} ×1")
    wait_until_printed(live_server, http, answer)
    (label,) = healthy_printer.wait_for_printed(before + 1, timeout=20)[before:]
    texts = label_texts(label.zpl)
    assert texts[-2:] == [f"Lot 批号 {line['lot']}", f"Exp 到期 {line['expiry']}"] if line["expiry"] else \
        texts[-1] == f"Lot 批号 {line['lot']}"
    assert [fmt for fmt, _ in scanned(label.zpl)] == ["EAN13"]  # every demo item has one


def test_refusals_say_why(live_server, labelled):
    http = live_server.session("supervisor")
    url = f"{live_server.url}/api/v1/items/{labelled['with_ean']}/labels"
    printer = labelled["printers"][(203, 40)]
    for body, status, code in (({"qty": 0, "printer": printer}, 400, "bad_label_qty"),
                               ({"qty": 1}, 400, "bad_request"),
                               ({"qty": 1, "printer": "NOPE"}, 404, "printer_not_found"),
                               ({"qty": 1, "printer": printer, "lot": "NO-SUCH-LOT"}, 404, "not_found")):
        answer = http.post(url, json=body, timeout=10)
        assert (answer.status_code, answer.json()["error"]["code"]) == (status, code), body
    answer = http.post(f"{live_server.url}/api/v1/items/NOPE-SKU/labels", json={"printer": printer}, timeout=10)
    assert answer.status_code == 404
    long_sku = http.post(f"{live_server.url}/api/v1/items/{live_server.demo['item_sku']}/labels", timeout=10,
                         json={"qty": 1, "printer": printer})
    assert long_sku.status_code == 201  # the demo's SKU is long, but its label carries the item's EAN-13
    picker = live_server.session("picker")
    assert picker.post(url, json={"qty": 1, "printer": printer}, timeout=10).status_code == 403
