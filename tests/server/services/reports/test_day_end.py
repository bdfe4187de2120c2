"""Day-end (当日清): what is left open shows with its age and who started it; a hold counts once it is a
day old; a cleared warehouse says so."""
from datetime import timedelta

from server.db.models import utcnow
from server.extensions import db
from server.services.orders import sales_orders
from server.services.picking import pick_lists
from server.services.receiving import inbound
from server.services.reports.day_end import day_end


def test_an_empty_day_is_cleared(app, tiny_warehouse):
    report = day_end()
    assert report["cleared"] is True and set(report["counts"].values()) == {0}


def test_an_unsigned_count_and_a_day_old_hold_are_not_cleared(app, tiny_warehouse):
    w = tiny_warehouse
    po = inbound.create_po("SUP-T", [{"sku": "TEE-BLK-M", "qty": 5}], w.supervisor)
    db.session.commit()
    receipt = inbound.start_receipt(po.number, w.receiver)
    db.session.commit()
    sales_orders.create_order("shop", "DE-1", [sales_orders.NewLine("MUG-WHT", 1)], w.supervisor,
                              address="上海市 1 号", paid_at=utcnow())
    db.session.commit()
    pick_lists.place_hold("DE-1", "买家要求改地址", w.supervisor)

    tonight = day_end(utcnow() + timedelta(hours=3))
    assert tonight["cleared"] is False
    assert [(r["receipt"], r["po"], r["by"]) for r in tonight["sections"]["receipts_not_signed"]] == [
        (receipt.id, po.number, "rex")]
    assert tonight["sections"]["old_holds"] == []  # three hours old: not yet a day-end matter
    tomorrow = day_end(utcnow() + timedelta(hours=25))
    (hold,) = tomorrow["sections"]["old_holds"]
    assert (hold["order"], hold["reason"], hold["by"]) == ("DE-1", "买家要求改地址", "sue")
    assert 24.9 <= hold["hours"] <= 25.1
