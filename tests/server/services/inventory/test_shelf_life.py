"""Shelf life (保质期): an item with a shelf life is received only with its expiry (scanned AI 17/15, typed, or a
production date AI 11 + its shelf days) and enough life left (拒收临期); an expired lot is never allocated, even
the oldest; the daily sweep blocks a lot on the day it expires and makes the tasks that move it to quarantine;
lots within the alert days reach the dashboard."""
from __future__ import annotations

import json
import uuid
from datetime import date, timedelta

import pytest

from server import local_time
from sqlalchemy import select

from server.db.models import BinStock, Lot, ReplenishmentTask
from server.domain.barcodes import decode
from server.domain.errors import WmsError
from server.domain.stock import Movement
from server.extensions import db
from server.services.floor import scans
from server.services.inventory import replenishment, shelf_life, stock
from server.services.orders import sales_orders
from server.services.orders.sales_orders import NewLine
from server.services.receiving import inbound
from tests.server.conftest import log_in_on_the_pages
from tests.server.services.receiving.test_inbound import new_po, started

TEE_GS1 = "]C1010590123412345710SUP1\x1d"  # the tee's GTIN and a supplier lot; dates appended per test


def refusal(call) -> WmsError:
    with pytest.raises(WmsError) as caught:
        call()
    db.session.rollback()
    return caught.value


@pytest.fixture
def tee_lasts_a_year(tiny_warehouse):
    w = tiny_warehouse
    w.tee.shelf_life_days, w.tee.tracks_expiry = 365, True
    w.tee.attributes = json.dumps({"min_remaining_days": 120})
    db.session.commit()
    return w


def yymmdd(day: date) -> str:
    return day.strftime("%y%m%d")


def test_receiving_needs_the_expiry_of_an_item_with_a_shelf_life(tee_lasts_a_year):
    w = tee_lasts_a_year
    receipt = started(w, new_po(w, qty=10))
    db.session.commit()  # a refusal below rolls back only its own count
    error = refusal(lambda: inbound.count(receipt.id, 1, decode("5901234123457"), 1, w.receiver))
    assert error.code == "expiry_required"
    assert error.message() == {"en": "TEE-BLK-M has a shelf life: scan or type its expiry or production date.",
                               "zh": "TEE-BLK-M 有保质期：请扫描或输入有效期或生产日期。"}
    # Typed on the handheld, or a production date (AI 11) + the item's 365 days.
    typed = local_time.today() + timedelta(days=200)
    _, counted = inbound.count(receipt.id, 1, decode("5901234123457"), 1, w.receiver, expiry=typed)
    assert counted.expiry == typed
    made = local_time.today() - timedelta(days=10)
    _, counted = inbound.count(receipt.id, 1, decode(TEE_GS1 + "11" + yymmdd(made)), 1, w.receiver)
    assert counted.expiry == made + timedelta(days=365)


def test_receiving_refuses_goods_below_the_remaining_life_limit(tee_lasts_a_year):
    w = tee_lasts_a_year
    receipt = started(w, new_po(w, qty=10))
    db.session.commit()  # a refusal below rolls back only its own count
    short = local_time.today() + timedelta(days=90)  # the item asks for at least 120 days
    error = refusal(lambda: inbound.count(receipt.id, 1, decode(TEE_GS1 + "17" + yymmdd(short)), 2, w.receiver))
    assert error.code == "expiry_too_short"
    assert error.message()["en"] == (f"TEE-BLK-M expires on {short.isoformat()}, 90 days from now; at least 120 days "
                                     "are required: not received.")
    assert "拒收临期" in error.message()["zh"]
    gone = local_time.today() - timedelta(days=1)
    assert refusal(lambda: inbound.count(receipt.id, 1, decode(TEE_GS1 + "17" + yymmdd(gone)), 2, w.receiver)
                   ).code == "expiry_passed"
    # Nothing of the refused counts reached the PO line; a long-lived lot is counted.
    fine = local_time.today() + timedelta(days=300)
    line, _ = inbound.count(receipt.id, 1, decode(TEE_GS1 + "15" + yymmdd(fine)), 2, w.receiver)  # best before
    assert line.received_qty == 2


def test_a_category_sets_the_limit_when_the_item_does_not(app, tiny_warehouse):
    w = tiny_warehouse
    w.tee.shelf_life_days, w.tee.category = 180, "食品"
    db.session.commit()
    app.config["WMS"]["shelf_life"]["category_min_remaining_days"] = {"食品": 60}
    receipt = started(w, new_po(w, qty=10))
    db.session.commit()  # a refusal below rolls back only its own count
    soon = local_time.today() + timedelta(days=59)
    assert refusal(lambda: inbound.count(receipt.id, 1, decode(TEE_GS1 + "17" + yymmdd(soon)), 1, w.receiver)
                   ).code == "expiry_too_short"


