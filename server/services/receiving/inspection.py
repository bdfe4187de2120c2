"""Receiving inspection: a confirmed count becomes lots waiting for inspection; the inspector marks
sampled units; the policy (the customer's seed rule or ISO 2859-1) decides accept or reject."""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select, update

from server.db.models import (InspectedUnit, Inspection, Item, Lot, Product, PurchaseOrderLine, Receipt,
                              Supplier, SupplierQuality, VendorReturn, utcnow)
from server.domain import sampling
from server.domain.barcodes import Decoded
from server.domain.errors import WmsError, Words
from server.extensions import db
from server.services import transaction
from server.services.printing import print_jobs
from server.services.receiving import putaway
from server.services.receiving import inbound
from server.services.people.auth import Actor
from server.services.catalogue.items import find_item

# ISO 2859-1's switching states as GB/T 2828.1 names them (正常/加严/放宽检验).
SWITCHING_ZH = {"normal": "正常检验", "tightened": "加严检验", "reduced": "放宽检验", "discontinued": "暂停检验"}

# --- which policy, which plan ----------------------------------------------------------------

def policy_for(supplier: Supplier, item: Item) -> dict:
    """The sampling policy of this supplier/item: config `receiving.sampling`, overrides first."""
    config = inbound.settings()["sampling"]
    chosen = {"policy": config.get("policy", "seed"), "aql": config.get("aql", 1.0),
              "level": config.get("level", "II")}
    for override in config.get("overrides", []):
        if override.get("supplier") in (None, supplier.code) and override.get("sku") in (None, item.sku):
            chosen |= {k: v for k, v in override.items() if k in ("policy", "aql", "level")}
            break
    return chosen


def seed_policy() -> sampling.SeedPolicy:
    return sampling.SeedPolicy.from_config(inbound.settings()["sampling"].get("seed", {}))


def supplier_history(supplier_id: int) -> list[sampling.LotOutcome]:
    """The supplier's decided lots, oldest first (what moves its first-sample rate)."""
    rows = db.session.execute(
        select(Inspection).join(Lot, Lot.id == Inspection.lot_id)
        .where(Lot.supplier_id == supplier_id, Inspection.status != "open", Inspection.policy == "seed")
        .order_by(Inspection.decided_at, Inspection.id)).scalars()
    return [sampling.LotOutcome(sampled=i.inspected, defects=i.defects, rejected=i.status == "rejected")
            for i in rows]


def _quality(supplier_id: int, product_id: int) -> SupplierQuality:
    # Made by the family's first lot: two lots of it confirmed at once (two processes) make it once.
    return transaction.found_or_added(
        lambda: db.session.execute(select(SupplierQuality).where(
            SupplierQuality.supplier_id == supplier_id, SupplierQuality.product_id == product_id)).scalar_one_or_none(),
        lambda: SupplierQuality(supplier_id=supplier_id, product_id=product_id,
                                switching_json=json.dumps(sampling.SwitchingState.initial().as_dict())))


def switching_state(supplier_id: int, product_id: int) -> sampling.SwitchingState:
    return sampling.SwitchingState.from_dict(json.loads(_quality(supplier_id, product_id).switching_json))


def plan_for(lot_size: int, supplier: Supplier, item: Item, returned: bool) -> dict:
    """The plan, as stored with the inspection (enough to rebuild it exactly)."""
    chosen = policy_for(supplier, item)
    if returned:
        plan = sampling.seed_plan(lot_size, seed_policy().returned_rate, seed_policy())
        return plan.as_dict() | {"returned": True}
    if chosen["policy"] == "iso2859":
        state = switching_state(supplier.id, item.product_id)
        if state.state == "discontinued":
            raise WmsError("supplier_discontinued", supplier=supplier.code, product=item.product.code)
        return sampling.iso_single_plan(lot_size, float(chosen["aql"]), chosen["level"],
                                        state.state).as_dict()
    rules = seed_policy()
    rate = sampling.supplier_rate(supplier_history(supplier.id), rules)
    return sampling.seed_plan(lot_size, rate, rules).as_dict() | {"widen_rate": rules.widen_rate}


