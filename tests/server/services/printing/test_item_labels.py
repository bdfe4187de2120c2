"""Item labels as the services print them: one job per item (and lot) on the printer's stock, the item's EAN-13 or
a Code 128 of its SKU, copies as asked; the units of a receipt that arrive unlabelled (the item's flag or its
supplier's), counted then as lots; units restocked from a return; who may print and what is refused."""
from __future__ import annotations

from datetime import date

import pytest

from server.db.models import PrintJob, ReturnCase, ReturnUnit, Supplier
from server.domain.barcodes import decode
from server.domain.errors import WmsError
from server.extensions import db
from server.services.printing import item_labels
from server.services.receiving import inbound, inspection
from tests.conftest import label_texts, read_barcodes

TEE, MUG = "5901234123457", "036000291452"
# tiny_warehouse's printer has 4 x 6 in stock at 203 dpi
SIZE = {"width": 813, "height": 1219, "dpi": 203}


def refusal(call) -> WmsError:
    with pytest.raises(WmsError) as caught:
        call()
    db.session.rollback()
    return caught.value


def test_an_items_labels_carry_its_ean13_names_price_and_lot(tiny_warehouse):
    w = tiny_warehouse
    w.tee.tag_price_cents = 1290
    w.tee_lot.expiry = date(2027, 6, 30)
    job = item_labels.print_item_labels("TEE-BLK-M", 2, "PRN-T", w.supervisor, lot="L1")
    db.session.commit()

    job = db.session.get(PrintJob, job.id)
    assert (job.kind, job.status, job.printer.code) == ("item_label", "queued", "PRN-T")
    assert job.title == "Item labels TEE-BLK-M lot L1 ×2 / 货品标签 TEE-BLK-M 批号 L1 ×2"
    assert read_barcodes(job.zpl, **SIZE) == [[TEE], [TEE]]
    assert label_texts(job.zpl) == ["T恤", "T-shirt", "Black / M · 黑色 / M", "¥12.90", "Lot 批号 L1",
                                    "Exp 到期 2027-06-30"] * 2


def test_an_item_without_an_ean13_gets_a_code128_of_its_sku(tiny_warehouse):
    w = tiny_warehouse  # the mug has a UPC-A only
    job = item_labels.print_item_labels(w.mug, 1, "PRN-T", w.packer)
    assert read_barcodes(job.zpl, **SIZE) == [["MUG-WHT"]]
    assert label_texts(job.zpl) == ["马克杯", "Mug", "White · 白色"]  # no price, lot or expiry set


def test_who_may_print_and_what_is_refused(tiny_warehouse):
    w = tiny_warehouse
    assert refusal(lambda: item_labels.print_item_labels("TEE-BLK-M", 1, "PRN-T", w.picker)).code == "forbidden"
    assert refusal(lambda: item_labels.print_item_labels("NOPE", 1, "PRN-T", w.supervisor)).code == "not_found"
    assert refusal(lambda: item_labels.print_item_labels("TEE-BLK-M", 1, "PRN-T", w.supervisor,
                                                         lot="L2")).code == "not_found"  # the mug's lot
    assert refusal(lambda: item_labels.print_item_labels("TEE-BLK-M", 1, "NOPE", w.supervisor)
                   ).code == "printer_not_found"
    for qty in (0, 1001, "3", True):
        assert refusal(lambda qty=qty: item_labels.print_item_labels("TEE-BLK-M", qty, "PRN-T", w.supervisor)
                       ).code == "bad_label_qty"
    assert db.session.query(PrintJob).count() == 0


