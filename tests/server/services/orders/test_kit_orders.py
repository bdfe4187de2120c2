"""An order line with a kit (组合装): release writes its demand as part lines (ready-made kits first, or
components first), a shortage names the component and writes nothing, and from then on the parts are what is
reserved, picked, packed (the station counts whole kits), printed on the packing list beneath the kit, shipped,
put back when the order is cancelled, and inspected one by one when the kit comes back."""
import re
from datetime import date, datetime

import pytest
from sqlalchemy import select

from server.db.models import (Bin, BinStock, Item, ItemBarcode, LedgerEntry, Lot, PickTask, PrintJob, Reservation,
                              SalesOrderLine, Station)
from server.domain.barcodes import decode, item_code_key
from server.domain.batching import Cart
from server.domain.errors import WmsError
from server.domain.stock import Movement
from server.extensions import db
from server.services.catalogue import kits
from server.services.catalogue.kits import Component
from server.services.inventory import ledger, stock
from server.services.orders import cancellation, sales_orders
from server.services.orders.sales_orders import NewLine
from server.services.packing import handover, packing_station
from server.services.picking import pick_lists, waves
from server.services.people.auth import Actor
from server.services.returns import return_cases

TEE, MUG, BOX = "5901234123457", "036000291452", "6901234567892"
MANAGER = Actor(None, "mia", "Mia", "manager")  # kits are master data


@pytest.fixture
def w(tiny_warehouse):
    """The tiny warehouse with kit HZK01 = 1 tee + 2 mugs: 3 tees and 4 mugs on A-01-01-1, one ready-made
    HZK01 on A-01-02-1."""
    w = tiny_warehouse
    stock.move(Movement(w.full.id, w.mug.id, w.mug_lot.id, 3, "opening_balance"))
    kit = kits.define("HZK01", [Component("TEE-BLK-M", 1), Component("MUG-WHT", 2)], MANAGER,
                      name_zh="礼盒", name_en="Gift box")
    kit.barcodes.append(ItemBarcode(code=BOX, lookup_key=item_code_key(BOX), symbology="ean13"))
    lot = Lot(item_id=kit.id, code="L3", received_on=date(2026, 10, 3))
    db.session.add(lot)
    db.session.flush()
    stock.move(Movement(w.empty.id, kit.id, lot.id, 1, "opening_balance"))
    db.session.add(Station(code="PACK-T", name="test station", printer_id=w.printer.id))
    db.session.commit()
    w.kit = kit
    return w


@pytest.fixture
def components_first(app):
    app.config["WMS"].setdefault("kits", {})["ready_made_first"] = False
    yield
    app.config["WMS"]["kits"]["ready_made_first"] = True


def order(w, lines, number="O-1"):
    sales_orders.create_order("api", number, [NewLine(sku, qty) for sku, qty in lines], w.supervisor,
                              customer_name="张三", phone="13800000000", address="浙江省杭州市西湖区文三路 100 号",
                              carrier="顺丰", paid_at=datetime(2026, 11, 22, 9, 0))
    db.session.commit()
    return sales_orders.find_order(number)


def lines_of(number="O-1"):
    """(line no, kind, sku, qty, kit line no) of the order's lines."""
    found = sales_orders.find_order(number)
    by_id = {ln.id: ln.line_no for ln in found.lines}
    return sorted((ln.line_no, ln.kind, ln.item.sku, ln.qty, by_id.get(ln.kit_line_id)) for ln in found.lines)


def refusal(call) -> WmsError:
    with pytest.raises(WmsError) as caught:
        call()
    db.session.rollback()
    return caught.value


