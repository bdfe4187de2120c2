"""`python -m server import` on an empty warehouse, as a site runs it from a terminal: every wrong row
printed and nothing written (exit 1), the good rows loaded when asked, the ledger balanced after the
opening stock, and a second opening stock refused (exit 2)."""
from __future__ import annotations

from pathlib import Path

from tests.server.test_startup import OWN_KEY, clean_env, manage

DAY_ONE = Path(__file__).resolve().parents[1] / "data" / "day-one"


def test_the_day_one_files_from_the_command_line(tmp_path):
    env = clean_env(tmp_path, WMS_DEMO="0", WMS_SECRET_KEY=OWN_KEY, WMS_ADMIN_USER="zhao",
                    WMS_ADMIN_PASSWORD="ten chars or more")
    assert manage(env, "setup").returncode == 0

    refused = manage(env, "import", "items", str(DAY_ONE / "item-master.xlsx"))
    assert refused.returncode == 1, refused.stderr
    assert "row 40, 保质期(天): import_not_a_number — 保质期(天): 半年 is not a number." in refused.stdout
    assert "items: 39 rows — 34 new, 0 changed, 0 unchanged, 5 wrong (nothing written)" in refused.stdout

    loaded = manage(env, "import", "items", str(DAY_ONE / "item-master.xlsx"), "--good-rows-only")
    assert loaded.returncode == 0 and "(written)" in loaded.stdout
    assert manage(env, "import", "bins", str(DAY_ONE / "bins.xlsx"), "--good-rows-only").returncode == 0
    stock = manage(env, "import", "opening-stock", str(DAY_ONE / "opening-stock.csv"), "--good-rows-only",
                   "--as", "zhao")
    assert stock.returncode == 0 and "25 new" in stock.stdout
    ledger = manage(env, "check-ledger")
    assert ledger.returncode == 0 and '"balanced": true' in ledger.stdout and '"ledger_rows": 25' in ledger.stdout

    again = manage(env, "import", "opening-stock", str(DAY_ONE / "opening-stock.csv"), "--good-rows-only")
    assert again.returncode == 2 and "was loaded on" in again.stderr and "期初库存已于" in again.stderr
    unchanged = manage(env, "import", "items", str(DAY_ONE / "item-master.xlsx"), "--good-rows-only", "--dry-run")
    assert "0 new, 0 changed, 34 unchanged" in unchanged.stdout
