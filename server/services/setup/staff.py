"""The staff list (staff.csv: 工号, 姓名, 岗位, 手机) as people: one user per staff number, named by it in
lower case (E1001 → e1001), the job title mapped to a role, and a badge `BDG-<工号>`. Nobody imported has
a password: floor roles log in by badge at once; the others once a manager sets their password.

It lives in `setup` (not `people`) because the import framework already depends on `people`."""
from __future__ import annotations

from server.domain.errors import WmsError
from server.services.imports.framework import Importer, Plan, Row, first_rows, flag, text
from server.services.people import users
from server.services.people.auth import Actor

COLUMNS: dict[str, tuple[str, ...]] = {
    "employee_no": ("工号", "employee_no", "员工编号", "staff no", "staff number"),
    "name": ("姓名", "name", "员工姓名"),
    "title": ("岗位", "title", "role", "职位", "job"),
    "phone": ("手机", "phone", "手机号", "电话", "mobile"),
    "active": ("是否启用", "active", "在职"),
}


class StaffImporter(Importer):
    kind = "staff"
    permission = "people.manage"
    sheet_names = ("员工", "staff")
    columns = COLUMNS
    required = ("employee_no", "name", "title")

    def check(self, rows: list[Row]) -> list[Plan]:
        plans = [Plan(row.number, key=row["employee_no"].upper()) for row in rows]
        first_rows(rows, plans, lambda r: r["employee_no"].upper(), "employee_no")
        for row, plan in zip(rows, plans, strict=True):
            if not plan.problems:
                self._check_row(row, plan)
        return plans

    def _check_row(self, row: Row, plan: Plan) -> None:
        has = row.headers.__contains__
        employee_no = (text(plan, row, "employee_no", required=True, max_length=32) or "").upper()
        if employee_no and not users.USERNAME.match(employee_no):
            plan.refuse(row, "employee_no", "import_bad_staff_no", value=employee_no)
        name = text(plan, row, "name", required=True, max_length=128)
        role = None
        if text(plan, row, "title", required=True, max_length=32):
            role = users.role_for(row["title"])
            if role is None:
                plan.refuse(row, "title", "import_unknown_role", value=row["title"], known=users.known_titles())
        want: dict = {"name": name, "role": role}
        if has("phone"):
            want["phone"] = text(plan, row, "phone", max_length=32) or None
        if has("active"):
            want["active"] = flag(plan, row, "active", True)
        if plan.problems:
            return
        user = users.by_employee_no(employee_no)
        username = employee_no.lower()
        if user is None:
            try:
                taken = users.find(username)
            except WmsError:
                taken = None
            if taken is not None:  # someone made by hand already has the name this number would get
                plan.refuse(row, "employee_no", "import_username_taken", value=employee_no, username=username)
                return
        current = {"name": user.name, "role": user.role, "phone": user.phone, "active": user.active} if user else {}
        plan.changes = {k: [current.get(k), v] for k, v in want.items() if current.get(k) != v}
        plan.data = {"employee_no": employee_no, "username": user.username if user else username, "want": want,
                     "new": user is None}
        plan.action = "created" if user is None else ("updated" if plan.changes else "unchanged")

    def apply(self, plans: list[Plan], actor: Actor) -> None:
        for plan in plans:
            data = plan.data
            if data["new"]:
                users.create({"username": data["username"], "employee_no": data["employee_no"], **data["want"]},
                             actor)
            else:
                users.edit(data["username"], data["want"], actor)
