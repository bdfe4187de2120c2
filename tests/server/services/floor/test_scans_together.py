"""Scans that queued up together are answered in one transaction (group commit): each keeps its own
outcome — stored, refused with its writes undone, or failed and not stored — and its own audit row."""
import json
import uuid

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from server.db.models import AuditEntry, Bin, LedgerEntry, Scan
from server.domain.errors import WmsError
from server.domain.stock import Movement
from server.extensions import db
from server.services.floor import scans
from server.services.inventory import stock
from server.services.inventory import levels


def count(model):
    return db.session.execute(select(func.count()).select_from(model)).scalar()


@pytest.fixture
def modes(tiny_warehouse):
    """Test modes: each takes one tee from the full bin and renames the empty bin's level, then
    succeeds, is refused, fails with a bug, loses the database, or ends the whole transaction."""
    w = tiny_warehouse

    def work(payload, actor):
        stock.move(Movement(w.full.id, w.tee.id, w.tee_lot.id, -1, "adjustment"), actor, "test")
        db.session.get(Bin, w.empty.id).level = payload["level"]

    def ok(_decoded, payload, actor):
        work(payload, actor)
        return {"level": payload["level"]}

    def refused(_decoded, payload, actor):
        work(payload, actor)
        raise WmsError("wrong_bin", scanned="X", expected="Y")

    def bug(_decoded, payload, actor):
        work(payload, actor)
        raise RuntimeError("bug")

    def database_gone(_decoded, payload, actor):
        work(payload, actor)
        raise OperationalError("SELECT", {}, Exception("server closed the connection unexpectedly"))

    def rolls_back(_decoded, payload, actor):
        work(payload, actor)
        db.session.rollback()
        return {}

    def new_bin(payload):
        db.session.add(Bin(code=payload["level"], zone="Z", aisle="01", bay="01", level="1", x=0, y=0))
        db.session.flush()  # written inside the scan's savepoint, the row gets the next id

    def adds(_decoded, payload, actor):
        new_bin(payload)
        return {}

    def adds_then_refused(_decoded, payload, actor):
        new_bin(payload)
        raise WmsError("wrong_bin", scanned="X", expected="Y")

    def duplicate(_decoded, payload, actor):
        work(payload, actor)
        new_bin({"level": w.full.code})  # a bin code that exists: the ORM flush fails on the unique key
        return {}

    added = {"test.ok": ok, "test.refused": refused, "test.bug": bug, "test.gone": database_gone,
             "test.rollback": rolls_back, "test.adds": adds, "test.adds_refused": adds_then_refused,
             "test.duplicate": duplicate}
    for name, act in added.items():
        scans.register(name, scans.Mode("scan.lookup", act, needs_code=False))
    yield w
    for name in added:
        scans.MODES.pop(name)


def payload(mode, level, scan_id=None):
    return {"scan_id": scan_id or str(uuid.uuid4()), "mode": mode, "level": level}


def tees_in_full_bin(w):
    return levels.bin_qty(w.full.id, w.tee.id)


def test_each_scan_of_a_batch_keeps_its_own_outcome(modes):
    w = modes
    first = payload("test.ok", "L1")
    batch = [(first, w.picker), (payload("test.refused", "L2"), w.picker), (payload("test.bug", "L3"), w.picker),
             (payload("test.ok", "L4"), w.receiver), (dict(first), w.picker)]
    answers = scans.handle_all(batch, via="/floor scan")

    outcome = [a.ack["ok"] or a.ack["error"]["code"] for a in answers]
    assert outcome == [True, "wrong_bin", "internal_error", True, True]
    assert [a.replayed for a in answers] == [False, False, False, False, True]
    assert answers[4].ack == answers[0].ack  # the resend inside the batch: the stored ack, not applied again
    # Two tees left the bin (the two successful scans); the refused and the failed scan took none.
    assert tees_in_full_bin(w) == 1 and count(LedgerEntry) == 4
    assert db.session.get(Bin, w.empty.id).level == "L4"
    # Stored: both successes and the refusal (its replay must be identical); not the bug.
    assert count(Scan) == 3
    # The trail: one row per scan that changed something, under that scan's user.
    trail = db.session.execute(select(AuditEntry).where(AuditEntry.via == "/floor scan")
                               .order_by(AuditEntry.id)).scalars().all()
    assert [(e.user_id, e.via) for e in trail] == [(w.picker.user_id, "/floor scan"),
                                                  (w.receiver.user_id, "/floor scan")]
    assert [json.loads(e.changes)[0]["changed"]["level"][1] for e in trail] == ["L1", "L4"]


