"""Kits (组合装) end to end on day one's files: the items, bins and opening stock loaded, kits.csv imported (its
wrong rows refused, then its good rows loaded), the marketplace order pair imported in the background; a kit
order released becomes component demand, a wave picks the components, the station packs the kit and weighs it
on a scale at a pseudo-terminal (one wrong weight refused, then the right one), handover ships the components —
never the kit item — and `check-ledger` finds the books balanced."""
from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest
from sqlalchemy import select

from scripts.scale_bridge import ScaleReader
from server.db.models import Bin, Device, Item, LedgerEntry, Printer, Station, User
from server.domain.barcodes import decode
from server.domain.batching import Cart
from server.domain.errors import WmsError
from server.extensions import db
from server.services.catalogue import kits
from server.services.orders import import_jobs, sales_orders
from server.services.packing import handover, packing_station, scales
from server.services.people.auth import Actor
from server.services.picking import pick_lists, waves
from server.services.setup import imports
from tests.scripts.test_scale_bridge import SicsScale
from tests.server.test_startup import clean_env, manage

DAY_ONE = Path(__file__).resolve().parents[1] / "data" / "day-one"
ADMIN = Actor(user_id=None, username="admin", name="Admin", role="admin")
STATION = "PACK-01"
KIT_ORDER = "4100642817606274458"  # order-items.csv: HZ002-1-L × 2 and the kit HZK06 × 1


def import_kits() -> set[tuple[int, str, str]]:
    """kits.csv through the kits import, as the day-one page sends it: checked whole first (its wrong rows
    refused, nothing written), then only its good rows loaded. Returns the refused (row, column, code)."""
    raw = (DAY_ONE / "kits.csv").read_bytes()
    checked, status = imports.run("kits", raw, "kits.csv", ADMIN)
    assert status == 422 and not checked["written"] and kits.kit_skus() == []
    loaded, status = imports.run("kits", raw, "kits.csv", ADMIN, good_rows_only=True)
    assert status == 200, loaded
    assert kits.kit_skus() == ["HZK01", "HZK02", "HZK03", "HZK04", "HZK05", "HZK06"]
    return {(e["row"], e["column"], e["code"]) for e in checked["errors"]}


@pytest.fixture
def day_one(app, tmp_path):
    for kind, name in (("items", "item-master.xlsx"), ("bins", "bins.xlsx"), ("opening-stock", "opening-stock.csv")):
        _, status = imports.run(kind, (DAY_ONE / name).read_bytes(), name, ADMIN, good_rows_only=True)
        assert status == 200
    people = {role: User(username=role, name=role.title(), role=role, password_hash="-")
              for role in ("supervisor", "picker", "packer")}
    agent = Device(code="AGENT-01", kind="printer_agent", name="agent")
    db.session.add_all([*people.values(), agent])
    db.session.flush()
    printer = Printer(code="ZEBRA-01", name="packing", transport="tcp9100", host="127.0.0.1", port=9, dpi=203,
                      agent_id=agent.id)
    db.session.add(printer)
    db.session.flush()
    db.session.add(Station(code=STATION, name="packing 1", printer_id=printer.id))
    db.session.commit()
    return {role: Actor(user.id, user.username, user.name, role) for role, user in people.items()}


@pytest.fixture
def scale(tmp_path):
    """A scale speaking MT-SICS on a pseudo-terminal, read by the scale bridge's own reader; its readings
    reach the station as the bridge's `weight` events do (scales.record)."""
    device = SicsScale(tmp_path / "usb-Scale-if00")
    heard = threading.Condition()

    def on_reading(reading):
        if reading is not None:
            scales.record(STATION, reading.grams, reading.stable, reading.raw)
            with heard:
                heard.notify_all()

    stop = threading.Event()
    reader = ScaleReader(str(device.link), 9600, "mt-sics", "S", 0.05, on_reading, stop, poll_seconds=0.05)
    reader.start()

    def shows(grams: int) -> None:
        device.shows(f"S S {grams / 1000:10.3f} kg")
        with heard:
            assert heard.wait_for(lambda: (found := scales.latest(STATION)) is not None and found.grams == grams,
                                  timeout=10), f"the scale never read {grams} g"

    yield shows
    stop.set()
    reader.join(timeout=5)
    device.unplug()
    scales.forget(STATION)


def in_order(number: str) -> list[tuple[str, str, int]]:
    return [(ln.kind, ln.item.sku, ln.qty) for ln in sales_orders.find_order(number).lines]


