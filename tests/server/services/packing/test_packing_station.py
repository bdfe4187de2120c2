"""Packing at a station and handing over to the carrier: every unit scanned (wrong, extra and missing
units block the parcel), labels printed at close, the ledger moving tote → parcel → shipped."""
from datetime import datetime

import pytest
from sqlalchemy import select

from server.db.models import Bin, BinStock, LedgerEntry, PrintJob, SalesOrder, Station
from server.domain.errors import WmsError
from server.extensions import db
from server.services.packing import handover
from server.services.orders import sales_orders
from server.services.packing import packing_station
from server.services.picking import pick_lists
from server.services.inventory import stock
from server.services.orders.sales_orders import NewLine
from server.services.packing import parcels
from tests.server.conftest import pick_released

TEE = "5901234123457"
MUG = "036000291452"


def picked_order(w, number="O-1", lines=(("TEE-BLK-M", 2),), tote="TOTE-0001", **extra):
    sales_orders.create_order("api", number, [NewLine(sku, qty) for sku, qty in lines], w.supervisor,
                        address="浙江省杭州市西湖区文三路 100 号", customer_name="张三", phone="13800000000",
                        carrier="顺丰", paid_at=datetime(2026, 11, 22, 9, 0))
    order = sales_orders.find_order(number)
    for key, value in extra.items():
        setattr(order, key, value)
    db.session.commit()
    pick_released(w, number, tote)
    return sales_orders.find_order(number)


@pytest.fixture
def station(tiny_warehouse):
    station = Station(code="PACK-T", name="test station", printer_id=tiny_warehouse.printer.id)
    db.session.add(station)
    db.session.commit()
    return station


def scan(station, code, actor):
    """One accepted scan, committed as the scan pipeline commits it."""
    outcome = packing_station.scan(station, code, actor)
    db.session.commit()
    return outcome


def close(station, actor, **fields):
    parcel = packing_station.close_parcel(station, actor, **fields)
    db.session.commit()
    return parcel


def refusal(call) -> WmsError:
    with pytest.raises(WmsError) as caught:
        call()
    db.session.rollback()
    return caught.value


def in_bin(code):
    return sum(db.session.execute(select(BinStock.qty).join(Bin).where(Bin.code == code)).scalars())


def jobs(kind):
    return db.session.execute(select(PrintJob).where(PrintJob.kind == kind)).scalars().all()


def test_every_unit_is_scanned_into_the_parcel_and_closing_prints_label_and_packing_list(tiny_warehouse, station,
                                                                                         label_barcodes):
    w = tiny_warehouse
    order = picked_order(w)
    assert scan(station, "TOTE-0001", w.packer)["kind"] == "tote"
    view = packing_station.station_view(station)
    assert view["order"]["number"] == "O-1" and view["lines"][0]["remaining"] == 2
    assert refusal(lambda: packing_station.scan(station, MUG, w.packer)).code == "not_in_order"
    scan(station, TEE, w.packer)
    db.session.commit()
    error = refusal(lambda: packing_station.close_parcel(station, w.packer))
    assert error.code == "units_missing" and "TEE-BLK-M × 1" in error.message()["en"]
    assert scan(station, TEE, w.packer)["next"] == "close_parcel"
    db.session.commit()
    error = refusal(lambda: packing_station.scan(station, TEE, w.packer))
    assert error.code == "extra_unit" and "多了一件" in error.message()["zh"]
    assert (in_bin("TOTE-0001"), in_bin(f"PCL-{order.id}-1")) == (0, 2)

    parcel = close(station, w.packer, weight_g=850)
    db.session.commit()
    assert parcel.tracking.startswith("SF") and len(parcel.tracking) == 13 and parcel.weight_g == 850
    assert order.status == "packed" and station.order_id is None
    label, = jobs("shipping_label")
    assert set(*label_barcodes(label.zpl)) == {parcel.tracking, "O-1"}
    assert "^CI28" in label.zpl and "张三" in label.zpl
    packing_list, = jobs("packing_list")
    assert "TEE-BLK-M" in packing_list.zpl and "O-1" in packing_list.zpl
    assert stock.books_disagreements() == []


def test_an_order_ships_in_several_parcels_each_with_its_own_label(tiny_warehouse, station):
    w = tiny_warehouse
    order = picked_order(w, lines=(("TEE-BLK-M", 2), ("MUG-WHT", 1)))
    scan(station, "O-1", w.packer)  # the order number works as well as the tote
    scan(station, TEE, w.packer)
    scan(station, TEE, w.packer)
    assert refusal(lambda: packing_station.close_parcel(station, w.packer, of_parcels=0)).code == "bad_request"
    first = close(station, w.packer, of_parcels=2)
    db.session.commit()
    assert (first.seq, first.of_parcels, order.status, station.order_id) == (1, 2, "picked", order.id)
    assert refusal(lambda: packing_station.close_parcel(station, w.packer)).code == "parcel_empty"
    scan(station, MUG, w.packer)
    second = close(station, w.packer)
    db.session.commit()
    assert (second.seq, second.of_parcels, order.status) == (2, 2, "packed")
    assert len(jobs("shipping_label")) == 2 and first.tracking != second.tracking


