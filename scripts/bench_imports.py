"""Day-one import benchmark: an item master of N items (XLSX, the customer's columns, a unit EAN-13 and a
case GTIN-14 each) and a location list of M bins, checked (dry run), loaded, then loaded again (every row
unchanged), in-process on an empty SQLite database of its own.

    .venv/bin/python scripts/bench_imports.py --items 10000 --bins 5000

The last line is a JSON object: rows and seconds per step, and rows per second of each load.
"""
from __future__ import annotations

import argparse
import io
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import openpyxl

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from server.app import MIGRATIONS, create_app  # noqa: E402
from server.config import load_settings  # noqa: E402
from server.services.people.auth import Actor  # noqa: E402
from server.services.setup import imports  # noqa: E402

ADMIN = Actor(user_id=None, username="bench", name="Bench", role="admin")


def check_digit(body: str) -> str:
    """GS1 check digit of the digits in `body` (weights 3, 1 from the right)."""
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return str((10 - total % 10) % 10)


def workbook(sheet: str, header: list[str], rows) -> bytes:
    book = openpyxl.Workbook(write_only=True)
    page = book.create_sheet(sheet)
    page.append(header)
    for row in rows:
        page.append(row)
    data = io.BytesIO()
    book.save(data)
    return data.getvalue()


def item_master(n: int) -> bytes:
    def rows():
        for i in range(n):
            unit = f"69{i:010d}"
            unit += check_digit(unit)
            case = "1" + unit[:12]
            case += check_digit(case)
            variant = ["黑色;S", "黑色;M", "白色;S", "白色;M"][i % 4]
            yield [f"S{i // 4:05d}", f"S{i // 4:05d}-{i % 4}", f"货品{i // 4}", variant, unit, 24, case, 39.9, 16.5,
                   0.25, 365 if i % 3 == 0 else None, "品牌", "分类", "供应商甲", "是"]
    return workbook("商品资料", ["款式编码", "商品编码", "商品名称", "颜色及规格", "国标码", "箱规", "箱码", "基本售价",
                            "成本价", "重量(kg)", "保质期(天)", "品牌", "分类", "供应商名称", "是否启用"], rows())


def location_list(n: int) -> bytes:
    def rows():
        for i in range(n):
            aisle, bay, level = i // 120 + 1, (i // 4) % 30 + 1, i % 4 + 1
            yield [f"A{aisle:02d}-{bay:02d}-{level}", "A", f"{aisle:02d}", f"{bay:02d}", level, "存储", 100]
    return workbook("库位", ["库位编码", "库区", "巷道", "货架列", "层", "库位类型", "容量"], rows())


def timed(kind: str, raw: bytes, name: str, **flags) -> tuple[dict, float]:
    started = time.perf_counter()
    answer, status = imports.run(kind, raw, name, ADMIN, **flags)
    elapsed = time.perf_counter() - started
    assert status == 200 and not answer["errors"], answer["errors"][:3]
    return answer, elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--items", type=int, default=10000)
    parser.add_argument("--bins", type=int, default=5000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as data_dir:
        settings = load_settings(dict(os.environ) | {"WMS_DATA_DIR": data_dir, "WMS_DEMO": "1"})
        app = create_app(settings)
        with app.app_context():
            from flask_migrate import upgrade

            upgrade(directory=MIGRATIONS)
            report = {}
            for kind, raw in (("items", item_master(args.items)), ("bins", location_list(args.bins))):
                name = f"{kind}.xlsx"
                checked, check_s = timed(kind, raw, name, dry_run=True)
                loaded, load_s = timed(kind, raw, name)
                again, again_s = timed(kind, raw, name)
                assert loaded["created"] == len(loaded["plan"]) and again["unchanged"] == len(again["plan"])
                report[kind] = {"rows": loaded["rows"], "file_kb": round(len(raw) / 1024),
                                "check_s": round(check_s, 2), "load_s": round(load_s, 2),
                                "reload_unchanged_s": round(again_s, 2),
                                "load_rows_per_s": round(loaded["rows"] / load_s)}
                print(f"{kind}: {loaded['rows']} rows — check {check_s:.2f} s, load {load_s:.2f} s, "
                      f"again (unchanged) {again_s:.2f} s", flush=True)
    print(json.dumps(report))


if __name__ == "__main__":
    main()
