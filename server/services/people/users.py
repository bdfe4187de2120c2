"""People: create, edit, deactivate, set a password, assign a role — checked here, whoever asks (the
people page, REST, the staff import). Only roles with `people.manage` (manager, admin) change people.

A badge is a password you can scan (stored as its digest): its code is `BDG-<staff number>` (or
`BDG-<USER NAME>` for someone without one), so it can be printed again at any time. Only floor roles log
in with it (roles.BADGE_ROLES); everyone else needs their password."""
from __future__ import annotations

import re

from sqlalchemy import func, or_, select

from server.db.models import User
from server.domain import roles
from server.domain.errors import WmsError, Words
from server.extensions import db
from server.services.people.auth import NO_PASSWORD, Actor, digest, hash_password

USERNAME = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
MIN_PASSWORD = 10
LOCALES = ("zh", "en")
# Job titles of staff lists, and the role each is (the role names themselves are understood too).
JOB_TITLES: dict[str, str] = {
    "拣货员": "picker", "收货员": "receiver", "质检员": "inspector", "打包员": "packer",
    "仓库主管": "supervisor", "主管": "supervisor", "仓库经理": "manager", "经理": "manager",
    "管理员": "admin", "系统管理员": "admin", "只读": "viewer", "查看": "viewer", "只读查看": "viewer",
}
EDITABLE = ("name", "role", "active", "employee_no", "phone", "locale")


def role_for(title: str) -> str | None:
    """A role from a job title (拣货员) or a role's name (picker, administrator); None if unknown."""
    value = (title or "").strip()
    if value in JOB_TITLES:
        return JOB_TITLES[value]
    lowered = value.lower()
    if lowered in roles.ROLES:
        return lowered
    return next((role for role, (english, _) in roles.ROLE_NAMES.items() if english == lowered), None)


def known_titles() -> str:
    """The titles a staff list may use, as an error message lists them."""
    return "、".join(dict.fromkeys(list(JOB_TITLES)[:6] + ["管理员", "只读"])) + " / " + ", ".join(roles.ROLES)


def badge_code(user: User) -> str:
    """The code printed on a person's badge (and scanned to log in, for floor roles)."""
    return f"BDG-{(user.employee_no or user.username).strip().upper()}"


def find(username: str) -> User:
    user = db.session.execute(select(User).where(User.username == (username or "").strip())).scalar_one_or_none()
    if user is None:
        raise WmsError("not_found", what=f"user {username}")
    return user


def by_employee_no(employee_no: str) -> User | None:
    return db.session.execute(select(User).where(User.employee_no == employee_no)).scalar_one_or_none()


def list_users(q: str | None = None, page: int = 1, per_page: int = 50) -> tuple[list[User], int]:
    """People by user name, matching `q` in user name, name or staff number; and how many match in all."""
    query = select(User)
    if q and q.strip():
        like = f"%{q.strip()}%"
        query = query.where(or_(User.username.ilike(like), User.name.ilike(like), User.employee_no.ilike(like)))
    total = db.session.execute(select(func.count()).select_from(query.subquery())).scalar()
    page, per_page = max(1, page), max(1, min(per_page, 500))
    rows = db.session.execute(query.order_by(User.username).offset((page - 1) * per_page).limit(per_page)).scalars()
    return list(rows), int(total)


def user_view(user: User, *, with_phone: bool = False) -> dict:
    """A person as the people page and REST show them; the phone only for those who manage people."""
    view = {"username": user.username, "name": user.name, "role": user.role,
            "role_name": dict(zip(("en", "zh"), roles.ROLE_NAMES.get(user.role, (user.role, user.role)), strict=True)),
            "active": user.active, "employee_no": user.employee_no, "locale": user.locale,
            "has_password": user.password_hash != NO_PASSWORD, "badge": badge_code(user),
            "badge_login": roles.may_use_badge(user.role),
            "created_at": user.created_at.isoformat() + "Z" if user.created_at else None}
    if with_phone:
        view["phone"] = user.phone
    return view


def may_see_phones(actor: Actor) -> bool:
    return roles.can(actor.role or "", "people.manage")


# --- checks ----------------------------------------------------------------------------------------------

def check_username(username: object) -> str:
    value = str(username or "").strip()
    if not USERNAME.match(value):
        raise WmsError("username_invalid", username=value or "''")
    return value


def check_role(role: object) -> str:
    found = role_for(str(role or ""))
    if found is None:
        raise WmsError("unknown_role", role=str(role or "''"), known=", ".join(roles.ROLES))
    return found


def check_password(password: object) -> str:
    if not isinstance(password, str) or len(password) < MIN_PASSWORD:
        raise WmsError("password_too_short", minimum=MIN_PASSWORD)
    return password


def _text(values: dict, name: str, max_length: int) -> str:
    value = str(values.get(name) or "").strip()
    if len(value) > max_length:
        raise WmsError("field_too_long", field=name, max_length=max_length)
    return value


def _flag(value: object) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("1", "true", "yes", "on", "是", "启用"):
        return True
    if text in ("0", "false", "no", "off", "否", "停用", ""):
        return False
    raise WmsError("bad_request", detail=Words(f"active must be true or false, not {value}",
                                               f"active 须为 true 或 false，而不是 {value}"))


