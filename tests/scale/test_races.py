"""Read-then-write races on PostgreSQL (READ COMMITTED), flow by flow: packing, receiving counts and
inspection, put-away, returns, cycle counts and transfers. Each test runs the same conflicting step in
two sessions of the real app (two threads, each its own app context, session and PostgreSQL
connection — as two server processes would), through the scan pipeline where the step is a scan.

The two are forced to interleave, not left to timing: each is held at a point after its reads and
before its writes (`Interleave`) until the other has reached that point too, or is waiting for a row
lock (the guard doing its work), or has finished. Without a guard both read the same state and both
write: the race happens every time. With the guard the second waits for the first's commit and reads
what it wrote."""
from __future__ import annotations

import threading
import time
import uuid
from datetime import date

import psycopg
import pytest
from flask_migrate import upgrade
from sqlalchemy import func, select, text

from server.app import MIGRATIONS, create_app
from server.config import load_settings
from server.db.models import (Adjustment, Bin, BinStock, CountLine, InspectedUnit, Inspection, LedgerEntry, Lot,
                              Manifest, Parcel, PurchaseOrderLine, PutawayTask, Receipt, ReturnCase, ReturnLine,
                              ReturnUnit, Station, Transfer)
from server.domain.errors import WmsError
from server.domain.stock import Movement
from server.extensions import db
from server.services.floor import scans
from server.services.inventory import control, counts, ledger, stock
from server.services.packing import packing_station
from server.services.people.auth import Actor
from server.services.receiving import inbound, inspection
from server.services.returns import return_cases
from tests.server import conftest as service_fixtures
from tests.server.services.packing.test_packing_station import picked_order

pytestmark = pytest.mark.scale
# The service tests' tiny warehouse (two bins, tees and a mug, the people), here on this module's PostgreSQL app.
tiny_warehouse = service_fixtures.tiny_warehouse

TEE = "5901234123457"


@pytest.fixture
def app(postgres, tmp_path):
    """The real app on a fresh PostgreSQL database of its own, migrated (tiny_warehouse fills it)."""
    settings = load_settings({"WMS_DATA_DIR": str(tmp_path), "WMS_DEMO": "1",
                              "WMS_DATABASE_URL": postgres.url(postgres.create_database())})
    settings["receiving"]["label_printer"] = "PRN-T"
    app = create_app(settings)
    with app.app_context():
        upgrade(directory=MIGRATIONS)
        yield app
        db.session.remove()
        for engine in db.engines.values():
            engine.dispose()


