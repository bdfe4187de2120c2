"""The kits pages (/sup/kits) as a manager and a supervisor use them: the list with what each kit makes now and
what limits it, a kit's page, changing its components (every problem shown in words, each naming its line),
a new kit, removing one after ticking the confirmation; a supervisor reads but may not change."""
from __future__ import annotations

import html as html_module
import io
import re

import pytest

from server.db.models import User
from server.extensions import db, writes_too
from server.services.catalogue import kits
from server.services.catalogue.items import item_by_sku
from server.services.people.auth import hash_password
from tests.server.conftest import log_in_on_the_pages


@pytest.fixture
def kit_desk(app, tiny_warehouse):
    """The tiny warehouse (3 tees, 1 mug on the shelf) with a gift set of one tee and one mug, and a manager."""
    w = tiny_warehouse
    db.session.add(User(username="max", name="Max", role="manager", password_hash=hash_password("pw")))
    db.session.flush()
    kits.define("GIFT-SET", [kits.Component("TEE-BLK-M", 1), kits.Component("MUG-WHT", 1)], _manager(),
                name_zh="礼盒", name_en="Gift set")
    db.session.commit()
    return w


def _manager():
    from server.services.people.auth import Actor
    return Actor(user_id=None, username="max", name="Max", role="manager")


def text(html: str) -> str:
    """What a person reads: the tags gone, spaces as one (none before a closing bracket or a comma)."""
    return re.sub(r"\s+([),])", r"\1", re.sub(r"\s+", " ", html_module.unescape(re.sub(r"<[^>]+>", " ", html))))


def recipe(sku: str) -> list[tuple[str, int]]:
    return [(item.sku, qty) for item, qty in kits.components_of(item_by_sku(sku))]


def test_the_list_shows_each_kit_with_what_it_makes_now_and_what_limits_it(app, kit_desk):
    client = log_in_on_the_pages(app.test_client(), "sue")
    page = client.get("/sup/kits").get_data(as_text=True)
    row = text(page.split('data-sku="GIFT-SET"')[1].split("</tr>")[0])
    assert "Gift set" in row and "TEE-BLK-M ×1 · MUG-WHT ×1" in row
    assert "> 1 0 MUG-WHT" in ">" + row.split("MUG-WHT ×1")[1]  # 1 available, 0 ready-made, the mug limits it
    assert 'data-testid="new-kit"' not in page  # a supervisor reads only
    assert 'data-sku="GIFT-SET"' not in client.get("/sup/kits?q=nothing-like-it").get_data(as_text=True)
    assert 'data-sku="GIFT-SET"' in client.get("/sup/kits?q=mug-wht").get_data(as_text=True)
    assert "/sup/kits" in client.get("/sup/items").get_data(as_text=True)  # the items page links here


def test_a_kits_page_shows_its_components_and_availability(app, kit_desk):
    client = log_in_on_the_pages(app.test_client(), "sue")
    page = client.get("/sup/kits/GIFT-SET").get_data(as_text=True)
    components = text(page.split('data-testid="kit-components"')[1].split("</table>")[0])
    assert "TEE-BLK-M T-shirt Black / M 1" in components and "MUG-WHT Mug White 1" in components
    assert re.search(r'data-testid="kit-limited-by">MUG-WHT<', page)
    assert 'data-testid="edit-kit"' not in page
    assert client.post("/sup/kits/GIFT-SET", data={"sku_1": "MUG-WHT", "qty_1": "2"}).status_code == 403
    assert client.get("/sup/kits/TEE-BLK-M").status_code == 404  # a plain item is no kit
    client.set_cookie("sup_lang", "zh")
    zh = text(client.get("/sup/kits/GIFT-SET").get_data(as_text=True))
    assert "当前可售" in zh and "available now" not in zh


def test_a_manager_changes_the_components_and_sees_every_problem_in_words(app, kit_desk):
    client = log_in_on_the_pages(app.test_client(), "max")
    writes_too()  # the fixture's app context outlives the log-in's page reads (read-only connection)
    wrong = client.post("/sup/kits/GIFT-SET", data={"sku_1": "TEE-BLK-M", "qty_1": "0", "sku_2": "MUG-WHT",
                                                    "qty_2": "1", "sku_3": "NO-SUCH", "qty_3": "1", "sku_4": ""})
    assert wrong.status_code == 422
    problems = text(wrong.get_data(as_text=True).split('data-testid="kit-errors"')[1].split("</table>")[0])
    assert "1 Kit GIFT-SET: component TEE-BLK-M needs a quantity of at least 1, not 0." in problems
    assert "3 Kit GIFT-SET: component NO-SUCH is no item of the item master." in problems
    assert recipe("GIFT-SET") == [("TEE-BLK-M", 1), ("MUG-WHT", 1)]  # nothing written

    done = client.post("/sup/kits/GIFT-SET", data={"sku_1": "TEE-BLK-M", "qty_1": "2", "sku_2": "MUG-WHT",
                                                   "qty_2": "1", "remove_2": "1", "sku_3": "", "qty_3": ""},
                       follow_redirects=True)
    assert "Kit GIFT-SET changed." in text(done.get_data(as_text=True))
    assert recipe("GIFT-SET") == [("TEE-BLK-M", 2)]


