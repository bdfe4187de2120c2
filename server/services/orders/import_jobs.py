"""Big order files (a 双11 export of 100,000 lines) imported in the background, so the floor never notices.

SQLite has one writer: the old import wrote a whole file in one transaction and held it for minutes, and
every handheld's scan waited behind it. A job instead:

1. keeps the upload in the database (order_import_files) and answers at once with the job's id;
2. checks the whole file first, reading on a reader connection: any wrong row and nothing is written, the
   report names every wrong row (as the synchronous import does);
3. writes BATCH_ORDERS whole orders per transaction with plain multi-row INSERTs (items resolved once per
   job), the job's progress committed in the same transaction, then gives the writer and the interpreter
   back for as long as the batch took — waiting scans go first (server/db/engine.py, FloorFirstPool);
4. ends with a report: imported, stopped orders with their reasons, skipped (already imported), errors.

Idempotent per order: a channel + number already stored is skipped, never written twice. A restart
(crash, deploy) leaves a `running` job behind; the next server start carries it on from the last committed
batch (orders_done), every order either wholly written or not at all. See docs/protocol.md, "Order import jobs".
"""
from __future__ import annotations

import json
import logging
import queue
import sys
import threading
import time
from itertools import islice
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta

from flask import Flask, g
from sqlalchemy import delete, insert, select, update

from server.db.engine import is_sqlite
from server.db.models import (Item, ItemBarcode, OrderImportFile, OrderImportJob, SalesOrder, SalesOrderLine, User,
                              utcnow)
from server.domain.barcodes import item_code_key
from server.domain.errors import WmsError, Words
from server.extensions import db
from server.services.catalogue import kits
from server.services.orders import check_process, order_import, sales_orders
from server.services.people import audit
from server.services.people.auth import Actor

log = logging.getLogger(__name__)

BATCH_ORDERS = 200  # ~400 lines: a few milliseconds of the writer, measured (bench/bench_import.py)
YIELD_FACTOR = 1.0  # after a batch, rest as long as it took: the job takes at most half of the interpreter
REPORT_LIMIT = 1000  # rows kept per list of the report (the counts are complete)
STALE_AFTER = timedelta(seconds=60)  # a running job without a heartbeat this long has lost its process
IDLE_SWEEP_S = 30.0
SWITCH_S = 0.0005  # the interpreter's switch interval while a job runs (see _short_turns)
FILES = {"taobao": ("orders", "items"), "generic": ("file",)}


@dataclass
class Pacing:
    batch_orders: int = BATCH_ORDERS
    yield_factor: float = YIELD_FACTOR


def submit(kind: str, files: dict[str, bytes], filename: str, actor: Actor) -> OrderImportJob:
    """Store the upload as a queued job (committed). The caller hands its id to the runner."""
    actor.require("orders.manage")
    if kind not in FILES or set(files) != set(FILES[kind]):
        files_named = ", ".join(FILES[kind])
        raise WmsError("bad_request", detail=Words(f"an import job of kind {kind} takes the files {files_named}",
                                                   f"{kind} 类型的导入任务需要这些文件（{files_named}）"))
    job = OrderImportJob(kind=kind, filename=filename[:200], created_by=actor.user_id, status="queued",
                         phase="waiting", report_json="{}")
    db.session.add(job)
    db.session.flush()
    db.session.add_all([OrderImportFile(job_id=job.id, name=name, content=raw) for name, raw in files.items()])
    db.session.commit()
    return job


def view(job: OrderImportJob) -> dict:
    report = json.loads(job.report_json or "{}")
    return {"id": job.id, "kind": job.kind, "status": job.status, "phase": job.phase, "filename": job.filename,
            "created_at": _iso(job.created_at), "started_at": _iso(job.started_at),
            "finished_at": _iso(job.finished_at),
            "rows_total": job.rows_total, "rows_done": job.rows_done, "orders_total": job.orders_total,
            "orders_done": job.orders_done,
            "percent": round(100 * job.orders_done / job.orders_total, 1) if job.orders_total else
            (100.0 if job.status in ("done", "refused") else 0.0),
            "imported": job.imported, "stopped": job.stopped, "skipped": job.skipped, "resumed": job.resumed,
            "report": {"stopped": report.get("stopped", []), "skipped": report.get("skipped", []),
                       "errors": report.get("errors", []), "errors_total": report.get("errors_total", 0),
                       "error": report.get("error")}}


def _iso(value) -> str | None:
    return value.isoformat() if value else None


