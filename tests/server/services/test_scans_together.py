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
from server.services import scans, stock


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

    added = {"test.ok": ok, "test.refused": refused, "test.bug": bug, "test.gone": database_gone,
             "test.rollback": rolls_back}
    for name, act in added.items():
        scans.register(name, scans.Mode("scan.lookup", act, needs_code=False))
    yield w
    for name in added:
        scans.MODES.pop(name)


def payload(mode, level, scan_id=None):
    return {"scan_id": scan_id or str(uuid.uuid4()), "mode": mode, "level": level}


def tees_in_full_bin(w):
    return stock.bin_qty(w.full.id, w.tee.id)


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
