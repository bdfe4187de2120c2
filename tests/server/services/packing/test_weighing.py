"""Weighing at packing: at a station with a scale the parcel's stable weight must match its units +
packaging within the tolerance; a supervisor may override with a written reason (audited); units
without a weight close unchecked, saying which SKUs lack one; the weight goes on the shipping label."""
import json

import pytest
from sqlalchemy import select

from server.db.models import AuditEntry, Item, PrintJob
from server.extensions import db
from server.services.packing import packing_station, scales
from tests.server.services.packing.test_packing_station import TEE, close, picked_order, refusal, scan, station  # noqa: F401


@pytest.fixture
def weighed_order(tiny_warehouse, station):  # noqa: F811
    """Two TEE-BLK-M of 180 g each scanned into a medium carton (tare 250 g): the parcel should weigh 610 g."""
    db.session.execute(select(Item).where(Item.sku == "TEE-BLK-M")).scalar_one().weight_g = 180
    db.session.commit()
    picked_order(tiny_warehouse)
    scan(station, "TOTE-0001", tiny_warehouse.packer)
    scan(station, TEE, tiny_warehouse.packer)
    scan(station, TEE, tiny_warehouse.packer)
    yield station
    scales.forget(station.code)


def test_a_wrong_weight_is_refused_with_both_weights_and_the_right_one_closes(tiny_warehouse, weighed_order):
    w, desk = tiny_warehouse, weighed_order
    scales.record(desk.code, 790, True, "ST,GS,+000.790kg")  # a third shirt in the box
    error = refusal(lambda: packing_station.close_parcel(desk, w.packer))
    assert error.code == "weight_mismatch"
    assert error.message()["en"] == ("The parcel weighs 790 g but should weigh 610 g (+180 g, allowed ±30 g): "
                                     "check its contents, or ask a supervisor to override.")
    assert error.message()["zh"].startswith("包裹称重 790 克，应为 610 克")

    scales.record(desk.code, 615, False, "US,GS,+000.615kg")
    assert refusal(lambda: packing_station.close_parcel(desk, w.packer)).code == "scale_unstable"

    scales.record(desk.code, 634, True, "ST,GS,+000.634kg")  # 24 g off: inside the 30 g allowance
    parcel = close(desk, w.packer, weight_g=9999)  # a typed weight does not count where a scale reads
    assert (parcel.status, parcel.weight_g, parcel.expected_weight_g, parcel.packaging) == ("closed", 634, 610, "CTN-M")
    label = db.session.execute(select(PrintJob).where(PrintJob.kind == "shipping_label")).scalar_one()
    assert "0.63 kg" in label.zpl


def test_the_percentage_allowance_wins_for_a_heavy_parcel(tiny_warehouse, weighed_order, app):
    app.config["WMS"]["packing"]["weight_tolerance_pct"] = 10.0  # 10 % of 610 g = 61 g > 30 g
    try:
        scales.record(weighed_order.code, 670, True)
        assert close(weighed_order, tiny_warehouse.packer).weight_g == 670
    finally:
        app.config["WMS"]["packing"]["weight_tolerance_pct"] = 3.0


def test_a_supervisor_overrides_with_a_reason_and_the_audit_says_so(tiny_warehouse, weighed_order):
    w, desk = tiny_warehouse, weighed_order
    scales.record(desk.code, 900, True)
    assert refusal(lambda: packing_station.override_weight(desk.code, w.packer, {"reason": "gift box"})
                   ).code == "forbidden"
    assert refusal(lambda: packing_station.override_weight(desk.code, w.supervisor, {"reason": " "})
                   ).code == "override_reason_missing"
    _, parcel = packing_station.override_weight(desk.code, w.supervisor,
                                                {"reason": "Customer asked for a gift box 礼盒"})
    db.session.commit()
    assert (parcel.weight_g, parcel.expected_weight_g, parcel.weight_override_by) == (900, 610, w.supervisor.user_id)
    assert parcel.packed_by == w.supervisor.user_id  # nobody is signed in at the station
    entries = db.session.execute(select(AuditEntry).where(AuditEntry.tables.contains(",parcels,"))).scalars().all()
    changes = [c for e in entries for c in json.loads(e.changes)
               if c["table"] == "parcels" and "weight_override_reason" in c.get("changed", {})]
    assert changes and changes[-1]["changed"]["weight_override_reason"][1] == "Customer asked for a gift box 礼盒"
    assert packing_station.parcel_view(parcel)["weight_override"] == "Customer asked for a gift box 礼盒"


def test_units_without_a_weight_close_unchecked_and_name_the_skus(tiny_warehouse, weighed_order):
    db.session.execute(select(Item).where(Item.sku == "TEE-BLK-M")).scalar_one().weight_g = None
    db.session.commit()
    scales.record(weighed_order.code, 2000, True)
    parcel = close(weighed_order, tiny_warehouse.packer)
    view = packing_station.parcel_view(parcel)
    assert (view["weight_g"], view["expected_weight_g"], view["weight_unknown"]) == (2000, None, ["TEE-BLK-M"])


def test_a_station_without_a_scale_keeps_the_typed_weight_unchecked(tiny_warehouse, weighed_order):
    parcel = close(weighed_order, tiny_warehouse.packer, weight_g=1500)
    assert (parcel.weight_g, parcel.expected_weight_g) == (1500, 610)


def test_an_unknown_packaging_is_refused(tiny_warehouse, weighed_order):
    error = refusal(lambda: packing_station.close_parcel(weighed_order, tiny_warehouse.packer, packaging="BARREL"))
    assert error.code == "unknown_packaging" and "CTN-M" in error.message()["en"]