def pick(w, number="O-1", tote="TOTE-0001"):
    """Release, wave and pick the order into one tote, scanning the bin and the item at every stop."""
    sales_orders.release(number, w.supervisor)
    wave = waves.release_wave(waves.WaveFilters(), Cart(totes=1, tote_capacity=20), w.supervisor)
    list_id = wave["pick_lists"][0]["pick_list"]
    waves.claim(list_id, w.picker)
    pick_lists.bind_tote(list_id, 1, decode(tote), w.picker)
    db.session.commit()
    codes = {w.tee.id: TEE, w.mug.id: MUG, w.kit.id: BOX}
    picked = []
    while (task := pick_lists.current_task(db.session.get(pick_lists.PickList, list_id))) is not None:
        picked.append((db.session.get(Item, task.item_id).sku, task.qty))
        pick_lists.scan(list_id, decode(db.session.get(Bin, task.bin_id).code), 1, w.picker)
        pick_lists.scan(list_id, decode(codes[task.item_id]), task.qty, w.picker)
        db.session.commit()
    return sorted(picked)


def pack(w, codes, tote="TOTE-0001"):
    station = packing_station.find_station("PACK-T")
    packing_station.scan(station, tote, w.packer)
    db.session.commit()
    for code in codes:
        packing_station.scan(station, code, w.packer)
        db.session.commit()
    return station


def test_an_order_line_with_a_kit_is_a_kit_line_and_review_lets_it_through(w):
    placed = order(w, [("HZK01", 2), ("TEE-BLK-M", 1)])
    assert placed.review_json == "[]"
    assert lines_of() == [(1, "kit", "HZK01", 2, None), (2, "item", "TEE-BLK-M", 1, None)]


def test_release_takes_ready_made_kits_first_then_components_as_part_lines(w):
    order(w, [("HZK01", 2)])
    sales_orders.release("O-1", w.supervisor)
    assert lines_of() == [(1, "kit", "HZK01", 2, None), (2, "part", "HZK01", 1, 1),
                          (3, "part", "TEE-BLK-M", 1, 1), (4, "part", "MUG-WHT", 2, 1)]
    # the parts claim the units: the kit line claims nothing of the kit's own stock
    assert (sales_orders.free_stock(w.kit.id), sales_orders.free_stock(w.tee.id),
            sales_orders.free_stock(w.mug.id)) == (0, 2, 2)


def test_release_with_components_first_builds_kits_while_components_last(w, components_first):
    order(w, [("HZK01", 3)])
    sales_orders.release("O-1", w.supervisor)
    # 3 tees and 4 mugs make 2 kits; the third is the ready-made one
    assert lines_of() == [(1, "kit", "HZK01", 3, None), (2, "part", "HZK01", 1, 1),
                          (3, "part", "TEE-BLK-M", 2, 1), (4, "part", "MUG-WHT", 4, 1)]


def test_a_plain_line_takes_its_units_first_and_a_short_component_is_named_with_nothing_written(w):
    order(w, [("MUG-WHT", 3), ("HZK01", 2)])
    error = refusal(lambda: sales_orders.release("O-1", w.supervisor))
    assert error.code == "shortage" and "MUG-WHT short 1" in error.message()["en"]
    assert "MUG-WHT 缺 1 件" in error.message()["zh"]
    placed = sales_orders.find_order("O-1")
    assert placed.status == "pending_review"
    assert lines_of() == [(1, "item", "MUG-WHT", 3, None), (2, "kit", "HZK01", 2, None)]
    assert sales_orders.order_view(placed)["review"][0]["short"] == [{"sku": "MUG-WHT", "missing": 1}]


def test_a_wave_reserves_and_picks_the_parts_never_the_kit_line(w):
    order(w, [("HZK01", 2)])
    assert pick(w) == [("HZK01", 1), ("MUG-WHT", 2), ("TEE-BLK-M", 1)]
    placed = sales_orders.find_order("O-1")
    reserved_lines = set(db.session.execute(select(Reservation.order_line_id)).scalars())
    assert {db.session.get(SalesOrderLine, i).kind for i in reserved_lines} == {"part"}
    assert placed.status == "picked"
    view = sales_orders.order_view(placed)
    assert [(ln["line_no"], ln["kind"], ln["kit_line_no"]) for ln in view["lines"]] == [
        (1, "kit", None), (2, "part", 1), (3, "part", 1), (4, "part", 1)]


