"""Day one in the browser: the checklist, every import (check the file first, see each wrong row, then load
all or only the good rows), bins generated as ranges, the item master's list and edit pages."""
from __future__ import annotations

import re
import secrets
import time
from pathlib import Path

from flask import current_app, flash, redirect, render_template, request, url_for

from server.domain import places, roles
from server.domain.errors import ImportRejected, WmsError, Words
from server.services import transaction
from server.services.catalogue import bin_master, item_master
from server.services.catalogue import items as catalogue
from server.services.inventory import opening_stock
from server.services.printing import item_labels
from server.services.setup import checklist, imports
from server.web.common import attempt, page, sup

UPLOAD_HOURS = 24
PAGE_SIZE = 50


def _uploads() -> Path:
    folder = Path(current_app.config["WMS"]["data_dir"]) / "uploads"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _keep(raw: bytes, filename: str) -> str:
    """Keep an uploaded file until it is loaded (the person checks it first, then loads it): a token."""
    folder = _uploads()
    for old in folder.iterdir():  # files checked but never loaded are not kept for ever
        if old.stat().st_mtime < time.time() - UPLOAD_HOURS * 3600:
            old.unlink(missing_ok=True)
    token = secrets.token_hex(16)
    (folder / f"{token}.bin").write_bytes(raw)
    (folder / f"{token}.name").write_text(Path(filename or "upload").name[:200])
    return token


def _kept(token: str) -> tuple[bytes, str]:
    if not re.fullmatch(r"[0-9a-f]{32}", token or ""):
        raise WmsError("upload_expired")
    folder = _uploads()
    try:
        return (folder / f"{token}.bin").read_bytes(), (folder / f"{token}.name").read_text()
    except FileNotFoundError:
        raise WmsError("upload_expired") from None


@sup.get("/setup")
@page("pages.view")
def setup_page(actor):
    kinds = [(kind, imports.TITLES[kind], imports.columns(kind)) for kind in imports.kinds()]
    return render_template("setup.html", actor=actor, steps=checklist.steps(), kinds=kinds,
                           bin_kinds=places.KINDS, opening=opening_stock.status(),
                           can=lambda permission: roles.can(actor.role or "", permission))


@sup.post("/setup/import/<kind>")
@page("pages.view")
def setup_import(actor, kind: str):
    """Check the uploaded file (a dry run): what would be created, changed, refused — nothing written."""
    importer = imports.importer(kind)
    actor.require(importer.permission)
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        flash(WmsError("bad_request", detail=Words("choose a file first", "请先选择文件")).message())
        return redirect(url_for("supervisor.setup_page") + f"#import-{kind}")
    raw = upload.read()
    token = _keep(raw, upload.filename)
    return _answer(actor, kind, raw, upload.filename, token, dry_run=True)


@sup.post("/setup/import/<kind>/map")
@page("pages.view")
def setup_map(actor, kind: str):
    """Check a kept file again with the columns the person matched to the fields."""
    actor.require(imports.importer(kind).permission)
    token = request.form.get("token", "")
    raw, filename = _kept(token)
    return _answer(actor, kind, raw, filename, token, dry_run=True, mapping=_mapping_from_form())


def _mapping_from_form() -> dict[str, str]:
    return {name.removeprefix("map_"): value for name, value in request.form.items()
            if name.startswith("map_") and value}


@sup.post("/setup/import/<kind>/load")
@page("pages.view")
def setup_load(actor, kind: str):
    """Load a checked file: all of it, or only its good rows when the person chose that."""
    actor.require(imports.importer(kind).permission)
    token = request.form.get("token", "")
    raw, filename = _kept(token)
    return _answer(actor, kind, raw, filename, token, dry_run=False,
                   good_rows_only=request.form.get("good_rows_only") == "1", mapping=_mapping_from_form())