def _check_employee_no(employee_no: str, user: User | None) -> None:
    owner = by_employee_no(employee_no)
    if owner is not None and owner is not user:
        raise WmsError("employee_no_taken", employee_no=employee_no, username=owner.username)


def _active_admins(but: User | None = None) -> int:
    query = select(func.count(User.id)).where(User.role == "admin", User.active.is_(True))
    if but is not None:
        query = query.where(User.id != but.id)
    return int(db.session.execute(query).scalar())


# --- changes (the caller commits) ------------------------------------------------------------------------

def create(values: dict, actor: Actor) -> User:
    """{"username", "name", "role", "password"?, "employee_no"?, "phone"?, "locale"?, "active"?}. Without a
    password the person has none that works until one is set: floor roles log in by badge."""
    actor.require("people.manage")
    username = check_username(values.get("username"))
    if db.session.execute(select(User.id).where(func.lower(User.username) == username.lower())).scalar():
        raise WmsError("username_taken", username=username)
    role = check_role(values.get("role"))
    password = values.get("password")
    password_hash = hash_password(check_password(password)) if password not in (None, "") else NO_PASSWORD
    user = User(username=username, name=_text(values, "name", 128) or username, role=role,
                password_hash=password_hash, locale=_locale(values.get("locale") or "zh"),
                active=_flag(values["active"]) if "active" in values and values["active"] is not None else True)
    employee_no = _text(values, "employee_no", 32)
    if employee_no:
        _check_employee_no(employee_no, None)
        user.employee_no = employee_no
    user.phone = _text(values, "phone", 32) or None
    db.session.add(user)
    db.session.flush()
    _give_badge(user)
    return user


def edit(username: str, values: dict, actor: Actor) -> User:
    """Change any of name, role, active, employee_no, phone, locale; the rest is left as it is. A person
    cannot deactivate themselves, and the last active administrator stays one."""
    actor.require("people.manage")
    user = find(username)
    unknown = sorted(set(values) - set(EDITABLE) - {"username"})
    if unknown:
        fields = ", ".join(unknown)
        raise WmsError("bad_request", detail=Words(f"these fields cannot be changed here: {fields}",
                                                   f"这些字段不能在此修改（{fields}）"))
    role = check_role(values["role"]) if values.get("role") not in (None, "") else user.role
    active = _flag(values["active"]) if values.get("active") is not None else user.active
    if not active and user.active and actor.user_id == user.id:
        raise WmsError("cannot_deactivate_self")
    if user.role == "admin" and user.active and (role != "admin" or not active) and not _active_admins(but=user):
        raise WmsError("last_admin", username=user.username)
    if "name" in values:
        user.name = _text(values, "name", 128) or user.name
    if "employee_no" in values:
        employee_no = _text(values, "employee_no", 32)
        if employee_no:
            _check_employee_no(employee_no, user)
        user.employee_no = employee_no or None
    if "phone" in values:
        user.phone = _text(values, "phone", 32) or None
    if values.get("locale"):
        user.locale = _locale(values["locale"])
    user.role, user.active = role, active
    db.session.flush()
    return user


def deactivate(username: str, actor: Actor) -> User:
    """They can no longer log in, and every session they have stops at its next request (auth.actor_for_user
    finds active users only)."""
    return edit(username, {"active": False}, actor)


def assign_role(username: str, role: str, actor: Actor) -> User:
    return edit(username, {"role": role}, actor)


def set_password(username: str, password: object, actor: Actor) -> None:
    """Set (or reset) a person's password: at least MIN_PASSWORD characters. Answers nothing secret."""
    actor.require("people.manage")
    user = find(username)
    user.password_hash = hash_password(check_password(password))
    db.session.flush()


def issue_badge(username: str, actor: Actor) -> dict:
    """The badge to print for a person: its code now logs them in (floor roles), a different badge they had
    before stops working. Returns {"code", "username", "name", "employee_no", "role"}."""
    actor.require("people.manage")
    user = find(username)
    code = badge_code(user)
    owner = db.session.execute(select(User).where(User.badge_digest == digest(code))).scalar_one_or_none()
    if owner is not None and owner is not user:
        raise WmsError("badge_taken", badge=code, username=owner.username)
    user.badge_digest = digest(code)
    db.session.flush()
    return {"code": code, "username": user.username, "name": user.name, "employee_no": user.employee_no or "",
            "role": user.role}


def _give_badge(user: User) -> None:
    """A new person's badge, unless its code is someone else's already (then printing it says so)."""
    key = digest(badge_code(user))
    if db.session.execute(select(User.id).where(User.badge_digest == key)).scalar() is None:
        user.badge_digest = key
        db.session.flush()


def _locale(value: object) -> str:
    locale = str(value).strip().lower()[:8]
    if locale not in LOCALES:
        choices = ", ".join(LOCALES)
        raise WmsError("bad_request", detail=Words(f"locale must be one of {choices}",
                                                   f"locale 须为 {choices} 之一"))
    return locale
