"""The station's Pack tab draws a kit (组合装) as the station view gives it: the kit with its whole kits
packed, its parts indented beneath it with their units (server/services/packing/packing_station.py
station_view `kits`), in the packer's language."""
from __future__ import annotations

import json

import pytest

pytestmark = pytest.mark.browser

NAME = {"en": "", "zh": ""}
VIEW = {
    "station": {"code": "PACK-01"}, "complete": False, "open_parcel": 1,
    "order": {"number": "O-KIT-1", "channel": "taobao", "status": "picked", "kind": "sale", "customer": "张三",
              "carrier": "SF", "on_hold": False},
    "parcels": [{"seq": 1, "of": 1, "status": "open", "units": 2}],
    "lines": [{"sku": "HZ004-1", "name": {"en": "Shampoo", "zh": "洗发水"}, "variant": NAME, "ordered": 1,
               "picked": 1, "packed": 1, "remaining": 0, "in_parcel": 1},
              {"sku": "HZ009-2-XL", "name": {"en": "Socks", "zh": "儿童袜"}, "variant": NAME, "ordered": 2,
               "picked": 2, "packed": 0, "remaining": 2, "in_parcel": 0}],
    "kits": [{"sku": "HZK01", "name": {"en": "Kit 1", "zh": "组合装1"}, "variant": NAME, "line_no": 1, "ordered": 1,
              "complete": 0, "text": "HZK01 0/1 · HZ004-1 1/1 · HZ009-2-XL 0/2",
              "parts": [{"sku": "HZ004-1", "name": {"en": "Shampoo", "zh": "洗发水"}, "variant": NAME, "needed": 1,
                         "packed": 1, "ready_made": False},
                        {"sku": "HZ009-2-XL", "name": {"en": "Socks", "zh": "儿童袜"}, "variant": NAME,
                         "needed": 2, "packed": 0, "ready_made": False}]}],
}


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_kit_shows_above_the_lines_with_its_parts_indented(chromium, live_server, lang):
    context = chromium.new_context()
    try:
        page = context.new_page()
        page.goto(f"{live_server.url}/station/PACK-01")
        rows = page.evaluate("""async ([view, lang]) => {
            const i18n = await import("/hh/i18n.js");
            if (i18n.setLang) i18n.setLang(lang);
            const pack = await import("/hh/station_pack.js");
            const box = document.createElement("div");
            box.append(...pack.renderOrder(view).filter(Boolean));
            return [...box.querySelectorAll("[data-testid=pack-kits] tbody tr")].map((tr) =>
                [tr.dataset.testid, [...tr.children].map((td) => td.textContent.trim())]);
        }""", [json.loads(json.dumps(VIEW)), lang])
    finally:
        context.close()
    kit_words = {"en": "Kit: packed as its parts below", "zh": "组合装：按下列子商品装箱"}[lang]
    assert rows[0] == ["pack-kit", ["HZK01", f"{'Kit 1' if lang == 'en' else '组合装1'}{kit_words}", "0/1"]]
    assert [(testid, cells[0], cells[2]) for testid, cells in rows[1:]] == [
        ("pack-kit-part", "↳ HZ004-1", "1/1"), ("pack-kit-part", "↳ HZ009-2-XL", "0/2")]
