"""A randomised day of warehouse work (hypothesis): receipts, orders picked (some short), holds, packing,
handover, transfers, adjustments and counts in any order, refusals included. After every step and at
the end of the day the books recompute from the ledger alone: books, goods and bin cards agree, nothing
is negative, and a refused step left nothing behind."""
from __future__ import annotations

import shutil
from datetime import date, datetime
from types import SimpleNamespace

import pytest
from flask_migrate import upgrade
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from server.app import MIGRATIONS, create_app
from server.config import load_settings
from server.db.models import (Bin, BinStock, Device, Item, ItemBarcode, LedgerEntry, Lot, PickList, Printer, Product,
                              SalesOrder, Station, User)
from server.domain.barcodes import decode, item_code_key
from server.domain.batching import Cart
from server.domain.errors import WmsError
from server.domain.stock import Movement
from server.extensions import db
from server.db.models import CountLine
from server.services.inventory import counts
from server.services.packing import handover
from server.services.inventory import control
from server.services.inventory import ledger
from server.services.orders import sales_orders
from server.services.packing import packing_station
from server.services.picking import pick_lists
from server.services.inventory import stock
from server.services import transaction
from server.services.picking import waves
from server.services.people.auth import Actor, hash_password

BARCODES = ("5901234123457", "036000291452", "4006381333931")
BINS = ("A-01-01-1", "A-01-02-1", "A-02-01-1", "B-01-01-1")


def _seed() -> None:
    people = {role: User(username=role, name=role.title(), role=role, password_hash=hash_password("pw"))
              for role in ("picker", "packer", "supervisor")}
    agent = Device(code="AGENT-D", kind="printer_agent", name="agent")
    db.session.add_all([*people.values(), agent])
    for n, barcode in enumerate(BARCODES):
        item = Item(sku=f"SKU-{n}", product=Product(code=f"P{n}", name_en=f"Thing {n}", name_zh=f"物品{n}"),
                    variant_en="", variant_zh="", unit_cost_cents=1000)
        item.barcodes.append(ItemBarcode(code=barcode, lookup_key=item_code_key(barcode), symbology="ean13"))
        db.session.add(item)
    for code in BINS:
        zone, aisle, bay, level = code.split("-")
        db.session.add(Bin(code=code, zone=zone, aisle=aisle, bay=bay, level=level,
                           x=3.0 * int(aisle) + 10 * (zone == "B"), y=1.2 * int(bay)))
    db.session.flush()
    printer = Printer(code="PRN-D", name="printer", transport="tcp9100", host="127.0.0.1", port=9, dpi=203,
                      agent_id=agent.id)
    db.session.add(printer)
    db.session.flush()
    db.session.add(Station(code="PACK-D", name="station", printer_id=printer.id))
    bins = db.session.execute(select(Bin).order_by(Bin.code)).scalars().all()
    for n, item in enumerate(db.session.execute(select(Item).order_by(Item.sku)).scalars()):
        lot = Lot(item_id=item.id, code=f"L-{item.sku}", received_on=date(2026, 10, 1))
        db.session.add(lot)
        db.session.flush()
        for place in (bins[n % len(bins)], bins[(n + 2) % len(bins)]):  # the morning's opening stock
            stock.move(Movement(place.id, item.id, lot.id, 6, "opening_balance"))
    db.session.commit()


@pytest.fixture(scope="module")
def day(tmp_path_factory):
    """One migrated, seeded database file kept as a template; each example starts from a fresh copy."""
    folder = tmp_path_factory.mktemp("day")
    settings_ = load_settings({"WMS_DATA_DIR": str(folder), "WMS_DEMO": "1"})
    app = create_app(settings_)
    with app.app_context():
        upgrade(directory=MIGRATIONS)
        _seed()
        db.session.remove()
        for engine in db.engines.values():  # the writer and (SQLite) the readers
            engine.dispose()
        template = folder / "template.db"
        shutil.copy(folder / "wms.db", template)
        yield SimpleNamespace(app=app, database=folder / "wms.db", template=template)


def actor(username: str, device: int | None = None) -> Actor:
    user = db.session.execute(select(User).where(User.username == username)).scalar_one()
    return Actor(user.id, user.username, user.name, user.role)


