"""The people page (/sup/people): everyone with search and paging; add a person, change their name, role or
whether they are active, set a password, print a badge, import the staff list (dry run first, wrong rows
listed, then all or only the good rows). And the suppliers' master on /sup/suppliers: add, edit, import.

Looking is open to every role that sees the pages (the viewer too, without phones); changing needs
`people.manage` (suppliers: `master.manage`), checked again by the services."""
from __future__ import annotations

import base64
import binascii

from flask import flash, redirect, render_template, request, url_for

from server.domain import roles
from server.domain.errors import WmsError, Words
from server.services import transaction
from server.services.catalogue import suppliers
from server.services.people import users
from server.services.printing import item_labels, print_jobs
from server.services.setup import imports
from server.web.common import attempt, page, sup
from server.web.receiving import suppliers_view

PER_PAGE = 25
MAX_UPLOAD = 5 * 1024 * 1024


def _done(en: str, zh: str) -> None:
    flash({"en": en, "zh": zh}, "ok")


def people_view(actor, result: dict | None = None, status: int = 200):
    q = request.values.get("q", "").strip()
    number = max(1, request.values.get("page", 1, type=int) or 1)
    rows, total = users.list_users(q, number, PER_PAGE)
    phones = users.may_see_phones(actor)
    return render_template(
        "people.html", actor=actor, people=[users.user_view(u, with_phone=phones) for u in rows], total=total,
        q=q, page_no=number, pages=max(1, -(-total // PER_PAGE)), phones=phones,
        may_manage=roles.can(actor.role or "", "people.manage"), printers=print_jobs.list_printers(),
        roles=[(role, roles.ROLE_NAMES[role]) for role in roles.ROLES], result=result,
        import_action=url_for("supervisor.people_import")), status


@sup.get("/people")
@page("pages.view")  # everyone who sees the pages sees who works here; phones and changes: people.manage
def people_page(actor):
    return people_view(actor)


@sup.post("/people/add")
@page("people.manage")
def people_add(actor):
    form = request.form
    user = attempt(lambda: users.create({name: form.get(name) for name in (
        "username", "name", "role", "password", "employee_no", "phone")}, actor))
    if user is None:
        return redirect(url_for("supervisor.people_page"))
    _done(f"{user.username} added.", f"已添加 {user.username}。")
    return redirect(url_for("supervisor.people_page", q=user.username))


@sup.post("/people/<username>/edit")
@page("people.manage")
def people_edit(actor, username: str):
    form = request.form
    values = {name: form[name] for name in ("name", "role", "employee_no", "phone") if name in form}
    values["active"] = form.get("active") == "1"
    if attempt(lambda: users.edit(username, values, actor)) is not None:
        _done(f"{username} saved.", f"已保存 {username}。")
    return redirect(url_for("supervisor.people_page", q=request.args.get("q", "")))


@sup.post("/people/<username>/password")
@page("people.manage")
def people_password(actor, username: str):
    if attempt(lambda: users.set_password(username, request.form.get("password", ""), actor) or True):
        _done(f"{username}'s password is set.", f"已设置 {username} 的密码。")
    return redirect(url_for("supervisor.people_page", q=request.args.get("q", "")))


@sup.post("/people/<username>/badge")
@page("people.manage")
def people_badge(actor, username: str):
    try:
        job = print_jobs.print_badge(username, request.form.get("printer", ""), actor)
        transaction.commit_and_notify()
    except WmsError as error:
        transaction.rollback()
        if error.code == "forbidden":
            raise
        flash(error.message())
        return redirect(url_for("supervisor.people_page", q=request.args.get("q", "")))
    return redirect(url_for("supervisor.jobs", highlight=job.id))


def run_import(kind: str, actor) -> tuple[dict | None, int]:
    """The uploaded file (or the one a dry run showed, carried in the form) through the import: the answer
    and its status, or None after a refusal that was flashed."""
    form = request.form
    upload = request.files.get("file")
    if upload is not None and upload.filename:
        raw, filename = upload.read(MAX_UPLOAD + 1), upload.filename
    else:
        try:
            raw = base64.b64decode(form.get("content", ""), validate=True)
        except (binascii.Error, ValueError):
            raw = b""
        filename = form.get("filename", "")
    if not raw:
        flash(WmsError("bad_request", detail=Words("choose a file to import", "请选择要导入的文件")).message())
        return None, 400
    if len(raw) > MAX_UPLOAD:
        flash(WmsError("bad_request", detail=Words("the file is larger than 5 MB", "文件超过 5 MB")).message())
        return None, 413
    try:
        answer, status = imports.run(kind, raw, filename, actor, dry_run=form.get("mode") == "dry_run",
                                     good_rows_only=form.get("mode") == "good_rows_only")
    except WmsError as error:
        transaction.rollback()
        if error.code == "forbidden":
            raise
        flash(error.message())
        return None, error.http_status
    answer["content"], answer["filename"] = base64.b64encode(raw).decode("ascii"), filename
    answer["title"] = imports.TITLES.get(kind, (kind, kind))
    return answer, status


@sup.post("/people/import")
@page("people.manage")
def people_import(actor):
    result, status = run_import("staff", actor)
    return people_view(actor, result, 200 if result else status)


# --- suppliers: the master part of /sup/suppliers (the page itself is in server/web/receiving.py) ------

@sup.post("/suppliers/add")
@page("master.manage")
def suppliers_add(actor):
    form = request.form
    saved = attempt(lambda: suppliers.save({name: form.get(name) for name in ("code", "name", "contact")
                                            if form.get(name)}, actor))
    if saved is not None:
        _done(f"Supplier {saved[0].code} added.", f"已添加供应商 {saved[0].code}。")
    return redirect(url_for("supervisor.suppliers_page"))


@sup.post("/suppliers/<code>/edit")
@page("master.manage")
def suppliers_edit(actor, code: str):
    form = request.form
    def save():
        saved = suppliers.save({"name": form.get("name", ""), "contact": form.get("contact", ""),
                                "active": form.get("active") == "1"}, actor, code=code)
        if "label_at_receiving_shown" in form:  # the item-label flag: its goods arrive unlabelled
            item_labels.set_supplier_label_at_receiving(saved[0].code, form.get("label_at_receiving") == "1", actor)
        return saved

    if attempt(save) is not None:
        _done(f"Supplier {code} saved.", f"已保存供应商 {code}。")
    return redirect(url_for("supervisor.suppliers_page"))


@sup.post("/suppliers/import")
@page("master.manage")
def suppliers_import(actor):
    result, status = run_import("suppliers", actor)
    return suppliers_view(actor, result, 200 if result else status)
