"""Every benchmark script runs, small (seconds each), and its figures say what they must: the figures in
docs/reliability.md and docs/picking.md come from these scripts, so they must keep running against the
code as it is. (bench_scans, profile_scans, bench_ack_encoding, the Flask-SocketIO harness, bench_rest,
bench_printing, bench_imports and the fault test have tests of their own.)"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid

from tests.conftest import ROOT


def run(script: str, *args: str, env: dict | None = None, timeout: float = 180) -> tuple[dict, str]:
    done = subprocess.run([sys.executable, str(ROOT / "scripts" / script), *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1]), done.stdout[-3000:] + done.stderr[-3000:]


def test_bench_routing_smoke_finds_the_optimum_and_saves_walking():
    row, log = run("bench_routing.py", "--smoke")
    assert row["smoke"] is True, log
    # The exact sweep is exact: never longer than brute force on any instance.
    assert row["optimal_gap_pct"] == 0.0 and row["optimal_gap_max_pct"] == 0.0, log
    # The rules walk further than the optimum, batching walks less than one order a trip.
    assert row["sshape_excess_pct"] > 0 and row["largest_gap_excess_pct"] > 0, log
    assert 0 < row["batching_saving_vs_single_pct"] < 100, log
    assert row["wave_10k_lines_orders"] > 0 and row["wave_10k_lines_s"] > 0, log


def test_bench_labels_makes_labels_and_sends_jobs_through_the_agent_path():
    row, log = run("bench_labels.py", "--documents", "20", "--jobs", "5")
    assert row["documents"] == 20 and row["labels"] >= 20 and row["labels_per_s"] > 0, log
    assert row["jobs"] == 5 and row["printed"] == 2 * 5, log  # each job once plainly, once the agent's way
    assert 0 < row["plain_write_ms"] and 0 < row["agent_status_and_send_ms"], log


def test_bench_transport_answers_messages_both_ways():
    row, log = run("bench_transport.py", "--clients", "2", "--seconds", "1")
    assert [style["handler"] for style in row["styles"]] == ["inline", "thread"], log
    for style in row["styles"]:
        assert style["messages_per_s"] > 0 and style["server_cpu_ms_per_message"] > 0, log


def test_bench_setup_adds_pickers_once_and_keeps_the_books_balanced(tmp_path):
    env = os.environ | {"WMS_DATA_DIR": str(tmp_path), "WMS_SECRET_KEY": uuid.uuid4().hex, "WMS_DEMO": "1"}
    subprocess.run([sys.executable, "-m", "server", "setup", "--demo", "--printer-port", "9"], cwd=ROOT, env=env,
                   check=True, capture_output=True, timeout=180)
    first, log = run("bench_setup.py", "--pickers", "3", "--top-up", "5", env=env)
    assert (first["pickers"], first["new_users"], first["units_each"]) == (3, 3, 5), log
    assert first["topped_up_places"] > 0, log
    again, log = run("bench_setup.py", "--pickers", "3", "--top-up", "5", env=env)
    assert again["new_users"] == 0 and again["topped_up_places"] == first["topped_up_places"], log
    # The top-ups are ledger receipts: books, bins and reservations still agree.
    checked = subprocess.run([sys.executable, "-m", "server", "check-ledger"], cwd=ROOT, env=env,
                             capture_output=True, text=True, timeout=120)
    assert checked.returncode == 0, checked.stdout[-2000:] + checked.stderr[-2000:]
