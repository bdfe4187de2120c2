"""Supervisor pages for receiving: open POs, today's receipts and signatures, lots waiting for
inspection, what a sampling plan protects (OC chart), supplier quality, same-day clearing."""
from __future__ import annotations

from datetime import date

from flask import flash, redirect, render_template, request, url_for

from server.domain import roles, sampling
from server.domain.errors import WmsError, Words
from server.services import transaction
from server.services.catalogue import suppliers as supplier_master
from server.services.printing import item_labels
from server.services.receiving import inspection
from server.services.receiving import inbound
from server.services.reports import day_end, report_queries
from server.web.common import attempt, page, sup
from server.web.charts import oc_chart


@sup.get("/receiving")
@page("floor.supervise")
def receiving_overview(actor):
    pos = inbound.open_pos()
    return render_template("receiving.html", actor=actor, pos=[inbound.po_view(po) for po in pos],
                           suppliers=inbound.suppliers_to_order_from(),
                           receipts=report_queries.receipts_of(date.today()),
                           waiting=[inspection.inspection_view(i) for i in inspection.open_inspections()],
                           clearing=report_queries.same_day_clearing(date.today()),
                           to_label=_to_label(), printers=item_labels.label_printers(),
                           can_print=roles.can(actor.role or "", "labels.print"))


def _to_label() -> list[dict]:
    """Today's receipts with units that arrive unlabelled: what receiving must label, per receipt."""
    out = []
    for row in report_queries.receipts_of(date.today()):
        lines = [ln for ln in item_labels.receipt_labels_view(inbound.get_receipt(row["receipt"])) if ln["unlabelled"]]
        if lines:
            out.append({"receipt": row["receipt"], "po": row["po"], "supplier": row["supplier"], "lines": lines})
    return out


@sup.post("/receipts/<int(max=2147483647):receipt_id>/item-labels")
@page("labels.print")
def print_receipt_labels_page(actor, receipt_id: int):
    """The receiving page's form: a label for each unit of the receipt that arrives unlabelled."""
    try:
        jobs = item_labels.print_receipt_labels(receipt_id, request.form.get("printer", ""), actor)
        transaction.commit_and_notify()
    except WmsError as error:
        transaction.rollback()
        flash(error.message())
        return redirect(url_for("supervisor.receiving_overview") + "#to-label")
    labels = sum(job.zpl.count("^XA") for job in jobs)
    flash({"en": f"Receipt {receipt_id}: {labels} item label(s) sent to {jobs[0].printer.code}.",
           "zh": f"收货单 {receipt_id}：已将 {labels} 张货品标签发送到 {jobs[0].printer.code}。"}, "ok")
    return redirect(url_for("supervisor.receiving_overview") + "#to-label")


def comparison(lot_size: int, applied: dict | None, aql: float, level: str) -> dict:
    """The applied plan next to the customer's rule and the ISO plan, on one OC chart."""
    rules = inspection.seed_policy()
    candidates: list[tuple[str, sampling.Plan]] = []
    if applied is not None:
        candidates.append(("Applied to this lot · 本批采用", sampling.plan_from_dict(applied)))
    if applied is None or applied["policy"] != "seed":
        candidates.append(("Customer rule · 客户规则 (10 % → 30 %)",
                           sampling.seed_plan(lot_size, rules.base_rate, rules)))
    if applied is None or applied["policy"] != "iso2859":
        candidates.append((f"ISO 2859-1 {level} AQL {aql:g} · 国标抽样",
                           sampling.iso_single_plan(lot_size, aql, level)))
    rows = []
    for label, plan in candidates:
        curve = sampling.oc_curve(plan)
        rows.append({"label": label, "plan": plan.as_dict(), "curve": curve.as_dict(),
                     "pa_5": curve.pa_at(0.05), "pa_20": curve.pa_at(0.20), "lq10": curve.lq10,
                     "inspected_1": curve.expected_at(0.01),
                     "en": sampling.describe(curve, "en"), "zh": sampling.describe(curve, "zh")})
    return {"rows": rows, "chart": oc_chart([(r["label"], r["curve"]) for r in rows])}


