"""The kits pages (组合装): every kit with what the shops may sell of it now, a kit's components and its
edit form (add a component, change quantities, remove one; every problem shown at once), a new kit, and
removing a kit. Reading: every role that sees the pages; changing: master.manage."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for

from server.domain import roles
from server.domain.errors import ImportRejected, WmsError
from server.services import transaction
from server.services.catalogue import kit_import, kits
from server.services.catalogue.items import item_by_sku
from server.services.orders import kit_desk
from server.web.common import attempt, page, sup

BLANK_ROWS = 3  # empty component lines under a kit's own, to add components without a script


def _can_edit(actor) -> bool:
    return roles.can(actor.role or "", kits.PERMISSION)


@sup.get("/kits")
@page("pages.view")
def kits_page(actor):
    q = request.args.get("q", "").strip()
    return render_template("kits.html", actor=actor, q=q, kits=kit_desk.kit_list(q), can_edit=_can_edit(actor),
                           form=None, lines=_blank(BLANK_ROWS + 1), errors=[])


@sup.get("/kits/<sku>")
@page("pages.view")
def kit_page(actor, sku: str):
    kit = kit_desk.kit_detail(sku)
    lines = [{"sku": c["sku"], "qty": c["qty"], "name": c["name"], "variant": c["variant"]} for c in kit["components"]]
    return render_template("kit.html", actor=actor, kit=kit, can_edit=_can_edit(actor), errors=[],
                           lines=lines + _blank(BLANK_ROWS))


@sup.post("/kits")
@page("pages.view")
def create_kit_page(actor):
    sku = request.form.get("sku", "").strip()
    if item_by_sku(sku) is not None and kits.is_kit(item_by_sku(sku).id):
        flash(WmsError("already_exists", what=f"kit {sku}").message())
        return redirect(url_for("supervisor.kit_page", sku=sku))
    return _save(actor, sku, new=True)


@sup.post("/kits/<sku>")
@page("pages.view")
def edit_kit_page(actor, sku: str):
    return _save(actor, sku, new=False)


@sup.post("/kits/<sku>/remove")
@page("pages.view")
def remove_kit_page(actor, sku: str):
    if request.form.get("confirm") != "1":
        flash({"en": f"Tick the box to confirm that {sku} is no longer a kit.",
               "zh": f"请勾选确认框，确认 {sku} 不再是组合装。"})
        return redirect(url_for("supervisor.kit_page", sku=sku))
    if attempt(lambda: kits.undefine(sku, actor) or sku) is None:
        return redirect(url_for("supervisor.kit_page", sku=sku))
    flash({"en": f"{sku} is no longer a kit (the item and its stock stay).",
           "zh": f"{sku} 已不再是组合装（货品及其库存保留）。"}, "ok")
    return redirect(url_for("supervisor.kits_page"))


def _save(actor, sku: str, *, new: bool):
    """Save the form's component lines (a ticked "remove" or an empty SKU leaves a line out), or, for "add
    a line", show the form again with one more empty line and nothing saved."""
    actor.require(kits.PERMISSION)
    lines = _form_lines()
    kept = [line for line in lines if line["sku"] and not line["remove"]]
    if request.form.get("action") == "add_line":
        return _again(actor, sku, new, kept + _blank(BLANK_ROWS + 1), []), 200
    try:
        kit, action = kit_import.save(sku, [{"sku": line["sku"], "qty": line["qty"]} for line in kept], actor,
                                      name_zh=request.form.get("name_zh", ""), name_en=request.form.get("name_en", ""))
        transaction.commit()
    except ImportRejected as error:
        transaction.rollback()
        return _again(actor, sku, new, kept + _blank(BLANK_ROWS), error.rows), 422
    except WmsError as error:
        transaction.rollback()
        if error.code == "forbidden":
            raise
        return _again(actor, sku, new, kept + _blank(BLANK_ROWS), [error.as_dict()]), error.http_status
    done = {"created": ("defined", "已创建"), "updated": ("changed", "已修改")}.get(action, ("unchanged", "无变化"))
    flash({"en": f"Kit {kit.sku} {done[0]}.", "zh": f"组合装 {kit.sku} {done[1]}。"}, "ok")
    return redirect(url_for("supervisor.kit_page", sku=kit.sku))


def _again(actor, sku: str, new: bool, lines: list[dict], errors: list[dict]):
    """The form as the person filled it in, with every problem (each naming its component line)."""
    form = {"sku": sku, "name_zh": request.form.get("name_zh", ""), "name_en": request.form.get("name_en", "")}
    if new:
        return render_template("kits.html", actor=actor, q="", kits=kit_desk.kit_list(), can_edit=True, form=form,
                               lines=lines, errors=errors)
    return render_template("kit.html", actor=actor, kit=kit_desk.kit_detail(sku), can_edit=True, lines=lines,
                           errors=errors)


def _form_lines() -> list[dict]:
    form = request.form
    numbers = sorted({int(name.split("_")[-1]) for name in form if name.startswith("sku_")
                      and name.split("_")[-1].isdigit()})
    return [{"sku": form.get(f"sku_{n}", "").strip(), "qty": form.get(f"qty_{n}", "").strip(),
             "remove": form.get(f"remove_{n}") == "1"} for n in numbers]


def _blank(count: int) -> list[dict]:
    return [{"sku": "", "qty": ""} for _ in range(count)]