def _answer(actor, kind: str, raw: bytes, filename: str, token: str, *, dry_run: bool, good_rows_only: bool = False,
            mapping: dict[str, str] | None = None):
    try:
        answer, _ = imports.run(kind, raw, filename, actor, dry_run=dry_run,
                                good_rows_only=good_rows_only or dry_run, mapping=mapping)
    except WmsError as error:  # the whole file refused (encoding, columns, opening stock already loaded)
        headers = imports.headers(raw, filename, kind) if error.code == "import_columns_missing" else []
        return render_template("setup_import.html", actor=actor, kind=kind, title=imports.TITLES[kind],
                               filename=filename, file_error=error, answer=None, token=token, headers=headers,
                               fields=imports.columns(kind), required=imports.importer(kind).required,
                               mapping=mapping or {}), error.http_status
    if dry_run:
        answer["ok"] = not answer["refused"]  # the check ran with good_rows_only to count what would load
    return render_template("setup_import.html", actor=actor, kind=kind, title=imports.TITLES[kind],
                           filename=filename, answer=answer, token=token, file_error=None, mapping=mapping or {}), 200


@sup.post("/setup/bins/generate")
@page("pages.view")
def setup_generate_bins(actor):
    form = request.form
    report = attempt(lambda: bin_master.generate(
        form.get("zone", ""), form.get("aisles", ""), form.get("bays", ""), form.get("levels", ""),
        form.get("kind", "storage"), form.get("capacity") or 100, actor, warehouse=form.get("warehouse") or "WH1"))
    if report is None:
        return redirect(url_for("supervisor.setup_page") + "#generate-bins")
    flash({"en": f"Zone {report['zone']}: {report['created']} bins created, {report['unchanged']} already there "
                 f"({report['first']} … {report['last']}).",
           "zh": f"库区 {report['zone']}：新建 {report['created']} 个库位，已有 {report['unchanged']} 个"
                 f"（{report['first']} … {report['last']}）。"}, "ok")
    return redirect(url_for("supervisor.bins", zone=report["zone"]))


@sup.post("/setup/opening-stock/reopen")
@page("pages.view")
def setup_reopen_opening_stock(actor):
    attempt(lambda: opening_stock.reopen(request.form.get("warehouse") or "WH1", request.form.get("reason", ""), actor))
    return redirect(url_for("supervisor.setup_page") + "#import-opening-stock")


@sup.get("/items")
@page("pages.view")
def items_page(actor):
    q = request.args.get("q", "").strip()
    page_no = max(1, request.args.get("page", 1, type=int))
    found = catalogue.search_items(q or None, PAGE_SIZE * page_no + 1)
    shown = found[PAGE_SIZE * (page_no - 1): PAGE_SIZE * page_no]
    return render_template("items.html", actor=actor, q=q, page_no=page_no, more=len(found) > PAGE_SIZE * page_no,
                           items=[item_master.item_view(i) for i in shown],
                           can_edit=roles.can(actor.role or "", "master.manage"))


@sup.get("/items/<sku>")
@page("pages.view")
def item_page(actor, sku: str):
    item = catalogue.item_by_sku(sku)
    if item is None:
        raise WmsError("not_found", what=f"item {sku}")
    return render_template("item.html", actor=actor, item=item_master.item_view(item),
                           can_edit=roles.can(actor.role or "", "master.manage"), errors=[],
                           can_block=roles.can(actor.role or "", "stock.adjust"),
                           blocked_lots=item_master.blocked_lots(item.id),
                           can_print=roles.can(actor.role or "", "labels.print"),
                           printers=item_labels.label_printers(), lots=item_labels.item_lots(item))


