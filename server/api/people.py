"""People and suppliers over REST: users (create, edit, deactivate, set a password, print a badge) for roles
that manage people; suppliers (create, edit) for roles that manage the master. Reading suppliers is open to
anyone logged in; reading users to those who may see every page. A person's phone is in the answer only
for roles that manage people."""
from __future__ import annotations

from flask import Blueprint, jsonify, request

from server.api.common import current_actor, json_body, ok
from server.domain.errors import WmsError, Words
from server.services import transaction
from server.services.catalogue import suppliers
from server.services.people import users
from server.services.printing import print_jobs

bp = Blueprint("people", __name__, url_prefix="/api/v1")


def _int(name: str, default: int, top: int) -> int:
    try:
        return max(1, min(int(request.args.get(name, default)), top))
    except ValueError:
        return default


@bp.get("/users")
def list_users():
    actor = current_actor()
    actor.require("pages.view")
    rows, total = users.list_users(request.args.get("q"), _int("page", 1, 1_000_000), _int("per_page", 50, 500))
    phones = users.may_see_phones(actor)
    return jsonify({"ok": True, "total": total, "users": [users.user_view(u, with_phone=phones) for u in rows]})


@bp.post("/users")
def create_user():
    """{"username", "password", "role", "name", "employee_no"?, "phone"?, "locale"?}"""
    actor = current_actor()
    actor.require("people.manage")
    user = users.create(json_body(), actor)
    transaction.commit()
    return ok(user=users.user_view(user, with_phone=True)), 201


@bp.get("/users/<username>")
def get_user(username: str):
    actor = current_actor()
    actor.require("pages.view")
    return ok(user=users.user_view(users.find(username), with_phone=users.may_see_phones(actor)))


@bp.patch("/users/<username>")
def edit_user(username: str):
    """Any of {"name", "role", "active", "employee_no", "phone", "locale"}."""
    actor = current_actor()
    actor.require("people.manage")
    body = json_body()
    if not body:
        raise WmsError("bad_request", detail=Words("name the fields to change", "请写明要修改的字段"))
    user = users.edit(username, body, actor)
    transaction.commit()
    return ok(user=users.user_view(user, with_phone=True))


@bp.post("/users/<username>/password")
def set_password(username: str):
    """{"password"}: at least 10 characters. The answer says nothing about it."""
    actor = current_actor()
    actor.require("people.manage")
    users.set_password(username, json_body().get("password"), actor)
    transaction.commit()
    return ok()


@bp.post("/users/<username>/badge-print")
def print_badge(username: str):
    """{"printer"}: print the person's badge there."""
    actor = current_actor()
    actor.require("people.manage")
    printer = json_body().get("printer")
    if not isinstance(printer, str) or not printer.strip():
        raise WmsError("bad_request", detail=Words("printer is required", "须填写 printer"))
    job = print_jobs.print_badge(username, printer.strip(), actor)
    transaction.commit_and_notify()
    return ok(job=print_jobs.job_view(job)), 201


@bp.get("/suppliers")
def list_suppliers():
    current_actor()
    return jsonify([suppliers.supplier_view(s) for s in suppliers.list_suppliers(request.args.get("q"),
                                                                                 _int("limit", 500, 5000))])


@bp.post("/suppliers")
def create_supplier():
    """{"name", "code"? (SUP-0001… when left out), "contact"?, "active"?}"""
    actor = current_actor()
    actor.require("master.manage")
    supplier, _ = suppliers.save(json_body(), actor)
    transaction.commit()
    return ok(supplier=suppliers.supplier_view(supplier)), 201


@bp.get("/suppliers/<code>")
def get_supplier(code: str):
    current_actor()
    return ok(supplier=suppliers.supplier_view(suppliers.find(code)))


@bp.patch("/suppliers/<code>")
def edit_supplier(code: str):
    """Any of {"name", "contact", "active"}."""
    actor = current_actor()
    actor.require("master.manage")
    body = json_body()
    if not body:
        raise WmsError("bad_request", detail=Words("name the fields to change", "请写明要修改的字段"))
    supplier, action = suppliers.save({k: v for k, v in body.items() if k != "code"}, actor, code=code)
    transaction.commit()
    return ok(supplier=suppliers.supplier_view(supplier), action=action)