def test_a_wave_of_single_line_orders_counts_a_kit_by_its_parts(w):
    order(w, [("HZK01", 1)])
    sales_orders.release("O-1", w.supervisor)
    db.session.commit()
    assert waves.candidates(waves.WaveFilters(lines="single")) != []  # the ready-made kit alone
    assert waves.candidates(waves.WaveFilters(lines="multi")) == []


def test_the_station_counts_whole_kits_and_the_packing_list_shows_the_kit_above_its_components(
        w, components_first):
    order(w, [("HZK01", 1), ("TEE-BLK-M", 1)])
    pick(w)
    station = pack(w, [TEE, TEE])
    view = packing_station.station_view(station)
    # the first tee goes to the plain line, the second to the kit
    assert [k["text"] for k in view["kits"]] == ["HZK01 0/1 · TEE-BLK-M 1/1 · MUG-WHT 0/2"]
    assert [(ln["sku"], ln["ordered"], ln["packed"]) for ln in view["lines"]] == [("TEE-BLK-M", 2, 2),
                                                                                 ("MUG-WHT", 2, 0)]
    pack(w, [MUG])
    assert packing_station.station_view(station)["kits"][0]["text"] == "HZK01 0/1 · TEE-BLK-M 1/1 · MUG-WHT 1/2"
    pack(w, [MUG])
    view = packing_station.station_view(station)
    assert view["kits"][0]["text"] == "HZK01 1/1 · TEE-BLK-M 1/1 · MUG-WHT 2/2" and view["complete"]
    assert view["kits"][0]["parts"][1] | {"name": None, "variant": None} == {
        "sku": "MUG-WHT", "needed": 2, "packed": 2, "ready_made": False, "name": None, "variant": None}

    parcel = packing_station.close_parcel(station, w.packer, weight_g=900)
    db.session.commit()
    printed = db.session.execute(select(PrintJob).where(PrintJob.kind == "packing_list")).scalar_one()
    text = " | ".join(re.findall(r"\^FD(.*?)\^FS", printed.zpl))
    assert ("TEE-BLK-M T-shirt Black / M | T恤 黑色 / M | 1 | HZK01 Gift box (kit 组合装) | 礼盒 | 1 | "
            "- TEE-BLK-M T-shirt Black / M | T恤 黑色 / M | 1 | - MUG-WHT Mug White | 马克杯 白色 | 2 | ") in text
    assert "合计 4 件" in text  # the units in the box: the kit's row adds nothing

    # handover: the components leave the books, the kit item never moved
    manifest = handover.add_parcel(parcel, w.packer)
    handover.driver_confirms(manifest, "李师傅", None, None, w.packer)
    handover.packer_confirms(manifest, w.packer)
    db.session.commit()
    shipped = db.session.execute(select(Item.sku, LedgerEntry.qty).join(Item, Item.id == LedgerEntry.item_id)
                                 .where(LedgerEntry.reason == "ship")).all()
    assert sorted(tuple(r) for r in shipped) == [("MUG-WHT", -2), ("TEE-BLK-M", -2)]
    assert ledger.check()["disagreements"] == []


def test_a_returned_kit_is_inspected_component_by_component_with_the_kit_named(w, components_first):
    order(w, [("HZK01", 1)])
    pick(w)
    station = pack(w, [TEE, MUG, MUG])
    parcel = packing_station.close_parcel(station, w.packer, weight_g=900)
    manifest = handover.add_parcel(parcel, w.packer)
    handover.driver_confirms(manifest, "李师傅", None, None, w.packer)
    handover.packer_confirms(manifest, w.packer)
    db.session.commit()

    case = return_cases.open_case("O-1", "changed_mind", w.receiver, lines=[{"sku": "HZK01", "qty": 1}])
    db.session.commit()
    view = return_cases.case_view(case)
    assert [(ln["sku"], ln["expected"], ln["received"], ln["kit"]["sku"]) for ln in view["lines"]] == [
        ("TEE-BLK-M", 1, 0, "HZK01"), ("MUG-WHT", 2, 0, "HZK01")]
    unit, flag = return_cases.inspect_unit(case.number, decode(MUG), "good", w.inspector)
    assert flag is None
    whole = return_cases.open_case(parcel.tracking, "defective", w.receiver)  # the whole shipment
    assert sorted((ln["sku"], ln["expected"]) for ln in return_cases.case_view(whole)["lines"]) == [
        ("MUG-WHT", 2), ("TEE-BLK-M", 1)]


