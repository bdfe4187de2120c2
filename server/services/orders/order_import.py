"""Orders from marketplace exports: the Taobao/Tmall seller export pair (GBK) and a generic CSV.
A file that cannot be read as a whole imports nothing, every bad row named; orders the business
must stop (unpaid, closed, unknown SKU, no address) are imported *stopped*, with their reason."""
from __future__ import annotations

import csv
import io
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from server.services.imports.files import decode_text  # marketplace exports: GBK (Taobao) or UTF-8
from server.services.orders import sales_orders
from server.services.people.auth import Actor
from server.services.orders.sales_orders import NewLine
from server.domain import order_numbers
from server.domain.errors import WmsError, Words
from server.domain.stock import quantity
from server.extensions import db

TAOBAO_PAID = "买家已付款，等待卖家发货"
TAOBAO_UNPAID = "等待买家付款"
TAOBAO_CLOSED = "交易关闭"
TAOBAO_ORDER_COLUMNS = ("订单编号", "订单状态", "收货人姓名", "收货地址", "联系手机", "订单付款时间", "物流公司")
TAOBAO_ITEM_COLUMNS = ("订单编号", "购买数量", "商家编码")
# What a generic CSV's rows of one order must agree on (the lines may differ).
ORDER_COLUMNS = ("customer_name", "phone", "address", "carrier", "paid_at", "priority", "cut_off")
GENERIC_COLUMNS = ("order_no", "channel", "customer_name", "phone", "address", "carrier", "sku", "qty",
                   "paid_at", "priority", "cut_off")


def _rows(text: str, required: tuple[str, ...], name: Words, optional: tuple[str, ...] = ()) -> list[dict]:
    """Each row as {column: stripped text}, of the columns read only (an export has 27 and 双11 100,000 rows:
    building every cell of every row was a third of the check). Blank lines are skipped."""
    reader = csv.reader(io.StringIO(text))
    header = next(reader, [])
    missing = [c for c in required if c not in header]
    if missing:
        columns = ", ".join(missing)
        raise WmsError("bad_request", detail=Words(f"{name.en}: columns missing: {columns}",
                                                   f"{name.zh}缺少列（{columns}）"))
    where = {column: i for i, column in enumerate(header) if column in required or column in optional}
    return [{column: row[i].strip() if i < len(row) else "" for column, i in where.items()} for row in reader if row]


def _phone(text: str) -> str:
    return text.lstrip("'")  # a spreadsheet text guard, not part of the number


def _time(text: str, row: int, problems: list[dict], order: str) -> datetime | None:
    if not text:
        return None
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        problems.append({"row": row, "order": order} |
                        WmsError("bad_request", detail=Words(f"bad time {text}", f"时间 {text} 格式错误")).as_dict())
        return None


def _report(created: list, skipped: list[dict]) -> dict:
    return {"imported": [sales_orders.order_view(o) for o in created], "skipped": skipped,
            "released_ready": [o.number for o in created if o.status == "pending_review" and o.review_json == "[]"],
            "stopped": [{"order": o.number, "reasons": sales_orders.order_view(o)["review"]}
                        for o in created if o.review_json != "[]"]}


@dataclass
class PlannedOrder:
    """One order of a checked file, as create_order takes it; `row` is where the file names it."""

    channel: str
    number: str
    row: int
    lines: list[NewLine]
    fields: dict = field(default_factory=dict)  # create_order's keyword arguments


@dataclass
class Checked:
    """A whole file checked: its orders in file order, and every wrong row (any: nothing may be written)."""

    orders: list[PlannedOrder]
    problems: list[dict]
    rows: int  # order lines in the file


def check_taobao(orders_raw: bytes, items_raw: bytes) -> Checked:
    """The seller back office's order report (one row per order) and item report (one row per
    line; 商家编码 = our SKU)."""
    order_rows = _rows(decode_text(orders_raw), TAOBAO_ORDER_COLUMNS, Words("order report", "订单报表"),
                       ("联系电话", "买家留言"))
    item_rows = _rows(decode_text(items_raw), TAOBAO_ITEM_COLUMNS, Words("item report", "宝贝报表"))
    problems: list[dict] = []
    lines: dict[str, list[NewLine]] = defaultdict(list)
    known = {row["订单编号"] for row in order_rows}
    for n, row in enumerate(item_rows, start=2):
        number = row["订单编号"]
        if number not in known:
            problems.append({"row": n, "order": number, "file": "items"} |
                            WmsError("not_found", what=f"order {number} in the order report").as_dict())
            continue
        try:
            lines[number].append(NewLine(row["商家编码"], quantity(row["购买数量"])))
        except WmsError:
            problems.append({"row": n, "order": number, "file": "items"} |
                            WmsError("bad_quantity", qty=row["购买数量"]).as_dict())
    orders = []
    for n, row in enumerate(order_rows, start=2):
        number, status = row["订单编号"], row["订单状态"]
        if (bad := order_numbers.problem(number)) is not None:
            problems.append({"row": n, "order": number, "file": "orders", "column": "订单编号"} | bad.as_dict())
            continue
        if status not in (TAOBAO_PAID, TAOBAO_UNPAID, TAOBAO_CLOSED):
            problems.append({"row": n, "order": number, "file": "orders"} |
                            WmsError("bad_request", detail=Words(f"unknown order status {status}",
                                                                 f"未知的订单状态 {status}")).as_dict())
            continue
        if not lines.get(number):
            problems.append({"row": n, "order": number, "file": "orders"} |
                            WmsError("bad_request", detail=Words("no lines in the item report",
                                                                 "宝贝报表中没有该订单的商品行")).as_dict())
            continue
        paid_at = _time(row["订单付款时间"], n, problems, number) if status == TAOBAO_PAID else None
        orders.append(PlannedOrder("taobao", number, n, lines[number], dict(
            customer_name=row["收货人姓名"], phone=_phone(row.get("联系手机") or row.get("联系电话", "")),
            address=row["收货地址"], carrier=row["物流公司"], paid_at=paid_at, buyer_note=row.get("买家留言", ""),
            marketplace_status="closed" if status == TAOBAO_CLOSED else None)))
    return Checked(orders, problems, len(item_rows))


