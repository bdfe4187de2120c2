"""What every supervisor page shares: the `sup` blueprint and the `page` guard (log in first, then the role's
permission)."""
from __future__ import annotations

from functools import wraps

from flask import Blueprint, redirect, render_template, request, session, url_for

from server.domain import roles
from server.domain.errors import WmsError
from server.services.people import audit
from server.services.people import auth

sup = Blueprint("supervisor", __name__, url_prefix="/sup")


def _supervisor_actor():
    user_id = session.get("user_id")
    actor = auth.actor_for_user(user_id) if user_id else None
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

