"""The people page and the suppliers' master, as a browser posts them (forms with their CSRF token) on a live
server: add a person, change them, set a password, import a staff list (dry run, wrong rows listed, good rows
only), print a badge; a viewer sees the page but every change is refused."""
from __future__ import annotations

import re
import uuid

import requests


def token(http: requests.Session, url: str) -> str:
    return re.search(r'name="csrf-token" content="([^"]+)"', http.get(url, timeout=10).text).group(1)


def post(http, live_server, path, data, files=None):
    data = data | {"csrf_token": token(http, f"{live_server.url}/sup/people")}
    return http.post(f"{live_server.url}{path}", data=data, files=files, timeout=30, allow_redirects=True)


def test_a_manager_adds_changes_and_gives_a_password_to_a_person(live_server):
    manager = live_server.session("manager")
    name = f"p{uuid.uuid4().hex[:8]}"
    page = post(manager, live_server, "/sup/people/add", {"username": name, "name": "李娜", "role": "receiver",
                                                           "employee_no": name.upper(), "phone": "13500000000"})
    assert page.status_code == 200 and f"{name} added" in page.text and "13500000000" in page.text
    page = post(manager, live_server, f"/sup/people/{name}/edit",
                {"name": "李娜娜", "role": "inspector", "active": "1"})
    assert f"{name} saved" in page.text
    person = manager.get(f"{live_server.url}/api/v1/users/{name}", timeout=5).json()["user"]
    assert (person["name"], person["role"], person["active"]) == ("李娜娜", "inspector", True)
    page = post(manager, live_server, f"/sup/people/{name}/password", {"password": "short"})
    assert "at least 10 characters" in page.text and "至少需要 10 个字符" not in page.text  # one language
    page = post(manager, live_server, f"/sup/people/{name}/password", {"password": "ten chars!!"})
    assert "password is set" in page.text
    assert requests.post(f"{live_server.url}/api/v1/auth/login", json={"username": name, "password": "ten chars!!"},
                         timeout=5).status_code == 200
    page = post(manager, live_server, "/sup/people/add", {"username": name, "name": "x", "role": "picker"})
    assert "already taken" in page.text and "已被使用" not in page.text  # one language at a time
    page = post(manager, live_server, f"/sup/people/{name}/edit", {"name": "李娜娜", "role": "inspector"})  # unticked
    assert manager.get(f"{live_server.url}/api/v1/users/{name}", timeout=5).json()["user"]["active"] is False


def test_the_people_list_searches_and_pages(live_server):
    admin = live_server.session("admin")
    page = admin.get(f"{live_server.url}/sup/people?q=picker", timeout=10).text
    assert 'data-username="picker"' in page and 'data-username="packer"' not in page
    first = admin.get(f"{live_server.url}/sup/people", timeout=10).text
    assert "page 1 /" in first and "<h1>People</h1>" in first
    assert "csrf_token" in first  # every form carries its token


def test_a_staff_list_is_imported_from_the_page_dry_run_first_then_good_rows_only(live_server):
    admin = live_server.session("admin")
    prefix = f"T{uuid.uuid4().hex[:5].upper()}"
    staff = (f"工号,姓名,岗位,手机\n{prefix}1,周一,拣货员,13000000001\n{prefix}2,周二,仓库主管,13000000002\n"
             f"{prefix}1,周三,打包员,13000000003\n{prefix}4,周四,叉车司机,13000000004\n").encode("utf-8-sig")
    page = post(admin, live_server, "/sup/people/import", {"mode": "dry_run"},
                files={"file": ("staff.csv", staff, "text/csv")})
    assert page.status_code == 200 and 'data-testid="import-errors"' in page.text
    rows = re.findall(r'<tr class="error" data-row="(\d+)"><td>\d+</td><td>([^<]*)</td><td><code>([^<]*)</code>',
                      page.text)
    assert set(rows) == {("4", "工号", "import_duplicate_in_file"), ("5", "岗位", "import_unknown_role")}
    assert "叉车司机" in page.text and "dry run" in page.text
    assert admin.get(f"{live_server.url}/api/v1/users?q={prefix}", timeout=5).json()["total"] == 0
    content = re.search(r'name="content" value="([^"]+)"', page.text).group(1)
    page = post(admin, live_server, "/sup/people/import", {"mode": "good_rows_only", "content": content,
                                                           "filename": "staff.csv"})
    assert "loaded" in page.text and re.search(r"created <b>2</b>", page.text)
    found = admin.get(f"{live_server.url}/api/v1/users?q={prefix}", timeout=5).json()["users"]
    assert {(u["username"], u["role"]) for u in found} == {(f"{prefix.lower()}1", "picker"),
                                                          (f"{prefix.lower()}2", "supervisor")}
    answer = requests.post(f"{live_server.url}/api/v1/auth/badge", json={"badge": f"BDG-{prefix}1"}, timeout=5)
    assert answer.status_code == 200


