"""scripts/fault_test.py, small: 20 simulated handhelds pick a wave, the server is SIGKILLed once in
the middle (after a commit, before its acks: the WMS_TEST_PAUSE_AFTER_COMMIT hook) and restarted; then
the printer agent is SIGKILLed mid-batch at each point of a write. The kill must have caught scans in
flight and stored ones whose ack was lost; nothing may be lost or applied twice (by the ledger), the
books must balance, every list and label must finish once.

Also: the check that counts doubles from the ledger does find one (test_verify_counts_doubles_from_the_ledger)."""
from __future__ import annotations

import json
import signal
import subprocess
import sys

import pytest

from tests.conftest import ROOT


def test_fault_test_loses_and_doubles_nothing():
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "scripts" / "fault_test.py"), "--handhelds", "20", "--kills", "1",
         "--kill-after", "3", "--lists-per-handheld", "2", "--think", "0.15", "--seconds", "90",
         "--printer-agent", "--label-jobs", "6", "--agent-kills", "4"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        stdout, stderr = process.communicate(timeout=240)
    except subprocess.TimeoutExpired:
        process.send_signal(signal.SIGTERM)  # not SIGKILL: the script must stop its server and agent
        stdout, stderr = process.communicate(timeout=60)
        pytest.fail("fault_test.py did not finish in 240 s:\n" + stderr[-3000:])
    assert stdout.strip(), stderr[-3000:]
    result = json.loads(stdout.strip().splitlines()[-1])
    report = json.dumps(result, ensure_ascii=False, indent=1) + "\n" + stderr[-2000:]

    # The kill really happened in the middle of the picking, with scans on the way and stored ones
    # whose ack never reached the device; and the devices came back.
    assert [f["fault"] for f in result["faults"]] == ["server_sigkill"], report
    assert result["faults"][0]["after_commit_pause"] is True, report
    assert result["in_flight_at_kill"] >= 1, report
    assert result["stored_ack_lost_at_kill"] >= 1, report
    assert result["reconnects"] >= 20, report
    assert result["scans_sent"] > 300, report
    assert result["ledger_movements"] > 200, report  # two per item picked: the doubles have rows to count
    assert result["queued_to_ack_p50_ms"] > 0, report

    assert result["lost"] == 0, report
    assert result["doubled"] == 0, report
    assert result["ack_mismatch"] == 0, report  # a replay got the stored ack, not a second application
    assert result["unacked"] == 0, report
    assert result["errors"] == 0, report
    assert result["ledger_balanced"] is True, report
    assert result["pick_lists_done"] == result["pick_lists"] > 0, report
    assert result["pick_units_mismatch"] == 0, report

    assert result["labels_printed"] == result["labels_expected"] == 24, report
    assert result["labels_duplicated"] == result["labels_missing"] == 0, report
    assert result["jobs_printed"] == 6, report
    assert [(k["point"], k["hit"]) for k in result["agent_kills"]] == [
        ("mid_write", True), ("after_write", True), ("before_write", True), ("random", True)], report
    assert result["passed"] is True and process.returncode == 0, report


def _books(tmp_path, ledger_rows):
    """A database with the two tables verify reads: one stored pick of an item (scan P), one lookup (L)."""
    import sqlite3

    tmp_path.mkdir()
    path = tmp_path / "books.db"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE scans (scan_id TEXT UNIQUE, mode TEXT, ok INTEGER, kind TEXT, ack_json TEXT)")
        db.execute("CREATE TABLE stock_ledger (scan_id TEXT, qty INTEGER, reason TEXT, ref TEXT)")
        db.executemany("INSERT INTO scans VALUES (?, ?, 1, ?, ?)",
                       [("P", "pick", "item", '{"ok": true, "scan_id": "P"}'),
                        ("L", "lookup", "bin", '{"ok": true, "scan_id": "L"}')])
        db.executemany("INSERT INTO stock_ledger VALUES (?, ?, 'pick', 'pick list 1')", ledger_rows)
    return f"sqlite:///{path}"


def _records():
    sys.path.insert(0, str(ROOT / "scripts"))
    import floor_sim

    return floor_sim, [floor_sim.Record({"scan_id": s, "mode": m}, frozenset({"ok"}), 0.0, None,
                                        ack={"ok": True, "scan_id": s}) for s, m in (("P", "pick"), ("L", "lookup"))]


def test_verify_counts_doubles_from_the_ledger(tmp_path):
    sim, records = _records()
    once = sim.verify(_books(tmp_path / "once", [("P", -2), ("P", 2)]), records)
    assert (once["lost"], once["doubled"], once["ledger_movements"]) == (0, 0, 2)

    # The same pick applied twice: four movements under one scan id, though `scans` holds it once.
    twice = sim.verify(_books(tmp_path / "twice", [("P", -2), ("P", 2), ("P", -2), ("P", 2)]), records)
    assert (twice["lost"], twice["doubled"], twice["ledger_movements"]) == (0, 1, 4)

    # Movements under a scan id nobody sent, and a pick stored without its movements.
    stray = sim.verify(_books(tmp_path / "stray", [("X", -1), ("X", 1)]), records)
    assert (stray["lost"], stray["doubled"]) == (1, 1)
