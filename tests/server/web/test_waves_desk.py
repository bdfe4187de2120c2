"""The waves desk (/sup/waves) as a supervisor sees it: a dry run lists the carts and their orders and draws
one route per cart over the floor map; releasing it creates that wave and its board shows 0 of N stops;
picks through the scan path move the board; exceptions link to where they are resolved."""
from __future__ import annotations

import re
import uuid
from datetime import datetime

from sqlalchemy import func, select

from server.db.models import PickList, Reservation, Wave
from server.domain.batching import Cart
from server.domain.stock import Movement
from server.extensions import db, writes_too
from server.services.floor import scans
from server.services.inventory import stock
from server.services.orders import sales_orders
from server.services.orders.sales_orders import NewLine
from server.services.picking import pick_lists, wave_desk, waves
from tests.server.conftest import log_in_on_the_pages

TEE, MUG = "5901234123457", "036000291452"
ORDERS = ("WV-1", "WV-2", "WV-3", "WV-4")


def four_released_orders(w) -> None:
    """Stock in three bins two aisles apart; four released orders of one tee or one mug each."""
    stock.move(Movement(w.far.id, w.tee.id, w.tee_lot.id, 5, "opening_balance"))
    stock.move(Movement(w.empty.id, w.mug.id, w.mug_lot.id, 5, "opening_balance"))
    for n, number in enumerate(ORDERS):
        sku, qty = ("TEE-BLK-M", 1) if n % 2 == 0 else ("MUG-WHT", 2)
        sales_orders.create_order("api", number, [NewLine(sku, qty)], w.supervisor, address="上海市",
                                  carrier="SF", paid_at=datetime(2026, 11, 22, 9, n))
    db.session.commit()
    for number in ORDERS:
        sales_orders.release(number, w.supervisor)
    db.session.commit()


def desk(app):
    return log_in_on_the_pages(app.test_client(), "sue")


def scan(actor, code=None, **payload):
    return scans.handle({"scan_id": str(uuid.uuid4()), **({"code": code} if code else {}), **payload}, actor)


PROPOSE = "/sup/waves?propose=1&carrier=SF&totes=2&tote_capacity=20&method=savings&limit=50"


def test_the_dry_run_lists_the_carts_and_their_orders_and_draws_one_route_per_cart(tiny_warehouse, app):
    four_released_orders(tiny_warehouse)
    html = desk(app).get(PROPOSE).get_data(as_text=True)
    assert "4 released orders are waiting for a wave." in html
    assert 'data-carts="2" data-orders="4"' in html  # four orders, two totes a cart
    assert len(re.findall(r'data-testid="proposal-cart" data-cart="\d"', html)) == 2
    assert sorted(re.findall(r'data-testid="proposal-order">([^<]+)<', html)) == list(ORDERS)
    svg = html.split('data-testid="proposal-map"', 1)[1].split("</svg>", 1)[0]
    assert len(re.findall(r'<g class="route" data-cart="\d"', svg)) == 2
    assert len(re.findall(r"<polyline ", svg)) == 2
    assert 'data-status="proposed">Proposed<' in html
    # each cart's route against S-shape, in metres
    assert len(re.findall(r'data-testid="cart-route">\d+\.\d m', html)) == 2
    assert len(re.findall(r'data-testid="cart-sshape">\d+\.\d m', html)) == 2
    # a dry run reserves nothing and leaves no wave behind
    assert db.session.execute(select(func.count()).select_from(Wave)).scalar() == 0
    assert db.session.execute(select(func.count()).select_from(Reservation)).scalar() == 0


def test_the_route_drawn_turns_at_cross_aisles_from_the_depot_and_back(tiny_warehouse):
    w = tiny_warehouse
    four_released_orders(w)
    floor = waves.FloorMap()
    drawn = wave_desk.cart_route(floor, [w.full.id, w.far.id])
    # depot (aisle 0, front) → A-01-01-1 (x 0, y 0.6) → front cross aisle → B-01-01-1 (x 20, y 0.6) → depot
    assert drawn["path"] == [(0.0, 0.0), (0.0, 0.6), (0.0, 0.0), (20.0, 0.0), (20.0, 0.6), (20.0, 0.0),
                             (0.0, 0.0), (0.0, 0.0)]
    assert drawn["walk_m"] == 42.4  # 0.6 up and down, 20 across, 0.6 up and down, 20 back
    assert drawn["sshape_length_m"] >= drawn["walk_m"]


