"""A supplier on ISO 2859-1: the plan comes from the tables, and the switching rules follow its lots."""
import json

import pytest
from flask import current_app
from sqlalchemy import select

from server.db.models import SupplierQuality
from server.domain.barcodes import decode
from server.domain.errors import WmsError
from server.extensions import db
from server.services.receiving import inspection
from server.services.receiving import inbound
from server.services.people.auth import Actor

TEE = "5901234123457"


@pytest.fixture
def iso_supplier(tiny_warehouse):
    current_app.config["WMS"]["receiving"]["sampling"]["overrides"] = [
        {"supplier": "SUP-T", "policy": "iso2859", "aql": 1.0, "level": "II"}]
    return tiny_warehouse


def receive(w, qty=20):
    po = inbound.create_po("SUP-T", [{"sku": "TEE-BLK-M", "qty": qty}], w.receiver)
    receipt = inbound.start_receipt(po.number, w.receiver)
    inbound.check_carton(receipt.id, "intact", w.receiver)
    inbound.count(receipt.id, 1, decode(TEE), qty, w.receiver)
    [waiting] = inspection.confirm_receipt(receipt.id, w.receiver)
    db.session.commit()
    return waiting


def reject(w, waiting):
    _, progress = inspection.mark_unit(waiting.id, decode(TEE), True, "damaged", w.inspector)
    db.session.commit()
    assert progress.decision == "reject"


def state(w):
    quality = db.session.execute(select(SupplierQuality)).scalar_one()
    return json.loads(quality.switching_json)["state"]


def test_an_iso_supplier_gets_the_table_plan_for_its_lot(iso_supplier):
    plan = inspection.inspection_view(receive(iso_supplier))["plan"]
    # 20 units, level II: letter C; AQL 1.0 points down to E: n 13, Ac 0, Re 1.
    assert (plan["policy"], plan["code_letter"], plan["plan_letter"], plan["n"], plan["ac"], plan["re"]) == (
        "iso2859", "C", "E", 13, 0, 1)


def test_two_rejections_tighten_and_five_more_discontinue_until_corrective_action(iso_supplier):
    w = iso_supplier
    supervisor = Actor(w.picker.user_id, "sup", "Sup", "supervisor")
    reject(w, receive(w))
    reject(w, receive(w))
    assert state(w) == "tightened"
    assert inspection.inspection_view(receive(w))["plan"]["state"] == "tightened"
    for waiting in inspection.open_inspections():
        reject(w, waiting)
    for _ in range(4):
        reject(w, receive(w))
    assert state(w) == "discontinued"
    with pytest.raises(WmsError) as caught:
        receive(w)
    db.session.rollback()
    assert caught.value.code == "supplier_discontinued"

    with pytest.raises(WmsError):
        inspection.record_corrective_action("SUP-T", "TEE", "new cartons", w.receiver)
    view = inspection.record_corrective_action("SUP-T", "TEE", "Supplier changed its carton supplier", supervisor)
    assert view["state"] == "tightened" and view["corrective_action"].startswith("Supplier changed")
    assert inspection.inspection_view(receive(w))["plan"]["state"] == "tightened"
