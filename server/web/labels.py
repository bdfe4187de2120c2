"""Supervisor page for the packing-station label templates (config/labels/): the ZPL each document makes
from the sample data for a chosen printer profile, and its picture rendered in the browser."""
from __future__ import annotations

from flask import Blueprint, jsonify, render_template, request

from printers import documents
from server.api.common import current_actor
from server.domain import roles
from server.domain.errors import WmsError, Words
from server.services.printing import print_jobs
from server.web.common import page

bp = Blueprint("labels", __name__, url_prefix="/sup/labels")

# Stock the packing stations load, and the item-label (吊牌) stock; any other size can be asked of the JSON
# endpoint directly. The documents for 4 x 6 in refuse the small stock, and say so on the page.
SIZES = {"4x6in": (101.6, 152.4), "100x150mm": (100.0, 150.0), "4x8in": (101.6, 203.2), "40x30mm": (40.0, 30.0),
         "50x30mm": (50.0, 30.0)}


@bp.get("/")
@page("labels.print")
def labels_page(actor):
    return render_template("labels.html", actor=actor, templates=documents.TEMPLATES, sizes=SIZES,
                           dpis=sorted(documents.DPMM))


@bp.get("/preview.zpl")
def preview():
    """JSON: the ZPL of one template filled with its sample, for ?template=&dpi=&width_mm=&height_mm=."""
    actor = current_actor()
    if not roles.can(actor.role or "", "pages.view"):  # the viewer sees the previews of the page it may see
        actor.require("labels.print")
    name = request.args.get("template", "shipping_label")
    render = documents.DOCUMENTS.get(name)
    if render is None:
        raise WmsError("bad_request", detail=Words(f"template must be one of {', '.join(documents.DOCUMENTS)}",
                                                   f"template 须为 {'、'.join(documents.DOCUMENTS)} 之一"))
    try:
        profile = documents.LabelProfile.of({"dpi": request.args.get("dpi", 203, type=int),
                                             "width_mm": request.args.get("width_mm", 101.6, type=float),
                                             "height_mm": request.args.get("height_mm", 152.4, type=float)})
        zpl = render(documents.load_samples()[name], profile)
    except documents.LabelTemplateError as error:  # an edited template is broken: say where, not a bare 500
        return jsonify({"ok": False, "error": {"code": "label_template",
                                               "message": {"en": str(error), "zh": f"标签模板错误：{error}"}}}), 500
    except ValueError as error:  # the profile asked for, or stock too small for this document
        raise WmsError("bad_request", detail=Words(str(error), print_jobs.layout_zh(
            error, print_jobs.DOCUMENT_ZH.get(name, "标签")))) from None
    return jsonify({"ok": True, "template": name, "file": documents.TEMPLATES[name], "profile": profile.as_dict(),
                    "labels": zpl.count("^XA"), "zpl": zpl})
