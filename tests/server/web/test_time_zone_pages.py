"""Times people read are the warehouse's (Asia/Shanghai by default), not the database's UTC: on a page, on a
printed packing list, and in a report's CSV."""
import re
from datetime import datetime

from printers import documents
from server.db.models import PrintJob, Scan
from server.extensions import db
from server.services.packing import packing_station
from server.services.reports.report_queries import Column, to_csv
from tests.server.conftest import log_in_on_the_pages
from tests.server.services.packing.test_packing_station import TEE, close, picked_order, scan, station  # noqa: F401


def test_the_scans_page_shows_a_scan_at_the_warehouses_time(app, tiny_warehouse):
    db.session.add(Scan(scan_id="s-1", at=datetime(2026, 3, 2, 0, 30, 5), user_id=tiny_warehouse.picker.user_id,
                        mode="lookup", code="A-01-01-1", kind="bin", ok=True, ack_json="{}"))
    db.session.commit()
    client = log_in_on_the_pages(app.test_client(), "sue")
    client.set_cookie("sup_lang", "en")
    page = client.get("/sup/scans").get_data(as_text=True)
    assert "03-02 08:30:05" in page and "00:30:05" not in page


def test_the_packing_list_prints_the_warehouses_time(app, tiny_warehouse, station):  # noqa: F811
    w = tiny_warehouse
    order = picked_order(w)
    scan(station, "TOTE-0001", w.packer)
    scan(station, TEE, w.packer)
    scan(station, TEE, w.packer)
    parcel = close(station, w.packer, weight_g=850)
    parcel.closed_at = datetime(2026, 3, 2, 0, 30)  # a known UTC moment, printed again from it
    packing_list = documents.packing_list(packing_station.packing_list_document(order, parcel))
    text = " ".join(re.findall(r"\^FD(.*?)\^FS", packing_list))
    assert "Packed 打包 Pat · 2026-03-02 08:30" in text and "00:30" not in text and "UTC" not in text
    printed = db.session.query(PrintJob).filter(PrintJob.kind == "packing_list").one()
    assert "UTC" not in printed.zpl  # the job printed at close did not say UTC either


def test_a_report_csv_names_the_zone_of_its_times(app):
    csv = to_csv([Column("since", "Since", "发生时间", "time")], [{"since": datetime(2026, 3, 2, 0, 30)}])
    header, row = csv.lstrip("\ufeff").splitlines()[:2]
    assert header == "Since (Asia/Shanghai) · 发生时间（Asia/Shanghai）" and row == "2026-03-02 08:30"