class Floor:
    """The day's state the operations need (which orders exist, in which step), and the runner."""

    def __init__(self) -> None:
        self.orders: list[str] = []
        self.n = 0
        self.boss, self.picker, self.packer = actor("supervisor"), actor("picker"), actor("packer")
        self.station = db.session.execute(select(Station)).scalar_one()

    def run(self, step) -> None:
        """A step succeeds whole or leaves nothing: a refusal rolls back all of it."""
        before = db.session.execute(select(func.count()).select_from(LedgerEntry)).scalar()
        try:
            step()
            db.session.commit()
            transaction.committed()
        except WmsError:
            db.session.rollback()
            transaction.rolled_back()
            after = db.session.execute(select(func.count()).select_from(LedgerEntry)).scalar()
            assert after == before, "a refused step wrote to the ledger"
        report = ledger.check()
        assert report["balanced"], report

    # --- operations --------------------------------------------------------------------------

    def receive(self, item: int, bin_: int, qty: int) -> None:
        it, place = self._item(item), self._bin(bin_)
        lot = db.session.execute(select(Lot).where(Lot.item_id == it.id)).scalar_one()
        self.run(lambda: stock.move(Movement(place.id, it.id, lot.id, qty, "receipt"), self.boss, "day receipt"))

    def take(self, item: int, bin_: int, qty: int) -> None:
        """An adjustment out (damage found): refused when the bin has fewer free units."""
        self.run(lambda: control.adjust(BINS[bin_], f"SKU-{item}", -qty, "damaged", self.boss))

    def transfer(self, item: int, source: int, target: int, qty: int) -> None:
        """Bin to bin (refused for the same bin or more than is free there)."""
        self.run(lambda: control.transfer(BINS[source], self._item(item), qty, self.picker, to_code=BINS[target]))

    def count(self, bin_: int, off_by: int, approve: bool) -> None:
        """A blind count of one bin that finds `off_by` units more (or fewer) of its first item than the
        books say; beyond tolerance a recount follows and the supervisor approves or rejects it."""
        code = BINS[bin_]
        self.run(lambda: counts.schedule({"bins": [code]}, self.boss))
        lines = db.session.execute(select(CountLine).join(Bin, Bin.id == CountLine.bin_id).where(
            Bin.code == code, CountLine.status == "open")).scalars().all()
        if not lines:
            return
        for recount in (False, True):
            for line in lines:
                if line.item_id is None:
                    continue
                found = max(0, control.book_qty(line.bin_id, line.item_id) + (off_by if line is lines[0] else 0))
                barcode = BARCODES[int(db.session.get(Item, line.item_id).sku.split("-")[1])]
                if found:
                    self.run(lambda b=barcode, q=found: counts.count_item(code, decode(b), q, self.picker))
            self.run(lambda: counts.close_bin(code, self.picker, empty=not any(ln.item_id for ln in lines)))
            if not recount and not any(db.session.get(CountLine, ln.id).status == "recount" for ln in lines):
                return
        decide = counts.approve if approve else counts.reject
        for line in lines:
            if db.session.get(CountLine, line.id).status == "recounted":
                self.run(lambda ln=line.id: decide(ln, self.boss))

    def order_and_pick(self, item: int, qty: int, short_found: int | None) -> None:
        self.n += 1
        number = f"D-{self.n}"

        def step():
            sales_orders.create_order("api", number, [sales_orders.NewLine(f"SKU-{item}", qty)], self.boss,
                                      address="上海市", customer_name="顾客", paid_at=datetime(2026, 11, 23, 8))
            db.session.flush()
            sales_orders.release(number, self.boss)  # may refuse: shortage

        self.run(step)
        order = db.session.execute(select(SalesOrder).where(SalesOrder.number == number)).scalar_one_or_none()
        if order is None or order.status == "pending_review":
            return
        self.orders.append(number)
        wave = {}
        self.run(lambda: wave.update(waves.release_wave(waves.WaveFilters(), Cart(totes=4, tote_capacity=50),
                                                        self.boss)))
        for pick_list in wave.get("pick_lists", []):
            self._pick(pick_list["pick_list"], short_found)

    def _pick(self, list_id: int, short_found: int | None) -> None:
        self.run(lambda: waves.claim(list_id, self.picker))
        pick_list = db.session.get(PickList, list_id)
        for slot in range(1, pick_list.totes + 1):
            self.run(lambda s=slot: pick_lists.bind_tote(list_id, s, decode(f"TOTE-{list_id:03d}{s}"), self.picker))
        for _ in range(20):
            task = pick_lists.current_task(db.session.get(PickList, list_id))
            if task is None or db.session.get(SalesOrder, task.order_id).status == "on_hold":
                return
            bin_code = db.session.get(Bin, task.bin_id).code
            self.run(lambda c=bin_code: pick_lists.scan(list_id, decode(c), 1, self.picker))
            if short_found is not None and task.qty - task.picked_qty > short_found:
                self.run(lambda found=short_found: pick_lists.short(list_id, found, self.picker))
                short_found = None  # one short per list is plenty
                continue
            barcode = BARCODES[int(db.session.get(Item, task.item_id).sku.split("-")[1])]
            self.run(lambda t=task, b=barcode: pick_lists.scan(list_id, decode(b), t.qty - t.picked_qty, self.picker))

    def hold(self, which: int) -> None:
        if self.orders:
            number = self.orders[which % len(self.orders)]
            self.run(lambda: pick_lists.place_hold(number, "customer called", self.boss))

    def release_hold(self, which: int) -> None:
        if self.orders:
            number = self.orders[which % len(self.orders)]
            self.run(lambda: pick_lists.release_hold(number, self.boss))

    def pack_and_ship(self, which: int) -> None:
        if not self.orders:
            return
        order = sales_orders.find_order(self.orders[which % len(self.orders)])
        if order.status != "picked":
            return
        self.run(lambda: packing_station.start_order(self.station, order, self.packer))
        for state in packing_station.line_states(order):
            barcode = BARCODES[int(db.session.get(Item, state.item_id).sku.split("-")[1])]
            for _ in range(state.remaining):
                self.run(lambda b=barcode: packing_station.pack_unit(self.station, order, decode(b), self.packer, None))
        parcel = {}
        self.run(lambda: parcel.update(p=packing_station.close_parcel(self.station, self.packer)))
        if "p" not in parcel:
            self.run(lambda: packing_station.set_aside(self.station, self.packer))
            return
        manifest = {}
        self.run(lambda: manifest.update(m=handover.add_parcel(parcel["p"], self.packer)))
        if "m" in manifest:
            self.run(lambda: handover.driver_confirms(manifest["m"], "司机", None, None, self.packer))
            self.run(lambda: handover.packer_confirms(manifest["m"], self.packer))

    @staticmethod
    def _item(n: int) -> Item:
        return db.session.execute(select(Item).where(Item.sku == f"SKU-{n}")).scalar_one()

    @staticmethod
    def _bin(n: int) -> Bin:
        return db.session.execute(select(Bin).where(Bin.code == BINS[n])).scalar_one()


