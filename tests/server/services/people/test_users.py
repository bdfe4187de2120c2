"""People: created, edited, deactivated, given a password or a role — with clear refusals; badges log in
floor roles only."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from server.db.models import User
from server.domain.errors import WmsError
from server.extensions import db
from server.services.people import auth, users
from server.services.people.auth import Actor, hash_password


@pytest.fixture
def admin(app):
    boss = User(username="boss", name="Boss", role="admin", password_hash=hash_password("pw"))
    db.session.add(boss)
    db.session.commit()
    return Actor(boss.id, "boss", "Boss", "admin")


def code_of(call) -> str:
    with pytest.raises(WmsError) as refused:
        call()
    db.session.rollback()
    return refused.value.code


def test_a_manager_creates_a_person_who_logs_in_with_the_password(admin):
    user = users.create({"username": "li.na", "name": "李娜", "role": "receiver", "password": "long enough 1",
                         "employee_no": "E7", "phone": "13800000000"}, admin)
    db.session.commit()
    assert auth.login("li.na", "long enough 1").id == user.id
    view = users.user_view(user)
    assert view["role"] == "receiver" and view["badge"] == "BDG-E7" and view["has_password"]
    assert "phone" not in view and users.user_view(user, with_phone=True)["phone"] == "13800000000"


@pytest.mark.parametrize(("values", "code"), [
    ({"username": "bad name", "role": "picker"}, "username_invalid"),
    ({"username": "x" * 65, "role": "picker"}, "username_invalid"),
    ({"username": "", "role": "picker"}, "username_invalid"),
    ({"username": "BOSS", "role": "picker"}, "username_taken"),
    ({"username": "ok", "role": "forklift"}, "unknown_role"),
    ({"username": "ok", "role": "picker", "password": "short"}, "password_too_short"),
])
def test_wrong_people_are_refused_with_a_clear_code(admin, values, code):
    assert code_of(lambda: users.create(values, admin)) == code
    assert WmsError(code, username="u", role="r", known="k", minimum=10).message()["zh"]


def test_job_titles_and_role_names_are_understood():
    assert users.role_for("拣货员") == "picker" and users.role_for("仓库经理") == "manager"
    assert users.role_for("administrator") == "admin" and users.role_for("Viewer") == "viewer"
    assert users.role_for("只读") == "viewer" and users.role_for("叉车司机") is None


def test_only_people_managers_change_people(admin):
    supervisor = Actor(None, "sue", "Sue", "supervisor")
    for who in (supervisor, Actor(None, "v", "V", "viewer")):
        assert code_of(lambda who=who: users.create({"username": "x", "role": "picker"}, who)) == "forbidden"
        assert code_of(lambda who=who: users.set_password("boss", "long enough 1", who)) == "forbidden"


def test_a_deactivated_person_can_no_longer_log_in_and_their_session_stops(admin):
    user = users.create({"username": "pia", "name": "Pia", "role": "picker", "password": "long enough 1"}, admin)
    db.session.commit()
    assert auth.actor_for_user(user.id) is not None
    users.deactivate("pia", admin)
    db.session.commit()
    assert auth.actor_for_user(user.id) is None
    assert code_of(lambda: auth.login("pia", "long enough 1")) == "bad_credentials"
    assert code_of(lambda: auth.login_by_badge("BDG-PIA")) == "unknown_badge"


def test_nobody_deactivates_themselves_or_the_last_admin(admin):
    assert code_of(lambda: users.deactivate("boss", admin)) == "cannot_deactivate_self"
    manager = users.create({"username": "max", "name": "Max", "role": "manager", "password": "long enough 1"},
                           admin)
    db.session.commit()
    as_manager = Actor(manager.id, "max", "Max", "manager")
    assert code_of(lambda: users.deactivate("boss", as_manager)) == "last_admin"
    assert code_of(lambda: users.assign_role("boss", "manager", as_manager)) == "last_admin"
    users.assign_role("max", "admin", admin)
    db.session.commit()
    users.deactivate("boss", as_manager)
    db.session.commit()
    assert not users.find("boss").active


def test_a_password_is_set_with_ten_characters_at_least_and_nothing_secret_comes_back(admin):
    users.create({"username": "e9", "name": "Nine", "role": "supervisor"}, admin)
    db.session.commit()
    assert not users.user_view(users.find("e9"))["has_password"]
    assert code_of(lambda: auth.login("e9", "")) == "bad_credentials"  # no password until one is set
    assert code_of(lambda: users.set_password("e9", "123456789", admin)) == "password_too_short"
    assert users.set_password("e9", "1234567890", admin) is None
    db.session.commit()
    assert auth.login("e9", "1234567890").username == "e9"
    assert code_of(lambda: users.set_password("nobody", "1234567890", admin)) == "not_found"


def test_badges_log_in_floor_roles_only(admin):
    for role in ("picker", "receiver", "inspector", "packer", "supervisor", "manager", "admin", "viewer"):
        users.create({"username": f"u-{role}", "name": role, "role": role}, admin)
    db.session.commit()
    for role in ("picker", "receiver", "inspector", "packer"):
        assert auth.login_by_badge(f"BDG-U-{role.upper()}").role == role
    for role in ("supervisor", "manager", "admin", "viewer"):
        with pytest.raises(WmsError) as refused:
            auth.login_by_badge(f"bdg-u-{role}")
        assert refused.value.code == "badge_not_allowed" and refused.value.http_status == 403
        message = refused.value.message()
        assert "password" in message["en"] and "密码" in message["zh"]


def test_an_edit_changes_only_what_it_names(admin):
    users.create({"username": "ed", "name": "Ed", "role": "packer", "phone": "1", "employee_no": "E50"}, admin)
    db.session.commit()
    users.edit("ed", {"name": "Edward", "locale": "en"}, admin)
    db.session.commit()
    user = db.session.execute(select(User).where(User.username == "ed")).scalar_one()
    assert (user.name, user.role, user.phone, user.employee_no, user.locale) == ("Edward", "packer", "1", "E50", "en")
    users.create({"username": "fi", "name": "Fi", "role": "packer"}, admin)
    assert code_of(lambda: users.edit("fi", {"employee_no": "E50"}, admin)) == "employee_no_taken"
    assert code_of(lambda: users.edit("ed", {"password_hash": "x"}, admin)) == "bad_request"
