"""The supervisor's weighing page for a station (/sup/stations/<code>): what the open parcel should weigh,
what the scale reads, and closing a refused weight with a written reason."""
import json

from sqlalchemy import select

from server.db.models import AuditEntry, Item, Parcel
from server.extensions import db
from server.services.packing import scales
from tests.server.conftest import log_in_on_the_pages
from tests.server.services.packing.test_packing_station import TEE, picked_order, scan, station  # noqa: F401


def test_a_supervisor_sees_the_weights_and_overrides_with_a_reason(app, tiny_warehouse, station):  # noqa: F811
    w = tiny_warehouse
    db.session.execute(select(Item).where(Item.sku == "TEE-BLK-M")).scalar_one().weight_g = 180
    db.session.commit()
    picked_order(w)
    for code in ("TOTE-0001", TEE, TEE):
        scan(station, code, w.packer)
    scales.record(station.code, 905, True)
    try:
        client = log_in_on_the_pages(app.test_client(), "sue")
        page = client.get("/sup/stations/PACK-T").get_data(as_text=True)
        assert "905 g" in page and "610 g" in page and "outside ±30 g" in page and "Medium carton" in page
        client.set_cookie("sup_lang", "zh")
        page = client.get("/sup/stations/PACK-T").get_data(as_text=True)
        assert "应重" in page and "超出 ±30 g" in page and "中号纸箱" in page and "Should weigh" not in page
        client.set_cookie("sup_lang", "en")

        refused = client.post("/sup/stations/PACK-T/weight-override", data={"reason": "ok"}, follow_redirects=True)
        assert "A weight override needs a written reason" in refused.get_data(as_text=True)
        assert db.session.execute(select(Parcel)).scalar_one().status == "open"

        done = client.post("/sup/stations/PACK-T/weight-override", data={"reason": "Gift box 礼盒"},
                           follow_redirects=True).get_data(as_text=True)
        parcel = db.session.execute(select(Parcel)).scalar_one()
        assert f"Parcel {parcel.tracking} closed at 905 g with your reason." in done
        assert "No parcel is open at this station." in done
        assert (parcel.status, parcel.weight_g, parcel.weight_override_reason) == ("closed", 905, "Gift box 礼盒")
        entry = db.session.execute(select(AuditEntry).where(AuditEntry.via.contains("weight-override"))
                                   ).scalars().one()
        assert entry.user_id == w.supervisor.user_id
        assert any(c["changed"].get("weight_override_reason") == [None, "Gift box 礼盒"]
                   for c in json.loads(entry.changes) if c["table"] == "parcels" and c["op"] == "update")
    finally:
        scales.forget(station.code)


def test_a_packer_may_not_override(app, tiny_warehouse, station):  # noqa: F811
    client = log_in_on_the_pages(app.test_client(), "pat")
    assert client.post("/sup/stations/PACK-T/weight-override", data={"reason": "looks fine"}).status_code == 403
