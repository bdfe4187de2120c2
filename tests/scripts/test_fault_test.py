"""scripts/fault_test.py, small: 20 simulated handhelds pick a wave, the server is SIGKILLed once in
the middle and restarted; then the printer agent is SIGKILLed mid-batch at each point of a write.
Nothing may be lost or applied twice, the books must balance, every list and label must finish once."""
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

    # The kill really happened in the middle of the picking, and the devices came back.
    assert [f["fault"] for f in result["faults"]] == ["server_sigkill"], report
    assert result["reconnects"] >= 20, report
    assert result["scans_sent"] > 300, report

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
    assert result["passed"] is True and process.returncode == 0, report