item_ = st.integers(0, len(BARCODES) - 1)
bin_ = st.integers(0, len(BINS) - 1)
OPERATIONS = st.one_of(
    st.tuples(st.just("receive"), item_, bin_, st.integers(1, 6)),
    st.tuples(st.just("take"), item_, bin_, st.integers(1, 4)),
    st.tuples(st.just("transfer"), item_, bin_, bin_, st.integers(1, 5)),
    st.tuples(st.just("count"), bin_, st.integers(-3, 3), st.booleans()),
    st.tuples(st.just("order_and_pick"), item_, st.integers(1, 4), st.one_of(st.none(), st.integers(0, 1))),
    st.tuples(st.just("hold"), st.integers(0, 10)),
    st.tuples(st.just("release_hold"), st.integers(0, 10)),
    st.tuples(st.just("pack_and_ship"), st.integers(0, 10)),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
@given(st.lists(OPERATIONS, min_size=6, max_size=30))
def test_after_a_random_day_the_books_recompute_from_the_ledger(day, operations):
    db.session.remove()
    for engine in db.engines.values():  # the writer and (SQLite) the readers
        engine.dispose()
    shutil.copy(day.template, day.database)
    floor = Floor()
    for name, *args in operations:
        getattr(floor, name)(*args)
    report = ledger.check()
    assert report["balanced"] and report["negative_places"] == 0, report
    # Nothing is promised twice: every place's promises fit what it holds.
    assert db.session.execute(select(func.count()).select_from(BinStock)
                              .where(BinStock.reserved_qty > BinStock.qty)).scalar() == 0
