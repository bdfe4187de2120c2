"""Supervisor dashboard for picking: waves and their pick lists with live progress per picker and
tote, the exceptions queue (short lines, holds, orders stopped at review), books against bins."""
from __future__ import annotations

import json

from flask import render_template
from sqlalchemy import select

from server.db.models import Bin, Item, PickList, PickTask, SalesOrder, Wave
from server.extensions import db
from server.services.inventory import alerts
from server.services.picking import pick_state
from server.services.inventory import stock
from server.web import page, sup


def dashboard_data() -> dict:
    recent = db.session.execute(select(Wave).order_by(Wave.id.desc()).limit(10)).scalars().all()
    lists = []
    ids = db.session.execute(select(PickList.id).where(PickList.wave_id.in_([w.id for w in recent]))
                             .order_by(PickList.wave_id.desc(), PickList.seq)).scalars().all()
    for view in pick_state.views(list(ids)):
        totes = {}
        for stop in view["stops"]:
            tote = totes.setdefault(stop["tote"], {"order": stop["order"], "stops": 0, "done": 0})
            tote["stops"] += 1
            tote["done"] += stop["status"] != "open"
        lists.append(view | {"done": sum(s["status"] != "open" for s in view["stops"]), "totes_progress": totes})
    shorts = db.session.execute(
        select(PickTask, Bin.code, Item.sku, SalesOrder.number).join(Bin, Bin.id == PickTask.bin_id)
        .join(Item, Item.id == PickTask.item_id).join(SalesOrder, SalesOrder.id == PickTask.order_id)
        .where(PickTask.status == "short").order_by(PickTask.id.desc()).limit(50)).all()
    held = db.session.execute(select(SalesOrder).where(SalesOrder.status == "on_hold")).scalars().all()
    stopped = db.session.execute(select(SalesOrder).where(SalesOrder.status == "pending_review",
                                                          SalesOrder.review_json != "[]").limit(50)).scalars().all()
    return {"lists": lists,
            "shorts": [{"bin": b, "sku": sku, "order": number, "qty": t.qty} for t, b, sku, number in shorts],
            "held": [{"order": o.number, "reason": o.hold_reason} for o in held],
            "stopped": [{"order": o.number, "reasons": [r["code"] for r in json.loads(o.review_json)]}
                        for o in stopped],
            "disagreements": len(stock.books_disagreements()),
            "alerts": alerts.open_alerts()}


@sup.get("/picking")
@page("floor.supervise")
def picking_dashboard(actor):
    return render_template("picking.html", actor=actor, data=dashboard_data())


@sup.get("/picking/live")
@page("floor.supervise")
def picking_live(actor):
    """The dashboard's changing part, fetched again whenever the floor reports progress."""
    return render_template("_picking_live.html", data=dashboard_data())