def test_a_batch_whose_database_went_away_is_answered_try_again_and_nothing_of_it_is_stored(modes):
    w = modes
    batch = [(payload("test.ok", "L1"), w.picker), (payload("test.gone", "L2"), w.picker),
             (payload("test.ok", "L3"), w.picker)]
    answers = scans.handle_all(batch)
    assert [a.ack["error"]["code"] for a in answers] == ["try_again"] * 3
    assert [a.ack["scan_id"] for a in answers] == [p["scan_id"] for p, _ in batch]
    assert count(Scan) == 0 and tees_in_full_bin(w) == 3
    # Resent, they are applied once each.
    again = scans.handle_all([batch[0], batch[2]])
    assert [a.ack["ok"] for a in again] == [True, True] and tees_in_full_bin(w) == 1


def test_a_mode_that_ends_the_shared_transaction_gets_the_batch_resent_not_half_stored(modes, caplog):
    w = modes
    batch = [(payload("test.ok", "L1"), w.picker), (payload("test.rollback", "L2"), w.picker)]
    answers = scans.handle_all(batch)
    assert [a.ack["error"]["code"] for a in answers] == ["try_again", "try_again"]
    assert "ended the scans' transaction" in caplog.text
    assert count(Scan) == 0 and tees_in_full_bin(w) == 3
    again = scans.handle_all(batch[:1])  # the first scan, resent alone, is applied once
    assert again[0].ack["ok"] and tees_in_full_bin(w) == 2 and count(Scan) == 1


def test_a_scan_without_a_session_in_a_batch_is_refused_without_harming_the_others(modes):
    w = modes
    answers = scans.handle_all([(payload("test.ok", "L1"), None), (payload("test.ok", "L2"), w.picker)])
    assert answers[0].ack["error"]["code"] == "not_authenticated" and answers[1].ack["ok"]
    assert count(Scan) == 1 and tees_in_full_bin(w) == 2


def _as_on_the_floor(w):
    """A floor batch starts with an empty session (a fresh app context): its scans' savepoints are sent
    straight to the driver, without SQLAlchemy's nested transaction. (The warehouse's ids are read
    first: the test modes use them.)"""
    for thing in (w.full, w.empty, w.tee, w.tee_lot):
        assert thing.id
    db.session.expunge_all()


def test_a_refused_scan_that_began_with_an_empty_session_leaves_nothing_behind(modes):
    w = modes
    _as_on_the_floor(w)
    answers = scans.handle_all([(payload("test.refused", "L2"), w.picker), (payload("test.ok", "L4"), w.picker)],
                               via="/floor scan")
    assert [a.ack["ok"] or a.ack["error"]["code"] for a in answers] == ["wrong_bin", True]
    db.session.expunge_all()
    # The refused scan's ledger move and its change to the bin (an ORM object) are undone; the next
    # scan's are stored, with one trail row.
    assert tees_in_full_bin(w) == 2 and count(LedgerEntry) == 3  # the warehouse's own two + one
    assert db.session.get(Bin, w.empty.id).level == "L4"
    assert count(Scan) == 2
    trail = db.session.execute(select(AuditEntry).where(AuditEntry.via == "/floor scan")).scalars().all()
    assert len(trail) == 1


