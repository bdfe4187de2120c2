"""What every supervisor page shares: the `sup` blueprint and the `page` guard (log in first, then the role's
permission)."""
from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import TypeVar

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for

from server.domain import printer_words, roles
from server.domain.errors import WmsError
from server.services import transaction
from server.services.people import audit
from server.services.people import auth

sup = Blueprint("supervisor", __name__, url_prefix="/sup")
sup.add_app_template_global(printer_words.job_reason, "job_reason")
T = TypeVar("T")


def _supervisor_actor():
    user_id = session.get("user_id")
    actor = auth.actor_for_user(user_id, sid=session.get("sid")) if user_id else None
    if actor is None:
        return None
    return actor


def page(permission: str):
    """A supervisor page: log in first, and only roles with the permission see it. Looking (GET) is also
    open to roles that may view every page (the read-only `viewer`); acting (POST) never is."""
    def decorate(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            actor = _supervisor_actor()
            if actor is None:
                return redirect(url_for("supervisor.login", next=request.path))
            try:
                if not (request.method in ("GET", "HEAD") and roles.can(actor.role or "", "pages.view")):
                    actor.require(permission)
                audit.act_as(actor)
                return view(actor, *args, **kwargs)
            except WmsError as error:
                return render_template("error.html", error=error, actor=actor), error.http_status
        wrapper.permission = permission  # the navigation shows a page only to those who may open it
        return wrapper
    return decorate


@sup.app_template_global()
def in_nav(actor, target: str | None) -> bool:
    """Whether the header links `target` for this person: a supervisor page's endpoint (its `page` guard
    decides, as when it is opened), a permission (a page outside them: the packing station), or None (for all)."""
    if target is None:
        return True
    view = current_app.view_functions.get(target)
    permission = getattr(view, "permission", None) if view is not None else target
    role = actor.role or ""
    return permission is None or roles.can(role, "pages.view") or roles.can(role, permission)



def attempt(change: Callable[[], T]) -> T | None:
    """A page form's change: committed when it goes through, and its result returned. Refused: rolled back,
    the reason flashed for the page the form returns to (each wrong row's too, for an import's checks), and
    None; a role that may not do it gets the error page (403) instead."""
    try:
        result = change()
        transaction.commit()
        return result
    except WmsError as error:
        transaction.rollback()
        if error.code == "forbidden":
            raise
        flash(error.message())
        for row in getattr(error, "rows", [])[:10]:
            flash(row["message"])
        return None
