"""scripts/fault_test.py in PostgreSQL mode, small: 8 handhelds pick on a server using PostgreSQL; the
server is SIGKILLed after a commit, then PostgreSQL itself is crashed and restarted (`pg_ctl restart -m
immediate`) mid-picking. The fault test makes a cluster of its own (initdb, a free port, synchronous
commits: the session cluster of tests/scale runs without them, and other tests share it), and removes it.
Scans the dead database could not store are answered try_again and resent; nothing lost or doubled."""
from __future__ import annotations

import json
import signal
import subprocess
import sys

import pytest

from tests.conftest import ROOT
from tests.scale.conftest import _postgres_bin


def test_fault_test_with_a_database_restart_loses_and_doubles_nothing():
    _postgres_bin()  # fails clearly when PostgreSQL is not installed
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "scripts" / "fault_test.py"), "--handhelds", "8", "--kills", "1",
         "--kill-after", "2", "--lists-per-handheld", "3", "--think", "0.2", "--seconds", "60",
         "--database-restart"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        stdout, stderr = process.communicate(timeout=170)
    except subprocess.TimeoutExpired:
        process.send_signal(signal.SIGTERM)  # the script stops its server and its PostgreSQL
        stdout, stderr = process.communicate(timeout=60)
        pytest.fail("fault_test.py --database-restart did not finish in 170 s:\n" + stderr[-3000:])
    assert stdout.strip(), stderr[-3000:]
    result = json.loads(stdout.strip().splitlines()[-1])
    report = json.dumps(result, ensure_ascii=False, indent=1) + "\n" + stderr[-2000:]

    # Both faults happened mid-picking: the server kill after a commit, then the database crash.
    assert [(f["fault"], f.get("exit")) for f in result["faults"]] == [("server_sigkill", None),
                                                                      ("database_restart", 0)], report
    assert result["in_flight_at_kill"] >= 1 and result["stored_ack_lost_at_kill"] >= 1, report
    # While PostgreSQL was down, scans were answered try_again (not stored) and sent again.
    assert result["resent_after_error"].get("try_again", 0) >= 1, report

    assert (result["lost"], result["doubled"], result["ack_mismatch"], result["unacked"], result["errors"]) == \
        (0, 0, 0, 0, 0), report
    assert result["ledger_movements"] > 100, report
    assert result["ledger_balanced"] is True, report
    assert result["pick_lists_done"] == result["pick_lists"] > 0 and result["pick_units_mismatch"] == 0, report
    assert result["passed"] is True and process.returncode == 0, report