def test_a_row_added_by_a_refused_scan_does_not_haunt_the_next_scan_of_the_batch(modes):
    # SQLite hands the undone row's id to the next insert: the session must not still hold the
    # refused scan's object under that id (it would refuse the next scan's row as a duplicate).
    w = modes
    _as_on_the_floor(w)
    answers = scans.handle_all([(payload("test.adds_refused", "NEW-1"), w.picker),
                                (payload("test.adds", "NEW-2"), w.picker)])
    assert [a.ack["ok"] or a.ack["error"]["code"] for a in answers] == ["wrong_bin", True]
    codes = set(db.session.execute(select(Bin.code).where(Bin.code.like("NEW-%"))).scalars())
    assert codes == {"NEW-2"}


def test_a_scan_id_stored_meanwhile_by_another_process_gets_the_batch_resent_not_applied_twice(modes, monkeypatch):
    # Another server process (PostgreSQL) stores scan X after this batch looked for it: X is acted on
    # again here, and only the batch's insert of the scans' rows finds out. Nothing of the batch is
    # kept; resent, X gets its stored ack and the other scan is applied once.
    w = modes
    x = payload("test.ok", "L1")
    assert scans.handle_all([(x, w.picker)])[0].ack["ok"] and tees_in_full_bin(w) == 2
    y = payload("test.ok", "L2")
    with monkeypatch.context() as patch:
        patch.setattr(scans, "stored_acks", lambda ids: {})  # the batch's read came before X was stored
        answers = scans.handle_all([(y, w.picker), (dict(x), w.picker)])
    assert [a.ack["error"]["code"] for a in answers] == ["try_again", "try_again"]
    assert tees_in_full_bin(w) == 2 and count(Scan) == 1  # neither Y nor X's second take kept
    again = scans.handle_all([(y, w.picker), (dict(x), w.picker)])
    assert [a.ack["ok"] for a in again] == [True, True] and [a.replayed for a in again] == [False, True]
    assert again[1].ack["level"] == "L1"
    assert tees_in_full_bin(w) == 1 and count(Scan) == 2


@pytest.mark.parametrize("on_the_floor", [True, False], ids=["driver savepoint", "orm savepoint"])
def test_a_scan_failing_on_a_unique_key_is_answered_alone_and_the_others_are_kept(modes, caplog, on_the_floor):
    """An ORM flush refused by a unique key leaves SQLAlchemy's session needing a rollback: the batch
    is worked again without that scan (answered internal_error, not stored); the others keep their
    outcome, once each — never a batch with no answers at all."""
    w = modes
    if on_the_floor:
        _as_on_the_floor(w)
    batch = [(payload("test.ok", "L1"), w.picker), (payload("test.duplicate", "L2"), w.picker),
             (payload("test.ok", "L3"), w.receiver)]
    answers = scans.handle_all(batch, via="/floor scan")
    assert [a.ack["ok"] or a.ack["error"]["code"] for a in answers] == [True, "internal_error", True]
    if on_the_floor:
        db.session.expunge_all()
    assert tees_in_full_bin(w) == 1 and count(Scan) == 2  # two tees taken, by the two kept scans
    assert db.session.get(Bin, w.empty.id).level == "L3"
    again = scans.handle_all([batch[0]])  # the first one resent: its stored ack, nothing applied twice
    assert again[0].replayed and tees_in_full_bin(w) == 1


def test_a_batch_failing_outside_any_scan_is_answered_try_again_and_applied_once_when_resent(
        modes, monkeypatch, caplog):
    # A failure of the batch's own work (here: storing the scans' rows) is no scan's fault: before, it
    # escaped to the socket layer, which answered one scan "bad_packet" and the device dropped it.
    w = modes
    batch = [(payload("test.ok", "L1"), w.picker), (payload("test.ok", "L2"), w.picker)]
    with monkeypatch.context() as patch:
        patch.setattr(scans._Batch, "write", lambda self: (_ for _ in ()).throw(AttributeError("a bug")))
        answers = scans.handle_all(batch)
    assert [a.ack["error"]["code"] for a in answers] == ["try_again", "try_again"]
    assert "not stored, answered try_again" in caplog.text
    assert count(Scan) == 0 and tees_in_full_bin(w) == 3
    again = scans.handle_all(batch)
    assert [a.ack["ok"] for a in again] == [True, True] and tees_in_full_bin(w) == 1