class Interleave:
    """Two sessions held at a point after their reads until both are there (or the other is waiting
    for a lock, or done). `monitor` is a connection of its own that watches pg_stat_activity."""

    def __init__(self, app, monitor: psycopg.Connection) -> None:
        self.app, self.monitor, self.monitor_lock = app, monitor, threading.Lock()
        self.state = threading.local()
        self.pids: list[int | None] = [None, None]
        self.arrived = [False, False]
        self.done = [False, False]
        self.stuck: list[str] = []

    def point(self, module, name: str, monkeypatch) -> None:
        """Hold each session the first time it calls module.name."""
        original = getattr(module, name)

        def held(*args, **kwargs):
            self.hold()
            return original(*args, **kwargs)
        monkeypatch.setattr(module, name, held)

    def _waiting_for_a_lock(self, pid: int | None) -> bool:
        if pid is None:
            return False
        with self.monitor_lock:
            return self.monitor.execute("SELECT wait_event_type = 'Lock' FROM pg_stat_activity WHERE pid = %s",
                                        (pid,)).fetchone()[0] is True

    def hold(self) -> None:
        me = getattr(self.state, "n", None)
        if me is None or self.arrived[me]:
            return
        self.arrived[me] = True
        other = 1 - me
        deadline = time.monotonic() + 20
        while not (self.arrived[other] or self.done[other] or self._waiting_for_a_lock(self.pids[other])):
            if time.monotonic() > deadline:
                self.stuck.append(f"session {me} waited 20 s for the other")
                return
            time.sleep(0.005)  # polling the other session's state: there is no event to await across sessions

    def run(self, first, second) -> list:
        """Run the two calls, each in its own app context (session, connection) in its own thread."""
        results: list = [None, None]

        def work(n, call):
            self.state.n = n
            with self.app.app_context():
                try:
                    self.pids[n] = db.session.execute(text("SELECT pg_backend_pid()")).scalar()
                    results[n] = call()
                except WmsError as error:
                    db.session.rollback()
                    results[n] = {"ok": False, "error": error.as_dict()}
                except Exception as error:  # noqa: BLE001  (reported below, in the test's thread)
                    self.stuck.append(f"session {n} raised {error!r}")
                finally:
                    self.done[n] = True
                    db.session.remove()

        threads = [threading.Thread(target=work, args=(n, call)) for n, call in enumerate((first, second))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        assert not self.stuck, self.stuck
        assert self.arrived[0] or self.arrived[1], f"neither session reached the point held: {results}"
        return results


@pytest.fixture
def interleave(app, postgres):
    with postgres.connect(db.engine.url.database) as monitor:
        yield Interleave(app, monitor)


def send(actor, mode, code=None, **payload):
    return scans.handle({"scan_id": str(uuid.uuid4()), "mode": mode, **payload} | ({"code": code} if code else {}),
                        actor)


def ok(ack):
    assert ack["ok"], ack
    return ack


def codes(acks) -> list:
    """Each ack's outcome, sorted: "ok" or its error code."""
    return sorted("ok" if ack["ok"] else ack["error"]["code"] for ack in acks)


def books_balance() -> None:
    db.session.rollback()  # a fresh snapshot: what both sessions committed
    report = ledger.check()  # what `python -m server check-ledger` reports
    assert report["balanced"] and report["negative_places"] == 0, report
    assert db.session.execute(select(func.count()).select_from(BinStock).where(
        (BinStock.qty < 0) | (BinStock.reserved_qty > BinStock.qty))).scalar() == 0


def units_in(bin_code: str, item_id: int) -> int:
    return int(db.session.execute(select(func.coalesce(func.sum(BinStock.qty), 0)).join(Bin, Bin.id == BinStock.bin_id)
                                  .where(Bin.code == bin_code, BinStock.item_id == item_id)).scalar())


# --- packing ----------------------------------------------------------------------------------

def test_two_stations_scanning_one_order_at_once_bind_it_to_one_and_tell_the_other_where_it_is(
        tiny_warehouse, interleave, monkeypatch):
    """The same picked order scanned at PACK-T and PACK-U at once: one station takes it (one parcel),
    the other is told `order_at_station` — not an internal error from the unique key."""
    w = tiny_warehouse
    picked_order(w, "O-RACE")
    db.session.add_all([Station(code="PACK-T", name="T", printer_id=w.printer.id),
                        Station(code="PACK-U", name="U", printer_id=w.printer.id)])
    db.session.commit()
    interleave.point(packing_station, "open_parcel", monkeypatch)
    acks = interleave.run(lambda: send(w.packer, "pack", station="PACK-T", code="O-RACE"),
                          lambda: send(w.packer, "pack", station="PACK-U", code="O-RACE"))
    assert codes(acks) == ["ok", "order_at_station"], acks
    db.session.rollback()
    order = packing_station._order_by_number("O-RACE")
    assert db.session.execute(select(func.count()).select_from(Station).where(Station.order_id == order.id)
                              ).scalar() == 1
    assert db.session.execute(select(func.count()).select_from(Parcel).where(Parcel.order_id == order.id)
                              ).scalar() == 1


def test_two_devices_at_one_station_packing_the_last_unit_pack_it_once(
        tiny_warehouse, interleave, monkeypatch):
    """The order wants 2 tees, one is packed; the tote holds a spare tee of another order. Two devices
    at the station (its page and another of the packer's) scan the last tee at once: 2 packed, not 3."""
    w = tiny_warehouse
    order = picked_order(w, "O-LAST")
    db.session.add(Station(code="PACK-T", name="T", printer_id=w.printer.id))
    tote = db.session.execute(select(Bin).where(Bin.code == "TOTE-0001")).scalar_one()
    stock.move(Movement(tote.id, w.tee.id, w.tee_lot.id, 1, "opening_balance"))  # another order's unit
    db.session.commit()
    ok(send(w.packer, "pack", station="PACK-T", code="TOTE-0001"))
    ok(send(w.packer, "pack", station="PACK-T", code=TEE))
    other_device = Actor(w.packer.user_id, "pat", "Pat", "packer", None, None, None)
    interleave.point(stock, "move", monkeypatch)
    acks = interleave.run(lambda: send(w.packer, "pack", station="PACK-T", code=TEE),
                          lambda: send(other_device, "pack", station="PACK-T", code=TEE))
    assert codes(acks) == ["extra_unit", "ok"], acks
    db.session.rollback()
    assert packing_station.packed_units(db.session.get(type(order), order.id))[w.tee.id] == 2
    books_balance()


def test_the_first_parcels_of_a_carrier_handed_over_at_two_stations_at_once_start_one_manifest(
        tiny_warehouse, interleave, monkeypatch):
    """No manifest is open for 顺丰 yet; two packed parcels of it are scanned for handover at two stations
    at once: both go onto one manifest (a second one would never be confirmed by the driver)."""
    w = tiny_warehouse
    db.session.add(Station(code="PACK-T", name="T", printer_id=w.printer.id))
    db.session.commit()
    trackings = []
    for number, tote in (("O-1", "TOTE-0001"), ("O-2", "TOTE-0002")):
        picked_order(w, number, lines=(("TEE-BLK-M", 1),), tote=tote)
        ok(send(w.packer, "pack", station="PACK-T", code=number))
        ok(send(w.packer, "pack", station="PACK-T", code=TEE))
        trackings.append(ok(send(w.packer, "pack.close", station="PACK-T"))["result"]["closed"]["tracking"])
    constructed = Manifest.__init__

    def new_manifest(self, *args, **kwargs):  # the point held: no open manifest was found, one is made
        interleave.hold()
        constructed(self, *args, **kwargs)
    monkeypatch.setattr(Manifest, "__init__", new_manifest)
    acks = interleave.run(lambda: send(w.packer, "handover", code=trackings[0]),
                          lambda: send(w.supervisor, "handover", code=trackings[1]))
    assert codes(acks) == ["ok", "ok"], acks
    db.session.rollback()
    assert db.session.execute(select(func.count()).select_from(Manifest)).scalar() == 1
    assert len({ack["result"]["id"] for ack in acks}) == 1


# --- receiving --------------------------------------------------------------------------------

def _receipt(w, counted: int, condition: str = "intact") -> tuple[int, int]:
    """A PO of 20 tees, a receipt, one carton checked and `counted` tees counted: (receipt, PO line)."""
    inbound.create_po("SUP-T", [{"sku": "TEE-BLK-M", "qty": 20}], w.receiver, number="PO-RACE-1")
    receipt = ok(send(w.receiver, "receive", "PO-RACE-1"))["result"]["receipt"]
    ok(send(w.receiver, "receive.carton", receipt=receipt, condition=condition))
    ok(send(w.receiver, "receive", TEE, receipt=receipt, qty=counted))
    line = db.session.execute(select(PurchaseOrderLine.id)).scalar_one()
    return receipt, line


def test_one_receiver_scanning_a_po_on_two_handhelds_at_once_resumes_one_receipt(
        tiny_warehouse, interleave, monkeypatch):
    """Rex scans PO-RACE-1 on two handhelds at the same moment: one receipt, both handhelds count into it
    (two open receipts of one receiver would make every later scan of the PO fail to resume)."""
    w = tiny_warehouse
    inbound.create_po("SUP-T", [{"sku": "TEE-BLK-M", "qty": 20}], w.receiver, number="PO-RACE-1")
    second_handheld = Actor(w.receiver.user_id, "rex", "Rex", "receiver", None, None, None)
    constructed = Receipt.__init__

    def new_receipt(self, *args, **kwargs):  # the point held: no receipt of Rex's was found, one is made
        interleave.hold()
        constructed(self, *args, **kwargs)
    monkeypatch.setattr(Receipt, "__init__", new_receipt)
    acks = interleave.run(lambda: send(w.receiver, "receive", "PO-RACE-1"),
                          lambda: send(second_handheld, "receive", "PO-RACE-1"))
    assert codes(acks) == ["ok", "ok"], acks
    assert acks[0]["result"]["receipt"] == acks[1]["result"]["receipt"]
    db.session.rollback()
    assert db.session.execute(select(func.count()).select_from(Receipt)).scalar() == 1


def test_a_unit_counted_while_another_receiver_signs_the_receipt_is_in_a_lot_or_refused(
        tiny_warehouse, interleave, monkeypatch):
    """Rex signs the count (3 tees) while Ray counts one more tee into the same receipt: every unit the
    PO line says was received is in the lot waiting for inspection — never a unit counted into nothing."""
    w = tiny_warehouse
    receipt, line = _receipt(w, 3)
    interleave.point(inbound, "counts_by_line", monkeypatch)  # the signature, after reading the counts
    interleave.point(inbound, "item_by_code", monkeypatch)  # the count, after reading the receipt
    acks = interleave.run(lambda: send(w.receiver, "receive.confirm", receipt=receipt),
                          lambda: send(w.second_receiver, "receive", TEE, receipt=receipt, qty=1))
    assert acks[0]["ok"], acks
    assert acks[1]["ok"] or acks[1]["error"]["code"] == "receipt_not_counting", acks
    db.session.rollback()
    received = db.session.get(PurchaseOrderLine, line).received_qty
    in_lots = db.session.execute(select(func.sum(Lot.qty_received)).where(Lot.po_line_id == line)).scalar()
    assert (received, in_lots) in ((4, 4), (3, 3))


def test_two_inspectors_marking_units_of_one_lot_at_once_count_both(tiny_warehouse, interleave, monkeypatch):
    """A damaged carton's 5 tees are inspected in full; Ida and Sue mark one each at the same moment:
    the lot's counter says 2, as there are 2 inspected units."""
    w = tiny_warehouse
    receipt, _ = _receipt(w, 5, condition="damaged")
    lot = ok(send(w.receiver, "receive.confirm", receipt=receipt))["result"]["lots"][0]
    assert lot["progress"]["flagged_target"] == 5
    interleave.point(inspection, "progress", monkeypatch)
    acks = interleave.run(
        lambda: send(w.inspector, "inspect", TEE, inspection=lot["inspection"], result="pass"),
        lambda: send(w.supervisor, "inspect", TEE, inspection=lot["inspection"], result="pass"))
    assert codes(acks) == ["ok", "ok"], acks
    db.session.rollback()
    record = db.session.get(Inspection, lot["inspection"])
    marked = db.session.execute(select(func.count()).select_from(InspectedUnit)
                                .where(InspectedUnit.inspection_id == record.id)).scalar()
    assert (marked, record.flagged_inspected) == (2, 2)


def test_one_licence_plate_put_away_on_two_handhelds_at_once_enters_stock_once(
        tiny_warehouse, interleave, monkeypatch):
    """The LPN of 2 accepted tees scanned into a bin by Rex and Ray at once: the bin gets 2 tees, the
    second is told the task is done."""
    w = tiny_warehouse
    task = PutawayTask(lot_id=w.tee_lot.id, item_id=w.tee.id, qty=2, zone="A", suggested_bin_id=w.empty.id)
    db.session.add(task)
    db.session.commit()
    task_id = task.id  # the sessions' threads must not touch this session's objects
    interleave.point(stock, "move", monkeypatch)
    acks = interleave.run(lambda: send(w.receiver, "putaway", "A-01-02-1", task=task_id),
                          lambda: send(w.second_receiver, "putaway", "A-01-02-1", task=task_id))
    assert codes(acks) == ["ok", "task_done"], acks
    db.session.rollback()
    assert units_in("A-01-02-1", w.tee.id) == 2
    books_balance()


# --- returns ----------------------------------------------------------------------------------

def test_two_units_scanned_into_a_case_expecting_one_flag_the_second(tiny_warehouse, interleave, monkeypatch):
    """The customer said one tee comes back; two tees are scanned into the case at once by two
    inspectors: one is as expected, the other is flagged `more_than_expected` (set apart)."""
    w = tiny_warehouse
    case = ReturnCase(number="RMA-RACE", reason="changed_mind", received_on=date.today(),
                      opened_by=w.supervisor.user_id)
    db.session.add(case)
    db.session.flush()
    db.session.add(ReturnLine(return_id=case.id, item_id=w.tee.id, qty=1))
    db.session.commit()
    case_id = case.id  # the sessions' threads must not touch this session's objects
    interleave.point(return_cases, "expected_by_item", monkeypatch)
    acks = interleave.run(lambda: send(w.inspector, "return.unit", TEE, **{"return": case_id, "judgement": "good"}),
                          lambda: send(w.supervisor, "return.unit", TEE, **{"return": case_id, "judgement": "good"}))
    assert codes(acks) == ["ok", "ok"], acks
    assert sorted(ack.get("warnings", [None])[0] or "" for ack in acks) == ["", "more_than_expected"], acks
    db.session.rollback()
    flagged = db.session.execute(select(ReturnUnit.unexpected).where(ReturnUnit.return_id == case_id)).scalars()
    assert sorted(flagged) == [False, True]
    assert db.session.get(ReturnCase, case_id).escalated is True


# --- cycle counts -----------------------------------------------------------------------------

def _counted_bin(w) -> None:
    """Bin A-01-01-1 (3 tees, 1 mug by the books) in a count, counted 4 tees and 1 mug, not closed."""
    counts.schedule({"bins": ["A-01-01-1"]}, w.supervisor)
    db.session.commit()
    ok(send(w.picker, "count", "A-01-01-1"))
    ok(send(w.picker, "count", TEE, bin="A-01-01-1", qty=4))
    ok(send(w.picker, "count", "036000291452", bin="A-01-01-1", qty=1))


def test_a_bin_closed_on_two_handhelds_at_once_books_its_variance_once(tiny_warehouse, interleave, monkeypatch):
    """The counter found 4 tees where the books say 3 (within tolerance: booked at once) and closes the
    bin on both handhelds at once: +1 is booked once, the bin holds 4."""
    w = tiny_warehouse
    _counted_bin(w)
    second_handheld = Actor(w.picker.user_id, "pia", "Pia", "picker", None, None, None)
    interleave.point(control, "book_qty", monkeypatch)
    acks = interleave.run(lambda: send(w.picker, "count.close", bin="A-01-01-1"),
                          lambda: send(second_handheld, "count.close", bin="A-01-01-1"))
    assert codes(acks) == ["bin_not_in_count", "ok"], acks
    db.session.rollback()
    assert units_in("A-01-01-1", w.tee.id) == 4
    assert db.session.execute(select(func.count()).select_from(Adjustment).where(Adjustment.reason == "count")
                              ).scalar() == 1
    books_balance()


def test_a_recount_approved_by_two_supervisors_at_once_is_booked_once(tiny_warehouse, interleave, monkeypatch):
    """Counted 10 tees where the books say 3 (beyond tolerance), recounted 10; two supervisors approve the
    line at once: +7 is booked once."""
    w = tiny_warehouse
    counts.schedule({"bins": ["A-01-01-1"]}, w.supervisor)
    db.session.commit()
    for _ in range(2):  # the count, then the recount
        ok(send(w.picker, "count", "A-01-01-1"))
        ok(send(w.picker, "count", TEE, bin="A-01-01-1", qty=10))
        ok(send(w.picker, "count.close", bin="A-01-01-1"))
    line, status = db.session.execute(select(CountLine.id, CountLine.status).where(CountLine.item_id == w.tee.id)).one()
    assert status == "recounted"
    boss = Actor(w.supervisor.user_id, "sue", "Sue", "supervisor", None, None, None)

    def approve(actor):
        counts.approve(line, actor)
        control.commit()
        return {"ok": True}
    interleave.point(counts, "recount_variance", monkeypatch)
    acks = interleave.run(lambda: approve(w.supervisor), lambda: approve(boss))
    assert codes(acks) == ["count_line_not_recounted", "ok"], acks
    db.session.rollback()
    assert units_in("A-01-01-1", w.tee.id) == 10
    books_balance()


# --- transfers --------------------------------------------------------------------------------

def test_two_transfers_racing_for_the_last_free_unit_move_it_once(tiny_warehouse, interleave, monkeypatch):
    """The bin holds 3 tees; two pickers move 2 each out of it at once: one moves, one is refused, the
    bin never goes below zero (the conditional take decides: the guard that was already there)."""
    w = tiny_warehouse
    interleave.point(stock, "move", monkeypatch)
    second_picker = Actor(w.receiver.user_id, "rex", "Rex", "receiver", None, None, None)
    acks = interleave.run(lambda: send(w.picker, "transfer", "A-01-02-1", from_bin="A-01-01-1", item=TEE, qty=2),
                          lambda: send(second_picker, "transfer", "B-01-01-1", from_bin="A-01-01-1", item=TEE, qty=2))
    assert codes(acks) == ["negative_stock", "ok"], acks
    db.session.rollback()
    assert units_in("A-01-01-1", w.tee.id) == 1
    assert db.session.execute(select(func.count()).select_from(Transfer)).scalar() == 1
    books_balance()


def test_a_warehouse_transfer_received_on_two_handhelds_at_once_arrives_once(tiny_warehouse, interleave, monkeypatch):
    """Two transfers of one tee each travel to WH2 (its transit bin holds 2); the first is received on two
    handhelds at once: one tee arrives, the other transfer's tee stays on the road."""
    w = tiny_warehouse
    db.session.add(Bin(code="C-01-01-1", zone="C", aisle="01", bay="01", level="1", x=0, y=0, warehouse="WH2"))
    db.session.commit()
    first = control.transfer("A-01-01-1", w.tee, 1, w.picker, to_warehouse="WH2")[0].id
    control.transfer("A-01-01-1", w.tee, 1, w.picker, to_warehouse="WH2")
    control.commit()
    second_handheld = Actor(w.receiver.user_id, "rex", "Rex", "receiver", None, None, None)
    interleave.point(control, "_move", monkeypatch)
    acks = interleave.run(lambda: send(w.receiver, "transfer.receive", "C-01-01-1", transfer=first),
                          lambda: send(second_handheld, "transfer.receive", "C-01-01-1", transfer=first))
    assert codes(acks) == ["ok", "transfer_not_in_transit"], acks
    db.session.rollback()
    assert (units_in("C-01-01-1", w.tee.id), units_in("TRANSIT-WH2", w.tee.id)) == (1, 1)
    books_balance()
    assert db.session.execute(select(func.count()).select_from(LedgerEntry).where(
        LedgerEntry.ref == f"transfer {first}", LedgerEntry.qty > 0)).scalar() == 2  # into transit, into the bin


def test_the_first_two_transfers_to_a_warehouse_at_once_make_its_transit_bin_once(
        tiny_warehouse, interleave, monkeypatch):
    """No transfer has gone to WH2 yet; two pickers send a tee each there at the same moment: both travel,
    in the one transit bin (made on first use: the second maker takes the first's, its scan is not lost).
    The same holds for every row made on first use (returns staging bins, manifests, a family's inspection
    record, a count's found-units lot: `transaction.found_or_added`)."""
    w = tiny_warehouse
    db.session.add(Bin(code="C-01-01-1", zone="C", aisle="01", bay="01", level="1", x=0, y=0, warehouse="WH2"))
    db.session.commit()
    constructed = Bin.__init__

    def new_bin(self, *args, **kwargs):  # the point held: no transit bin was found, one is made
        interleave.hold()
        constructed(self, *args, **kwargs)
    monkeypatch.setattr(Bin, "__init__", new_bin)

    def send_one(actor):
        made = control.transfer("A-01-01-1", control.find_sku("TEE-BLK-M"), 1, actor, to_warehouse="WH2")
        control.commit()
        return {"ok": True, "transit": made[0].transit_bin_id}
    second_picker = Actor(w.receiver.user_id, "rex", "Rex", "receiver", None, None, None)
    acks = interleave.run(lambda: send_one(w.picker), lambda: send_one(second_picker))
    assert codes(acks) == ["ok", "ok"], acks
    assert acks[0]["transit"] == acks[1]["transit"]
    db.session.rollback()
    assert units_in("TRANSIT-WH2", w.tee.id) == 2
    books_balance()


def two_numbers(made: list, prefix: str) -> list[str]:
    """Both sessions made their document, each with a number of its own."""
    assert all(m["ok"] for m in made), made
    numbers = sorted(m["number"] for m in made)
    db.session.rollback()
    assert len(set(numbers)) == 2 and all(n.startswith(prefix) for n in numbers), numbers
    return numbers


def test_two_work_orders_created_at_once_get_two_numbers(tiny_warehouse, interleave, monkeypatch):
    """Two managers (two server processes) create a gift-set work order at the same moment: both are made,
    each with its own number and its own bin. Numbered `last + 1`, both took the same number and the
    second failed on the unique key."""
    from server.db.models import WorkOrder
    from server.services.assembly import work_orders
    from server.services.catalogue import kits

    w = tiny_warehouse
    manager = Actor(w.supervisor.user_id, "sue", "Sue", "manager")
    kits.define("GIFT-SET", [kits.Component("TEE-BLK-M", 1)], manager, name_zh="礼盒", name_en="Gift set")
    db.session.commit()
    interleave.point(work_orders, "_reserve", monkeypatch)

    def create():
        order = work_orders.create("assemble", "GIFT-SET", 1, manager)
        db.session.commit()
        return {"ok": True, "number": order.number}

    numbers = two_numbers(interleave.run(create, create), "WO-")
    assert sorted(db.session.execute(select(WorkOrder.number)).scalars()) == numbers
    assert sorted(db.session.execute(select(Bin.code).where(Bin.kind == "work_order")).scalars()) == numbers


def test_two_purchase_orders_created_at_once_get_two_numbers(tiny_warehouse, interleave, monkeypatch):
    """Two buyers (two server processes) create a PO at the same moment, neither naming a number: both are
    made, each with its own number. Counting the POs gave both the same, and the second failed."""
    from server.db.models import PurchaseOrder

    w = tiny_warehouse
    buyer = Actor(w.supervisor.user_id, "sue", "Sue", "manager")
    interleave.point(inbound, "item_by_code", monkeypatch)

    def create():
        po = inbound.create_po("SUP-T", [{"sku": "TEE-BLK-M", "qty": 5}], buyer)
        return {"ok": True, "number": po.number}

    numbers = two_numbers(interleave.run(create, create), "PO-")
    assert sorted(db.session.execute(select(PurchaseOrder.number)).scalars()) == numbers