def test_an_order_on_hold_is_refused_at_once_at_the_station_and_at_handover(tiny_warehouse, station):
    w = tiny_warehouse
    picked_order(w)
    pick_lists.place_hold("O-1", "customer called: wrong address", w.supervisor)
    error = refusal(lambda: packing_station.scan(station, "TOTE-0001", w.packer))
    assert error.code == "order_on_hold" and "wrong address" in error.message()["en"]
    pick_lists.release_hold("O-1", w.supervisor)
    scan(station, "TOTE-0001", w.packer)
    scan(station, TEE, w.packer)
    scan(station, TEE, w.packer)
    parcel = close(station, w.packer)
    db.session.commit()
    pick_lists.place_hold("O-1", "fraud check", w.supervisor)
    assert refusal(lambda: handover.add_parcel(parcel, w.packer)).code == "order_on_hold"


def test_handover_needs_driver_then_packer_and_only_then_ships_the_units(tiny_warehouse, station):
    w = tiny_warehouse
    order = picked_order(w)
    scan(station, "TOTE-0001", w.packer)
    scan(station, TEE, w.packer)
    scan(station, TEE, w.packer)
    parcel = close(station, w.packer)
    db.session.commit()
    # With no order open, the parcel's label scanned at the station puts it on its carrier's manifest.
    assert scan(station, parcel.tracking, w.packer)["kind"] == "parcel"
    db.session.commit()
    manifest = handover.find_manifest(parcel.manifest_id)
    assert manifest.carrier == "SF"
    assert refusal(lambda: handover.add_parcel(parcel, w.packer)).code == "parcel_on_manifest"
    assert refusal(lambda: handover.packer_confirms(manifest, w.packer)).code == "driver_confirm_first"
    assert refusal(lambda: handover.driver_confirms(manifest, " ", None, None, w.packer)).code == "bad_request"
    assert refusal(lambda: handover.packer_confirms(manifest, w.picker)).code == "forbidden"
    handover.driver_confirms(manifest, "李师傅", "13900000000", "浙A12345", w.packer)
    handover.packer_confirms(manifest, w.packer)
    db.session.commit()
    assert (order.status, parcel.status, manifest.status) == ("shipped", "shipped", "shipped")
    assert in_bin(f"PCL-{order.id}-1") == 0
    reasons = db.session.execute(select(LedgerEntry.reason, LedgerEntry.qty).order_by(LedgerEntry.id)).all()
    assert ("ship", -2) in [tuple(r) for r in reasons]
    assert stock.books_disagreements() == []
    assert refusal(lambda: handover.add_parcel(parcel, w.packer)).code == "parcel_not_ready"


def test_an_order_ships_whole_all_its_parcels_on_the_manifest(tiny_warehouse, station):
    w = tiny_warehouse
    picked_order(w)
    scan(station, "TOTE-0001", w.packer)
    scan(station, TEE, w.packer)
    first = close(station, w.packer, of_parcels=2)
    scan(station, TEE, w.packer)
    second = close(station, w.packer)
    db.session.commit()
    manifest = handover.add_parcel(first, w.packer)
    handover.driver_confirms(manifest, "李师傅", None, None, w.packer)
    error = refusal(lambda: handover.packer_confirms(manifest, w.packer))
    assert error.code == "parcels_missing" and second.tracking in error.message()["en"]


def test_an_exchange_prints_its_exchange_notice_with_the_last_parcel(tiny_warehouse, station, label_barcodes):
    w = tiny_warehouse
    order = picked_order(w, kind="exchange", exchange_of="O-0", exchange_reason="wrong size")
    scan(station, "TOTE-0001", w.packer)
    scan(station, TEE, w.packer)
    scan(station, TEE, w.packer)
    close(station, w.packer)
    db.session.commit()
    notice, = jobs("exchange_notice")
    assert parcels.exchange_notice_number(order) in label_barcodes(notice.zpl)[0] and "O-0" in notice.zpl


def test_a_fixed_scanner_packs_as_the_packer_signed_in_at_its_station(tiny_warehouse, station):
    w = tiny_warehouse
    from server.db.models import Device
    from server.services.people.auth import Actor

    bridge = Device(code="BRIDGE-T", kind="scanner_bridge", name="bridge")
    db.session.add(bridge)
    db.session.flush()
    station.scanner_device_id = bridge.id
    db.session.commit()
    device = Actor(device_id=bridge.id, device_code="BRIDGE-T", device_kind="scanner_bridge")
    assert refusal(lambda: packing_station.station_actor(station, device)).code == "station_not_manned"
    packing_station.sign_in("PACK-T", w.packer)
    actor = packing_station.station_actor(packing_station.find_station("PACK-T"), device)
    assert (actor.username, actor.device_code) == ("pat", "BRIDGE-T")
    assert refusal(lambda: packing_station.sign_in("PACK-T", w.picker)).code == "forbidden"
    assert refusal(lambda: packing_station.sign_in("NOPE", w.packer)).code == "station_not_found"
    assert db.session.execute(select(SalesOrder).where(SalesOrder.number == "x")).first() is None
