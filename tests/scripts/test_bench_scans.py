"""scripts/bench_scans.py and scripts/profile_scans.py, small: the benchmark's figures in the closing
notes come from these scripts, so they must keep running against the code as it is (a removed service
function once broke the profiler without any test noticing)."""
from __future__ import annotations

import json
import subprocess
import sys

from tests.conftest import ROOT


def run(script: str, *args: str, timeout: float = 240) -> tuple[dict, str]:
    done = subprocess.run([sys.executable, str(ROOT / "scripts" / script), *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1]), done.stderr[-3000:]


def test_bench_scans_picks_with_a_few_handhelds_and_loses_nothing():
    row, log = run("bench_scans.py", "--handhelds", "4", "--think", "0.05", "--seconds", "4", "--idle-scans", "20")
    report = json.dumps(row, indent=1) + "\n" + log
    for key in ("handhelds", "scans", "scans_per_s", "p50_ms", "p95_ms", "p99_ms", "errors", "lost", "doubled"):
        assert key in row, report
    assert row["handhelds"] == 4 and row["flow"] == "pick", report
    assert row["scans"] > 40 and row["lists_done"] >= 1, report  # the handhelds really picked lists
    # and read their pick screen as the app does: on opening and after each finished list, one request each
    assert row["reads"] >= 4 + row["lists_done"] and "read_failures" not in row, report
    assert row["p50_ms"] <= row["p95_ms"] <= row["p99_ms"], report
    assert (row["errors"], row["lost"], row["doubled"], row["ack_mismatch"]) == (0, 0, 0, 0), report
    assert (row["timeouts"], row["unanswered"]) == (0, 0), report  # any would fail the run (exit 1)
    assert row["ledger_balanced"] is True, report


def test_a_shift_start_logs_everyone_in_at_once_and_reports_scans_and_claims_by_window():
    row, log = run("bench_scans.py", "--handhelds", "4", "--think", "0.05", "--seconds", "4", "--idle-scans", "10",
                   "--shift-start")
    report = json.dumps(row, indent=1) + "\n" + log
    assert row["phase"].startswith("shift start: 4 handhelds"), report
    # each handheld logged in, by its badge as pickers do (scripts/bench_setup.py gives them BDG-SIM-0001…)
    assert row["logins"] == 4 and row["login_by"] == "badge" and row["login_p50_ms"] <= row["login_p99_ms"], report
    assert row["scans"] > 20 and row["lists_done"] >= 1, report
    # The phase is 4 s: one 10 s window each for the scans and the claims, each with its p99.
    assert len(row["p99_by_10s_ms"]) == 1 and len(row["claim_p99_by_10s_ms"]) == 1, report
    assert row["p99_by_10s_ms"][0] > 0 and row["claim_p99_by_10s_ms"][0] > 0, report
    # Latency counts from the moment the handheld queued the scan: never less than the answered send alone.
    assert row["p50_ms"] >= row["sent_p50_ms"] and row["p99_ms"] >= row["sent_p99_ms"], report
    assert (row["timeouts"], row["unanswered"], row["errors"], row["lost"], row["doubled"]) == (0, 0, 0, 0, 0), report
    assert row["logins_within_s"] < 1, report  # all at once


def test_a_shift_start_with_an_arrival_spread_logs_the_pickers_in_over_those_seconds():
    row, log = run("bench_scans.py", "--handhelds", "6", "--think", "0.05", "--seconds", "5", "--idle-scans", "10",
                   "--shift-start", "--arrival-spread", "3")
    report = json.dumps(row, indent=1) + "\n" + log
    assert row["logins"] == 6 and row["arrival_spread_s"] == 3, report
    # Six moments drawn within 3 s (seed 1): the first and the last log-in are asked over a second apart.
    assert 1 < row["logins_within_s"] <= 3, report
    assert row["scans"] > 20 and (row["errors"], row["lost"], row["doubled"], row["timeouts"]) == (0, 0, 0, 0), report



def test_an_arrival_spread_without_a_shift_start_or_past_the_phase_is_refused_with_the_reason():
    for args in (["--arrival-spread", "5"], ["--shift-start", "--arrival-spread", "-1"],
                 ["--shift-start", "--seconds", "10", "--arrival-spread", "20"]):
        done = subprocess.run([sys.executable, str(ROOT / "scripts" / "bench_scans.py"), *args], cwd=ROOT,
                              capture_output=True, text=True, timeout=60)
        assert done.returncode == 2 and "--arrival-spread: with --shift-start" in done.stderr, (args, done.stderr)

def test_profile_scans_works_lists_to_the_end_and_reports_each_pick_mode():
    # Two pickers at once, their scans handed over together (as at saturation); three lists, so one
    # picker's place is taken by the next list.
    row, log = run("profile_scans.py", "--lists", "3", "--batch", "2")
    assert row["claim"]["claims"] == 3, log
    assert set(row["modes"]) == {"pick.tote", "pick.bin", "pick.item", "pick.put"}, row
    assert row["scans"] == sum(mode["scans"] for mode in row["modes"].values()), row


def test_bench_ack_encoding_writes_the_same_ack_both_ways():
    row, log = run("bench_ack_encoding.py", "--repeat", "20", timeout=60)  # it checks the wire copy itself
    assert row["ack_bytes"] > 1000, row  # a pick ack carries the list's view
    assert {"socketio_default_packet_us", "wire_packet_us", "json_dumps_us", "fastjson_dumps_us"} <= set(row), log


def test_the_flask_socketio_harness_serves_the_same_app_and_loses_nothing():
    """The A/B of the README's "Stack" comes from bench_scans --serve-with flask-socketio: it must keep
    serving today's app (log-in, claims, pick scans with their acks) under Flask-SocketIO's threading mode."""
    row, log = run("bench_scans.py", "--serve-with", "flask-socketio", "--handhelds", "3", "--think", "0.05",
                   "--seconds", "3", "--idle-scans", "10")
    report = json.dumps(row, indent=1) + "\n" + log
    assert row["handhelds"] == 3 and row["scans"] > 20 and row["lists_done"] >= 1, report
    assert (row["errors"], row["lost"], row["doubled"], row["ack_mismatch"]) == (0, 0, 0, 0), report


def test_more_than_one_process_needs_postgresql_and_redis():
    done = subprocess.run([sys.executable, str(ROOT / "scripts" / "bench_scans.py"), "--processes", "2"],
                          cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "--processes > 1 needs PostgreSQL and Redis" in done.stderr, done.stderr
