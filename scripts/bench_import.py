"""Peak-day order import under load: does a 双11 marketplace export stall the floor?

Starts its own server (scripts/floor_sim.py: a temporary demo warehouse on 127.0.0.1, embedded SQLite),
generates a Taobao/Tmall seller export pair (GBK) of `--lines` order lines (1–3 lines an order, a few
unpaid, closed, unknown-SKU and address-less orders, as real exports have), and runs N simulated handhelds
picking (floor_sim's real Socket.IO clients). After `--seconds` of scanning (the floor before), the
supervisor uploads the pair through REST (`POST /api/v1/orders/import/taobao?background=1`) and polls the
job until it ends; the handhelds keep scanning meanwhile (the floor during).

    .venv/bin/python scripts/bench_import.py                          # 100,000 lines, 50 handhelds
    .venv/bin/python scripts/bench_import.py --lines 5000 --serve-from ../main-before-jobs   # the old path

The last line is JSON: rows (order lines imported), orders, import_s (upload → job finished),
scan_p99_before_ms, scan_p99_during_ms (acks that arrived while the import ran), scans_before/during,
p50s, max during, resends (a scan's ack not back within the handheld's 10 s), reconnects, errors, the job's
report counts. With `--serve-from` an older checkout serves: its synchronous import is timed instead
(the request's answer is the end).
"""
from __future__ import annotations

import argparse
import asyncio
import json
import random
import signal
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))

import floor_sim as sim  # noqa: E402

PAID, UNPAID, CLOSED = "买家已付款，等待卖家发货", "等待买家付款", "交易关闭"
ORDER_HEADER = ["订单编号", "买家会员名", "订单状态", "买家留言", "收货人姓名", "收货地址", "联系手机", "订单付款时间",
                "物流公司"]
ITEM_HEADER = ["订单编号", "标题", "价格", "购买数量", "商品属性", "订单状态", "商家编码"]
CITIES = ["浙江省 杭州市 西湖区 文三路", "上海 上海市 浦东新区 世纪大道", "广东省 深圳市 南山区 科技园路",
          "北京 北京市 朝阳区 建国路", "湖北省 武汉市 洪山区 珞喻路"]
SCANS_PER_LIST = 18  # as scripts/bench_scans.py: ~3 tote scans + ~4.5 stops × ~3.3 scans
TOTES = 3


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=100_000, help="order lines in the generated export")
    parser.add_argument("--handhelds", type=int, default=50)
    parser.add_argument("--think", type=float, default=1.0, help="seconds between two scans of a handheld")
    parser.add_argument("--seconds", type=float, default=15.0, help="scanning before the upload (the baseline)")
    parser.add_argument("--during-max", type=float, default=45.0,
                        help="the handhelds scan this long after the upload (an import taking longer is "
                             "measured to its end, its scans only this long)")
    parser.add_argument("--flow", choices=("pick", "lookup"), default="pick")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--serve-from", type=Path, help="serve from another checkout (an older import path)")
    args = parser.parse_args(argv)
    if not 1 <= args.lines <= 300_000 or args.handhelds > 500 or args.seconds > 300 or args.during_max > 600:
        parser.error("bounded: 1–300,000 lines, 500 handhelds, 300 s before, 600 s during")
    return args


def export_pair(lines: int, skus: list[str], seed: int) -> tuple[bytes, bytes, int]:
    """(order report, item report, orders): GBK, the columns the seller back office exports that the
    import reads. Numbers are unique to the run (a re-run imports its own orders)."""
    rng = random.Random(seed)
    stamp = int(time.time()) % 1_000_000
    orders, items = [",".join(ORDER_HEADER)], [",".join(ITEM_HEADER)]
    written, n = 0, 0
    while written < lines:
        n += 1
        number = f"39{stamp:06d}{n:011d}"
        roll = rng.random()
        status = UNPAID if roll < 0.02 else CLOSED if roll < 0.03 else PAID
        address = "" if rng.random() < 0.005 else f"{rng.choice(CITIES)}{rng.randint(1, 999)}号"
        paid = f"2026-11-11 00:{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d}" if status == PAID else ""
        phone = f"'13{rng.randint(100000000, 999999999)}"
        orders.append(f"{number},tb{rng.randint(10**7, 10**8)},{status},,王芳,{address},{phone},{paid},中通快递")
        for _ in range(min(rng.randint(1, 3), lines - written)):
            sku = "TB99-9" if rng.random() < 0.005 else rng.choice(skus)
            items.append(f"{number},商品,19.90,{rng.randint(1, 3)},颜色分类:黑色,{status},{sku}")
            written += 1
    return ("\n".join(orders) + "\n").encode("gbk"), ("\n".join(items) + "\n").encode("gbk"), n


