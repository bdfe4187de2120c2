"""Order import jobs: a big file checked whole, then written a batch of whole orders per transaction, its
progress in the database, a report at the end; re-runs and restarts never duplicate an order."""
from datetime import timedelta

import pytest
from sqlalchemy import event, func, select

from server.db.models import OrderImportFile, OrderImportJob, SalesOrder, SalesOrderLine, utcnow
from server.domain.errors import WmsError
from server.extensions import db
from server.services.orders import import_jobs
from server.services.orders.import_jobs import Pacing

HEADER = "order_no,channel,customer_name,phone,address,carrier,sku,qty,paid_at,priority,cut_off\n"
ADDRESS = "上海市 浦东新区 世纪大道1号"


def generic(orders: int, *, unknown_every: int = 0, extra: str = "") -> bytes:
    """`orders` orders of two lines each (TEE-BLK-M and, in every `unknown_every`-th, an unknown SKU)."""
    rows = []
    for n in range(1, orders + 1):
        second = "TB99-9" if unknown_every and n % unknown_every == 0 else "MUG-WHT"
        for sku in ("TEE-BLK-M", second):
            rows.append(f"J-{n:05d},shop,郭丽,13800000000,{ADDRESS},SF,{sku},1,2026-11-11T00:10:00,0,")
    return (HEADER + "\n".join(rows) + "\n" + extra).encode()


def orders_stored() -> int:
    return db.session.execute(select(func.count()).select_from(SalesOrder)).scalar()


def job_for(w, raw: bytes) -> OrderImportJob:
    return import_jobs.submit("generic", {"file": raw}, "peak.csv", w.supervisor)


def test_a_job_writes_whole_orders_a_batch_per_transaction_and_its_progress_moves(tiny_warehouse):
    w = tiny_warehouse
    job = job_for(w, generic(25, unknown_every=10))
    commits, progress = [], []
    event.listen(db.session, "after_commit", lambda _s: commits.append(1))

    def after_batch(job):
        # What another page reads while the job runs: committed, whole orders only.
        progress.append((job.orders_done, job.rows_done, orders_stored(),
                         db.session.execute(select(func.count()).select_from(SalesOrderLine)).scalar()))

    done = import_jobs.run(job.id, Pacing(batch_orders=10, yield_factor=0), after_batch=after_batch)
    assert progress == [(10, 20, 10, 20), (20, 40, 20, 40), (25, 50, 25, 50)]
    assert done.status == "done" and done.phase == "finished"
    assert (done.imported, done.stopped, done.skipped, done.rows_total, done.orders_total) == (25, 2, 0, 50, 25)
    view = import_jobs.view(done)
    assert view["percent"] == 100.0
    assert [s["order"] for s in view["report"]["stopped"]] == ["J-00010", "J-00020"]
    [reason] = view["report"]["stopped"][0]["reasons"]
    assert reason["code"] == "unknown_sku" and "TB99-9" in reason["message"]["en"] and reason["message"]["zh"]
    stored = db.session.execute(select(SalesOrder).where(SalesOrder.number == "J-00001")).scalar_one()
    assert stored.status == "pending_review" and stored.review_json == "[]" and stored.channel == "shop"
    assert [(ln.sku_text, ln.item_id, ln.qty) for ln in stored.lines] == [("TEE-BLK-M", w.tee.id, 1),
                                                                          ("MUG-WHT", w.mug.id, 1)]
    assert db.session.execute(select(func.count()).select_from(OrderImportFile)).scalar() == 0  # file dropped
    assert len(commits) >= 3


def test_a_file_with_wrong_rows_writes_nothing_and_names_every_wrong_row(tiny_warehouse):
    w = tiny_warehouse
    wrong = (f"J-90001,shop,郭丽,1,{ADDRESS},SF,TEE-BLK-M,two,,0,\n"
             f"J-90002,shop,郭丽,1,{ADDRESS},SF,TEE-BLK-M,0,,0,\n")
    job = job_for(w, generic(30, extra=wrong))
    done = import_jobs.run(job.id, Pacing(batch_orders=10, yield_factor=0))
    assert done.status == "refused" and orders_stored() == 0
    errors = import_jobs.view(done)["report"]["errors"]
    assert [(e["row"], e["code"]) for e in errors] == [(62, "bad_request"), (63, "bad_quantity")]
    assert all(e["message"]["en"] and e["message"]["zh"] for e in errors)


