"""What the supervisor pages print is words and values: why a print job waits is said in words (the
agent's codes, no_status_response …, stay in a tooltip for support), and no page prints a Python object
where a value belongs (the overview's items tile once read "<built-in method items of dict …>")."""
import re

import pytest

from server.db.models import PrintJob, PrintJobEvent
from server.extensions import db
from tests.server.conftest import log_in_on_the_pages


def test_a_waiting_jobs_reason_reads_as_words_on_the_overview_the_jobs_page_and_the_job(app, tiny_warehouse):
    job = PrintJob(printer_id=tiny_warehouse.printer.id, kind="bin_labels", title="Bin labels zone A", zpl="^XA^XZ",
                   status="waiting", reason="no_status_response")
    db.session.add(job)
    db.session.flush()
    db.session.add(PrintJobEvent(job_id=job.id, status="waiting", reason="no_status_response"))
    db.session.commit()
    client = log_in_on_the_pages(app.test_client(), "sue")

    for path in ("/sup/", "/sup/print-jobs", f"/sup/print-jobs/{job.id}"):
        page = client.get(path).get_data(as_text=True)
        assert "printer not answering (paper out or head open?)" in page, path
        assert "打印机无响应" not in page, path  # one language at a time (English: log_in_on_the_pages)
        assert ">no_status_response<" not in page and " no_status_response<" not in page, path
        assert 'title="no_status_response"' in page, path  # the code, for support
    client.set_cookie("sup_lang", "zh")
    assert "打印机无响应（缺纸或打印头未合上？）" in client.get("/sup/print-jobs").get_data(as_text=True)


PYTHON_OBJECT = re.compile(r"<built-in method|<bound method|object at 0x|<function ")


@pytest.mark.parametrize("path", ["/sup/", "/sup/bins", "/sup/bins?zone=A", "/sup/print-jobs", "/sup/labels/",
                                  "/sup/picking", "/sup/receiving", "/sup/items", "/sup/layout", "/sup/setup",
                                  "/sup/reports/stock"])
def test_no_page_prints_a_python_object(app, tiny_warehouse, path):
    client = log_in_on_the_pages(app.test_client(), "sue")

    answer = client.get(path)

    assert answer.status_code == 200, path
    assert not PYTHON_OBJECT.search(answer.get_data(as_text=True)), path


def test_the_audit_page_reads_a_change_made_by_prebuilt_sql(app, tiny_warehouse):
    """A scan's prebuilt statement is kept as its SQL and parameters (no "values"): the page once looked up
    c["values"], found the dict's own values() method and failed with a 500."""
    import json

    from server.db.models import AuditEntry, utcnow
    from server.services.people.auth import hash_password
    from server.db.models import User

    db.session.add(User(username="ada", name="Ada", role="admin", password_hash=hash_password("pw")))
    db.session.add(AuditEntry(at=utcnow(), via="/floor scan", tables="pick_tasks", changes=json.dumps(
        [{"op": "update", "table": "pick_tasks", "sql": "UPDATE pick_tasks SET picked_qty = :qty",
          "params": {"qty": 1}},
         {"op": "insert", "table": "stock_ledger", "counts": {"rows": 2}}])))
    db.session.commit()
    client = log_in_on_the_pages(app.test_client(), "ada")

    answer = client.get("/sup/audit")

    assert answer.status_code == 200
    page = answer.get_data(as_text=True)
    assert "UPDATE pick_tasks SET picked_qty" in page and not PYTHON_OBJECT.search(page)