def test_a_receipts_unlabelled_units_are_labelled_per_item_and_lot(tiny_warehouse):
    w = tiny_warehouse
    w.tee.label_at_receiving = True  # the tees arrive unlabelled, the mugs labelled
    po = inbound.create_po("SUP-T", [{"sku": "TEE-BLK-M", "qty": 5}, {"sku": "MUG-WHT", "qty": 4}], w.receiver)
    receipt = inbound.start_receipt(po.number, w.receiver)
    inbound.check_carton(receipt.id, "intact", w.receiver)
    inbound.count(receipt.id, 1, decode(TEE), 5, w.receiver)
    inbound.count(receipt.id, 1, decode(MUG), 4, w.receiver)
    db.session.commit()

    assert item_labels.receipt_labels_view(receipt) == [
        {"sku": "TEE-BLK-M", "name": {"en": "T-shirt", "zh": "T恤"}, "lot": None, "qty": 5, "unlabelled": True},
        {"sku": "MUG-WHT", "name": {"en": "Mug", "zh": "马克杯"}, "lot": None, "qty": 4, "unlabelled": False}]
    (job,) = item_labels.print_receipt_labels(receipt.id, "PRN-T", w.supervisor)
    assert read_barcodes(job.zpl, **SIZE) == [[TEE]] * 5

    inspection.confirm_receipt(receipt.id, w.receiver)  # counted: the units are lots now
    db.session.commit()
    lines = item_labels.receipt_labels_view(receipt)
    assert [(ln["sku"], ln["qty"], ln["unlabelled"]) for ln in lines] == [("TEE-BLK-M", 5, True),
                                                                          ("MUG-WHT", 4, False)]
    assert lines[0]["lot"]
    (job,) = item_labels.print_receipt_labels(receipt.id, "PRN-T", w.supervisor)
    assert f"Lot 批号 {lines[0]['lot']}" in label_texts(job.zpl)
    assert len(item_labels.print_receipt_labels(receipt.id, "PRN-T", w.supervisor, everything=True)) == 2


def test_a_suppliers_flag_marks_all_its_goods_and_a_receipt_without_any_is_refused(tiny_warehouse):
    w = tiny_warehouse
    po = inbound.create_po("SUP-T", [{"sku": "MUG-WHT", "qty": 2}], w.receiver)
    receipt = inbound.start_receipt(po.number, w.receiver)
    inbound.check_carton(receipt.id, "intact", w.receiver)
    inbound.count(receipt.id, 1, decode(MUG), 2, w.receiver)
    db.session.commit()
    error = refusal(lambda: item_labels.print_receipt_labels(receipt.id, "PRN-T", w.supervisor))
    assert error.code == "no_item_labels" and error.http_status == 409

    db.session.query(Supplier).filter_by(code="SUP-T").one().label_at_receiving = True
    (job,) = item_labels.print_receipt_labels(receipt.id, "PRN-T", w.supervisor)
    assert read_barcodes(job.zpl, **SIZE) == [["MUG-WHT"], ["MUG-WHT"]]


def test_units_restocked_from_a_return_get_labels(tiny_warehouse):
    w = tiny_warehouse
    case = ReturnCase(number="RMA-T1", reason="size", received_on=date(2026, 12, 1))
    db.session.add(case)
    db.session.flush()
    db.session.add_all([ReturnUnit(return_id=case.id, item_id=w.tee.id, lot_id=w.tee_lot.id, judgement="good",
                                   disposition="restock") for _ in range(2)]
                       + [ReturnUnit(return_id=case.id, item_id=w.mug.id, judgement="damaged", disposition="scrap")])
    db.session.commit()

    (job,) = item_labels.print_restocked_return_labels("RMA-T1", "PRN-T", w.supervisor)
    assert read_barcodes(job.zpl, **SIZE) == [[TEE], [TEE]]  # the scrapped mug gets none
    assert "Lot 批号 L1" in label_texts(job.zpl)


def test_a_sku_too_long_for_small_stock_says_so(tiny_warehouse):
    w = tiny_warehouse
    w.printer.label_width_mm, w.printer.label_height_mm = 40.0, 30.0
    w.mug.sku = "MUG-WHITE-350ML"  # no EAN-13: a Code 128 of 15 characters needs more than 40 mm
    db.session.commit()
    error = refusal(lambda: item_labels.print_item_labels("MUG-WHITE-350ML", 1, "PRN-T", w.supervisor))
    assert error.code == "label_barcode_too_long"
    assert error.message()["en"] == ("SKU MUG-WHITE-350ML is too long for a Code 128 on 40 mm wide labels: use wider "
                                     "label stock, or give the item an EAN-13.")
    job = item_labels.print_item_labels("TEE-BLK-M", 1, "PRN-T", w.supervisor)  # its EAN-13 fits
    assert read_barcodes(job.zpl, width=320, height=240, dpi=203) == [[TEE]]
