"""What supervisors read about receiving: the day's receipts and who signed them, what is not yet
cleared the same day, and each supplier's inspection record."""
from __future__ import annotations

import json
from collections import defaultdict
from datetime import date, datetime, time, timedelta

from sqlalchemy import func, select

from server.db.models import (Inspection, Item, Lot, PurchaseOrder, PutawayTask, Receipt, Supplier,
                              SupplierQuality, User)
from server.extensions import db
from server.services import inspection as inspections


def _day(day: date) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time())
    return start, start + timedelta(days=1)


def _user(user_id: int | None) -> str | None:
    return db.session.get(User, user_id).username if user_id else None


def receipts_of(day: date) -> list[dict]:
    """Every receipt started that day, with its lots, their decisions and the signatures."""
    start, end = _day(day)
    receipts = db.session.execute(select(Receipt).where(Receipt.created_at >= start, Receipt.created_at < end)
                                  .order_by(Receipt.id)).unique().scalars()
    out = []
    for receipt in receipts:
        lots = db.session.execute(select(Inspection).where(Inspection.receipt_id == receipt.id)
                                  .order_by(Inspection.id)).scalars()
        out.append({
            "receipt": receipt.id, "po": receipt.po.number, "supplier": receipt.po.supplier.code,
            "status": receipt.status, "received_by": _user(receipt.created_by),
            "confirmed_by": _user(receipt.confirmed_by),
            "confirmed_at": receipt.confirmed_at.isoformat() + "Z" if receipt.confirmed_at else None,
            "lots": [{"lot": view["lot"], "sku": view["sku"], "qty": view["lot_qty"], "status": view["status"],
                      "policy": view["plan"]["policy"], "inspected": view["inspected"] + view["flagged_inspected"],
                      "defects": view["defects"] + view["flagged_defects"],
                      "decided_by": _user(i.decided_by)}
                     for i in lots for view in [inspections.inspection_view(i)]]})
    return out


def same_day_clearing(day: date) -> dict:
    """Receipts of the day that are not yet fully posted: counts not signed, lots not decided,
    units not put away (so not yet in the ledger). Books and bins must agree by the evening."""
    start, end = _day(day)
    open_counts = db.session.execute(select(Receipt).where(
        Receipt.created_at >= start, Receipt.created_at < end, Receipt.status == "counting")).unique().scalars()
    undecided = db.session.execute(select(Inspection).join(Receipt, Receipt.id == Inspection.receipt_id).where(
        Receipt.created_at >= start, Receipt.created_at < end, Inspection.status == "open")).scalars()
    not_put_away = db.session.execute(
        select(PutawayTask, Lot.code, Item.sku).join(Lot, Lot.id == PutawayTask.lot_id)
        .join(Item, Item.id == PutawayTask.item_id).join(Receipt, Receipt.id == Lot.receipt_id)
        .where(Receipt.created_at >= start, Receipt.created_at < end, PutawayTask.status == "open")).all()
    pending = {
        "counts_not_signed": [{"receipt": r.id, "po": r.po.number, "by": _user(r.created_by)} for r in open_counts],
        "lots_not_decided": [{"inspection": i.id, "lot_qty": i.lot_qty} for i in undecided],
        "units_not_put_away": [{"lpn": f"LPN-{t.id:06d}", "lot": lot, "sku": sku, "qty": t.qty, "zone": t.zone}
                               for t, lot, sku in not_put_away],
    }
    return {"date": day.isoformat(), "cleared": not any(pending.values())} | pending


def supplier_quality() -> list[dict]:
    """Per supplier: lots decided, units sampled, defects, rejections, the seed rate it would get
    now, and the ISO switching state per item family."""
    stats: dict[int, dict] = defaultdict(lambda: {"lots": 0, "sampled": 0, "defects": 0, "rejected": 0})
    rows = db.session.execute(
        select(Lot.supplier_id, Inspection.status, func.count(Inspection.id),
               func.sum(Inspection.inspected + Inspection.flagged_inspected),
               func.sum(Inspection.defects + Inspection.flagged_defects))
        .join(Lot, Lot.id == Inspection.lot_id).where(Inspection.status != "open")
        .group_by(Lot.supplier_id, Inspection.status)).all()
    for supplier_id, status, lots, sampled, defects in rows:
        entry = stats[supplier_id]
        entry["lots"] += lots
        entry["sampled"] += int(sampled or 0)
        entry["defects"] += int(defects or 0)
        entry["rejected"] += lots if status == "rejected" else 0
    by_month: dict[int, dict[str, dict]] = defaultdict(dict)
    decided = db.session.execute(
        select(Lot.supplier_id, Inspection.decided_at, Inspection.status,
               Inspection.inspected + Inspection.flagged_inspected, Inspection.defects + Inspection.flagged_defects)
        .join(Lot, Lot.id == Inspection.lot_id).where(Inspection.status != "open")
        .order_by(Inspection.decided_at)).all()
    for supplier_id, decided_at, status, sampled, defects in decided:
        month = by_month[supplier_id].setdefault(f"{decided_at:%Y-%m}", {"lots": 0, "sampled": 0, "defects": 0,
                                                                           "rejected": 0})
        month["lots"] += 1
        month["sampled"] += sampled
        month["defects"] += defects
        month["rejected"] += status == "rejected"
    report = []
    for supplier in db.session.execute(select(Supplier).order_by(Supplier.code)).scalars():
        states = db.session.execute(select(SupplierQuality).where(SupplierQuality.supplier_id == supplier.id)).scalars()
        entry = stats[supplier.id]
        report.append({
            "supplier": supplier.code, "name": supplier.name, **entry,
            "defect_rate": round(entry["defects"] / entry["sampled"], 4) if entry["sampled"] else None,
            "seed_rate": inspections.sampling.supplier_rate(inspections.supplier_history(supplier.id),
                                                            inspections.seed_policy()),
            "switching": [{"product_id": q.product_id} | json.loads(q.switching_json) for q in states],
            "by_month": [{"month": m} | v for m, v in by_month[supplier.id].items()],
            "open_pos": db.session.execute(select(func.count(PurchaseOrder.id)).where(
                PurchaseOrder.supplier_id == supplier.id, PurchaseOrder.status == "open")).scalar()})
    return report
