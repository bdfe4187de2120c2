"""The print jobs page: a label found by the order or tracking number in its title, by status and printer, a page
at a time (older pages by id); only the newest page follows the printers by reloading."""
import re

from server.db.models import PrintJob
from server.extensions import db
from tests.server.conftest import log_in_on_the_pages


def jobs_on(html: str) -> list[str]:
    return re.findall(r'data-job="(\d+)"', html)


def test_jobs_are_found_by_title_and_status_and_paged(app, tiny_warehouse):
    printer = tiny_warehouse.printer.id
    jobs = [PrintJob(printer_id=printer, kind="shipping_label", title=f"Shipping label SF{n:04d} (1/1) order D-{n}",
                     zpl="^XA^XZ", status="printed" if n % 3 else "failed") for n in range(1, 121)]
    db.session.add_all(jobs)
    db.session.commit()
    ids = {n: str(job.id) for n, job in enumerate(jobs, start=1)}
    client = log_in_on_the_pages(app.test_client(), "sue")

    assert jobs_on(client.get("/sup/print-jobs?q=order D-17").get_data(as_text=True)) == [ids[17]]
    failed = jobs_on(client.get("/sup/print-jobs?status=failed").get_data(as_text=True))
    assert failed == [ids[n] for n in range(120, 0, -1) if n % 3 == 0][:50] and len(failed) == 40

    first = client.get("/sup/print-jobs").get_data(as_text=True)
    assert jobs_on(first) == [ids[n] for n in range(120, 70, -1)]
    assert "location.reload" in first  # the newest page follows the printers
    older = re.search(r'data-testid="older" href="([^"]+)"', first).group(1).replace("&amp;", "&")
    second = client.get(older).get_data(as_text=True)
    assert jobs_on(second) == [ids[n] for n in range(70, 20, -1)]
    assert "location.reload" not in second  # an older page stays still while someone reads it
