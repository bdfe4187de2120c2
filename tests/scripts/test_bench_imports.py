"""scripts/bench_imports.py runs small: its generated files import cleanly, load, and load again unchanged."""
import json
import subprocess
import sys

from tests.conftest import ROOT


def test_the_import_benchmark_runs_small():
    done = subprocess.run([sys.executable, "scripts/bench_imports.py", "--items", "40", "--bins", "30"], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["items"]["rows"] == 40 and report["bins"]["rows"] == 30
    assert report["items"]["load_rows_per_s"] > 0
