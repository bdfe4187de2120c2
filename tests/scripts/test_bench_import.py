"""scripts/bench_import.py, small: it starts its server, generates a marketplace pair, measures the floor before
and during the background import, and its last line carries the figures the issue asks for."""
from __future__ import annotations

import json
import subprocess
import sys

from tests.conftest import ROOT


def test_bench_import_runs_small_and_reports_its_figures():
    done = subprocess.run([sys.executable, str(ROOT / "scripts" / "bench_import.py"), "--lines", "2000", "--seconds",
                           "3", "--during-max", "5", "--handhelds", "4"], cwd=ROOT, capture_output=True, text=True,
                          timeout=400)
    assert done.returncode == 0, done.stderr[-3000:]
    row = json.loads(done.stdout.strip().splitlines()[-1])
    report = json.dumps(row, indent=1)
    for key in ("rows", "import_s", "scan_p99_during_ms", "scan_p99_before_ms", "scans_before", "scans_during",
                "timeline"):
        assert key in row, report
    assert (row["status"], row["path"], row["rows"]) == ("done", "background job", 2000), report
    # The generated pair has its wrong orders (unpaid, closed, unknown SKU, no address): imported, stopped.
    assert row["imported"] == row["orders"] and 0 < row["stopped"] < row["orders"], report
    assert row["import_s"] > 0 and row["scans_before"] > 0 and row["errors"] == 0, report
