"""The scan pipeline against a real SQLite database: answers, refusals, and idempotency."""
import uuid

from sqlalchemy import func, select

from server.db.models import LedgerEntry, Scan
from server.extensions import db
from server.services.floor import scans


def scan(actor, code, scan_id=None, **context):
    return scans.handle({"scan_id": scan_id or str(uuid.uuid4()), "code": code, **context}, actor)


def count(model):
    return db.session.execute(select(func.count()).select_from(model)).scalar()


def test_a_bin_scan_lists_what_the_bin_holds(tiny_warehouse):
    ack = scan(tiny_warehouse.picker, "a-01-01-1")
    assert ack["ok"] and ack["kind"] == "bin" and ack["sound"] == "ok"
    assert ack["result"]["bin"]["code"] == "A-01-01-1"
    assert [(ln["sku"], ln["qty"]) for ln in ack["result"]["lines"]] == [("MUG-WHT", 1), ("TEE-BLK-M", 3)]
    assert ack["result"]["total_qty"] == 4


def test_an_empty_bin_answers_with_no_lines(tiny_warehouse):
    ack = scan(tiny_warehouse.picker, "A-01-02-1")
    assert ack["ok"] and ack["result"]["lines"] == [] and ack["result"]["total_qty"] == 0


def test_an_item_scan_in_any_gtin_form_shows_where_it_is(tiny_warehouse):
    for code in ("036000291452", "0036000291452", "MUG-WHT"):
        ack = scan(tiny_warehouse.picker, code)
        assert ack["ok"] and ack["kind"] == "item", code
        assert ack["result"]["item"]["sku"] == "MUG-WHT"
        assert ack["result"]["lines"] == [{"bin": "A-01-01-1", "lot": "L2", "expiry": None, "qty": 1}]


def test_a_gs1_label_scan_finds_the_item_and_reports_the_lot_it_carries(tiny_warehouse):
    ack = scan(tiny_warehouse.picker, "]C1010590123412345710L1\x1d17271231")
    assert ack["ok"] and ack["result"]["item"]["sku"] == "TEE-BLK-M"
    assert ack["result"]["gs1"]["lot"] == "L1" and ack["result"]["gs1"]["expiry"] == "2027-12-31"


def test_an_unknown_code_is_refused_in_both_languages(tiny_warehouse):
    ack = scan(tiny_warehouse.picker, "NOPE-123")
    assert not ack["ok"] and ack["sound"] == "error"
    assert ack["error"]["code"] == "unknown_barcode"
    assert "NOPE-123" in ack["error"]["message"]["en"] and "未知条码" in ack["error"]["message"]["zh"]


def test_a_replayed_scan_id_returns_the_identical_ack_and_writes_nothing(tiny_warehouse):
    scan_id = str(uuid.uuid4())
    first = scan(tiny_warehouse.picker, "A-01-01-1", scan_id)
    scans_before = count(Scan)
    again = scan(tiny_warehouse.picker, "A-01-01-1", scan_id)
    assert again == first
    assert count(Scan) == scans_before


def test_a_used_scan_id_with_another_code_mode_or_person_is_refused_not_answered_as_applied(tiny_warehouse):
    w = tiny_warehouse
    scan_id = str(uuid.uuid4())
    assert scan(w.picker, "A-01-01-1", scan_id)["ok"]
    scans_before = count(Scan)
    for actor, code, context in ((w.picker, "A-01-02-1", {}), (w.picker, "A-01-01-1", {"mode": "count"}),
                                 (w.packer, "A-01-01-1", {})):
        refused = scan(actor, code, scan_id, **context)
        assert refused["ok"] is False and refused["error"]["code"] == "scan_id_conflict", (actor.username, refused)
        assert scan_id in refused["error"]["message"]["en"] and "未生效" in refused["error"]["message"]["zh"]
    assert count(Scan) == scans_before


def test_permission_is_checked_before_a_stored_ack_is_returned(tiny_warehouse):
    w = tiny_warehouse
    scan_id = str(uuid.uuid4())
    first = scan(w.supervisor, "A-01-01-1", scan_id, mode="count")  # a count scan: the packer may not count
    replayed_by_packer = scan(w.packer, "A-01-01-1", scan_id, mode="count")
    assert replayed_by_packer["error"]["code"] in ("journey_not_allowed", "forbidden"), replayed_by_packer
    assert replayed_by_packer != first


