"""Item labels on the supervisor pages: the item page's "Print labels" form (printer, copies, lot) queues the
labels; a manager marks an item as arriving unlabelled; the receiving page lists today's units that arrive
unlabelled and prints their labels — in English and in Chinese."""
from __future__ import annotations

from datetime import date

from sqlalchemy import select

from server.db.models import Item, PrintJob, ReturnCase, ReturnUnit, Supplier, User
from server.domain.barcodes import decode
from server.extensions import db
from server.services.people.auth import hash_password
from server.services.receiving import inbound
from tests.conftest import read_barcodes
from tests.server.conftest import log_in_on_the_pages

TEE = "5901234123457"


def jobs() -> list[PrintJob]:
    db.session.expire_all()
    return list(db.session.execute(select(PrintJob).order_by(PrintJob.id)).scalars())


def test_the_item_page_prints_copies_of_a_lots_label(app, tiny_warehouse):
    client = log_in_on_the_pages(app.test_client(), "sue")
    page = client.get("/sup/items/TEE-BLK-M").get_data(as_text=True)
    assert 'data-testid="print-item-labels"' in page and "Print labels" in page and "PRN-T — test printer" in page
    assert '<option translate="no" value="L1">L1</option>' in page  # the tee's lot to choose

    answer = client.post("/sup/items/TEE-BLK-M/labels", data={"printer": "PRN-T", "copies": "3", "lot": "L1"})
    (job,) = jobs()
    assert answer.status_code == 302 and answer.headers["Location"].endswith(f"/sup/print-jobs?highlight={job.id}")
    assert job.kind == "item_label" and job.zpl.count("^XA") == 3 and "Lot 批号 L1" in job.zpl
    assert read_barcodes(job.zpl) == [[TEE]] * 3
    assert "3 label(s) of TEE-BLK-M sent to PRN-T." in client.get(answer.headers["Location"]).get_data(as_text=True)

    refused = client.post("/sup/items/TEE-BLK-M/labels", data={"printer": "PRN-T", "copies": "0"})
    assert refused.status_code == 302 and len(jobs()) == 1
    assert "Print between 1 and 1000 labels, not 0." in client.get("/sup/items/TEE-BLK-M").get_data(as_text=True)


def test_the_form_speaks_chinese_and_a_packer_may_print_but_not_mark_items(app, tiny_warehouse):
    client = log_in_on_the_pages(app.test_client(), "sue")
    client.set_cookie("sup_lang", "zh")
    page = client.get("/sup/items/TEE-BLK-M").get_data(as_text=True)
    assert "货品标签" in page and "打印标签" in page and "份数" in page and "到货已贴标签。" in page
    assert 'data-testid="label-at-receiving-form"' not in page  # a supervisor does not edit the item master
    assert client.post("/sup/items/TEE-BLK-M/label-at-receiving", data={"on": "1"}).status_code == 403


def test_a_manager_marks_an_item_unlabelled_and_receiving_prints_its_units(app, tiny_warehouse):
    w = tiny_warehouse  # the delivery is counted first (the pages' requests leave the test's session read-only)
    db.session.add(User(username="max", name="Max", role="manager", password_hash=hash_password("pw")))
    po = inbound.create_po("SUP-T", [{"sku": "TEE-BLK-M", "qty": 4}, {"sku": "MUG-WHT", "qty": 2}], w.receiver)
    receipt = inbound.start_receipt(po.number, w.receiver)
    inbound.check_carton(receipt.id, "intact", w.receiver)
    inbound.count(receipt.id, 1, decode(TEE), 4, w.receiver)
    inbound.count(receipt.id, 1, decode("036000291452"), 2, w.receiver)
    receipt_id = receipt.id
    db.session.commit()
    client = log_in_on_the_pages(app.test_client(), "sue")
    assert 'data-testid="print-receipt-labels"' not in client.get("/sup/receiving").get_data(as_text=True)

    manager = log_in_on_the_pages(app.test_client(), "max")
    assert manager.post("/sup/items/TEE-BLK-M/label-at-receiving", data={"on": "1"}).status_code == 302
    page = manager.get("/sup/items/TEE-BLK-M").get_data(as_text=True)
    assert "Arrives unlabelled: receiving prints its labels." in page
    assert db.session.execute(select(Item.label_at_receiving).where(Item.sku == "TEE-BLK-M")).scalar() is True

    page = client.get("/sup/receiving").get_data(as_text=True)
    table = page[page.index('data-testid="to-label"'):page.index('id="open-pos"')]
    assert "TEE-BLK-M T-shirt</span> ×4" in table and "MUG-WHT" not in table and "Print 4 labels" in table
    answer = client.post(f"/sup/receipts/{receipt_id}/item-labels", data={"printer": "PRN-T"})
    assert answer.status_code == 302
    (job,) = jobs()
    assert read_barcodes(job.zpl) == [[TEE]] * 4
    page = client.get("/sup/receiving").get_data(as_text=True)
    assert f"Receipt {receipt_id}: 4 item label(s) sent to PRN-T." in page

    client.set_cookie("sup_lang", "zh")
    page = client.get("/sup/receiving").get_data(as_text=True)
    assert "待贴标货品（到货无标签）" in page and "打印 4 张标签" in page


def test_a_manager_marks_a_suppliers_goods_unlabelled_on_the_suppliers_page(app, tiny_warehouse):
    db.session.add(User(username="max", name="Max", role="manager", password_hash=hash_password("pw")))
    db.session.commit()
    manager = log_in_on_the_pages(app.test_client(), "max")
    page = manager.get("/sup/suppliers").get_data(as_text=True)
    assert "arrives unlabelled: label at receiving" in page
    answer = manager.post("/sup/suppliers/SUP-T/edit", data={"name": "Test supplier", "contact": "", "active": "1",
                                                        "label_at_receiving_shown": "1", "label_at_receiving": "1"})
    assert answer.status_code == 302
    assert db.session.execute(select(Supplier.label_at_receiving).where(Supplier.code == "SUP-T")).scalar() is True
    row = manager.get("/sup/suppliers").get_data(as_text=True).split('data-code="SUP-T"')[1].split("</tr>")[0]
    assert "yes · arrives unlabelled" in row
    manager.post("/sup/suppliers/SUP-T/edit", data={"name": "Test supplier", "active": "1"})  # a form without the box
    assert db.session.execute(select(Supplier.label_at_receiving).where(Supplier.code == "SUP-T")).scalar() is True


def test_a_return_cases_restocked_units_are_labelled_from_its_page(app, tiny_warehouse):
    w = tiny_warehouse
    case = ReturnCase(number="RMA-T2", reason="size", received_on=date(2026, 12, 1))
    db.session.add(case)
    db.session.flush()
    db.session.add_all([ReturnUnit(return_id=case.id, item_id=w.tee.id, lot_id=w.tee_lot.id, judgement="good",
                                   disposition="restock") for _ in range(2)])
    db.session.commit()
    client = log_in_on_the_pages(app.test_client(), "sue")
    page = client.get("/sup/returns/RMA-T2").get_data(as_text=True)
    assert "Item labels for the 2 restocked unit(s)" in page
    answer = client.post("/sup/returns/RMA-T2/item-labels", data={"printer": "PRN-T"})
    assert answer.status_code == 302
    (job,) = jobs()
    assert read_barcodes(job.zpl) == [[TEE]] * 2 and "Lot 批号 L1" in job.zpl
    assert "2 item label(s) of return RMA-T2 sent to PRN-T." in client.get("/sup/returns/RMA-T2").get_data(as_text=True)
