"""The returns desk (/sup/returns): open a case from a parcel's tracking number, an order number or as an
unknown parcel; the cases with search, status filter and paging; one case with its units and their
dispositions in words, the sign-off chain signed from the page (the next level only, the service checks
who may), cancelling with a reason. And the returns to vendor (/sup/returns/vendor): a manager approves
(the dispatch note prints), the dock marks them sent, or they are cancelled with a reason."""
from __future__ import annotations

import re

from flask import flash, redirect, render_template, request, url_for

from server.domain import roles
from server.domain.errors import WmsError
from server.services import transaction
from server.services.printing import item_labels, print_jobs
from server.services.receiving import inbound
from server.services.returns import return_cases, vendor_returns
from server.web.common import attempt, page, sup

PER_PAGE = 25
CASE_STATUSES = ("open", "inspected", "signing", "done", "cancelled")

# What the returns desk reads instead of the codes config/default.toml [returns] keeps (English, 中文).
WORDS: dict[str, dict[str, tuple[str, str]]] = {
    "reason": {"damaged_in_transit": ("Damaged in transit", "运输损坏"),
               "wrong_item_sent": ("Wrong item sent", "发错货"),
               "not_as_described": ("Not as described", "与描述不符"), "size_or_fit": ("Size or fit", "尺码不合适"),
               "changed_mind": ("Changed mind", "不想要了"), "defective": ("Defective", "质量问题"),
               "other": ("Other", "其他")},
    "judgement": {"good": ("Good", "良品"), "damaged": ("Damaged", "损坏"), "wrong_item": ("Wrong item", "错货"),
                  "missing_parts": ("Missing parts", "缺件")},
    "disposition": {"restock": ("Back to stock", "重新上架"), "repair": ("Repair / refurbish", "维修翻新"),
                    "scrap": ("Scrap", "报废"), "rtv": ("Return to vendor", "退回供应商")},
}


@sup.app_template_global()
def return_word(kind: str, code: str | None) -> tuple[str, str] | str:
    """A reason, judgement or disposition as words (the page picks the reader's language); an unknown
    code is shown as it is."""
    return WORDS[kind].get(code or "", code or "—")


@sup.app_template_global()
def chain_why(why: str) -> tuple[str, str]:
    """Why a sign-off level is needed (return_cases._conditions_met's words), in both languages."""
    if match := re.fullmatch(r"value ≥ ([\d.]+)", why):
        return f"value ≥ ¥{match.group(1)}", f"货值 ≥ ¥{match.group(1)}"
    if match := re.fullmatch(r"disposition (\w+)", why):
        en, zh = WORDS["disposition"].get(match.group(1), (match.group(1), match.group(1)))
        return f"disposition: {en}", f"处理：{zh}"
    if why == "unexpected items":
        return "unexpected items", "有非预期货品"
    return why, why


def _done(en: str, zh: str) -> None:
    flash({"en": en, "zh": zh}, "ok")


def _page_no() -> int:
    return max(1, request.args.get("page", 1, type=int) or 1)


# --- customer returns ---------------------------------------------------------------------------

