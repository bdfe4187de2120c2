"""A warehouse is set up by giving it bins (day one): transfers then reach it without a config change;
a warehouse nobody set up is still refused by name."""
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