@sup.post("/items/<sku>/labels")
@page("labels.print")
def print_item_labels_page(actor, sku: str):
    """The item page's "Print labels" form: copies of the item's label (a lot's, when one is chosen)."""
    form = request.form
    try:
        copies = int(form.get("copies", "1"))
    except ValueError:
        copies = form.get("copies", "")
    try:
        job = item_labels.print_item_labels(sku, copies, form.get("printer", ""), actor,
                                            lot=form.get("lot", "").strip() or None)
        transaction.commit_and_notify()
    except WmsError as error:
        transaction.rollback()
        flash(error.message())
        return redirect(url_for("supervisor.item_page", sku=sku))
    flash({"en": f"{copies} label(s) of {sku} sent to {job.printer.code}.",
           "zh": f"已将 {sku} 的 {copies} 张标签发送到 {job.printer.code}。"}, "ok")
    return redirect(url_for("supervisor.jobs", highlight=job.id))


@sup.post("/items/<sku>/label-at-receiving")
@page("master.manage")
def label_at_receiving_page(actor, sku: str):
    """Mark the item as arriving unlabelled (receiving prints its labels), or not."""
    attempt(lambda: item_labels.set_label_at_receiving(sku, request.form.get("on") == "1", actor))
    return redirect(url_for("supervisor.item_page", sku=sku))


@sup.post("/items/<sku>/block")
@page("pages.view")
def block_item_page(actor, sku: str):
    """Block or unblock the item, or one lot of it (`lot`), with the reason written."""
    lot = request.form.get("lot", "").strip() or None
    attempt(lambda: item_master.set_blocked(sku, request.form.get("action") != "unblock",
                                            request.form.get("reason", ""), actor, lot_code=lot))
    return redirect(url_for("supervisor.item_page", sku=sku))


ITEM_FORM_FIELDS = ("sku", "style", "name_zh", "name_en", "variant", "unit_barcode", "case_barcode", "case_qty",
                    "inner_barcode", "inner_qty", "uom", "tag_price", "unit_cost", "weight_g", "length_mm",
                    "width_mm", "height_mm", "shelf_life_days", "lot_tracked", "brand", "category", "supplier",
                    "safety_qty", "active")


@sup.post("/items")
@page("pages.view")
def create_item_page(actor):
    return _save_item(actor, None)


@sup.post("/items/<sku>")
@page("pages.view")
def edit_item_page(actor, sku: str):
    return _save_item(actor, sku)


def _save_item(actor, sku: str | None):
    actor.require("master.manage")
    values = {name: request.form.get(name, "") for name in ITEM_FORM_FIELDS if name in request.form}
    for name in ("lot_tracked", "active"):  # unticked boxes are not sent
        if f"{name}_shown" in request.form:
            values[name] = "1" if request.form.get(name) else "0"
    try:
        if sku is None and catalogue.item_by_sku(values.get("sku", "")) is not None:
            raise WmsError("already_exists", what=f"item {values.get('sku')}")
        item, action = item_master.save(values, actor, sku=sku)
        transaction.commit()
    except ImportRejected as error:
        transaction.rollback()
        shown = item_master.item_view(catalogue.item_by_sku(sku)) if sku else {"sku": values.get("sku", "")}
        return render_template("item.html", actor=actor, item=shown, can_edit=True, errors=error.rows,
                               form=values), 422
    done_zh = {"created": "新建", "updated": "更新"}.get(action, "保存")
    flash({"en": f"Item {item.sku} {action}.", "zh": f"货品 {item.sku} 已{done_zh}。"}, "ok")
    return redirect(url_for("supervisor.item_page", sku=item.sku))


@sup.post("/bins/<code>/block")
@page("pages.view")
def block_bin_page(actor, code: str):
    return _block(actor, code, True)


@sup.post("/bins/<code>/unblock")
@page("pages.view")
def unblock_bin_page(actor, code: str):
    return _block(actor, code, False)


def _block(actor, code: str, blocked: bool):
    bin_ = attempt(lambda: bin_master.set_blocked(code, blocked, request.form.get("reason", ""), actor))
    if bin_ is None:
        return redirect(request.referrer or url_for("supervisor.bins"))
    return redirect(url_for("supervisor.bins", zone=bin_.zone))
