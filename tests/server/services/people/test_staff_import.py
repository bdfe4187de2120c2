"""staff.csv of the day-one samples: its two wrong rows refused by row and code, nothing written unless only
good rows are asked for, a second load changes nothing, titles become roles, and everyone gets a badge."""
from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select

from server.db.models import User
from server.extensions import db
from server.services.people import auth
from server.services.people.auth import Actor, digest
from server.services.setup import imports

STAFF = Path(__file__).resolve().parents[3] / "data" / "day-one" / "staff.csv"
ADMIN = Actor(user_id=None, username="admin", name="Admin", role="admin")

# From the sample's README, not from the code: the header is row 1, so E1001's twin is row 11 and the
# forklift driver (叉车司机, no role here) row 12.
STAFF_ERRORS = {(11, "工号", "import_duplicate_in_file"), (12, "岗位", "import_unknown_role")}
ROLES = {"e1001": "picker", "e1002": "picker", "e1003": "picker", "e1004": "receiver", "e1005": "inspector",
         "e1006": "packer", "e1007": "packer", "e1008": "supervisor", "e1009": "manager"}


def load(raw: bytes = None, **flags):
    return imports.run("staff", raw if raw is not None else STAFF.read_bytes(), "staff.csv", ADMIN, **flags)


def people() -> int:
    return db.session.execute(select(func.count(User.id))).scalar()


def test_the_staff_list_refuses_its_two_wrong_rows_and_writes_nothing(app):
    answer, status = load()
    assert status == 422 and not answer["written"]
    assert {(e["row"], e["column"], e["code"]) for e in answer["errors"]} == STAFF_ERRORS
    unknown = next(e for e in answer["errors"] if e["row"] == 12)["message"]
    assert "叉车司机" in unknown["en"] and "拣货员" in unknown["en"] and "叉车司机" in unknown["zh"]
    assert people() == 0


def test_a_dry_run_names_who_would_be_created(app):
    answer, status = load(dry_run=True, good_rows_only=True)
    assert status == 200 and answer["created"] == 9 and answer["refused"] == 2 and people() == 0


def test_good_rows_only_makes_the_people_and_a_second_load_changes_nothing(app):
    answer, status = load(good_rows_only=True)
    assert status == 200 and answer["created"] == 9
    found = {u.username: u for u in db.session.execute(select(User)).scalars()}
    assert {name: u.role for name, u in found.items()} == ROLES
    wang = found["e1001"]
    assert (wang.name, wang.employee_no, wang.phone) == ("王伟", "E1001", "15270933115")
    assert wang.badge_digest == digest("BDG-E1001") and wang.password_hash == auth.NO_PASSWORD
    assert auth.login_by_badge("BDG-E1001").username == "e1001"
    again, status = load(good_rows_only=True)
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 9) and people() == 9


def test_a_changed_title_changes_the_role(app):
    load(good_rows_only=True)
    changed = STAFF.read_bytes().replace("E1003,陈芳,拣货员".encode(), "E1003,陈芳,打包员".encode())
    answer, _ = load(changed, good_rows_only=True)
    assert answer["updated"] == 1 and answer["unchanged"] == 8
    assert next(p for p in answer["plan"] if p["key"] == "E1003")["changes"] == {"role": ["picker", "packer"]}
    assert db.session.execute(select(User.role).where(User.username == "e1003")).scalar() == "packer"


def test_role_names_and_admin_titles_are_understood(app):
    raw = "工号,姓名,岗位\nA1,Ann,管理员\nV1,Vic,只读\nP1,Pam,picker\n".encode()
    answer, status = load(raw)
    assert status == 200 and answer["created"] == 3
    assert dict(db.session.execute(select(User.username, User.role)).all()) == {"a1": "admin", "v1": "viewer",
                                                                                "p1": "picker"}


def test_a_picker_from_staff_csv_logs_in_by_badge_over_rest_on_a_live_server(live_server):
    import requests

    admin = live_server.session("admin")
    answer = admin.post(f"{live_server.url}/api/v1/imports/staff?good_rows_only=1", timeout=30,
                        headers={"X-Requested-With": "test"},
                        files={"file": ("staff.csv", STAFF.read_bytes(), "text/csv")})
    assert answer.status_code == 200 and answer.json()["created"] + answer.json()["unchanged"] == 9, answer.text
    picker = requests.post(f"{live_server.url}/api/v1/auth/badge", json={"badge": "BDG-E1002"}, timeout=5)
    assert picker.status_code == 200 and picker.json()["user"]["username"] == "e1002"
    assert picker.json()["user"]["role"] == "picker" and "pick" in picker.json()["user"]["journeys"]
    manager = requests.post(f"{live_server.url}/api/v1/auth/badge", json={"badge": "BDG-E1009"}, timeout=5)
    assert manager.status_code == 403 and manager.json()["error"]["code"] == "badge_not_allowed"
