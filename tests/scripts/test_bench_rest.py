"""scripts/bench_rest.py, small: the REST cost figures in the closing notes come from it."""
from __future__ import annotations

from tests.conftest import ROOT
from tests.scripts.test_bench_scans import run


def test_bench_rest_asks_two_checkouts_in_turns_and_reports_each_request():
    row, log = run("bench_rest.py", "--pickers", "3", "--rounds", "2", "--repeat", "1", "--compare", str(ROOT))
    for checkout in ("this", "compare"):
        assert set(row[checkout]) == {"badge_login", "me", "open_lists", "open_summary", "my_lists", "pick_screen",
                                      "claim_next", "socket_connect"}, log
        for figures in row[checkout].values():
            assert len(figures["cpu_ms_rounds"]) == 2 and figures["cpu_ms_median"] >= 0, row
            assert 0 < figures["p50_ms"] <= figures["p99_ms"], row
