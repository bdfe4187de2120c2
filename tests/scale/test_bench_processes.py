"""scripts/bench_scans.py --processes 2, small: two server processes on this PostgreSQL and this Redis behind
an nginx of the benchmark's own (scripts/front.py), handhelds picking through it from a shift's start. The
figures of docs/reliability.md for PostgreSQL + Redis come from this command, so it must keep running."""
from __future__ import annotations

import json

import pytest

from tests.scripts.test_bench_scans import run

pytestmark = pytest.mark.scale


def test_two_processes_behind_nginx_pick_from_a_shift_start_and_lose_nothing(postgres, redis_url):
    database = postgres.url(postgres.create_database())
    row, log = run("bench_scans.py", "--processes", "2", "--database-url", database, "--redis-url", redis_url,
                   "--handhelds", "6", "--think", "0.05", "--seconds", "4", "--idle-scans", "10", "--shift-start",
                   timeout=300)
    report = json.dumps(row, indent=1) + "\n" + log
    assert row["processes"] == 2 and row["nginx_cpu_ms_per_scan"] > 0, report  # the scans went through nginx
    assert row["logins"] == 6 and row["scans"] > 30 and row["lists_done"] >= 1, report
    assert len(row["p99_by_10s_ms"]) == 1 and len(row["claim_p99_by_10s_ms"]) == 1, report
    assert (row["timeouts"], row["unanswered"], row["errors"], row["lost"], row["doubled"], row["ack_mismatch"]) \
        == (0, 0, 0, 0, 0, 0), report
    assert row["ledger_balanced"] is True, report

