"""Errors as values: a stable code, an HTTP status, and a message in English and Chinese."""
from __future__ import annotations

from typing import Any

# code -> (HTTP status, English template, Chinese template). Templates use str.format fields.
CATALOG: dict[str, tuple[int, str, str]] = {
    "bad_request": (400, "The request is incomplete: {detail}.", "请求不完整：{detail}。"),
    "not_authenticated": (401, "Please log in first.", "请先登录。"),
    "bad_credentials": (401, "Wrong user name or password.", "用户名或密码错误。"),
    "unknown_badge": (401, "This badge is not registered.", "该工牌未登记。"),
    "device_token_invalid": (401, "This device's token is invalid or revoked.",
                             "设备令牌无效或已被吊销。"),
    "forbidden": (403, "Your role ({role}) may not do this.", "您的角色（{role}）无权执行此操作。"),
    "not_found": (404, "{what} not found.", "未找到{what_zh}。"),
    "bad_scan_id": (400, "The scan carries no valid scan id.", "扫描缺少有效的扫描编号。"),
    "empty_code": (400, "Nothing was scanned.", "没有扫描到内容。"),
    "code_too_long": (400, "The scan is too long ({length} characters): scan again.",
                      "扫描内容过长（{length} 个字符），请重新扫描。"),
    "unknown_barcode": (404, "Unknown barcode: {code}.", "未知条码：{code}。"),
    "bad_check_digit": (400, "Barcode {code} has a wrong check digit: misread, scan again.",
                        "条码 {code} 校验位错误：可能误读，请重新扫描。"),
    "malformed_gs1": (400, "Malformed GS1 barcode: {detail}.", "GS1 条码格式错误：{detail}。"),
    "unsupported_mode": (400, "Unknown scan mode: {mode}.", "未知的扫描模式：{mode}。"),
    "journey_not_allowed": (403, "Your role ({role}) may not use {mode}.",
                            "您的角色（{role}）不能使用此功能（{mode}）。"),
    "negative_stock": (409, "Only {available} left in bin {bin}; cannot take {qty}.",
                       "货位 {bin} 仅剩 {available}，无法取出 {qty}。"),
    "printer_not_found": (404, "Printer {printer} does not exist.", "打印机 {printer} 不存在。"),
    "no_bins": (404, "No bins in zone {zone}.", "库区 {zone} 没有货位。"),
    "bad_dpi": (400, "Printers here print at 203 or 300 dpi, not {dpi}.",
                "打印机分辨率只能是 203 或 300 dpi，而不是 {dpi}。"),
    "job_not_found": (404, "Print job {job} does not exist.", "打印任务 {job} 不存在。"),
    "bad_job_state": (409, "Print job {job} cannot go from {current} to {new}.",
                      "打印任务 {job} 不能从 {current} 变为 {new}。"),
    "internal_error": (500, "The server could not handle this; it was logged.",
                       "服务器无法处理此请求，已记录。"),
}


class WmsError(Exception):
    """A refusal a user must understand: carries a stable code and bilingual message fields."""

    def __init__(self, code: str, /, **params: Any) -> None:
        if code not in CATALOG:
            raise KeyError(f"unknown error code {code!r}")
        super().__init__(code)
        self.code = code
        self.params = params

    @property
    def http_status(self) -> int:
        return CATALOG[self.code][0]

    def message(self) -> dict[str, str]:
        _, en, zh = CATALOG[self.code]
        fields = {"what_zh": self.params.get("what", "")} | self.params
        return {"en": en.format(**fields), "zh": zh.format(**fields)}

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message()}