@sup.get("/returns")
@page("returns.open")
def returns_page(actor):
    status = request.args.get("status") or None
    status = status if status in CASE_STATUSES else None
    escalated = True if request.args.get("escalated") == "1" else None
    q = request.args.get("q", "").strip()
    number = _page_no()
    cases, total = return_cases.search_cases(q, status, escalated, number, PER_PAGE)
    waiting_rtv = vendor_returns.counts().get("awaiting_approval", 0)
    return render_template("returns.html", actor=actor, cases=[return_cases.summary(c) for c in cases], total=total,
                           status=status, escalated=escalated, q=q, page_no=number,
                           pages=max(1, -(-total // PER_PAGE)), statuses=CASE_STATUSES,
                           reasons=return_cases.settings()["reasons"], code=request.args.get("code", ""),
                           may_open=roles.can(actor.role or "", "returns.open"), waiting_rtv=waiting_rtv)


@sup.post("/returns/open")
@page("returns.open")
def return_open(actor):
    """From the parcel's label or the order number (scanned into the field), or as an unknown parcel."""
    form = request.form
    unknown = form.get("unknown") == "1"
    case = attempt(lambda: return_cases.open_case(form.get("code", ""), form.get("reason"), actor,
                                                  unknown_parcel=unknown, note=form.get("note", "")))
    if case is None:
        return redirect(url_for("supervisor.returns_page", code=form.get("code", "")))
    _done(f"Return {case.number} opened: inspect its units on the handheld.",
          f"已登记退货单 {case.number}：请在手持终端上逐件检验。")
    return redirect(url_for("supervisor.return_case_page", number=case.number))


@sup.get("/returns/<number>")
@page("returns.open")
def return_case_page(actor, number: str):
    case = return_cases.case_view(return_cases.find_case(number))
    following = case["chain"]["next"]
    return render_template("returns_case.html", actor=actor, case=case,
                           dispositions=return_cases.settings()["dispositions"],
                           may_inspect=roles.can(actor.role or "", "returns.inspect"),
                           next_role=roles.ROLE_NAMES[following["role"]] if following else None,
                           my_role=roles.ROLE_NAMES.get(actor.role or "", (actor.role, actor.role)),
                           restocked=item_labels.restocked_units(number), printers=item_labels.label_printers(),
                           can_print=roles.can(actor.role or "", "labels.print"))


def _back(number: str):
    return redirect(url_for("supervisor.return_case_page", number=number))


@sup.post("/returns/<number>/sign")
@page("returns.inspect")
def return_sign(actor, number: str):
    """The level the page offered (the next one); the service refuses a skipped, signed or wrong level."""
    level = request.form.get("level", type=int)
    case = attempt(lambda: return_cases.sign(number, level, actor, request.form.get("note", "")))
    if case is not None:
        _done(f"Level {level} of {case.number} signed by {actor.name}.",
              f"{actor.name} 已签核 {case.number} 第 {level} 级。")
        if case.status == "done":
            _done("Every level is signed: the units are on their way (put-away, repair, vendor or scrap).",
                  "签核完成：货品已按处理方式流转（上架、维修、退供应商或报废）。")
    return _back(number)


@sup.post("/returns/<number>/dispose")
@page("returns.inspect")
def return_dispose(actor, number: str):
    units = [int(u) for u in request.form.getlist("unit") if u.isdigit()]
    disposition = request.form.get("disposition")
    if attempt(lambda: return_cases.dispose(number, units, disposition, actor)) is not None:
        en, zh = WORDS["disposition"].get(disposition, (disposition, disposition))
        _done(f"{len(units)} unit(s): {en}.", f"{len(units)} 件：{zh}。")
    return _back(number)


@sup.post("/returns/<number>/cancel")
@page("returns.inspect")
def return_cancel(actor, number: str):
    case = attempt(lambda: return_cases.cancel_case(number, request.form.get("reason", ""), actor))
    if case is not None:
        _done(f"Return {case.number} is cancelled.", f"退货单 {case.number} 已取消。")
    return _back(number)


@sup.post("/returns/<number>/item-labels")
@page("labels.print")
def return_item_labels(actor, number: str):
    """Item labels for the units of the case restocked (one per unit, with its lot)."""
    try:
        jobs = item_labels.print_restocked_return_labels(number, request.form.get("printer", ""), actor)
        transaction.commit_and_notify()
    except WmsError as error:
        transaction.rollback()
        flash(error.message())
        return redirect(url_for("supervisor.return_case_page", number=number))
    labels = sum(job.zpl.count("^XA") for job in jobs)
    flash({"en": f"{labels} item label(s) of return {number} sent to {jobs[0].printer.code}.",
           "zh": f"已将退货 {number} 的 {labels} 张货品标签发送到 {jobs[0].printer.code}。"}, "ok")
    return redirect(url_for("supervisor.return_case_page", number=number))


@sup.post("/returns/<number>/exchange")
@page("orders.manage")
def return_exchange(actor, number: str):
    """The replacement for what comes back (the expected items) as an exchange order."""
    attempt(lambda: return_cases.request_exchange(number, actor))
    return _back(number)


# --- returns to vendor ----------------------------------------------------------------------------

@sup.get("/returns/vendor")
@page("floor.supervise")
def vendor_returns_page(actor):
    status = request.args.get("status") or None
    status = status if status in vendor_returns.STATES else None
    q = request.args.get("q", "").strip()
    number = _page_no()
    rows, total = vendor_returns.search(q, status, number, PER_PAGE)
    return render_template(
        "vendor_returns.html", actor=actor, rows=[vendor_returns.view(r) for r in rows], total=total, q=q,
        status=status, statuses=vendor_returns.STATES, counts=vendor_returns.counts(), page_no=number,
        pages=max(1, -(-total // PER_PAGE)), printers=[p for p in print_jobs.list_printers() if p.active],
        default_printer=inbound.settings()["label_printer"],
        may_approve=roles.can(actor.role or "", "vendor_returns.approve"),
        may_print=roles.can(actor.role or "", "labels.print"),
        may_send=roles.can(actor.role or "", "floor.supervise"))


def _vendor_back():
    return redirect(url_for("supervisor.vendor_returns_page", q=request.args.get("q", ""),
                            status=request.args.get("status", "")))


@sup.post("/returns/vendor/<ref>/approve")
@page("vendor_returns.approve")
def vendor_return_approve(actor, ref: str):
    job = attempt(lambda: vendor_returns.approve(ref, actor, request.form.get("printer") or None))
    if job is not None:
        _done(f"{ref} approved: its dispatch note is printing on {job.printer.code}.",
              f"{ref} 已批准：发货单正在 {job.printer.code} 打印。")
    return _vendor_back()


@sup.post("/returns/vendor/<ref>/dispatch-note")
@page("labels.print")
def vendor_return_note(actor, ref: str):
    job = attempt(lambda: vendor_returns.print_dispatch_note(ref, actor, request.form.get("printer") or None))
    if job is not None:
        _done(f"The dispatch note of {ref} is printing on {job.printer.code}.",
              f"{ref} 的发货单正在 {job.printer.code} 打印。")
    return _vendor_back()


@sup.post("/returns/vendor/<ref>/sent")
@page("floor.supervise")
def vendor_return_sent(actor, ref: str):
    if attempt(lambda: vendor_returns.mark_sent(ref, actor, request.form.get("note", ""))) is not None:
        _done(f"{ref} is sent back to its supplier.", f"{ref} 已发回供应商。")
    return _vendor_back()


@sup.post("/returns/vendor/<ref>/cancel")
@page("vendor_returns.approve")
def vendor_return_cancel(actor, ref: str):
    if attempt(lambda: vendor_returns.cancel(ref, request.form.get("reason", ""), actor)) is not None:
        _done(f"{ref} is cancelled.", f"{ref} 已取消。")
    return _vendor_back()