def test_cancelling_a_picked_kit_order_puts_its_components_back(w, components_first):
    order(w, [("HZK01", 1)])
    pick(w)
    result = cancellation.cancel_order("O-1", "customer asked for a refund 退款", w.supervisor)
    (task,) = result["put_back"]
    assert sorted((ln["sku"], ln["remaining"]) for ln in task["lines"]) == [("MUG-WHT", 2), ("TEE-BLK-M", 1)]
    assert ledger.check()["reservation_mismatches"] == []


def test_cancelling_an_allocated_kit_order_frees_the_components_reserved(w, components_first):
    order(w, [("HZK01", 1)])
    sales_orders.release("O-1", w.supervisor)
    waves.release_wave(waves.WaveFilters(), Cart(totes=1, tote_capacity=20), w.supervisor)
    reserved = db.session.execute(select(BinStock.reserved_qty).where(BinStock.bin_id == w.full.id)).scalars()
    assert sorted(reserved) == [1, 2]
    result = cancellation.cancel_order("O-1", "customer asked for a refund 退款", w.supervisor)
    assert sorted((r["sku"], r["qty"]) for r in result["released"]) == [("MUG-WHT", 2), ("TEE-BLK-M", 1)]
    assert sales_orders.free_stock(w.tee.id) == 3 and sales_orders.free_stock(w.mug.id) == 4
    assert db.session.execute(select(PickTask.status)).scalars().all() == ["cancelled", "cancelled"]


def test_ready_made_kits_pack_as_whole_kits_and_come_back_as_what_shipped(w):
    order(w, [("HZK01", 2)])
    assert pick(w) == [("HZK01", 1), ("MUG-WHT", 2), ("TEE-BLK-M", 1)]
    station = pack(w, [BOX])
    assert packing_station.station_view(station)["kits"][0]["text"] == \
        "HZK01 1/2 · HZK01 (ready-made 成品) 1/1 · TEE-BLK-M 0/1 · MUG-WHT 0/2"
    pack(w, [TEE, MUG, MUG])
    assert packing_station.station_view(station)["kits"][0]["text"] == \
        "HZK01 2/2 · HZK01 (ready-made 成品) 1/1 · TEE-BLK-M 1/1 · MUG-WHT 2/2"
    parcel = packing_station.close_parcel(station, w.packer, weight_g=900)
    manifest = handover.add_parcel(parcel, w.packer)
    handover.driver_confirms(manifest, "李师傅", None, None, w.packer)
    handover.packer_confirms(manifest, w.packer)
    db.session.commit()

    case = return_cases.open_case("O-1", "changed_mind", w.receiver, lines=[{"sku": "HZK01", "qty": 2}])
    assert [(ln["sku"], ln["expected"], ln["kit"]["sku"]) for ln in return_cases.case_view(case)["lines"]] == [
        ("TEE-BLK-M", 1, "HZK01"), ("MUG-WHT", 2, "HZK01"), ("HZK01", 1, "HZK01")]
    assert refusal(lambda: return_cases.open_case("O-1", "changed_mind", w.receiver,
                                                  lines=[{"sku": "HZK01", "qty": 3}])).code == "over_return"


def test_a_stopped_line_substituted_by_a_kit_becomes_a_kit_line(w):
    order(w, [("NO-SUCH", 1)])
    sales_orders.resolve_line("O-1", 1, "substitute", w.supervisor, substitute="HZK01")
    sales_orders.release("O-1", w.supervisor)
    assert lines_of() == [(1, "kit", "HZK01", 1, None), (2, "part", "HZK01", 1, 1)]
