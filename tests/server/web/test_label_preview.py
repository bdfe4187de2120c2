"""The label-template page: a supervisor sees each packing-station document's ZPL, made from the sample
data for the chosen printer profile, and its preview drawn in the browser by zpl-renderer-js."""
import pytest
import requests
from playwright.sync_api import expect

from printers.documents import load_samples

TRACKING = load_samples()["shipping_label"]["tracking"]


def natural_sizes(page, template: str) -> list[list[int]]:
    return page.get_by_test_id(f"preview-{template}").locator("img").evaluate_all(
        "images => images.map(i => [i.naturalWidth, i.naturalHeight])")


@pytest.mark.browser
@pytest.mark.browser
def test_a_supervisor_sees_the_shipping_label_drawn_from_its_zpl(live_server, desk):
    desk.goto(f"{live_server.url}/sup/labels/")  # not logged in: the login page sends us back here
    desk.fill("input[name=username]", "supervisor")
    desk.fill("input[name=password]", "demo")
    desk.click("button[type=submit]")

    expect(desk.locator("h1")).to_have_text("Label templates")
    expect(desk.get_by_test_id("zpl-shipping_label")).to_contain_text(TRACKING)
    # The renderer (~9 MB of inlined WASM) loads on this page only, on first use: allow it time.
    expect(desk.get_by_test_id("preview-shipping_label").locator("img")).to_have_count(1, timeout=60_000)
    ((width, height),) = natural_sizes(desk, "shipping_label")
    assert width > 0 and height > 0
    assert height / width == pytest.approx(152.4 / 101.6, rel=0.02)
    expect(desk.get_by_test_id("preview-packing_list").locator("img")).to_have_count(2, timeout=30_000)

    desk.get_by_test_id("dpi").select_option("300")
    expect(desk.get_by_test_id("zpl-shipping_label")).to_contain_text("^PW1219^LL1829", timeout=30_000)
    expect(desk.get_by_test_id("status-shipping_label")).to_contain_text("300 dpi", timeout=30_000)
    ((width, _),) = natural_sizes(desk, "shipping_label")
    assert width == pytest.approx(1219, abs=2)


def test_the_preview_endpoint_gives_the_zpl_for_a_profile(live_server):
    http = live_server.session("supervisor")
    answer = http.get(f"{live_server.url}/sup/labels/preview.zpl", timeout=10,
                      params={"template": "shipping_label", "dpi": 300, "width_mm": 100, "height_mm": 150})

    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert TRACKING in body["zpl"] and body["zpl"].startswith("^XA^CI28^PW1200^LL1800")
    assert body["profile"]["dpmm"] == 12 and body["labels"] == 1


def test_the_item_label_previews_on_its_small_stock(live_server):
    http = live_server.session("supervisor")
    answer = http.get(f"{live_server.url}/sup/labels/preview.zpl", timeout=10,
                      params={"template": "item_label", "dpi": 300, "width_mm": 40, "height_mm": 30})

    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["file"] == "item_label.zpl.j2" and body["labels"] == 1
    assert body["zpl"].startswith("^XA^CI28^PW480^LL360") and "^BEN" in body["zpl"]  # EAN-13 of the sample
    assert "T恤" in body["zpl"] and "¥12.90" in body["zpl"]


@pytest.mark.parametrize(("params", "status"), [({"template": "os.system"}, 400), ({"dpi": 600}, 400),
                                                ({"height_mm": 10}, 400)])
def test_the_preview_endpoint_refuses_what_it_cannot_render(live_server, params, status):
    answer = live_server.session("supervisor").get(f"{live_server.url}/sup/labels/preview.zpl", params=params,
                                                   timeout=10)

    assert answer.status_code == status and answer.json()["error"]["code"] == "bad_request"


def test_the_preview_needs_a_logged_in_user(live_server):
    answer = requests.get(f"{live_server.url}/sup/labels/preview.zpl", timeout=10)

    assert answer.status_code == 401


def test_the_renderer_is_served_from_node_modules_and_nothing_else_is(live_server):
    renderer = requests.get(f"{live_server.url}/hh/vendor/zpl-renderer-js/index.esm.js", timeout=30)
    other = requests.get(f"{live_server.url}/hh/vendor/zpl-renderer-js/../package.json", timeout=10)

    assert renderer.status_code == 200 and "javascript" in renderer.headers["Content-Type"]
    assert len(renderer.content) > 1_000_000
    assert other.status_code == 404
