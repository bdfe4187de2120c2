"""Waves: released orders allocated, batched onto a cart, stops in walking order, one picker per list."""
from datetime import datetime

import pytest

from sqlalchemy import event

from server.db.models import PickList, SalesOrder, User
from server.domain.batching import Cart
from server.domain.errors import WmsError
from server.extensions import db
from server.services.orders import sales_orders
from server.services.picking import waves
from server.services.people.auth import Actor
from server.services.orders.sales_orders import NewLine


def picker(username):
    user = User(username=username, name=username, role="picker", password_hash="-")
    db.session.add(user)
    db.session.commit()
    return Actor(user.id, username, username, "picker")


def released(w, number, sku, qty=1, carrier="顺丰速运"):
    sales_orders.create_order("api", number, [NewLine(sku, qty)], w.supervisor, address="上海市", carrier=carrier,
                        paid_at=datetime(2026, 11, 22, 9, 0))
    db.session.commit()
    return sales_orders.release(number, w.supervisor)


def test_a_wave_puts_released_orders_on_a_cart_with_stops_in_walking_order(tiny_warehouse):
    w = tiny_warehouse
    released(w, "O-1", "TEE-BLK-M", 2)
    released(w, "O-2", "MUG-WHT", 1)
    wave = waves.release_wave(waves.WaveFilters(), Cart(totes=4, tote_capacity=10), w.supervisor)
    view = wave
    [pick_list] = view["pick_lists"]
    assert view["orders"] == 2 and pick_list["totes"] == 2 and pick_list["route_method"] == "optimal"
    assert sorted((s["order"], s["sku"], s["qty"], s["bin"]) for s in pick_list["stops"]) == [
        ("O-1", "TEE-BLK-M", 2, "A-01-01-1"), ("O-2", "MUG-WHT", 1, "A-01-01-1")]
    assert {s["tote"] for s in pick_list["stops"]} == {1, 2}
    assert {o.status for o in db.session.query(SalesOrder)} == {"allocated"}


def test_filters_choose_which_released_orders_go(tiny_warehouse):
    w = tiny_warehouse
    released(w, "O-1", "TEE-BLK-M", carrier="顺丰速运")
    released(w, "O-2", "TEE-BLK-M", carrier="中通快递")
    wave = waves.release_wave(waves.WaveFilters(carrier="中通快递"), Cart(totes=4, tote_capacity=10), w.supervisor)
    assert [s["order"] for p in wave["pick_lists"] for s in p["stops"]] == ["O-2"]
    with pytest.raises(WmsError):
        waves.release_wave(waves.WaveFilters(carrier="EMS"), Cart(totes=4, tote_capacity=10), w.supervisor)


def test_a_pick_list_is_claimed_by_one_picker_only(tiny_warehouse):
    w = tiny_warehouse
    released(w, "O-1", "TEE-BLK-M")
    wave = waves.release_wave(waves.WaveFilters(), Cart(totes=4, tote_capacity=10), w.supervisor)
    list_id = wave["pick_lists"][0]["pick_list"]
    assert waves.claim(list_id, w.picker).status == "claimed"
    with pytest.raises(WmsError) as caught:
        waves.claim(list_id, w.picker)
    assert caught.value.code == "already_claimed"


def test_taking_the_next_pick_list_resumes_your_own_before_a_new_one(tiny_warehouse):
    w = tiny_warehouse
    released(w, "O-1", "TEE-BLK-M")
    released(w, "O-2", "MUG-WHT")
    wave = waves.release_wave(waves.WaveFilters(), Cart(totes=1, tote_capacity=10), w.supervisor)
    first, second = [p["pick_list"] for p in wave["pick_lists"]]
    assert waves.take_next(w.picker)["pick_list"] == first
    assert waves.take_next(w.picker)["pick_list"] == first  # unfinished: the same list again
    assert [p["pick_list"] for p in waves.pick_lists("open", None)] == [second]
    [mine] = waves.pick_lists(None, w.picker.user_id, with_stop=True)
    assert mine["pick_list"] == first and mine["claimed_by"] == w.picker.username
    assert mine["stop"]["order"] == "O-1" and mine["stop"]["bin"] == "A-01-01-1"


def test_many_lists_are_shown_as_each_is_alone_read_in_a_few_statements(tiny_warehouse):
    w = tiny_warehouse
    for n in range(3):  # all the tiny warehouse holds: a mug and two tees
        released(w, f"O-{n}", "TEE-BLK-M" if n else "MUG-WHT")
    wave = waves.release_wave(waves.WaveFilters(), Cart(totes=1, tote_capacity=10), w.supervisor)
    ids = [p["pick_list"] for p in wave["pick_lists"]]
    waves.take_next(w.picker)
    alone = [waves.pick_list_view(db.session.get(PickList, i), with_stop=True) for i in ids]
    statements = []

    def record(_connection, _cursor, statement, *_):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        together = waves.pick_lists(None, None, with_stop=True)
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    assert together == alone and len(ids) == 3 and together[0]["claimed_by"] == w.picker.username
    assert len(statements) <= 4  # ids, lists, stops, user names: not three for every list