def test_a_proposal_that_matches_nothing_says_so(tiny_warehouse, app):
    four_released_orders(tiny_warehouse)
    client = desk(app)
    html = client.get("/sup/waves?propose=1&carrier=NOBODY").get_data(as_text=True)
    assert 'data-testid="proposal-error"' in html and "No released order matches these filters" in html
    assert 'data-testid="proposal"' not in html
    client.set_cookie("sup_lang", "zh")
    html = client.get("/sup/waves?propose=1&carrier=NOBODY").get_data(as_text=True)
    assert "没有符合这些条件的已释放订单" in html and "matches" not in html


def release_from_the_page(client, html: str):
    form = html.split('class="release-form"', 1)[1].split("</form>", 1)[0]
    fields = dict(re.findall(r'name="([^"]+)" value="([^"]*)"', form))
    return client.post("/sup/waves", data=fields, follow_redirects=True)


def test_release_creates_the_proposed_wave_and_its_board_shows_it_then_picks_move_it(tiny_warehouse, app):
    w = tiny_warehouse
    four_released_orders(w)
    client = desk(app)
    proposed = client.get(PROPOSE).get_data(as_text=True)
    answer = release_from_the_page(client, proposed)
    html = answer.get_data(as_text=True)
    wave = db.session.execute(select(Wave)).scalar_one()
    assert answer.request.path == f"/sup/waves/{wave.id}"
    assert f"Wave {wave.id} released: 2 carts, 4 orders, as proposed." in html
    lists = db.session.execute(select(PickList).where(PickList.wave_id == wave.id).order_by(PickList.seq)
                               ).scalars().all()
    assert len(lists) == 2
    stops = [len(waves.pick_list_view(pl)["stops"]) for pl in lists]
    assert re.findall(r'data-testid="cart-done">(\d+ / \d+)<', html) == [f"0 / {n}" for n in stops]
    assert html.count('data-testid="cart-status">Open<') == 2
    assert "not taken yet" in html and "0 of 4 stops done" not in html  # a tee and a mug order a cart: 2+2 stops
    assert f"0 of {sum(stops)} stops done · 4 orders · 2 carts" in html
    svg = html.split('data-testid="wave-map"', 1)[1].split("</svg>", 1)[0]
    assert len(re.findall(r'<g class="route"', svg)) == 2

    # the picker takes cart 1 and picks its first stop through the scan path
    first = lists[0]
    writes_too()  # the test's app context outlives the page requests, which read on SQLite's readers
    waves.claim(first.id, w.picker)
    assert scan(w.picker, "TOTE-0001", mode="pick.tote", pick_list=first.id, slot=1)["ok"]
    assert scan(w.picker, "TOTE-0002", mode="pick.tote", pick_list=first.id, slot=2)["ok"]
    stop = waves.pick_list_view(first, with_stop=True)["stop"]
    assert scan(w.picker, stop["bin"], mode="pick", pick_list=first.id)["ok"]
    item = TEE if stop["sku"] == "TEE-BLK-M" else MUG
    ack = scan(w.picker, item, mode="pick", pick_list=first.id, qty=stop["qty"])
    assert ack["ok"], ack
    live = client.get(f"/sup/waves/{wave.id}/live").get_data(as_text=True)
    cart_one = live.split('data-cart="1"', 1)[1].split("</tr>", 1)[0]
    assert f"1 / {stops[0]}" in cart_one and ">pia<" in cart_one and ">Being picked<" in cart_one
    assert re.search(r'data-testid="cart-left">' + str(stops[0] - 1) + "<", cart_one)
    assert "min" in cart_one and re.search(r'data-testid="cart-finish">\d\d:\d\d<', cart_one)  # finish at the pace
    assert f"1 of {sum(stops)} stops done" in live and 'data-status="picking"' in live

    # the desk's list of waves shows the wave picking with its stops done
    desk_html = client.get("/sup/waves").get_data(as_text=True)
    row = desk_html.split(f'<tr data-wave="{wave.id}">', 1)[1].split("</tr>", 1)[0]
    assert ">Picking<" in row and f"1 / {sum(stops)}" in row