def test_an_expired_lot_is_never_allocated_even_when_it_is_the_oldest(tiny_warehouse):
    w = tiny_warehouse
    expired = Lot(item_id=w.tee.id, code="OLD", received_on=date(2026, 1, 1),
                  expiry=local_time.today())  # expires today: already not to ship
    db.session.add(expired)
    db.session.flush()
    stock.move(Movement(w.empty.id, w.tee.id, expired.id, 5, "opening_balance"))
    db.session.commit()
    assert sales_orders.free_stock(w.tee.id) == 3  # the 3 good tees of lot L1; not the 5 expired ones
    sales_orders.create_order("api", "X-1", [NewLine("TEE-BLK-M", 2)], w.supervisor, customer_name="郭丽",
                              address="上海市 浦东新区 世纪大道1号", paid_at=date(2026, 12, 1))
    db.session.commit()
    sales_orders.release("X-1", w.supervisor)
    sales_orders.allocate_order(sales_orders.find_order("X-1"))
    db.session.commit()
    [line] = sales_orders.order_view(sales_orders.find_order("X-1"))["lines"]
    assert [(r["bin"], r["lot"], r["qty"]) for r in line["reserved"]] == [("A-01-01-1", "L1", 2)]
    sales_orders.create_order("api", "X-2", [NewLine("TEE-BLK-M", 2)], w.supervisor, customer_name="郭丽",
                              address="上海市 浦东新区 世纪大道1号", paid_at=date(2026, 12, 1))
    db.session.commit()
    assert refusal(lambda: sales_orders.release("X-2", w.supervisor)).code == "shortage"  # 1 left, not 6


def test_the_sweep_blocks_a_lot_on_the_day_it_expires_and_makes_its_move_to_quarantine(tiny_warehouse):
    w = tiny_warehouse
    today = local_time.today()
    lots = {code: Lot(item_id=w.tee.id, code=code, received_on=date(2026, 1, 1), expiry=today + timedelta(days=d))
            for code, d in (("TODAY", 0), ("TOMORROW", 1))}
    db.session.add_all(lots.values())
    db.session.flush()
    stock.move(Movement(w.empty.id, w.tee.id, lots["TODAY"].id, 4, "opening_balance"))
    stock.move(Movement(w.far.id, w.tee.id, lots["TOMORROW"].id, 2, "opening_balance"))
    db.session.commit()
    done = shelf_life.sweep(w.supervisor)
    db.session.commit()
    assert [(d["lot"], d["to"], len(d["tasks"])) for d in done] == [("TODAY", "Q-01-01-1", 1)]
    assert lots["TODAY"].block_reason.startswith("expired")
    assert lots["TOMORROW"].block_reason is None
    task = db.session.get(ReplenishmentTask, done[0]["tasks"][0])
    assert (task.from_bin_id, task.to_bin_id, task.qty, task.status) == (w.empty.id, w.quarantine.id, 4, "open")
    assert shelf_life.sweep(w.supervisor) == []  # once a lot
    # Tomorrow comes: that lot's turn.
    assert [d["lot"] for d in shelf_life.sweep(w.supervisor, today + timedelta(days=1))] == ["TOMORROW"]


def test_a_picker_takes_the_expired_lot_to_quarantine_from_the_moves_journey(tiny_warehouse):
    """What the handheld's Moves journey lists and sends: the task says why, and the to-bin scan moves the
    units into quarantine in the ledger; a repeated scan moves nothing twice."""
    w = tiny_warehouse
    lot = Lot(item_id=w.tee.id, code="GONE", received_on=date(2026, 1, 1), expiry=local_time.today())
    db.session.add(lot)
    db.session.flush()
    stock.move(Movement(w.empty.id, w.tee.id, lot.id, 3, "opening_balance"))
    db.session.commit()
    task_id = shelf_life.sweep(w.supervisor)[0]["tasks"][0]
    db.session.commit()
    listed, = [t for t in replenishment.list_tasks("open") if t.id == task_id]
    view = replenishment.replenishment_view(listed)
    assert (view["why"], view["expiry"], view["from_bin"], view["to_bin"], view["qty"]) == \
        ("expired", local_time.today().isoformat(), w.empty.code, "Q-01-01-1", 3)
    scan = {"scan_id": str(uuid.uuid4()), "mode": "replenish", "code": "Q-01-01-1", "task": task_id,
            "from_bin": w.empty.code}
    first = scans.handle(scan, w.picker)
    assert first["ok"] and first["result"]["status"] == "done", first
    assert scans.handle(scan, w.picker) == first
    held = {b: q for b, q in db.session.execute(select(BinStock.bin_id, BinStock.qty).where(
        BinStock.lot_id == lot.id))}
    assert held == {w.empty.id: 0, w.quarantine.id: 3}


def test_near_expiry_lots_reach_the_dashboard(app, tiny_warehouse):
    w = tiny_warehouse
    soon = Lot(item_id=w.tee.id, code="SOON", received_on=date(2026, 1, 1),
               expiry=local_time.today() + timedelta(days=12))
    later = Lot(item_id=w.mug.id, code="LATER", received_on=date(2026, 1, 1),
                expiry=local_time.today() + timedelta(days=200))
    db.session.add_all([soon, later])
    db.session.flush()
    stock.move(Movement(w.empty.id, w.tee.id, soon.id, 4, "opening_balance"))
    stock.move(Movement(w.empty.id, w.mug.id, later.id, 1, "opening_balance"))
    db.session.commit()
    client = log_in_on_the_pages(app.test_client(), "sue")
    page = client.get("/sup/picking").get_data(as_text=True)
    near = page.split('data-testid="near-expiry"')[1].split("</ul>")[0]
    assert 'data-lot="SOON"' in near and "LATER" not in near
    assert "4 units" in near and "expires in 12 days" in near
    report = client.get("/sup/reports/expiry").get_data(as_text=True)
    assert report.index("SOON") < report.index("LATER")
    csv = client.get("/sup/reports/expiry?format=csv").get_data(as_text=True)
    assert "SOON" in csv and "LATER" in csv