class Upload:
    """The supervisor's import, in a thread beside the handhelds' event loop: upload, then poll the job."""

    def __init__(self, url: str, orders: bytes, items: bytes) -> None:
        self.url, self.orders, self.items = url, orders, items
        self.started = self.finished = 0.0
        self.result: dict = {}
        self.done = threading.Event()
        self.polls: list[dict] = []

    def start(self) -> None:
        threading.Thread(target=self._run, daemon=True).start()

    def _run(self) -> None:
        try:
            self._import()
        except Exception as error:  # noqa: BLE001 - reported in the JSON line
            self.result = {"error": f"{type(error).__name__}: {error}"}
        finally:
            self.finished = self.finished or time.monotonic()
            self.done.set()

    def _import(self) -> None:
        http = requests.Session()
        http.headers["X-Requested-With"] = "bench"  # the API's custom header for cookie uploads
        http.post(f"{self.url}/api/v1/auth/login", json={"username": "supervisor", "password": sim.PASSWORD},
                  timeout=30).raise_for_status()
        self.started = time.monotonic()
        answer = http.post(f"{self.url}/api/v1/orders/import/taobao?background=1", timeout=900,
                           files={"orders": ("orders.csv", self.orders), "items": ("items.csv", self.items)})
        if answer.status_code == 201:  # an older server: the import was the request
            self.finished = time.monotonic()
            body = answer.json()
            self.result = {"status": "done", "path": "synchronous", "imported": len(body["imported"]),
                           "stopped": len(body["stopped"]), "skipped": len(body["skipped"])}
            return
        if answer.status_code != 202:
            raise RuntimeError(f"upload: HTTP {answer.status_code} {answer.text[:500]}")
        job_id = answer.json()["job"]["id"]
        while True:
            time.sleep(0.5)  # as the page polls
            job = http.get(f"{self.url}/api/v1/orders/import-jobs/{job_id}", timeout=30).json()
            self.polls.append({"at": time.monotonic(), "phase": job["phase"], "rows_done": job["rows_done"]})
            if job["status"] in ("done", "refused", "failed"):
                self.finished = time.monotonic()
                self.result = {"status": job["status"], "path": "background job", "job": job_id,
                               "rows_done": job["rows_done"], "rows_total": job["rows_total"],
                               "imported": job["imported"], "stopped": job["stopped"], "skipped": job["skipped"],
                               "errors_total": job["report"]["errors_total"], "error": job["report"]["error"]}
                return


