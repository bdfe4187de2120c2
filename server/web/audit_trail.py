"""The audit trail page: every change with who made it, on which device, when and what changed."""
from __future__ import annotations

from datetime import date, datetime, timedelta

from flask import render_template, request

from server.services.people import audit
from server.web.common import page, sup


@sup.get("/audit")
@page("audit.view")
def audit_page(actor):
    filters = {name: request.args.get(name, "").strip() for name in ("user", "device", "table", "from", "to",
                                                                     "per_page")}
    trail = audit.browse(user=filters["user"], device=filters["device"].upper(), table=filters["table"],
                         since=_moment(filters["from"]), until=_moment(filters["to"], end_of_day=True),
                         page=max(1, request.args.get("page", default=1, type=int)),
                         per_page=min(max(1, request.args.get("per_page", default=50, type=int)), 500))
    return render_template("audit.html", actor=actor, trail=trail, filters=filters, tables=audit.audited_tables(),
                           links={name: value for name, value in filters.items() if value})


def _moment(text: str, end_of_day: bool = False) -> datetime | None:
    """A `from`/`to` filter: a date (a `to` date includes that whole day) or a date and time."""
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            return datetime.combine(day + timedelta(days=1) if end_of_day else day, datetime.min.time())
        return datetime.fromisoformat(text) if text else None
    except ValueError:
        return None
