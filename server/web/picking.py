"""Supervisor dashboard for picking: waves and their pick lists with live progress per picker and
tote, the exceptions queue (short lines, holds, orders stopped at review), books against bins."""
from __future__ import annotations

import json

from flask import render_template

from server.services.inventory import alerts, shelf_life
from server.services.orders import sales_orders
from server.services.picking import pick_lists, pick_state, waves
from server.services.inventory import stock
from server.web.common import page, sup


def dashboard_data() -> dict:
    lists = []
    ids = waves.recent_pick_list_ids(10)
    for view in pick_state.views(list(ids)):
        totes = {}
        for stop in view["stops"]:
            tote = totes.setdefault(stop["tote"], {"order": stop["order"], "stops": 0, "done": 0})
            tote["stops"] += 1
            tote["done"] += stop["status"] != "open"
        lists.append(view | {"done": sum(s["status"] != "open" for s in view["stops"]), "totes_progress": totes})
    shorts = pick_lists.short_picks(50)
    held = sales_orders.held_orders()
    stopped = sales_orders.stopped_orders(50)
    return {"lists": lists,
            "shorts": [{"bin": b, "sku": sku, "order": number, "qty": t.qty} for t, b, sku, number in shorts],
            "held": [{"order": o.number, "reason": o.hold_reason} for o in held],
            "stopped": [{"order": o.number, "reasons": [r["message"] for r in json.loads(o.review_json)]}
                        for o in stopped],
            "disagreements": len(stock.books_disagreements()),
            "alerts": alerts.open_alerts(),
            "near_expiry": shelf_life.near_expiry()}


@sup.get("/picking")
@page("floor.supervise")
def picking_dashboard(actor):
    return render_template("picking.html", actor=actor, data=dashboard_data())


@sup.get("/picking/live")
@page("floor.supervise")
def picking_live(actor):
    """The dashboard's changing part, fetched again whenever the floor reports progress."""
    return render_template("_picking_live.html", data=dashboard_data())