def get(job_id: int, actor: Actor, permission: str = "orders.manage") -> OrderImportJob:
    """`permission`: the supervisor pages let every role that views the pages look (pages.view)."""
    actor.require(permission)
    job = db.session.get(OrderImportJob, job_id)
    if job is None:
        raise WmsError("not_found", what=f"import job {job_id}")
    return job


def recent(actor: Actor, limit: int = 20, permission: str = "orders.manage") -> list[OrderImportJob]:
    actor.require(permission)
    return list(db.session.execute(select(OrderImportJob).order_by(OrderImportJob.id.desc()).limit(limit)).scalars())


# -- the work --------------------------------------------------------------------------------------------

def claim(job_id: int, stale_before=None) -> bool:
    """Take a queued job, or a running one whose process is gone (heartbeat before `stale_before`):
    a conditional UPDATE, so two processes never run one job."""
    now = utcnow()
    condition = OrderImportJob.status == "queued"
    if stale_before is not None:
        condition = condition | ((OrderImportJob.status == "running") & (
            OrderImportJob.heartbeat_at.is_(None) | (OrderImportJob.heartbeat_at < stale_before)))
    taken = db.session.execute(update(OrderImportJob).where(OrderImportJob.id == job_id, condition).values(
        status="running", heartbeat_at=now).execution_options(synchronize_session=False)).rowcount == 1
    db.session.commit()
    return taken


def run(job_id: int, pacing: Pacing | None = None, stale_before=None,
        after_batch: Callable[[OrderImportJob], None] | None = None) -> OrderImportJob | None:
    """Check and write one job (inside an app context). None if another process has it."""
    pacing = pacing or Pacing()
    if not claim(job_id, stale_before):
        return None
    session = db.session()
    # Nothing is read again after a commit: a lazy reload would open a write transaction (SQLite: BEGIN
    # IMMEDIATE) and hold the writer through the check or the pause between batches.
    before, session.expire_on_commit = session.expire_on_commit, False
    try:
        with _reading():
            job = db.session.get(OrderImportJob, job_id)
            actor = _actor(job)
        audit.act_as(actor, via="import job")
        try:
            return _run(job, actor, pacing, after_batch)
        except Exception as error:  # an unexpected fault: committed batches stay (whole orders), the rest not
            log.exception("order import job %s failed", job_id)
            db.session.rollback()
            report = json.loads(job.report_json or "{}") | {"error": f"{type(error).__name__}: {error}"[:500]}
            _finish(job, "failed", report)
            return job
    finally:
        session.expire_on_commit = before


@contextmanager
def _reading():
    """Reads on a reader connection (SQLite): the writer stays free for the floor meanwhile."""
    g.read_only = True
    try:
        yield
    finally:
        db.session.commit()  # ends the read transaction; nothing was written
        g.read_only = False


def _actor(job: OrderImportJob) -> Actor:
    user = db.session.get(User, job.created_by) if job.created_by else None
    if user is None:
        return Actor(None, "import", "import job", "admin")
    return Actor(user.id, user.username, user.name, user.role)


def _run(job: OrderImportJob, actor: Actor, pacing: Pacing, after_batch) -> OrderImportJob:
    if job.phase == "writing":
        job.resumed += 1  # a restart stopped it mid-way: carry on after the last committed batch
    job.phase, job.started_at = "checking", job.started_at or utcnow()
    db.session.commit()
    with _reading():
        files = {f.name: f.content for f in db.session.execute(
            select(OrderImportFile).where(OrderImportFile.job_id == job.id)).scalars()}
    check = check_process.checker(job.kind, files)  # a big file in a process of its own: the floor keeps the lock
    try:
        verdict = check.verdict()
        if verdict.refused:  # any wrong row: nothing is written, every wrong row is named
            job.rows_total = verdict.rows
            _finish(job, "refused", {"errors": verdict.errors, "errors_total": verdict.errors_total})
            return job
        with _reading():
            items = _item_ids(set(verdict.codes))
        job.rows_total = verdict.rows
        _write(job, check.orders(), verdict.orders, items, pacing, after_batch)
    finally:
        check.close()
    return job