async def prepare(url: str, args: argparse.Namespace) -> tuple[sim.Catalogue, list[str]]:
    async with sim.Rest(url) as rest:
        boss = await rest.login("supervisor")
        catalogue = await sim.load_catalogue(rest, boss)
        if args.flow == "pick":
            scans_each = (args.seconds + args.during_max) / max(args.think, 0.05) * 1.3
            lists = args.handhelds * -(-int(scans_each) // SCANS_PER_LIST)
            await sim.make_waves(rest, catalogue, lists * TOTES, totes=TOTES, seed=args.seed)
        _, items = await rest.call("GET", "/api/v1/items?limit=5000", boss)
    return catalogue, [i["sku"] for i in items]


def window(stats: sim.Stats, start: float, end: float) -> list[float]:
    return [ms for ms, at in zip(stats.latencies_ms, stats.acked_at, strict=True) if start <= at <= end]


def timeline(stats: sim.Stats, upload: Upload, step: float = 5.0) -> list[dict]:
    """During the import, every `step` seconds: the job's phase and lines done by then, and the scans' p99."""
    rows, start = [], upload.started
    while start < upload.finished:
        end = min(start + step, upload.finished)
        seen = [p for p in upload.polls if p["at"] <= end]
        latencies = window(stats, start, end)
        rows.append({"t": round(start - upload.started), "phase": seen[-1]["phase"] if seen else "upload",
                     "rows_done": seen[-1]["rows_done"] if seen else 0, "scans": len(latencies),
                     "p99_ms": round(sim.percentile(latencies, 99), 1)})
        start = end
    return rows


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.serve_from:
        sim.ROOT = args.serve_from.resolve()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    tmp = tempfile.TemporaryDirectory()
    server = None
    try:
        config = Path(tmp.name) / "bench.toml"
        # A 双11 export pair is bigger than the default 8 MB upload limit (config/default.toml).
        config.write_text("[server]\nmax_import_bytes = 134217728\n")
        server = sim.start_server(Path(tmp.name) / "wms", args.handhelds, extra_env={"WMS_CONFIG": str(config)})
        catalogue, skus = asyncio.run(prepare(server.url, args))
        orders, items, order_count = export_pair(args.lines, skus, args.seed)
        print(f"export: {args.lines} lines, {order_count} orders, {len(orders) + len(items)} bytes",
              file=sys.stderr, flush=True)
        upload = Upload(server.url, orders, items)
        marks: dict[str, float] = {}

        def on_start() -> None:
            marks["started"] = time.monotonic()

            async def later() -> None:
                await asyncio.sleep(args.seconds)
                upload.start()

            asyncio.get_running_loop().create_task(later())

        options = sim.Options(think=args.think, flow=args.flow, user="picker" if args.flow == "lookup" else None)
        stats = asyncio.run(sim.run_handhelds(server.url, catalogue, args.handhelds, options,
                                              args.seconds + args.during_max, seed=args.seed, on_start=on_start))
        if not upload.done.wait(900):
            raise RuntimeError("the import did not end within 15 minutes")
        # The first seconds hold the shift's start (every handheld claims a list at once): not the baseline.
        warm = min(3.0, args.seconds / 3)
        before = window(stats, marks["started"] + warm, upload.started)
        during = window(stats, upload.started, upload.finished)
        row = {"rows": upload.result.get("rows_done", args.lines if upload.result.get("status") == "done" else 0),
               "lines": args.lines, "orders": order_count, "bytes": len(orders) + len(items),
               "import_s": round(upload.finished - upload.started, 2),
               "scan_p99_before_ms": round(sim.percentile(before, 99), 1),
               "scan_p99_during_ms": round(sim.percentile(during, 99), 1),
               "scan_p50_before_ms": round(sim.percentile(before, 50), 1),
               "scan_p50_during_ms": round(sim.percentile(during, 50), 1),
               "scan_max_during_ms": round(max(during, default=0), 1),
               "scans_before": len(before), "scans_during": len(during),
               # Scans answered only after the import ended would hide a stall: the window is the import's.
               "during_window_s": round(min(upload.finished, stats.finished) - upload.started, 1),
               "handhelds": args.handhelds, "think_s": args.think, "flow": args.flow,
               "resends": stats.resends, "reconnects": stats.reconnects, "errors": stats.errors(),
               **{k: v for k, v in upload.result.items() if k not in ("rows_done",)}}
        row["timeline"] = timeline(stats, upload)
        if stats.failures or stats.unexpected:
            row["error_samples"] = (stats.failures + stats.unexpected)[:3]
        print(json.dumps(row, ensure_ascii=False))
        return 0 if upload.result.get("status") == "done" and not stats.errors() else 1
    finally:
        if server is not None:
            server.stop()
        tmp.cleanup()


if __name__ == "__main__":
    sys.exit(main())