def rebuild(plan: dict) -> sampling.Plan:
    """The stored plan exactly as it was decided (a later config change does not alter it)."""
    return sampling.plan_from_dict(plan)


# --- confirming a count: lots waiting for inspection -----------------------------------------

def confirm_receipt(receipt_id: object, actor: Actor) -> list[Inspection]:
    """The receiver signs the count; each counted PO line becomes a lot waiting for inspection."""
    receipt = inbound.counting_receipt(receipt_id, actor)
    counted = inbound.counts_by_line(receipt)
    if not counted:
        raise WmsError("nothing_counted", receipt=receipt.id)
    inspections = []
    for line in receipt.po.lines:
        if line.id not in counted:
            continue
        c = counted[line.id]
        lot = Lot(item_id=line.item_id, code=f"R{receipt.id:05d}-{line.line_no:02d}",
                  received_on=date.today(), expiry=c["expiry"], supplier_id=receipt.po.supplier_id,
                  po_line_id=line.id, receipt_id=receipt.id, qty_received=c["qty"], status="inspecting")
        db.session.add(lot)
        db.session.flush()
        intact = c["qty"] - c["flagged"]
        plan = (plan_for(intact, receipt.po.supplier, line.item, receipt.returned_goods)
                if intact else {"policy": "none", "lot_size": 0})
        inspection = Inspection(lot_id=lot.id, receipt_id=receipt.id, po_line_id=line.id,
                                lot_qty=c["qty"], flagged_qty=c["flagged"], policy=plan["policy"],
                                plan_json=json.dumps(plan))
        db.session.add(inspection)
        inspections.append(inspection)
    inbound.sign(receipt, actor)
    db.session.flush()
    return inspections


# --- marking sampled units -------------------------------------------------------------------

@dataclass(frozen=True)
class Progress:
    flagged_target: int
    flagged_done: int
    sample_target: int
    sample_remaining: int
    widened: bool
    decision: str  # continue | accept | reject

    def as_dict(self) -> dict:
        return {"flagged_target": self.flagged_target, "flagged_done": self.flagged_done,
                "sample_target": self.sample_target, "sample_remaining": self.sample_remaining,
                "remaining": self.sample_remaining + self.flagged_target - self.flagged_done,
                "widened": self.widened, "decision": self.decision}


def progress(inspection: Inspection) -> Progress:
    plan = json.loads(inspection.plan_json)
    if plan["policy"] == "none":
        target, remaining, widened, decision = 0, 0, False, "accept"
    else:
        step = sampling.next_step(rebuild(plan), inspection.inspected, inspection.defects)
        target, remaining, widened, decision = step.target, step.remaining, step.widened, step.decision
    if inspection.flagged_inspected < inspection.flagged_qty and decision != "reject":
        decision = "continue"  # damaged cartons are inspected in full before the lot is decided
    return Progress(inspection.flagged_qty, inspection.flagged_inspected, target, remaining, widened,
                    decision)


def open_inspection(inspection_id: object, actor: Actor) -> Inspection:
    actor.require("journey.inspect")
    if inspection_id is None:
        raise WmsError("choose_lot_first")
    # Locked for the scan's transaction: two inspectors marking units of one lot take turns, so its
    # counters add up every unit and the lot is decided (put-away tasks, labels) once.
    inspection = db.session.get(Inspection, inspection_id, with_for_update={"of": Inspection}, populate_existing=True) \
        if isinstance(inspection_id, int) else None
    if inspection is None:
        raise WmsError("not_found", what=f"inspection {inspection_id}")
    if inspection.status != "open":
        lot = db.session.get(Lot, inspection.lot_id)
        raise WmsError("inspection_closed", lot=lot.code, status=inspection.status)
    return inspection


