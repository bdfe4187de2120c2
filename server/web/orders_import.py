"""The order import page (/sup/orders/import): upload a marketplace export pair or a generic CSV; the file is
imported by a background job (server/services/orders/import_jobs.py) whose progress bar the page follows,
then the report: wrong rows, stopped orders with their reasons, orders already imported."""
from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for

from server.domain import roles
from server.domain.errors import WmsError, Words
from server.services.orders import import_jobs
from server.web.common import page, sup

# The upload fields (import_jobs.FILES) as the page labels them in Chinese.
FILE_ZH = {"orders": "订单报表", "items": "宝贝报表", "file": "文件"}


@sup.get("/orders/import")
@page("orders.manage")
def orders_import_page(actor):
    jobs = [import_jobs.view(job) for job in import_jobs.recent(actor, limit=20, permission=_looking(actor))]
    return render_template("orders_import.html", actor=actor, jobs=jobs)


@sup.post("/orders/import/<any(taobao, generic):kind>")
@page("orders.manage")
def orders_import_upload(actor, kind: str):
    names = import_jobs.FILES[kind]
    uploads = {name: request.files.get(name) for name in names}
    if any(upload is None or not upload.filename for upload in uploads.values()):
        flash(WmsError("bad_request", detail=Words("choose the file(s) first: " + ", ".join(names),
                                                   "请先选择文件：" + "、".join(FILE_ZH.get(n, n) for n in names))
                       ).message())
        return redirect(url_for("supervisor.orders_import_page"))
    job = import_jobs.submit(kind, {name: upload.read() for name, upload in uploads.items()},
                             uploads[names[0]].filename, actor)
    import_jobs.runner.submit(current_app._get_current_object(), job.id)
    return redirect(url_for("supervisor.orders_import_job", job_id=job.id))


@sup.get("/orders/import/<int(max=2147483647):job_id>")
@page("orders.manage")
def orders_import_job(actor, job_id: int):
    job = import_jobs.view(import_jobs.get(job_id, actor, permission=_looking(actor)))
    return render_template("orders_import_job.html", actor=actor, job=job)


def _looking(actor) -> str:
    """Who may look: the page guard let in order managers and the roles that view every page."""
    return "orders.manage" if roles.can(actor.role or "", "orders.manage") else "pages.view"
