"""Kits (组合装) on the pages: the order page shows a kit line with its parts beneath it once released, and a
return case names the kit beside each component it expects."""
from __future__ import annotations

import re

from server.extensions import db, writes_too
from server.services.orders import sales_orders
from server.services.packing import handover, packing_station
from server.services.returns import return_cases
from tests.server.conftest import log_in_on_the_pages
from tests.server.services.orders.test_kit_orders import MUG, TEE, components_first, order, pack, pick, w  # noqa: F401


def text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_the_order_page_shows_the_kit_line_with_its_parts_beneath(app, w):  # noqa: F811
    order(w, [("HZK01", 2), ("TEE-BLK-M", 1)])
    client = log_in_on_the_pages(app.test_client(), "sue")
    before = client.get("/sup/orders/O-1").get_data(as_text=True)
    assert 'data-line="1" data-kind="kit"' in before and "HZK01 kit" in text(before)
    writes_too()
    sales_orders.release("O-1", w.supervisor)
    page = client.get("/sup/orders/O-1").get_data(as_text=True)
    rows = re.findall(r'<tr data-line="(\d+)" data-kind="(\w+)"(?: data-kit-line="(\d+)")?', page)
    assert rows == [("1", "kit", ""), ("3", "part", "1"), ("4", "part", "1"), ("5", "part", "1"), ("2", "item", "")]
    assert "↳ HZK01 of kit line 1" in text(page) and "↳ MUG-WHT of kit line 1" in text(page)


def test_a_return_case_names_the_kit_beside_its_components(app, w, components_first):  # noqa: F811
    order(w, [("HZK01", 1)])
    pick(w)
    station = pack(w, [TEE, MUG, MUG])
    parcel = packing_station.close_parcel(station, w.packer, weight_g=900)
    manifest = handover.add_parcel(parcel, w.packer)
    handover.driver_confirms(manifest, "李师傅", None, None, w.packer)
    handover.packer_confirms(manifest, w.packer)
    case = return_cases.open_case("O-1", "changed_mind", w.receiver)
    db.session.commit()
    client = log_in_on_the_pages(app.test_client(), "sue")
    page = text(client.get(f"/sup/returns/{case.number}").get_data(as_text=True))
    assert "TEE-BLK-M T-shirt from kit HZK01 1 0" in page and "MUG-WHT Mug from kit HZK01 2 0" in page
