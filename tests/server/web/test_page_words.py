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