def test_a_kit_order_of_day_one_ships_as_its_components(app, tmp_path, day_one, scale):
    people = day_one
    assert import_kits() == {(15, "子商品编码", "kit_unknown_component"), (16, "子商品编码", "kit_contains_itself"),
                             (17, "数量", "kit_bad_qty")}  # the README's wrong kit rows: HZK90, HZK91, HZK92
    raw = {"orders": (DAY_ONE / "orders.csv").read_bytes(), "items": (DAY_ONE / "order-items.csv").read_bytes()}
    job = import_jobs.submit("taobao", raw, "orders.csv", people["supervisor"])
    assert import_jobs.run(job.id, import_jobs.Pacing(yield_factor=0)).status == "done"
    assert in_order(KIT_ORDER) == [("item", "HZ002-1-L", 2), ("kit", "HZK06", 1)]

    # Release: the kit's demand (HZK06 = 2 × HZ008-3 + 1 × HZ002-2-L) as part lines. An order whose kit
    # lacks a component is stopped naming it: HZK02 needs HZ009-2-S, of which there is none.
    sales_orders.release(KIT_ORDER, people["supervisor"])
    assert in_order(KIT_ORDER) == [("item", "HZ002-1-L", 2), ("kit", "HZK06", 1), ("part", "HZ008-3", 2),
                                   ("part", "HZ002-2-L", 1)]
    stopped = sales_orders.release_many([("4100880291757561901", "taobao")], people["supervisor"])
    assert stopped[0]["error"]["message"]["en"].endswith("HZ009-2-S short 1.")

    # A wave: the pick list walks to the components (and the plain item), never to a kit.
    wave = waves.release_wave(waves.WaveFilters(), Cart(totes=1, tote_capacity=20), people["supervisor"])
    list_id = wave["pick_lists"][0]["pick_list"]
    waves.claim(list_id, people["picker"])
    pick_lists.bind_tote(list_id, 1, decode("TOTE-0001"), people["picker"])
    db.session.commit()
    picked = []
    while (task := pick_lists.current_task(db.session.get(pick_lists.PickList, list_id))) is not None:
        item = db.session.get(Item, task.item_id)
        picked.append((item.sku, task.qty))
        pick_lists.scan(list_id, decode(db.session.get(Bin, task.bin_id).code), 1, people["picker"])
        pick_lists.scan(list_id, decode(item.barcodes[0].code), task.qty, people["picker"])
        db.session.commit()
    assert sorted(picked) == [("HZ002-1-L", 2), ("HZ002-2-L", 1), ("HZ008-3", 2)]

    # The station: the kit complete once its components are in, then the parcel weighed.
    station = packing_station.find_station(STATION)
    packing_station.scan(station, "TOTE-0001", people["packer"])
    db.session.commit()
    for sku in ("HZ002-1-L", "HZ002-1-L", "HZ008-3", "HZ002-2-L", "HZ008-3"):
        packing_station.scan(station, db.session.execute(select(Item).where(Item.sku == sku)).unique()
                             .scalar_one().barcodes[0].code, people["packer"])
        db.session.commit()
    view = packing_station.station_view(station)
    assert [k["text"] for k in view["kits"]] == ["HZK06 1/1 · HZ008-3 2/2 · HZ002-2-L 1/1"] and view["complete"]

    # the item master's weights: 2 × HZ002-1-L 198 g + HZ002-2-L 198 g + 2 × HZ008-3 250 g, and CTN-M's 250 g
    expected = 2 * 198 + 198 + 2 * 250 + 250
    assert packing_station.weighing_view(station)["parcel"]["expected_g"] == expected == 1344
    scale(expected + 400)  # a unit too many in the box, or the wrong one
    with pytest.raises(WmsError) as wrong:
        packing_station.close_parcel(station, people["packer"])
    db.session.rollback()
    assert wrong.value.code == "weight_mismatch"
    scale(expected + 5)
    parcel = packing_station.close_parcel(station, people["packer"])
    db.session.commit()
    assert parcel.weight_g == expected + 5

    manifest = handover.add_parcel(parcel, people["packer"])
    handover.driver_confirms(manifest, "李师傅", None, None, people["packer"])
    handover.packer_confirms(manifest, people["packer"])
    db.session.commit()
    shipped = db.session.execute(select(Item.sku, LedgerEntry.qty).join(Item, Item.id == LedgerEntry.item_id)
                                 .where(LedgerEntry.reason == "ship")).all()
    assert sorted(tuple(row) for row in shipped) == [("HZ002-1-L", -2), ("HZ002-2-L", -1), ("HZ008-3", -2)]
    assert sales_orders.find_order(KIT_ORDER).status == "shipped"

    db.session.remove()
    books = manage(clean_env(tmp_path, WMS_DEMO="1"), "check-ledger")
    assert books.returncode == 0, books.stdout + books.stderr
    assert json.loads(books.stdout.strip().splitlines()[-1])["balanced"] is True
