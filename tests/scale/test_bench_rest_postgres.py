"""scripts/bench_rest.py with --compare-database-url, small: SQLite and PostgreSQL served from this checkout
and asked in turns. The per-request figures for PostgreSQL in docs/reliability.md come from this command."""
from __future__ import annotations

import pytest

from tests.conftest import ROOT
from tests.scripts.test_bench_scans import run

pytestmark = pytest.mark.scale


def test_bench_rest_compares_sqlite_with_postgresql_request_by_request(postgres):
    database = postgres.url(postgres.create_database())
    row, log = run("bench_rest.py", "--pickers", "3", "--rounds", "2", "--repeat", "1", "--compare", str(ROOT),
                   "--compare-database-url", database, timeout=300)
    for checkout in ("this", "compare"):
        assert {"badge_login", "pick_screen", "claim_next"} <= set(row[checkout]), log
        for figures in row[checkout].values():
            assert len(figures["cpu_ms_rounds"]) == 2 and figures["cpu_ms_median"] >= 0, row
            assert 0 < figures["p50_ms"] <= figures["p99_ms"], row
    # The second server really ran on PostgreSQL: its tables are in that database, with the pickers' claims.
    with postgres.connect(database.rsplit("/", 1)[1]) as connection:
        claimed = connection.execute("SELECT count(*) FROM pick_lists WHERE status = 'claimed'").fetchone()[0]
    assert claimed == 3, log