def test_releasing_after_the_orders_changed_plans_again_and_says_so(tiny_warehouse, app):
    w = tiny_warehouse
    four_released_orders(w)
    client = desk(app)
    proposed = client.get(PROPOSE).get_data(as_text=True)
    sales_orders.create_order("api", "WV-5", [NewLine("TEE-BLK-M", 1)], w.supervisor, address="上海市",
                              carrier="SF", paid_at=datetime(2026, 11, 22, 8, 0))
    db.session.commit()
    sales_orders.release("WV-5", w.supervisor)
    db.session.commit()
    html = release_from_the_page(client, proposed).get_data(as_text=True)
    wave = db.session.execute(select(Wave)).scalar_one()
    assert f"Wave {wave.id} was planned again: the released orders changed since the proposal. " \
           "It has 3 carts and 5 orders — check them below." in html


def test_exceptions_link_to_where_they_are_resolved(tiny_warehouse, app):
    w = tiny_warehouse
    four_released_orders(w)
    view = waves.release_wave(waves.WaveFilters(carrier="SF"), Cart(totes=4, tote_capacity=20), w.supervisor)
    list_id = view["pick_lists"][0]["pick_list"]
    waves.claim(list_id, w.picker)
    for slot in range(1, 5):
        assert scan(w.picker, f"TOTE-000{slot}", mode="pick.tote", pick_list=list_id, slot=slot)["ok"]
    for _ in range(3):  # three wrong bins in a row
        assert scan(w.picker, "Q-01-01-1", mode="pick", pick_list=list_id)["ok"] is False
    pick_lists.place_hold("WV-2", "客户要求改地址", w.supervisor)
    db.session.commit()
    html = desk(app).get(f"/sup/waves/{view['wave']}").get_data(as_text=True)
    exceptions = html.split('data-testid="wave-exceptions"', 1)[1].split("</ul>", 1)[0]
    assert 'data-kind="hold"' in exceptions and "客户要求改地址" in exceptions
    assert 'href="/sup/orders/WV-2"' in exceptions
    assert "cart #1: pia scanned wrong 3 times in a row" in exceptions and 'href="/sup/scans"' in exceptions


def test_the_board_and_the_desk_speak_chinese_with_local_times(tiny_warehouse, app):
    w = tiny_warehouse
    four_released_orders(w)
    client = desk(app)
    client.set_cookie("sup_lang", "zh")
    html = client.get(PROPOSE).get_data(as_text=True)
    assert "共 4 个已释放订单等待组波。" in html and "建议波次（试算）" in html and "下发此波次" in html
    view = waves.release_wave(waves.WaveFilters(carrier="SF"), Cart(totes=2, tote_capacity=20), w.supervisor)
    wave = db.session.get(Wave, view["wave"])
    wave.created_at = datetime(2026, 11, 22, 1, 30)  # UTC: 09:30 in Shanghai
    db.session.commit()
    board = client.get(f"/sup/waves/{wave.id}").get_data(as_text=True)
    assert f"波次 {wave.id}" in board and "2026-11-22 09:30 下发" in board and "尚未领取" in board
    assert ">开启<" in board  # the carts' status as a word
    # The picking dashboard says how each cart's route was worked out in the reader's words, not the code.
    routes = re.findall(r'data-testid="pick-list-route">([^<]*)<', client.get("/sup/picking").get_data(as_text=True))
    assert routes and all(re.fullmatch(r"\d+ 米（最优）", route) for route in routes), routes
    client.set_cookie("sup_lang", "en")
    routes = re.findall(r'data-testid="pick-list-route">([^<]*)<', client.get("/sup/picking").get_data(as_text=True))
    assert routes and all(re.fullmatch(r"\d+ m \(optimal\)", route) for route in routes), routes


def test_the_picking_dashboard_leads_to_the_waves_desk(tiny_warehouse, app):
    html = desk(app).get("/sup/picking").get_data(as_text=True)
    assert 'data-testid="no-waves"' in html and 'href="/sup/waves"' in html
    assert '<a href="/sup/waves">Waves</a>' in html or '<a href="/sup/waves" aria-current' in html
