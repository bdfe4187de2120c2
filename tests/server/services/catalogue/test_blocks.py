"""A blocked (frozen) item or lot keeps its stock where it is: no free stock, no allocation, no transfer —
until it is unblocked; blocking needs a written reason."""
import pytest

from server.domain.errors import WmsError
from server.services.catalogue import item_master
from server.services.inventory import control
from server.services.orders import sales_orders


def test_a_blocked_lot_is_not_offered_and_unblocking_gives_it_back(tiny_warehouse):
    w = tiny_warehouse
    assert sales_orders.free_stock(w.tee.id) == 3
    item_master.set_blocked(w.tee.sku, True, "supplier recall 召回", w.supervisor, lot_code="L1")
    assert sales_orders.free_stock(w.tee.id) == 0 and sales_orders.stock_places(w.tee.id) == []
    with pytest.raises(WmsError) as refused:
        control.transfer("A-01-01-1", w.tee, 1, w.supervisor, to_code="A-01-02-1")
    assert refused.value.code == "lot_blocked" and "召回" in refused.value.message()["zh"]
    item_master.set_blocked(w.tee.sku, False, "", w.supervisor, lot_code="L1")
    assert sales_orders.free_stock(w.tee.id) == 3


def test_a_blocked_item_has_no_free_stock_and_cannot_be_moved(tiny_warehouse):
    w = tiny_warehouse
    item_master.set_blocked(w.mug.sku, True, "quality hold", w.supervisor)
    assert sales_orders.free_stock(w.mug.id) == 0
    with pytest.raises(WmsError) as refused:
        control.transfer("A-01-01-1", w.mug, 1, w.supervisor, to_code="A-01-02-1")
    assert refused.value.code == "item_blocked"
    assert sales_orders.free_stock(w.tee.id) == 3  # other items are untouched


def test_blocking_needs_a_reason_and_the_permission(tiny_warehouse):
    w = tiny_warehouse
    with pytest.raises(WmsError) as no_reason:
        item_master.set_blocked(w.mug.sku, True, "  ", w.supervisor)
    assert no_reason.value.code == "reason_required"
    with pytest.raises(WmsError) as picker:
        item_master.set_blocked(w.mug.sku, True, "why not", w.picker)
    assert picker.value.code == "forbidden"