def test_a_badge_is_printed_from_the_page(live_server):
    admin = live_server.session("admin")
    page = post(admin, live_server, "/sup/people/picker/badge", {"printer": "NOPE"})
    assert "NOPE does not exist" in page.text
    name = f"b{uuid.uuid4().hex[:8]}"
    post(admin, live_server, "/sup/people/add", {"username": name, "name": "Bo", "role": "picker"})
    page = post(admin, live_server, f"/sup/people/{name}/badge", {"printer": live_server.demo["printer"]})
    assert page.status_code == 200 and "/sup/print-jobs" in page.url and f"Badge {name}" in page.text


def test_the_viewer_sees_people_without_phones_and_changes_nothing(live_server):
    viewer = live_server.session("viewer")
    page = viewer.get(f"{live_server.url}/sup/people", timeout=10)
    assert page.status_code == 200 and "<th>Phone</th>" not in page.text and 'data-testid="add-person"' not in page.text
    for path, data in (("/sup/people/add", {"username": "sneaky", "name": "x", "role": "admin"}),
                       ("/sup/people/picker/password", {"password": "0123456789"}),
                       ("/sup/people/picker/edit", {"role": "admin", "active": "1"}),
                       ("/sup/suppliers/add", {"name": "sneaky supplier"})):
        answer = viewer.post(f"{live_server.url}{path}", data=data | {"csrf_token": token(
            viewer, f"{live_server.url}/sup/people")}, timeout=10, allow_redirects=False)
        assert answer.status_code == 403, path
    assert viewer.get(f"{live_server.url}/api/v1/users/sneaky", timeout=5).status_code == 404
    seen = live_server.session("supervisor").get(f"{live_server.url}/sup/people", timeout=10, allow_redirects=False)
    assert seen.status_code == 200 and "<th>Phone</th>" not in seen.text and "add-person" not in seen.text  # looks only


def test_suppliers_are_added_edited_and_imported_on_the_suppliers_page(live_server):
    manager = live_server.session("manager")
    name = f"供应商 {uuid.uuid4().hex[:6]}"
    page = post(manager, live_server, "/sup/suppliers/add", {"name": name, "contact": "王"})
    assert "added" in page.text and name in page.text
    code = re.search(r'data-code="([^"]+)"><td>[^<]*</td><td[^>]*>' + re.escape(name), page.text).group(1)
    page = post(manager, live_server, f"/sup/suppliers/{code}/edit", {"name": name, "contact": "李"})
    assert f"{code} saved" in page.text
    assert manager.get(f"{live_server.url}/api/v1/suppliers/{code}", timeout=5).json()["supplier"]["active"] is False
    other = f"导入供应商 {uuid.uuid4().hex[:6]}"
    sheet = f"供应商编码,供应商名称,联系人,是否启用\n,{other},赵,是\n,,没有名称,是\n".encode()
    page = post(manager, live_server, "/sup/suppliers/import", {"mode": "dry_run"},
                files={"file": ("suppliers.csv", sheet, "text/csv")})
    assert 'data-row="3"' in page.text and "import_required" in page.text
    content = re.search(r'name="content" value="([^"]+)"', page.text).group(1)
    page = post(manager, live_server, "/sup/suppliers/import", {"mode": "good_rows_only", "content": content,
                                                                "filename": "suppliers.csv"})
    assert other in page.text and "loaded" in page.text
    assert live_server.session("supervisor").get(f"{live_server.url}/sup/suppliers", timeout=10).status_code == 200