def check_generic(raw: bytes) -> Checked:
    """One row per order line: order_no, channel, customer_name, phone, address, carrier, sku (or a
    barcode), qty, paid_at, priority, cut_off (ISO times)."""
    rows = _rows(decode_text(raw), GENERIC_COLUMNS, Words("orders", "订单文件"))
    problems: list[dict] = []
    grouped: dict[tuple[str, str], dict] = {}
    for n, row in enumerate(rows, start=2):
        key = (row["channel"] or "csv", row["order_no"])
        if (bad := order_numbers.problem(row["order_no"])) is not None:
            problems.append({"row": n, "order": row["order_no"], "column": "order_no"} | bad.as_dict())
            continue
        order = grouped.setdefault(key, {"row": n, "head": row, "lines": []})
        differs = [column for column in ORDER_COLUMNS if (row[column] or "") != (order["head"][column] or "")]
        if differs:
            # Two rows of one order number that disagree about the order (another customer, address…):
            # merging them would ship one customer's goods to the other. Refused by row, never merged.
            problems.append({"row": n, "order": row["order_no"]} | WmsError(
                "order_rows_disagree", order=row["order_no"], first_row=order["row"], columns=", ".join(differs))
                .as_dict())
            continue
        try:
            int(row["priority"] or 0)
            qty = int(row["qty"])
        except ValueError:
            problems.append({"row": n, "order": row["order_no"]} |
                            WmsError("bad_request", detail=Words("qty and priority must be whole numbers",
                                                                 "qty 和 priority 必须是整数")).as_dict())
            continue
        try:
            order["lines"].append(NewLine(row["sku"], quantity(qty)))
        except WmsError as error:  # 0 or negative
            problems.append({"row": n, "order": row["order_no"]} | error.as_dict())
    orders = []
    for (channel, number), order in grouped.items():
        head, row = order["head"], order["row"]
        paid_at = _time(head["paid_at"], row, problems, number)
        cut_off = _time(head["cut_off"], row, problems, number)
        if not order["lines"]:
            continue  # its rows are refused above
        orders.append(PlannedOrder(channel, number, row, order["lines"], dict(
            customer_name=head["customer_name"], phone=_phone(head["phone"]), address=head["address"],
            carrier=head["carrier"], paid_at=paid_at, cut_off=cut_off,
            priority=int(head["priority"] or 0) if head["priority"].lstrip("-").isdigit() else 0)))
    return Checked(orders, problems, len(rows))


def _create(checked: Checked, actor: Actor) -> dict:
    """Write a checked file in the request's one transaction (small files; big ones: import_jobs)."""
    problems, created, skipped = list(checked.problems), [], []
    sales_orders.import_rejected_if(problems)
    for order in checked.orders:
        try:
            created.append(sales_orders.create_order(order.channel, order.number, order.lines, actor,
                                                     **order.fields))
        except WmsError as error:
            if error.code == "duplicate_order":
                skipped.append({"order": order.number} | error.as_dict())
            else:
                problems.append({"row": order.row, "order": order.number} | error.as_dict())
    sales_orders.import_rejected_if(problems)
    db.session.commit()
    return _report(created, skipped)


def import_taobao(orders_raw: bytes, items_raw: bytes, actor: Actor) -> dict:
    """The Taobao export pair in one transaction. Orders already imported are skipped, so a re-import is
    harmless."""
    actor.require("orders.manage")
    return _create(check_taobao(orders_raw, items_raw), actor)


def import_generic(raw: bytes, actor: Actor) -> dict:
    """A generic CSV in one transaction (see check_generic for its columns)."""
    actor.require("orders.manage")
    return _create(check_generic(raw), actor)