def test_a_file_that_cannot_be_read_is_refused_with_its_reason(tiny_warehouse):
    job = job_for(tiny_warehouse, b"order,sku\nX,Y\n")
    done = import_jobs.run(job.id, Pacing(yield_factor=0))
    [error] = import_jobs.view(done)["report"]["errors"]
    assert done.status == "refused" and error["code"] == "bad_request" and "order_no" in error["message"]["en"]


def test_the_same_file_again_imports_nothing_twice(tiny_warehouse):
    w = tiny_warehouse
    first = import_jobs.run(job_for(w, generic(12)).id, Pacing(batch_orders=5, yield_factor=0))
    again = import_jobs.run(job_for(w, generic(15)).id, Pacing(batch_orders=5, yield_factor=0))
    assert (first.imported, first.skipped) == (12, 0)
    assert (again.status, again.imported, again.skipped) == ("done", 3, 12)
    assert orders_stored() == 15
    assert import_jobs.view(again)["report"]["skipped"][0]["code"] == "duplicate_order"


def test_a_job_stopped_mid_way_by_a_restart_carries_on_without_duplicating(tiny_warehouse):
    w = tiny_warehouse
    job = job_for(w, generic(30))

    class Killed(BaseException):
        """The process dies after the second batch's commit (nothing after it runs)."""

    def die(job):
        if job.orders_done == 20:
            raise Killed

    with pytest.raises(Killed):
        import_jobs.run(job.id, Pacing(batch_orders=10, yield_factor=0), after_batch=die)
    db.session.rollback()
    left = db.session.get(OrderImportJob, job.id)
    db.session.refresh(left)
    assert (left.status, left.phase, left.orders_done) == ("running", "writing", 20) and orders_stored() == 20
    # Another process may not take a job whose heartbeat is fresh; a restarted one (stale) may.
    assert import_jobs.run(job.id, Pacing(yield_factor=0), stale_before=utcnow() - timedelta(minutes=1)) is None
    done = import_jobs.run(job.id, Pacing(batch_orders=10, yield_factor=0),
                           stale_before=utcnow() + timedelta(seconds=1))
    assert (done.status, done.imported, done.skipped, done.resumed, done.orders_done) == ("done", 30, 0, 1, 30)
    assert orders_stored() == 30
    assert db.session.execute(select(func.count()).select_from(SalesOrderLine)).scalar() == 60


def test_the_runner_carries_on_what_a_stopped_server_left_behind(tiny_warehouse, app):
    job = job_for(tiny_warehouse, generic(8))
    db.session.get(OrderImportJob, job.id).status = "running"  # as a killed process leaves it
    db.session.commit()
    runner = import_jobs.Runner()
    runner.pacing = Pacing(yield_factor=0)
    runner.resume_left_behind(app)  # what a server's start does (server/asgi.py)
    assert runner.idle.wait(30)
    db.session.rollback()
    assert db.session.get(OrderImportJob, job.id).status == "done" and orders_stored() == 8


def test_only_order_managers_start_or_read_jobs(tiny_warehouse):
    w = tiny_warehouse
    with pytest.raises(WmsError) as refused:
        import_jobs.submit("generic", {"file": generic(1)}, "x.csv", w.picker)
    assert refused.value.code == "forbidden"
    job = job_for(w, generic(1))
    with pytest.raises(WmsError) as hidden:
        import_jobs.get(job.id, w.packer)
    assert hidden.value.code == "forbidden"


def test_a_big_file_is_checked_in_a_process_of_its_own_with_the_same_outcome(tiny_warehouse, monkeypatch):
    from server.services.orders import check_process

    monkeypatch.setattr(check_process, "IN_PROCESS_LINES", 0)  # every file counts as big here
    spawned = []
    real = check_process.Check.__init__

    def spy(self, kind, files):
        real(self, kind, files)
        spawned.append(self.process.pid)

    monkeypatch.setattr(check_process.Check, "__init__", spy)
    w = tiny_warehouse
    done = import_jobs.run(job_for(w, generic(12, unknown_every=6)).id, Pacing(batch_orders=5, yield_factor=0))
    assert (done.status, done.imported, done.stopped, done.rows_total) == ("done", 12, 2, 24)
    wrong = import_jobs.run(job_for(w, generic(3, extra=f"J-9,shop,郭丽,1,{ADDRESS},SF,TEE-BLK-M,0,,0,\n")).id,
                            Pacing(yield_factor=0))
    assert wrong.status == "refused" and [e["row"] for e in import_jobs.view(wrong)["report"]["errors"]] == [8]
    assert len(spawned) == 2 and orders_stored() == 12