def mark_unit(inspection_id: object, decoded: Decoded, defect: bool, reason: str | None,
              actor: Actor, scan_id: str | None = None) -> tuple[Inspection, Progress]:
    """One inspected unit: scanned (it must be the lot's item) and marked pass or defect. Units of
    flagged cartons come first; then the sample, which the policy widens or ends."""
    inspection = open_inspection(inspection_id, actor)
    lot = db.session.get(Lot, inspection.lot_id)
    if not decoded.names_an_item:
        raise WmsError("wrong_item", scanned=decoded.key, expected=lot.code)
    item = find_item(decoded)
    if item.id != lot.item_id:
        expected = db.session.get(Item, lot.item_id)
        raise WmsError("wrong_item", scanned=item.sku, expected=expected.sku)
    if defect and reason not in inbound.settings()["defect_reasons"]:
        raise WmsError("unknown_reason", reason=reason)
    before = progress(inspection)
    flagged = inspection.flagged_inspected < inspection.flagged_qty
    if flagged:
        inspection.flagged_inspected += 1
        inspection.flagged_defects += int(defect)
    else:
        if before.decision != "continue":
            raise WmsError("sample_exceeded", target=before.sample_target)
        try:
            sampling.check_marking(rebuild(json.loads(inspection.plan_json)), inspection.inspected + 1,
                                   inspection.defects + int(defect))
        except sampling.SampleExceeded as exceeded:
            raise WmsError("sample_exceeded", target=exceeded.target) from None
        inspection.inspected += 1
        inspection.defects += int(defect)
    db.session.add(InspectedUnit(inspection_id=inspection.id, from_flagged_carton=flagged, defect=defect,
                                 reason=reason if defect else None, serial=decoded.serial,
                                 user_id=actor.user_id, scan_id=scan_id))
    after = progress(inspection)
    if after.decision != "continue":
        decide(inspection, after.decision, actor)
    db.session.flush()
    return inspection, after


# --- the decision ----------------------------------------------------------------------------

def decide(inspection: Inspection, decision: str, actor: Actor) -> None:
    lot = db.session.get(Lot, inspection.lot_id)
    item = db.session.get(Item, lot.item_id)
    receipt = db.session.get(Receipt, inspection.receipt_id)
    printer = inbound.settings()["label_printer"]
    inspection.status = "accepted" if decision == "accept" else "rejected"
    inspection.decided_by, inspection.decided_at = actor.user_id, utcnow()
    _record_switching(inspection, lot, item)
    if decision == "accept":
        lot.status = "available"
        defective = inspection.defects + inspection.flagged_defects
        good = inspection.lot_qty - defective
        tasks = putaway.create_tasks(lot, item, good, defective)
        for task in tasks:
            print_jobs.print_code_label(
                printer, "lpn", putaway.lpn_code(task),
                f"{item.sku} lot {lot.code} qty {task.qty} -> zone {task.zone}",
                f"{item.product.name_zh} 批次 {lot.code} 数量 {task.qty} 上架库区 {task.zone}", actor)
        return
    lot.status = "rejected"
    sampled = inspection.inspected + inspection.flagged_inspected
    found = inspection.defects + inspection.flagged_defects
    vendor_return = VendorReturn(lot_id=lot.id, supplier_id=lot.supplier_id, qty=inspection.lot_qty,
                                 reason=f"{found} of {sampled} inspected units defective · "
                                        f"抽检 {sampled} 件中 {found} 件不合格",
                                 created_by=actor.user_id)
    db.session.add(vendor_return)
    # The rejected units go back: the PO line is open again for the supplier's replacement.
    db.session.execute(update(PurchaseOrderLine).where(PurchaseOrderLine.id == inspection.po_line_id)
                       .values(received_qty=PurchaseOrderLine.received_qty - inspection.lot_qty)
                       .execution_options(synchronize_session=False))
    db.session.flush()
    supplier = db.session.get(Supplier, lot.supplier_id)
    print_jobs.print_code_label(
        printer, "rtv", f"RTV-{vendor_return.id:06d}",
        f"RETURN TO {supplier.code}: {item.sku} lot {lot.code} qty {inspection.lot_qty} PO {receipt.po.number}",
        f"退回供应商 {supplier.code}：{item.product.name_zh} 批次 {lot.code} 数量 {inspection.lot_qty}", actor)


