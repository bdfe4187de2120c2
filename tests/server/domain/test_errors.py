"""A refusal's message reads in one language at a time: the Chinese message carries no English phrase."""
from __future__ import annotations

import ast
import re
from pathlib import Path

from server.domain.errors import WHAT_ZH, WmsError, Words

SERVER = Path(__file__).resolve().parents[3] / "server"
CJK = re.compile(r"[\u4e00-\u9fff]")


def test_a_detail_in_both_languages_goes_to_each_message_in_its_own():
    error = WmsError("bad_request", detail=Words("slot must be 1 … 3", "格位须为 1 … 3"))
    assert error.message() == {"en": "The request is incomplete: slot must be 1 … 3.",
                               "zh": "请求不完整：格位须为 1 … 3。"}
    assert error.as_dict()["code"] == "bad_request"


def test_an_exception_raised_with_words_passes_them_on_and_another_gets_the_chinese_given():
    raised = ValueError(Words("a lot has at least one unit", "一个批次至少要有一件"))
    assert str(raised) == "a lot has at least one unit"
    passed_on = WmsError("bad_request", detail=Words.of(raised, "抽样参数有误")).message()
    assert passed_on["zh"] == "请求不完整：一个批次至少要有一件。"
    assert WmsError("bad_request", detail=Words.of(ValueError("could not convert"), "抽样参数有误")).message() == {
        "en": "The request is incomplete: could not convert.", "zh": "请求不完整：抽样参数有误。"}


def test_a_refusal_names_the_role_or_device_in_words_not_its_code():
    assert WmsError("forbidden", role="picker").message() == {"en": "Your role (picker) may not do this.",
                                                              "zh": "您的角色（拣货员）无权执行此操作。"}
    assert WmsError("forbidden", role="printer_agent").message()["zh"] == "您的角色（打印代理）无权执行此操作。"
    assert WmsError("forbidden", role="admin").message()["en"] == "Your role (administrator) may not do this."
    assert WmsError("wrong_device_kind", device="PDA-07", kind="pda", expected="scanner_bridge").message() == {
        "en": "Device PDA-07 is a handheld; this needs a scanner bridge.",
        "zh": "设备 PDA-07 的类型是手持终端，此处需要扫描桥。"}


def _detail_calls() -> list[tuple[str, int, ast.expr]]:
    """Every `WmsError(..., detail=…)` (and `ImportRejected`-style row errors built the same way) in server/."""
    found = []
    for path in sorted(SERVER.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", "")
            if name != "WmsError":
                continue
            for keyword in node.keywords:
                if keyword.arg == "detail":
                    found.append((f"{path.relative_to(SERVER.parent)}:{node.lineno}", keyword.value))
    return found


def _words(value: ast.expr) -> list[ast.Call] | None:
    """The Words(…) a detail is written as (both branches of `a if c else b`), None if it is not."""
    if isinstance(value, ast.IfExp):
        body, orelse = _words(value.body), _words(value.orelse)
        return body + orelse if body is not None and orelse is not None else None
    if isinstance(value, ast.Call) and getattr(value.func, "id", "") == "Words":
        return [value]
    if isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) and value.func.attr == "of" \
            and getattr(value.func.value, "id", "") == "Words":
        return [value]  # Words.of(error, zh): the exception's own Words, else its English with zh
    return None


def test_every_detail_of_a_refusal_is_written_in_english_and_chinese():
    calls = _detail_calls()
    assert len(calls) > 100  # the walk finds them (there are well over a hundred)
    english_only = [where for where, value in calls if _words(value) is None]
    assert english_only == [], "details in English only (write them as Words(en, zh)): " + ", ".join(english_only)


def _chinese(zh: ast.expr | None) -> bool:
    """A Chinese word written out in it, or another message's Chinese passed on (`x.zh`, `x["zh"]`)."""
    if zh is None:
        return False
    if isinstance(zh, ast.Attribute) and zh.attr == "zh":
        return True
    if isinstance(zh, ast.Subscript) and isinstance(zh.slice, ast.Constant) and zh.slice.value == "zh":
        return True
    return any(isinstance(part, ast.Constant) and isinstance(part.value, str) and CJK.search(part.value)
               for part in ast.walk(zh))


def test_the_chinese_of_a_written_out_detail_is_chinese():
    untranslated = []
    for where, value in _detail_calls():
        for words in _words(value) or ():
            zh = words.args[1] if len(words.args) > 1 else next((k.value for k in words.keywords if k.arg == "zh"),
                                                                 None)
            if not _chinese(zh):
                untranslated.append(where)
    assert untranslated == [], "Chinese details without a Chinese word: " + ", ".join(untranslated)


def test_every_thing_a_not_found_names_has_its_chinese_name():
    """`what="pick face A-01 TEE"` reads "未找到拣货位 A-01 TEE。": every literal `what` starts with a named thing."""
    untranslated = []
    for path in sorted(SERVER.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Call) and getattr(node.func, "id", "") == "WmsError"):
                continue
            for keyword in node.keywords:
                value = keyword.value
                first = value.values[0] if isinstance(value, ast.JoinedStr) and value.values else value
                if keyword.arg == "what" and isinstance(first, ast.Constant) and isinstance(first.value, str) \
                        and not any(first.value.startswith(english) for english in WHAT_ZH):
                    untranslated.append(f"{path.relative_to(SERVER.parent)}:{node.lineno} {first.value!r}")
    assert untranslated == []
    assert WmsError("not_found", what="pick face A-01-01 TEE").message()["zh"] == "未找到拣货位 A-01-01 TEE。"


def test_a_refusal_names_a_status_in_words_not_its_code():
    assert WmsError("bad_order_state", order="SO-1", status="pending_review", expected="released").message() == {
        "en": "Order SO-1 is pending review; this needs it released.",
        "zh": "订单 SO-1 当前状态为待审核，此操作需要订单处于已释放状态。"}
    assert WmsError("bad_job_state", job=7, current="printed", new="queued").message() == {
        "en": "Print job 7 cannot go from printed to queued.", "zh": "打印任务 7 不能从已打印变为排队中。"}