@sup.get("/inspections/<int:inspection_id>")
@page("floor.supervise")
def inspection_page(actor, inspection_id: int):
    view = inspection.inspection_view(inspection.get_inspection(inspection_id))
    config = inbound.settings()["sampling"]
    plan = view["plan"] if view["plan"]["policy"] != "none" else None
    lot_size = plan["lot_size"] if plan else max(view["lot_qty"], 1)
    return render_template("inspection.html", actor=actor, view=view,
                           compare=comparison(lot_size, plan, float(config.get("aql", 1.0)),
                                              config.get("level", "II")))


@sup.get("/sampling")
@page("floor.supervise")
def sampling_page(actor):
    """Compare the customer's rule and an ISO plan for any lot size (a what-if for supervisors)."""
    try:
        lot_size = max(1, min(int(request.args.get("lot_size", 1000)), 500_000))
    except ValueError:
        raise WmsError("bad_request", detail=Words("the lot size is a whole number of units", "批量须为整数（件数）")) \
            from None
    try:
        aql = float(request.args.get("aql", 1.0))
    except ValueError:
        raise WmsError("bad_request", detail=Words("the AQL is a number, such as 1.0", "AQL 须为数字，如 1.0")) \
            from None
    level = request.args.get("level", "II")
    try:
        compare = comparison(lot_size, None, aql, level)
    except ValueError as error:  # the standard's own refusal: an AQL or an inspection level it does not list
        raise WmsError("bad_request", detail=Words.of(error, "抽样方案的参数有误")) from None
    return render_template("sampling.html", actor=actor, lot_size=lot_size, aql=aql, level=level,
                           levels=sampling.LEVELS, aqls=sampling.AQLS, compare=compare)


@sup.get("/suppliers")
@page("floor.supervise")
def suppliers_page(actor):
    return suppliers_view(actor)


def suppliers_view(actor, result: dict | None = None, status: int = 200):
    """Supplier quality, and the suppliers' master (add, edit, import: server/web/people.py acts on it)."""
    report = report_queries.supplier_quality()
    for row in report:
        row["switching_text"] = ", ".join(f"{s['state']}" for s in row["switching"]) or "—"
    q = request.values.get("q", "").strip()
    return render_template("suppliers.html", actor=actor, report=report, q=q,
                           suppliers=[supplier_master.supplier_view(s) for s in supplier_master.list_suppliers(q)],
                           may_manage=roles.can(actor.role or "", "master.manage"), result=result,
                           unlabelled=item_labels.unlabelled_suppliers(),
                           import_action=url_for("supervisor.suppliers_import")), status


@sup.get("/clearing")
@page("floor.supervise")
def clearing_page(actor):
    day = date.fromisoformat(request.args["date"]) if request.args.get("date") else date.today()
    return render_template("clearing.html", actor=actor, clearing=report_queries.same_day_clearing(day))


@sup.get("/day-end")
@page("reports.view")
def day_end_page(actor):
    """Day-end (当日清): what is not cleared, wherever it was started, with its age; printable."""
    return render_template("day_end.html", actor=actor, report=day_end.day_end())


@sup.post("/purchase-orders")
@page("journey.receive")
def create_po_page(actor):
    """A purchase order typed on the receiving page: supplier, expected date, `SKU quantity` per line."""
    form = request.form
    expected = form.get("expected_on") or None  # a date field: the browser sends YYYY-MM-DD
    po = attempt(lambda: inbound.create_po(
        form.get("supplier", ""), inbound.parse_po_lines(form.get("lines", "")), actor,
        number=form.get("number") or None, expected_on=_day(expected)))
    if po is None:
        return redirect(url_for("supervisor.receiving_overview") + "#new-po")
    flash({"en": f"Purchase order {po.number} created: scan it on the handheld's Receive to start.",
           "zh": f"采购单 {po.number} 已创建：在手持终端“收货”中扫描该单号开始收货。"}, "ok")
    return redirect(url_for("supervisor.receiving_overview") + "#open-pos")


def _day(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        raise WmsError("bad_request", detail=Words(f"{text} is not a date (YYYY-MM-DD)",
                                                   f"{text} 不是有效日期（YYYY-MM-DD）")) from None
