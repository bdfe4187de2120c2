"""Supervisor report pages: each has its filters, charts drawn on the server as inline SVG, the table,
and a CSV export of that table (`?format=csv`, the same rows, UTF-8 with a BOM for Excel)."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from flask import Response, render_template, request, url_for

from server.domain.errors import WmsError, Words
from server.services.inventory import shelf_life
from server.web.language import t
from server.services.reports import report_queries
from server.services.reports.report_queries import Column, Period
from server.web.common import page, sup
from server.web.charts import bar_chart, line_chart

PERIOD_DAYS = (7, 30, 90, 365)
STOCK_AXIS = {"item": "SKU · 商品编码", "bin": "Bin · 货位", "zone": "Zone · 库区"}

# The index lists every report; same-day clearing is the receiving page that already exists.
INDEX = (
    ("supervisor.reports_stock", "Stock on hand", "在库库存",
     "Units and value in storage bins by item, bin, zone or lot age; stock in totes, parcels, transit, "
     "quarantine and hold. · 按货品/货位/库区/库龄统计件数与金额，另列在途与待处理库存。"),
    ("supervisor.reports_turnover", "Stock turnover", "库存周转率",
     "Units issued ÷ average daily stock on hand, and days of supply, per item. · 出库件数 ÷ 日均库存，可供天数。"),
    ("supervisor.reports_suppliers", "Supplier quality by month", "供应商质量（按月）",
     "Defect rate, sampling rate and rejected lots from receiving inspections. · "
     "来料检验的不合格率、抽检比例与拒收批。"),
    ("supervisor.reports_picking", "Picking productivity", "拣货效率",
     "Lines and units per hour per picker and wave; short-pick rate. · 每人每波次的行/小时、件/小时与短拣率。"),
    ("supervisor.reports_returns", "Returns", "退货",
     "Return rate by reason and item (returned ÷ shipped) and what returns cost. · 按原因与货品的退货率及成本。"),
    ("supervisor.reports_exceptions", "Open exceptions", "待处理异常",
     "Short picks, holds, rejected lots, escalated returns, low stock, count variances, waiting print jobs. "
     "· 短拣、暂缓、拒收、升级退货、库存预警、盘点差异、打印等待。"),
    ("supervisor.reports_expiry", "Lots by days to expiry", "批次效期",
     "Lots in the warehouse soonest to expire first: days left, units, blocked ones; near-expiry alerts. · "
     "按剩余天数列出在库批次（临期在前），含件数与冻结状态。"),
    ("supervisor.day_end_page", "Day-end", "当日清",
     "Everything not cleared, wherever it was started, with its age; printable. · 所有未清事项及其时长，可打印。"),
    ("supervisor.clearing_page", "Same-day clearing of receipts", "收货当日清账",
     "Receipts of a day not yet signed, decided or put away. · 当日收货未签字、未判定或未上架的清单。"),
)


@dataclass(frozen=True)
class Table:
    name: str
    en: str
    zh: str
    columns: list[Column]
    rows: list[dict]

    @property
    def csv_url(self) -> str:
        return url_for(request.endpoint, **(request.args.to_dict() | {"format": "csv", "table": self.name}))


def _date_arg(name: str) -> date | None:
    text = request.args.get(name, "").strip()
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        raise WmsError("bad_request", detail=Words(f"{name} must be a date like 2026-11-01",
                                                   f"{name} 须为日期（如 2026-11-01）")) from None


def _period(default_days: int) -> Period:
    """`from`/`to` (dates) win over `days` (7, 30, 90 or 365)."""
    days = request.args.get("days", type=int) or default_days
    return report_queries.period(days if days in PERIOD_DAYS else default_days, _date_arg("from"), _date_arg("to"))


def _period_filters(span: Period, default_days: int) -> list[dict]:
    custom = bool(request.args.get("from") or request.args.get("to"))
    chosen = "" if custom else str(request.args.get("days", type=int) or default_days)
    return [{"name": "days", "label": "Last · 最近", "kind": "select", "value": chosen,
             "options": [("", "from … to · 自定义")] + [(str(d), f"{d} days · {d}天") for d in PERIOD_DAYS]},
            {"name": "from", "label": "From · 从", "kind": "date", "value": span.start.isoformat() if custom else ""},
            {"name": "to", "label": "To · 到", "kind": "date", "value": span.end.isoformat() if custom else ""}]


def _select(name: str, label: str, options: list[tuple[str, str]], everything: str = "All · 全部") -> dict:
    return {"name": name, "label": label, "kind": "select", "value": request.args.get(name, ""),
            "options": [("", everything)] + options}


def _csv(table: Table) -> Response:
    filename = f"{request.endpoint.rsplit('.', 1)[-1]}-{table.name}-{date.today().isoformat()}.csv"
    return Response(report_queries.to_csv(table.columns, table.rows).encode("utf-8"),
                    mimetype="text/csv", content_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


def respond(actor, title: tuple[str, str], tables: list[Table], charts: list[dict], filters: list[dict],
            summary: Sequence[tuple[str, str]] = (), notes: Sequence[str] = ()):
    """The page, or with `format=csv` the CSV of one of its tables (`table=…`, the first by default)."""
    if request.args.get("format") == "csv":
        wanted = request.args.get("table") or tables[0].name
        table = next((t for t in tables if t.name == wanted), None)
        if table is None:
            raise WmsError("not_found", what=f"table {wanted}")
        return _csv(table)
    return render_template("reports_page.html", actor=actor, title=title, tables=tables, charts=charts,
                           filters=filters, summary=summary, notes=notes)


def _labels(rows: list[dict], key: str) -> list[str]:
    return [str(r[key]) for r in rows]


def percent(value: float) -> str:
    return f"{value * 100:.1f} %"


def yuan(cents: float) -> str:
    return f"¥{cents / 100:,.0f}"


@sup.get("/reports/")
@page("reports.view")
def reports_index(actor):
    return render_template("reports_index.html", actor=actor,
                           reports=[{"url": url_for(endpoint), "en": en, "zh": zh, "what": what}
                                    for endpoint, en, zh, what in INDEX])


@sup.get("/reports/stock")
@page("reports.view")
def reports_stock(actor):
    by = request.args.get("by", "item")
    zone, warehouse = request.args.get("zone") or None, request.args.get("warehouse") or None
    rows = report_queries.stock_on_hand(by, zone=zone, warehouse=warehouse)
    in_process = report_queries.in_process_stock(warehouse)
    key = {"item": "sku", "bin": "bin", "zone": "zone", "age": "age"}.get(by, "sku")
    if by == "age":
        on_hand = bar_chart(("Stock on hand by lot age", "按库龄的在库件数"), _labels(rows, "age"),
                            [("Units · 件数", [r["units"] for r in rows])],
                            x_label="Lot age, days · 库龄（天）", y_label="Units · 件")
    else:
        ages = [(f"{label} d · {label} 天", [r[f"age {label}"] for r in rows])
                for label, *_ in report_queries.AGE_BUCKETS]
        on_hand = bar_chart((f"Stock on hand by {by}, split by lot age", "在库件数（按库龄分段）"), _labels(rows, key),
                            ages, stacked=True, x_label=STOCK_AXIS[by], y_label="Units · 件")
    process = bar_chart(("Stock in process (not on the shelf)", "在途及待处理库存"),
                        [r["kind"] for r in in_process], [("Units · 件数", [r["units"] for r in in_process])],
                        x_label="Where · 位置", y_label="Units · 件")
    zones = report_queries.storage_zones()
    houses = report_queries.warehouses()
    filters = [{"name": "by", "label": "Group by · 分组", "kind": "select", "value": by,
                "options": [("item", "Item · 货品"), ("bin", "Bin · 货位"), ("zone", "Zone · 库区"),
                            ("age", "Lot age · 库龄")]},
               _select("zone", "Zone · 库区", [(z, z) for z in zones]),
               _select("warehouse", "Warehouse · 仓库", [(w, w) for w in houses])]
    summary = [("Units on hand · 在库件数", f"{sum(r['units'] for r in rows):,}"),
               ("Value · 金额", yuan(sum(r["value_cents"] for r in rows))),
               ("Units in process · 在途/待处理", f"{sum(r['units'] for r in in_process):,}")]
    return respond(actor, ("Stock on hand", "在库库存"),
                   [Table("on_hand", "On hand (storage bins)", "在库（存储货位）", report_queries.stock_columns(by),
                          rows),
                    Table("in_process", "In process", "在途及待处理", report_queries.IN_PROCESS_COLUMNS, in_process)],
                   [on_hand, process], filters, summary,
                   ["Value = units × the item's unit cost. Lot age = days since the lot was received. Only storage "
                    "bins count as on hand; totes, parcels, transit, quarantine and hold are listed apart. · "
                    "金额 = 件数 × 单位成本；库龄 = 收货至今天数；仅存储货位计为在库。"])


@sup.get("/reports/turnover")
@page("reports.view")
def reports_turnover(actor):
    span = _period(30)
    data = report_queries.stock_turnover(span)
    rows, totals = data["rows"], data["totals"]
    ranked = [r for r in rows if r["turnover"]]  # items that did not move have no bar to draw
    by_item = bar_chart(("Turnover by item", "按货品的库存周转率"), _labels(ranked, "sku"),
                        [("Turnover · 周转率", [r["turnover"] for r in ranked])], integer=False,
                        fmt=lambda v: f"{v:.2f}", x_label="SKU · 商品编码", y_label="Times in the period · 次")
    daily = line_chart(("Daily closing stock on hand", "每日日末库存"), [d["date"][5:] for d in data["daily"]],
                       [("Closing stock · 日末库存", [d["closing"] for d in data["daily"]]),
                        ("Average · 平均", [totals["avg_on_hand"]] * len(data["daily"])),
                        (f"Issued ({data['basis']}) · 出库", [d["issued"] for d in data["daily"]])],
                       integer=True, fmt=lambda v: f"{v:,.0f}", x_label="Day (UTC) · 日期（UTC）", y_label="Units · 件")
    basis = {"ship": "shipped · 交接发出", "pick": "picked (no handover yet) · 拣货出库"}[data["basis"]]
    summary = [("Period · 期间", span.label), ("Units issued = · 出库口径", basis),
               ("Units issued · 出库件数", f"{totals['issued']:,}"),
               ("Average stock · 平均库存", f"{totals['avg_on_hand']:,.2f}"),
               ("Turnover · 周转率", f"{totals['turnover']:.2f}" if totals["turnover"] is not None else "—"),
               ("Days of supply · 可供天数", f"{totals['days_of_supply']:.1f}" if totals["days_of_supply"] else "—")]
    return respond(actor, ("Stock turnover", "库存周转率"),
                   [Table("turnover", "By item", "按货品", report_queries.TURNOVER_COLUMNS, rows)],
                   [by_item, daily], _period_filters(span, 30), summary,
                   ["Turnover = units issued in the period ÷ average stock on hand, where the average is the mean of "
                    "each day's closing stock in storage bins, recomputed from the ledger. Days of supply = average "
                    "stock ÷ units issued per day. Per year = turnover × 365 ÷ days in the period. Units issued are "
                    "units shipped at handover (ledger `ship`); while nothing was handed over in the period, units "
                    "picked off the shelves (`pick`) instead. · 周转率 = 期间出库"
                    "件数 ÷ 日均库存（按台账重算每日日末在库）；可供天数 = 平均库存 ÷ 日均出库。"])


@sup.get("/reports/suppliers")
@page("reports.view")
def reports_suppliers(actor):
    span = _period(365)
    supplier = request.args.get("supplier") or None
    rows = report_queries.supplier_quality_by_month(span, supplier)
    months = report_queries.quality_by_month_totals(rows)
    rates = line_chart(("Defect rate and sampling rate by month", "按月不合格率与抽检比例"), _labels(months, "month"),
                       [("Defect rate · 不合格率", [m["defect_rate"] for m in months]),
                        ("Sampling rate · 抽检比例", [m["sampling_rate"] for m in months])],
                       fmt=percent, x_label="Month decided · 判定月份", y_label="Share · 比例")
    lots = bar_chart(("Lots decided by month", "按月判定批数"), _labels(months, "month"),
                     [("Accepted · 接收", [m["lots"] - m["rejected"] for m in months]),
                      ("Rejected · 拒收", [m["rejected"] for m in months])],
                     stacked=True, x_label="Month decided · 判定月份", y_label="Lots · 批")
    codes = report_queries.supplier_choices()
    return respond(actor, ("Supplier quality by month", "供应商质量（按月）"),
                   [Table("by_month", "By month and supplier", "按月、按供应商", report_queries.QUALITY_COLUMNS, rows)],
                   [rates, lots], _period_filters(span, 365) + [
                       _select("supplier", "Supplier · 供应商", [(c, f"{c} {n}") for c, n in codes]) | {"data": True}],
                   [("Period · 期间", span.label)],
                   ["Defect rate = defects ÷ units sampled (flagged cartons included); sampling rate = units sampled "
                    "÷ units in the lots; a lot counts in the month it was decided. · 不合格率 = 残次 ÷ 抽检件数；"
                    "抽检比例 = 抽检件数 ÷ 来货件数；按判定月份统计。"])


@sup.get("/reports/picking")
@page("reports.view")
def reports_picking(actor):
    span = _period(7)
    wave = request.args.get("wave", type=int)
    data = report_queries.picking_productivity(span, wave)
    pickers = data["pickers"]
    rates = bar_chart(("Lines and units per hour by picker", "每人每小时拣货行数与件数"), _labels(pickers, "picker"),
                      [("Lines / hour · 行/小时", [p["lines_per_hour"] for p in pickers]),
                       ("Units / hour · 件/小时", [p["units_per_hour"] for p in pickers])],
                      integer=False, fmt=lambda v: f"{v:,.1f}", x_label="Picker · 拣货员", y_label="Per hour · 每小时")
    filters = _period_filters(span, 7) + [{"name": "wave", "label": "Wave · 波次", "kind": "number",
                                           "value": request.args.get("wave", "")}]
    return respond(actor, ("Picking productivity", "拣货效率"),
                   [Table("by_wave", "By wave and picker", "按波次、按拣货员", report_queries.PRODUCTIVITY_COLUMNS,
                          data["rows"]),
                    Table("by_picker", "By picker", "按拣货员", report_queries.PICKER_COLUMNS, pickers)],
                   [rates], filters, [("Period · 期间", span.label)],
                   ["Pick lists claimed in the period. Hours = from the claim to the list's last stock movement "
                    "(pick, or the count of a short stop). Lines = stops finished; short-pick rate = short stops ÷ "
                    "stops finished. · 工时 = 领取拣货单至最后一次拣货；短拣率 = 短拣行 ÷ 完成行。"])


@sup.get("/reports/returns")
@page("reports.view")
def reports_returns(actor):
    span = _period(30)
    data = report_queries.returns_report(span)
    reasons, totals = data["by_reason"], data["totals"]
    units = bar_chart(("Units returned by reason", "按原因的退货件数"), _labels(reasons, "reason"),
                      [("Units · 件数", [r["units"] for r in reasons])], x_label="Reason · 原因", y_label="Units · 件")
    cost = bar_chart(("Cost of returns by reason", "按原因的退货成本"), _labels(reasons, "reason"),
                     [("Shipping · 运费", [r["shipping_cents"] for r in reasons]),
                      ("Handling · 处理", [r["handling_cents"] for r in reasons]),
                      ("Write-off · 报废", [r["write_off_cents"] for r in reasons])],
                     stacked=True, integer=False, fmt=yuan, x_label="Reason · 原因", y_label="Cost ¥ · 成本（元）")
    summary = [("Period · 期间", span.label), ("Cases · 退货单", f"{totals['cases']:,}"),
               ("Units returned · 退回件数", f"{totals['units']:,}"),
               ("Units shipped · 发出件数", f"{totals['units_shipped']:,}"),
               ("Return rate · 退货率", percent(totals["return_rate"]) if totals["return_rate"] is not None else "—"),
               ("Cost · 成本", yuan(totals["total_cents"]))]
    return respond(actor, ("Returns", "退货"),
                   [Table("by_reason", "By reason", "按原因", report_queries.RETURN_REASON_COLUMNS, reasons),
                    Table("by_item", "By item", "按货品", report_queries.RETURN_ITEM_COLUMNS, data["by_item"])],
                   [units, cost], _period_filters(span, 30), summary,
                   ["Return rate = units returned (cases received in the period, not cancelled) ÷ units shipped at "
                    "handover in the same period. Cost = shipping + handling (first to last inspection scan at the "
                    "hourly rate) + write-off of scrapped units at unit cost. · 退货率 = 退回件数 ÷ 同期发出件数；"
                    "成本 = 运费 + 处理工时费 + 报废货值。"])


@sup.get("/reports/exceptions")
@page("reports.view")
def reports_exceptions(actor):
    kind = request.args.get("kind") or None
    rows = report_queries.open_exceptions(kind=kind)
    counts = [c for c in report_queries.exception_counts(rows) if kind in (None, c["kind"])]
    chart = bar_chart(("Open exceptions by kind", "按类别的待处理异常"), [c["kind"] for c in counts],
                      [("Open · 待处理", [c["count"] for c in counts])], x_label="Kind · 类别", y_label="Open · 件")
    options = [(k, f"{en} · {zh}") for k, (en, zh) in report_queries.EXCEPTION_KINDS.items()]
    return respond(actor, ("Open exceptions", "待处理异常"),
                   [Table("exceptions", "Waiting for a supervisor", "待主管处理", report_queries.EXCEPTION_COLUMNS,
                          rows)],
                   [chart], [_select("kind", "Kind · 类别", options)],
                   [(c["what"], str(c["count"])) for c in counts],
                   ["Short picks of orders not yet shipped; orders on hold; rejected lots (going back to the "
                    "supplier); escalated return cases not done; open low-stock and replenishment alerts; count "
                    "lines waiting for a recount or approval; print jobs waiting (with the printer's reason); today's "
                    "receipts not cleared. · 各类待处理异常一览。"])


EXPIRY_BUCKETS = (("expired", ("expired", "已过期"), None, -1), ("0-7", ("0–7 days", "0–7 天"), 0, 7),
                  ("8-30", ("8–30 days", "8–30 天"), 8, 30), ("31-90", ("31–90 days", "31–90 天"), 31, 90),
                  ("90+", ("> 90 days", "> 90 天"), 91, None))
EXPIRY_COLUMNS = [Column("sku", "SKU", "货品"), Column("lot", "Lot", "批次"), Column("expiry", "Expiry", "有效期至"),
                  Column("days_left", "Days left", "剩余天数", "int"), Column("qty", "Units", "件数", "int"),
                  Column("bins", "Bins", "货位数", "int"), Column("blocked", "Blocked", "冻结")]


@sup.get("/reports/expiry")
@page("reports.view")
def reports_expiry(actor):
    within = request.args.get("within", type=int)
    rows = [r | {"expiry": r["expiry"].isoformat(), "blocked": r["blocked"] or ""}
            for r in shelf_life.lots_by_expiry(within)]
    units = [sum(r["qty"] for r in rows
                 if (low is None or r["days_left"] >= low) and (high is None or r["days_left"] <= high))
             for _, _, low, high in EXPIRY_BUCKETS]
    chart = bar_chart(("Units by days to expiry", "按剩余天数的件数"), [t(*label) for _, label, _, _ in EXPIRY_BUCKETS],
                      [("Units · 件数", units)], x_label="Days to expiry · 剩余天数", y_label="Units · 件")
    filters = [{"name": "within", "label": "Expiring within · 到期于", "kind": "select",
                "value": request.args.get("within", ""),
                "options": [("", "any time · 不限")] + [(str(d), f"{d} days · {d}天") for d in (7, 30, 90, 180)]}]
    summary = [("Lots · 批次", f"{len(rows):,}"), ("Expired units · 已过期件数", f"{units[0]:,}"),
               ("Within 30 days · 30天内到期", f"{units[1] + units[2]:,}")]
    return respond(actor, ("Lots by days to expiry", "批次效期"),
                   [Table("lots", "Lots with an expiry", "有效期批次", EXPIRY_COLUMNS, rows)], [chart], filters,
                   summary, ["Expired lots are never allocated; each server blocks them on the day they expire and "
                             "makes the tasks that move their units to quarantine. · "
                             "过期批次不会分配；到期当日自动冻结并生成移入次品区的任务。"])