def _write(job: OrderImportJob, orders: Iterator[order_import.PlannedOrder], total: int,
           items: dict[str, int | None], pacing: Pacing, after_batch) -> None:
    job.orders_total, job.phase, job.heartbeat_at = total, "writing", utcnow()
    db.session.commit()
    report = json.loads(job.report_json or "{}")
    report.setdefault("stopped", [])
    report.setdefault("skipped", [])
    seen = {(o.channel, o.number) for o in islice(orders, job.orders_done)}  # written before a restart
    while batch := list(islice(orders, pacing.batch_orders)):
        started = time.perf_counter()
        stopped, skipped = _write_batch(batch, items, seen)
        job.orders_done += len(batch)
        job.rows_done += sum(len(o.lines) for o in batch)
        job.imported += len(batch) - len(skipped)
        job.stopped += len(stopped)
        job.skipped += len(skipped)
        grew = len(report["stopped"]) < REPORT_LIMIT and stopped or len(report["skipped"]) < REPORT_LIMIT and skipped
        report["stopped"] += stopped[:REPORT_LIMIT - len(report["stopped"])]
        report["skipped"] += skipped[:REPORT_LIMIT - len(report["skipped"])]
        if grew:  # rewritten while its lists grow (a restart carries them on), no more once they are full
            job.report_json = json.dumps(report, ensure_ascii=False)
        job.heartbeat_at = utcnow()
        db.session.commit()  # the batch and the progress that says it is done, together
        if after_batch is not None:
            after_batch(job)
        # Give the writer and the interpreter back: scans waiting for the connection take it now.
        time.sleep(max(0.002, (time.perf_counter() - started) * pacing.yield_factor))
    _finish(job, "done", report)


def _finish(job: OrderImportJob, status: str, report: dict) -> None:
    job.status, job.phase, job.finished_at = status, "finished", utcnow()
    job.report_json = json.dumps(report, ensure_ascii=False)
    if status != "failed":  # a failed job keeps its files: it may be run again once the fault is mended
        db.session.execute(delete(OrderImportFile).where(OrderImportFile.job_id == job.id))
    db.session.commit()


def _item_ids(codes: set[str]) -> dict[str, int | None]:
    """Each SKU code (or barcode) of the file → its item, read once per job (as item_by_code: the SKU
    first, then any barcode form)."""
    found: dict[str, int | None] = {}
    codes_list = sorted(codes)
    for start in range(0, len(codes_list), 500):
        chunk = codes_list[start:start + 500]
        found.update(db.session.execute(select(Item.sku, Item.id).where(Item.sku.in_(chunk))).all())
    rest = {code: item_code_key(code) for code in codes_list if code not in found}
    keys = sorted(set(rest.values()))
    by_key: dict[str, int] = {}
    for start in range(0, len(keys), 500):
        by_key.update(db.session.execute(select(ItemBarcode.lookup_key, ItemBarcode.item_id).where(
            ItemBarcode.lookup_key.in_(keys[start:start + 500]))).all())
    for code, key in rest.items():
        found[code] = by_key.get(key)
    return found


@dataclass
class _Row:
    """One order of a batch, ready to insert: built before the transaction, so the writer is held only for
    the statements."""

    key: tuple[str, str]
    head: dict
    lines: list[tuple[int, str, int | None, int]]  # (line_no, sku as sent, item id, qty)
    reasons: list[dict]


def _prepare(batch: list[order_import.PlannedOrder], items: dict[str, int | None]) -> list[_Row]:
    """The rows create_order would store: reviewed, or cancelled when the marketplace closed the order."""
    now, rows = utcnow(), []
    for order in batch:
        fields = order.fields
        lines = [(n, line.sku, items.get(line.sku), line.qty) for n, line in enumerate(order.lines, start=1)]
        if fields.get("marketplace_status") == "closed":
            status, reasons = "cancelled", [WmsError("order_closed", order=order.number).as_dict()]
        else:
            status = "pending_review"
            reasons = sales_orders.review_reasons(order.number, fields.get("paid_at"),
                                                  fields.get("address", "").strip(),
                                                  [(n, sku, item) for n, sku, item, _ in lines])
        head = {"channel": order.channel, "number": order.number, "status": status,
                "review_json": json.dumps(reasons, ensure_ascii=False),
                "customer_name": fields.get("customer_name", ""), "phone": fields.get("phone", ""),
                "address": fields.get("address", "").strip(), "carrier": fields.get("carrier", ""),
                "buyer_note": fields.get("buyer_note", "")[:500], "paid_at": fields.get("paid_at"),
                "priority": fields.get("priority", 0), "cut_off": fields.get("cut_off"), "created_at": now,
                "kind": "sale"}
        rows.append(_Row((order.channel, order.number), head, lines, reasons))
    return rows


