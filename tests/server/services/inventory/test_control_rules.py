"""Transfers' rules: a warehouse is set up by giving it bins (day one), so transfers reach it, while one
nobody set up is refused by name; units leave quarantine only with a supervisor's release."""
import pytest

from server.domain.errors import WmsError
from server.services.catalogue import bin_master
from server.services.inventory import control
from server.services.people.auth import Actor

ADMIN = Actor(user_id=None, username="admin", name="Admin", role="admin")


def test_a_warehouse_with_bins_of_its_own_receives_transfers(tiny_warehouse):
    w = tiny_warehouse
    with pytest.raises(WmsError) as unknown:
        control.transfer("A-01-01-1", w.tee, 1, w.supervisor, to_warehouse="WH9")
    assert unknown.value.code == "unknown_warehouse"
    bin_master.generate("N", "01", "01", "1", "storage", 50, ADMIN, warehouse="WH9")
    [moved] = control.transfer("A-01-01-1", w.tee, 1, w.supervisor, to_warehouse="WH9")
    assert (moved.kind, moved.status, moved.to_warehouse) == ("warehouse", "in_transit", "WH9")


def test_quarantine_units_leave_only_with_a_supervisors_release(tiny_warehouse):
    from server.domain.stock import Movement
    from server.extensions import db
    from server.services.inventory import stock

    w = tiny_warehouse
    stock.move(Movement(w.quarantine.id, w.tee.id, w.tee_lot.id, 2, "return"))  # two defective tees set aside
    db.session.commit()
    with pytest.raises(WmsError) as refused:
        control.transfer("Q-01-01-1", w.tee, 1, w.picker, to_code="A-01-02-1")
    assert refused.value.code == "quarantine_release_refused" and refused.value.http_status == 403
    assert "Q-01-01-1" in refused.value.message()["en"] and "主管放行" in refused.value.message()["zh"]
    db.session.rollback()
    into = control.transfer("A-01-01-1", w.tee, 1, w.picker, to_code="Q-01-01-1")  # into quarantine: anyone
    assert into[0].status == "done"
    [released] = control.transfer("Q-01-01-1", w.tee, 1, w.supervisor, to_code="A-01-02-1")
    assert released.status == "done"