def test_add_a_line_shows_one_more_empty_line_and_saves_nothing(app, kit_desk):
    client = log_in_on_the_pages(app.test_client(), "max")
    writes_too()
    page = client.post("/sup/kits/GIFT-SET", data={"sku_1": "TEE-BLK-M", "qty_1": "5", "sku_2": "MUG-WHT",
                                                   "qty_2": "1", "action": "add_line"}).get_data(as_text=True)
    assert len(re.findall(r'name="sku_\d+"', page)) == 6 and 'value="5"' in page
    assert recipe("GIFT-SET") == [("TEE-BLK-M", 1), ("MUG-WHT", 1)]


def test_a_new_kit_is_defined_from_the_list_page(app, kit_desk):
    client = log_in_on_the_pages(app.test_client(), "max")
    writes_too()
    refused = client.post("/sup/kits", data={"sku": "MUG-PAIR", "name_zh": "对杯", "sku_1": "MUG-WHT", "qty_1": "2",
                                             "sku_2": "MUG-WHT", "qty_2": "1"})
    assert refused.status_code == 422
    assert "names component MUG-WHT twice" in refused.get_data(as_text=True)
    done = client.post("/sup/kits", data={"sku": "MUG-PAIR", "name_zh": "对杯", "name_en": "Mug pair",
                                          "sku_1": "MUG-WHT", "qty_1": "2"}, follow_redirects=True)
    assert "Kit MUG-PAIR defined." in text(done.get_data(as_text=True))
    assert recipe("MUG-PAIR") == [("MUG-WHT", 2)] and item_by_sku("MUG-PAIR").product.name_en == "Mug pair"


def test_removing_a_kit_needs_the_confirmation_and_keeps_the_item(app, kit_desk):
    client = log_in_on_the_pages(app.test_client(), "max")
    writes_too()
    client.post("/sup/kits/GIFT-SET/remove", data={})
    assert kits.kit_skus() == ["GIFT-SET"]
    done = client.post("/sup/kits/GIFT-SET/remove", data={"confirm": "1"}, follow_redirects=True)
    assert "GIFT-SET is no longer a kit" in text(done.get_data(as_text=True))
    assert kits.kit_skus() == [] and item_by_sku("GIFT-SET") is not None


def test_a_kit_below_its_safety_stock_shows_on_the_dashboard_with_its_limiting_component(app, kit_desk):
    from server.services.inventory import alerts

    alerts.set_safety("GIFT-SET", 2, kit_desk.supervisor)  # 1 set can be made
    db.session.commit()
    client = log_in_on_the_pages(app.test_client(), "sue")
    page = client.get("/sup/picking").get_data(as_text=True)
    alert = text(page.split('data-testid="stock-alert" data-sku="GIFT-SET"')[1].split("</li>")[0])
    assert "Low stock: GIFT-SET Gift set — 1 < 2 (kit; limited by MUG-WHT)" in alert
    assert "below safety stock (2)" in text(client.get("/sup/kits").get_data(as_text=True))


def test_the_day_one_page_offers_the_kits_import_after_the_items(app, kit_desk):
    client = log_in_on_the_pages(app.test_client(), "max")
    page = client.get("/sup/setup").get_data(as_text=True)
    assert page.index('data-testid="import-items"') < page.index('data-testid="import-kits"') \
        < page.index('data-testid="import-bins"')
    form = text(page.split('data-testid="import-kits"')[1].split("</form>")[0])
    assert "Kits" in form and "kit_sku, kit_name, kit_name_en, component_sku, qty" in form
    writes_too()
    raw = "组合装商品编码,组合装商品名称,子商品编码,数量\nMUG-PAIR,对杯,MUG-WHT,2\nBAD-SET,坏,NO-SUCH,1\n".encode("gbk")
    checked = client.post("/sup/setup/import/kits", data={"file": (io.BytesIO(raw), "kits.csv")},
                          content_type="multipart/form-data").get_data(as_text=True)
    assert "Kit BAD-SET: component NO-SUCH is no item of the item master." in text(checked)
    assert kits.kit_skus() == ["GIFT-SET"]  # checked only