def _write_batch(batch: list[order_import.PlannedOrder], items: dict[str, int | None],
                 seen: set[tuple[str, str]]) -> tuple[list[dict], list[dict]]:
    """Whole orders in the current transaction, with multi-row INSERTs; orders already stored (or earlier in
    the file) are skipped. Returns (stopped, skipped) for the report."""
    rows = _prepare(batch, items)
    existing = set(_ids(batch))  # from here on the transaction holds the writer
    new, skipped = [], []
    for row in rows:
        if row.key in existing or row.key in seen:
            skipped.append({"order": row.key[1]} | WmsError("duplicate_order", order=row.key[1],
                                                            channel=row.key[0]).as_dict())
        else:
            seen.add(row.key)
            new.append(row)
    if new:
        # Plain executemany, then the new ids in one read: INSERT … RETURNING in parameter order is sent a
        # row at a time on SQLite (measured: 10,000 statements for 10,000 orders).
        db.session.execute(insert(SalesOrder.__table__), [row.head for row in new])
        ids = _ids(batch)
        kit_ids = set(kits.recipes())  # a kit's line is the shop's; release writes its demand as parts
        db.session.execute(insert(SalesOrderLine.__table__), [
            {"order_id": ids[row.key], "line_no": n, "sku_text": sku, "item_id": item, "qty": qty, "status": "open",
             "kind": "kit" if item in kit_ids else "item"}
            for row in new for n, sku, item, qty in row.lines])
    return [{"order": row.key[1], "reasons": row.reasons} for row in new if row.reasons], skipped


def _ids(batch: list[order_import.PlannedOrder]) -> dict[tuple[str, str], int]:
    """(channel, number) → id of the batch's orders already stored: a query a channel, on the unique index
    (channel, number) (a row-value IN over both columns scanned the table, slower as it grew)."""
    numbers: dict[str, list[str]] = {}
    for order in batch:
        numbers.setdefault(order.channel, []).append(order.number)
    return {(channel, number): order_id for channel, wanted in numbers.items()
            for number, order_id in db.session.execute(select(SalesOrder.number, SalesOrder.id).where(
                SalesOrder.channel == channel, SalesOrder.number.in_(wanted)))}


# -- the runner: one worker thread a process ------------------------------------------------------------

class Runner:
    """Runs this process's jobs one after another (two big imports at once would only share the writer),
    and carries on jobs a stopped process left behind."""

    def __init__(self) -> None:
        self._queue: queue.Queue[int] = queue.Queue()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._app: Flask | None = None
        self.pacing = Pacing()
        self.idle = threading.Event()
        self.idle.set()

    def start(self, app: Flask) -> None:
        with self._lock:
            self._app = app  # the latest app (tests make one per test; a server has one)
            if self._thread is not None:
                return
            self._thread = threading.Thread(target=self._work, name="order-import", daemon=True)
            self._thread.start()

    def submit(self, app: Flask, job_id: int) -> None:
        self.start(app)
        self.idle.clear()
        self._queue.put(job_id)

    def resume_left_behind(self, app: Flask) -> None:
        """At a server's start: jobs a stopped process left queued or running are carried on. On SQLite
        only one process serves, so every such job is orphaned; on PostgreSQL only those whose heartbeat
        is old (another process may be running them)."""
        self.start(app)
        self.idle.clear()
        self._queue.put(-1)  # a sweep, in the worker

    def _work(self) -> None:
        first = True
        while True:
            try:
                job_id = self._queue.get(timeout=IDLE_SWEEP_S)
            except queue.Empty:
                job_id = -1
            try:
                with self._app.app_context():
                    if job_id == -1:
                        self._sweep(everything=first and is_sqlite(str(db.engine.url)))
                        first = False
                    else:
                        with _short_turns():
                            run(job_id, self.pacing)
            except Exception:  # the next job (or sweep) tries again; this one is marked failed by run
                log.exception("order import runner")
            finally:
                if self._queue.empty():
                    self.idle.set()

    def _sweep(self, everything: bool) -> None:
        stale_before = utcnow() + timedelta(seconds=1) if everything else utcnow() - STALE_AFTER
        left = db.session.execute(select(OrderImportJob.id).where(
            OrderImportJob.status.in_(("queued", "running"))).order_by(OrderImportJob.id)).scalars().all()
        db.session.commit()
        for job_id in left:
            run(job_id, self.pacing, stale_before=stale_before)


@contextmanager
def _short_turns():
    """While a job runs, a thread waiting for the interpreter's lock gets it after SWITCH_S instead of 5 ms. A scan
    takes the lock a dozen times (every SQL statement gives it back and takes it again): behind a busy job each
    take cost up to 5 ms."""
    before = sys.getswitchinterval()
    sys.setswitchinterval(SWITCH_S)
    try:
        yield
    finally:
        sys.setswitchinterval(before)


runner = Runner()
