"""scripts/check_ledger: every bin recomputed from the ledger; exit 0 only when books, goods and bin
cards agree, each disagreement named, a JSON summary as the last line."""
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    data = tmp_path_factory.mktemp("ledger")
    env = os.environ | {"WMS_DATA_DIR": str(data)}
    subprocess.run([sys.executable, "-m", "server", "setup", "--demo"], env=env, cwd=ROOT, check=True,
                   capture_output=True, timeout=120)
    return env, data / "wms.db"


def check(env):
    done = subprocess.run([str(ROOT / "scripts" / "check_ledger")], env=env, cwd=ROOT, capture_output=True,
                          text=True, timeout=120)
    lines = done.stdout.strip().splitlines()
    return done.returncode, lines[:-1], json.loads(lines[-1])


def test_a_consistent_warehouse_passes_and_a_tampered_one_is_named(warehouse):
    env, database = warehouse
    code, findings, summary = check(env)
    assert (code, findings, summary["balanced"], summary["disagreements"]) == (0, [], True, 0)
    assert summary["ledger_rows"] > 100 and summary["places"] > 100

    with sqlite3.connect(database) as db:
        place = db.execute("SELECT id, bin_id, item_id, lot_id, qty FROM bin_stock WHERE qty > 1 LIMIT 1").fetchone()
        db.execute("UPDATE bin_stock SET qty = qty - 1 WHERE id = ?", (place[0],))  # a unit 'vanished' from the books
    code, findings, summary = check(env)
    assert code == 1 and summary == summary | {"balanced": False, "disagreements": 1}
    assert findings == [f"books/goods disagree: bin {place[1]} item {place[2]} lot {place[3]}: ledger {place[4]}, "
                        f"bin stock {place[4] - 1}"]

    with sqlite3.connect(database) as db:
        db.execute("UPDATE bin_stock SET qty = qty + 1, reserved_qty = 1 WHERE id = ?", (place[0],))
    code, findings, summary = check(env)
    assert code == 1 and (summary["disagreements"], summary["reservation_mismatches"]) == (0, 1)
    assert "open reservations 0, reserved 1" in findings[0]


def test_a_warehouse_never_set_up_is_named_in_one_line(tmp_path):
    env = os.environ | {"WMS_DATA_DIR": str(tmp_path)}
    done = subprocess.run([str(ROOT / "scripts" / "check_ledger")], env=env, cwd=ROOT, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 2 and done.stdout == ""
    [line] = [text for text in done.stderr.splitlines() if text.startswith("check-ledger:")]
    assert f"no database at {tmp_path}/wms.db" in line and "python -m server setup" in line
    assert "尚无库存账" in line  # and in Chinese, on the same line
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "wms.db").exists()  # looking made no empty database