def test_a_refusal_is_stored_too_so_its_replay_is_identical(tiny_warehouse):
    scan_id = str(uuid.uuid4())
    first = scan(tiny_warehouse.picker, "5901234123450", scan_id)
    assert first["error"]["code"] == "bad_check_digit"
    assert scan(tiny_warehouse.picker, "5901234123450", scan_id) == first
    stored = db.session.execute(select(Scan).where(Scan.scan_id == scan_id)).scalar_one()
    assert stored.user_id == tiny_warehouse.picker.user_id and stored.device_id is not None


def test_a_scan_without_a_usable_scan_id_is_refused_and_not_stored(tiny_warehouse):
    before = count(Scan)
    for payload in ({"code": "A-01-01-1"}, {"scan_id": "x", "code": "A"}, "A-01-01-1"):
        ack = scans.handle(payload, tiny_warehouse.picker)
        assert not ack["ok"] and ack["error"]["code"] in ("bad_scan_id", "bad_request")
    assert count(Scan) == before


def test_an_unknown_mode_is_refused(tiny_warehouse):
    ack = scan(tiny_warehouse.picker, "A-01-01-1", mode="teleport")
    assert ack["error"]["code"] == "unsupported_mode"


def test_a_device_without_the_right_cannot_scan(tiny_warehouse):
    ack = scan(tiny_warehouse.agent, "A-01-01-1")
    assert ack["error"]["code"] == "forbidden"


def test_lookup_scans_never_touch_the_ledger(tiny_warehouse):
    before = count(LedgerEntry)
    for code in ("A-01-01-1", "036000291452", "NOPE"):
        scan(tiny_warehouse.picker, code)
    assert count(LedgerEntry) == before


def test_a_mode_that_fails_unexpectedly_still_answers_and_stores_nothing(tiny_warehouse):
    def broken(decoded, payload, actor):
        raise RuntimeError("bug")

    scans.register("broken", scans.Mode("scan.lookup", broken))
    try:
        before = count(Scan)
        ack = scan(tiny_warehouse.picker, "A-01-01-1", mode="broken")
        assert ack["error"]["code"] == "internal_error" and ack["sound"] == "error"
        assert count(Scan) == before
    finally:
        scans.MODES.pop("broken")


def test_a_po_or_an_lpn_scanned_in_lookup_says_what_it_is(tiny_warehouse):
    from server.services.receiving import inbound

    po = inbound.create_po("SUP-T", [{"sku": "TEE-BLK-M", "qty": 7}], tiny_warehouse.receiver)
    ack = scan(tiny_warehouse.picker, po.number)
    assert ack["ok"] and ack["kind"] == "po" and "7 units still open" in ack["result"]["summary"]["en"]
    assert scan(tiny_warehouse.picker, "PO-NOPE")["error"]["code"] == "no_po"
    assert "not in use" in scan(tiny_warehouse.picker, "LPN-999999")["result"]["summary"]["en"]


def test_a_scan_the_database_dropped_is_answered_try_again_and_applied_once_when_resent(tiny_warehouse):
    """A database restart mid-scan: nothing applied, nothing stored, the device resends the same id."""
    from sqlalchemy.exc import OperationalError

    from server.domain.stock import Movement
    from server.services.inventory import stock

    w = tiny_warehouse
    calls = []

    def take_one(_decoded, _payload, actor):
        stock.move(Movement(w.full.id, w.tee.id, w.tee_lot.id, -1, "adjustment"), actor, "test")
        calls.append(1)
        if len(calls) == 1:
            raise OperationalError("COMMIT", {}, Exception("server closed the connection unexpectedly"))
        return {}

    scans.register("test.flaky", scans.Mode("scan.lookup", take_one, needs_code=False))
    try:
        scan_id = str(uuid.uuid4())
        first = scans.handle({"scan_id": scan_id, "mode": "test.flaky"}, w.picker)
        assert first["ok"] is False and first["error"]["code"] == "try_again" and first["scan_id"] == scan_id
        assert count(Scan) == 0 and count(LedgerEntry) == 2  # the opening balances only
        again = scans.handle({"scan_id": scan_id, "mode": "test.flaky"}, w.picker)
        assert again["ok"] and count(Scan) == 1 and count(LedgerEntry) == 3
        assert scans.handle({"scan_id": scan_id, "mode": "test.flaky"}, w.picker) == again and len(calls) == 2
    finally:
        scans.MODES.pop("test.flaky")