def _record_switching(inspection: Inspection, lot: Lot, item: Item) -> None:
    plan = json.loads(inspection.plan_json)
    if plan["policy"] != "iso2859":
        return
    quality = _quality(lot.supplier_id, item.product_id)
    state = sampling.SwitchingState.from_dict(json.loads(quality.switching_json))
    accepted = inspection.status == "accepted"
    between = accepted and rebuild(plan).accept_but_return_to_normal(inspection.defects)
    quality.switching_json = json.dumps(sampling.after_lot(
        state, accepted, between, supervisor_approves_reduced=quality.reduced_approved_by is not None).as_dict())


def _family(supplier_code: str, product_code: str) -> SupplierQuality:
    supplier = db.session.execute(select(Supplier).where(Supplier.code == supplier_code)).scalar()
    product = db.session.execute(select(Product).where(Product.code == product_code)).scalar()
    if supplier is None or product is None:
        raise WmsError("not_found", what=f"supplier {supplier_code} / product {product_code}")
    return _quality(supplier.id, product.id)


def approve_reduced(supplier_code: str, product_code: str, actor: Actor) -> dict:
    """A supervisor allows reduced inspection; it starts once the last 10 lots on normal passed."""
    actor.require("floor.supervise")
    quality = _family(supplier_code, product_code)
    quality.reduced_approved_by = actor.user_id
    db.session.commit()
    return quality_view(quality)


def record_corrective_action(supplier_code: str, product_code: str, note: str, actor: Actor) -> dict:
    """After a discontinuation, the supplier's corrective action (recorded) resumes on tightened."""
    actor.require("floor.supervise")
    if not note or not note.strip():
        raise WmsError("bad_request", detail=Words("describe the supplier's corrective action",
                                                   "请填写供应商的纠正措施"))
    quality = _family(supplier_code, product_code)
    state = sampling.SwitchingState.from_dict(json.loads(quality.switching_json))
    if state.state != "discontinued":
        raise WmsError("bad_request", detail=Words(f"inspection is {state.state}, not discontinued",
                                                   f"当前为{SWITCHING_ZH.get(state.state, state.state)}，并未暂停检验"))
    quality.switching_json = json.dumps(sampling.resume_after_corrective_action(state).as_dict())
    quality.corrective_action, quality.corrective_action_by = note.strip()[:500], actor.user_id
    quality.corrective_action_at = utcnow()
    db.session.commit()
    return quality_view(quality)


def quality_view(quality: SupplierQuality) -> dict:
    return json.loads(quality.switching_json) | {
        "reduced_approved": quality.reduced_approved_by is not None,
        "corrective_action": quality.corrective_action}


def inspection_view(inspection: Inspection) -> dict:
    lot = db.session.get(Lot, inspection.lot_id)
    item = db.session.get(Item, lot.item_id)
    supplier = db.session.get(Supplier, lot.supplier_id)
    return {"inspection": inspection.id, "status": inspection.status, "lot": lot.code,
            "lot_status": lot.status, "sku": item.sku,
            "name": {"en": item.product.name_en, "zh": item.product.name_zh},
            "variant": {"en": item.variant_en, "zh": item.variant_zh},
            "barcodes": [b.code for b in item.barcodes],
            "supplier": supplier.code, "lot_qty": inspection.lot_qty,
            "flagged_qty": inspection.flagged_qty, "plan": json.loads(inspection.plan_json),
            "inspected": inspection.inspected, "defects": inspection.defects,
            "flagged_inspected": inspection.flagged_inspected,
            "flagged_defects": inspection.flagged_defects,
            "progress": progress(inspection).as_dict(),
            "defect_reasons": inbound.settings()["defect_reasons"]}


def open_inspections() -> list[Inspection]:
    return list(db.session.execute(select(Inspection).where(Inspection.status == "open")
                                   .order_by(Inspection.id)).scalars())


def get_inspection(inspection_id: int) -> Inspection:
    record = db.session.get(Inspection, inspection_id)
    if record is None:
        raise WmsError("not_found", what=f"inspection {inspection_id}")
    return record


def find_supplier(code: str) -> Supplier:
    supplier = db.session.execute(select(Supplier).where(Supplier.code == code)).scalar()
    if supplier is None:
        raise WmsError("not_found", what=f"supplier {code}")
    return supplier
