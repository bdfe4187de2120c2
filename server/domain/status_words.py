"""Statuses as people read them (the supervisor pages, and refusals that name a status): a word in each
language and a colour (tone) for each code the database keeps. Tones: good (done, green), busy (in hand,
blue), waiting (amber), bad (red), quiet (grey, over and nothing to do)."""
from __future__ import annotations

# Document states as the Chinese messages name them (a refusal's `status_zh`: "批次 L-1 已经接收").
STATUS_ZH = {"open": "开启", "closed": "关闭", "cancelled": "取消", "counting": "清点中",
             "confirmed": "确认", "accepted": "接收", "rejected": "拒收", "done": "完成",
             "shipped": "已发货", "packed": "已打包", "voided": "已作废", "picking": "拣货中",
             "making": "加工中", "putting_away": "上架中"}

# code -> (English, 中文, tone)
STATUSES: dict[str, tuple[str, str, str]] = {
    # print jobs
    "queued": ("Queued", "排队中", "waiting"), "waiting": ("Waiting for printer", "等待打印机", "bad"),
    "sent": ("Sent", "已发送", "busy"), "printed": ("Printed", "已打印", "good"), "failed": ("Failed", "失败", "bad"),
    # a cancelled order's parcels and their print jobs (server/services/orders/cancellation.py)
    "voided": ("Voided", "已作废", "quiet"),
    # documents, lists, lots, cases
    "open": ("Open", "开启", "busy"), "claimed": ("Being picked", "拣货中", "busy"), "done": ("Done", "完成", "good"),
    "closed": ("Closed", "关闭", "quiet"), "cancelled": ("Cancelled", "取消", "quiet"),
    "counting": ("Counting", "清点中", "busy"), "confirmed": ("Confirmed", "已确认", "good"),
    "accepted": ("Accepted", "接收", "good"), "rejected": ("Rejected", "拒收", "bad"),
    "available": ("Available", "可用", "good"), "inspecting": ("Inspecting", "检验中", "waiting"),
    "inspected": ("Inspected", "已检验", "busy"), "signing": ("Signing", "签核中", "waiting"),
    "pending_review": ("Pending review", "待审核", "waiting"), "released": ("Released", "已释放", "busy"),
    "allocated": ("Allocated", "已分配", "busy"), "picking": ("Picking", "拣货中", "busy"),
    "picked": ("Picked", "已拣货", "good"), "packed": ("Packed", "已打包", "good"),
    "shipped": ("Shipped", "已发货", "good"), "on_hold": ("On hold", "暂缓", "bad"),
    "short": ("Short", "缺货", "bad"), "reserved": ("Reserved", "已预留", "busy"),
    "in_transit": ("In transit", "在途", "busy"), "recount": ("Recount", "待复盘", "waiting"),
    "counted": ("Counted", "已盘点", "busy"), "approved": ("Approved", "已批准", "good"),
    "pending": ("Pending", "待处理", "waiting"), "variance": ("Variance", "有差异", "bad"),
    # work orders (加工单): everything picked, kits being made or taken apart; then put away
    "making": ("Working on the kits", "加工中", "busy"), "putting_away": ("Putting away", "上架中", "busy"),
    # waves: a dry run shown before it is released
    "proposed": ("Proposed", "建议", "waiting"),
    # returns to vendor ("sent": shared with print jobs)
    "awaiting_approval": ("Awaiting approval", "待批准", "waiting"),
}


def names(code: str | None) -> tuple[str, str, str]:
    """(English, 中文, tone) of a status; a code not in the table is shown as it is, in grey."""
    code = code or ""
    if code in STATUSES:
        return STATUSES[code]
    return code.replace("_", " "), STATUS_ZH.get(code, code), "quiet"
