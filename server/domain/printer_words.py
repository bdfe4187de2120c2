"""Why a print job waits or failed, in the reader's words: the codes the printer agent reports
(printers/status.py, printers/transports.py) are for support, not for people at a desk or station."""
from __future__ import annotations

# code → (English, 中文). The station page holds the same words (handheld_web/i18n.js, st_job_reason_*).
JOB_REASONS: dict[str, tuple[str, str]] = {
    "paper_out": ("paper out", "缺纸"),
    "head_open": ("head open", "打印头未合上"),
    "paused": ("paused", "已暂停"),
    "ribbon_out": ("ribbon out", "碳带用完"),
    "buffer_full": ("buffer full", "缓存已满"),
    # A Zebra out of paper or with its head open does not answer ~HS at all.
    "no_status_response": ("printer not answering (paper out or head open?)", "打印机无响应（缺纸或打印头未合上？）"),
    "unreachable": ("printer unreachable", "无法连接打印机"),
    "timeout": ("printer too slow to answer", "打印机响应超时"),
    "connection_lost": ("connection to the printer lost", "与打印机的连接中断"),
    "queue_disabled": ("print queue stopped", "打印队列已停止"),
    "queue_missing": ("no such print queue", "打印队列不存在"),
    "cups_unavailable": ("print service (CUPS) not running", "打印服务（CUPS）未运行"),
    "cups_timeout": ("print service (CUPS) too slow", "打印服务（CUPS）超时"),
}


def job_reason(code: str | None) -> str:
    """The reason in both languages, as the supervisor pages write today; an unknown code as it is."""
    if not code:
        return ""
    words = JOB_REASONS.get(code)
    return f"{words[0]} · {words[1]}" if words else code
