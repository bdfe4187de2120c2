"""scripts/bench_printing.py, small (its import was broken once with no test noticing), and what every
benchmark says when the `bench` extras are not installed."""
from __future__ import annotations

import subprocess
import sys

from tests.scripts.test_bench_scans import run
from tests.conftest import ROOT


def test_bench_printing_prints_single_labels_and_a_zone():
    row, log = run("bench_printing.py", "--jobs", "2")
    assert row["single_label_jobs"] == 2, log
    assert row["zone_labels"] > 10 and row["zone_labels_per_s"] > 0, log  # every bin of zone A, printed
    assert 0 < row["job_to_printed_p50_ms"] <= row["job_to_printed_max_ms"], log


def test_a_benchmark_without_its_extras_says_how_to_install_them():
    # aiohttp made unimportable, as on a machine that installed only the server's packages
    code = ("import runpy, sys; sys.modules['aiohttp'] = None; sys.argv = ['bench_scans.py', '--help'];"
            "sys.path.insert(0, 'scripts'); runpy.run_path('scripts/bench_scans.py', run_name='__main__')")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    assert done.stderr.strip() == "aiohttp is missing: .venv/bin/pip install -e '.[bench]'"
