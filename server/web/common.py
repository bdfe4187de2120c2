"""What every supervisor page shares: the `sup` blueprint and the `page` guard (log in first, then the role's
permission)."""
from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import TypeVar

from flask import Blueprint, flash, redirect, render_template, request, session, url_for

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
        return wrapper
    return decorate



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