def test_a_summary_is_the_list_without_its_stops_but_their_count(tiny_warehouse):
    w = tiny_warehouse
    for n in range(3):
        released(w, f"O-{n}", "TEE-BLK-M" if n else "MUG-WHT")
    waves.release_wave(waves.WaveFilters(), Cart(totes=2, tote_capacity=10), w.supervisor)
    waves.take_next(w.picker)
    for status, user_id in ((None, None), ("open", None), ("claimed", w.picker.user_id)):
        full = waves.pick_lists(status, user_id)
        summaries = waves.pick_list_summaries(status, user_id)
        assert summaries == [{key: value for key, value in view.items() if key not in ("stops", "tote_codes")}
                             | {"stop_count": len(view["stops"])} for view in full]
    assert {s["stop_count"] for s in waves.pick_list_summaries(None, None)} == {1, 2}  # 3 orders, 2 totes a cart
    assert waves.pick_list_summaries("claimed", None)[0]["claimed_by"] == w.picker.username


def test_the_pick_screen_opens_with_the_first_open_lists_in_line_and_says_when_more_wait(tiny_warehouse, monkeypatch):
    w = tiny_warehouse
    monkeypatch.setattr(waves, "CHOICE_OPEN_SHOWN", 2)  # 25 on a real screen
    for n in range(3):
        released(w, f"O-{n}", "TEE-BLK-M" if n else "MUG-WHT")
    waves.release_wave(waves.WaveFilters(), Cart(totes=1, tote_capacity=10), w.supervisor)
    in_line = waves.pick_list_summaries("open", None)
    assert len(in_line) == 3
    screen = waves.choice(w.picker.user_id)
    assert screen["open"] == in_line[:2] and screen["open_more"] is True and screen["mine"] == []
    taken = waves.take_next(w.picker)["pick_list"]  # the first in line
    screen = waves.choice(w.picker.user_id)
    assert screen["open"] == in_line[1:] and screen["open_more"] is False
    assert [entry["pick_list"] for entry in screen["mine"]] == [taken]


def test_open_lists_are_read_in_the_order_they_are_taken_not_all_read_and_sorted(tiny_warehouse):
    """Taking the next list and the handheld's list of open lists stop at the first open lists by an
    index: at 2,000 open lists they read and sorted every one (and counted every one's stops)."""
    w = tiny_warehouse
    for n in range(3):
        released(w, f"O-{n}", "TEE-BLK-M" if n else "MUG-WHT")
    waves.release_wave(waves.WaveFilters(), Cart(totes=1, tote_capacity=10), w.supervisor)
    seen = []

    def record(_connection, _cursor, statement, parameters, *_):
        seen.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        waves.pick_list_summaries("open", None)
        waves.take_next(w.picker)
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    queue_reads = [(s, p) for s, p in seen if "FROM pick_lists" in s and "wave_id, " in s.partition("ORDER BY")[2]]
    assert len(queue_reads) == 2, seen  # the summaries, the claim's candidates
    for statement, parameters in queue_reads:
        plan = [row[3] for row in db.session.connection().exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}",
                                                                          parameters).all()]
        assert any("INDEX ix_pick_lists_status_wave_id_seq" in step for step in plan), plan
        assert not any("TEMP B-TREE" in step for step in plan), plan


def test_each_picker_taking_the_next_list_gets_a_different_one_until_none_is_left(tiny_warehouse, monkeypatch):
    w = tiny_warehouse
    monkeypatch.setattr(waves, "CLAIM_CANDIDATES", 1)  # candidates are read a few at a time
    for number, sku in (("O-1", "TEE-BLK-M"), ("O-2", "MUG-WHT"), ("O-3", "TEE-BLK-M")):
        released(w, number, sku)
    wave = waves.release_wave(waves.WaveFilters(), Cart(totes=1, tote_capacity=10), w.supervisor)
    lists = [p["pick_list"] for p in wave["pick_lists"]]
    pickers = [picker(f"p{n}") for n in range(len(lists) + 1)]
    taken = [waves.take_next(picker)["pick_list"] for picker in pickers[:len(lists)]]
    assert taken == lists
    with pytest.raises(WmsError) as caught:
        waves.take_next(pickers[-1])
    assert caught.value.code == "not_found"


def test_a_proposed_wave_is_shown_and_changes_nothing(tiny_warehouse):
    w = tiny_warehouse
    released(w, "O-1", "TEE-BLK-M", 2)
    proposal = waves.release_wave(waves.WaveFilters(), Cart(totes=4, tote_capacity=10), w.supervisor, dry_run=True)
    assert proposal["status"] == "proposed" and proposal["orders"] == 1 and proposal["pick_lists"]
    assert db.session.query(SalesOrder).one().status == "released"
    assert waves.pick_lists(None, None) == []
