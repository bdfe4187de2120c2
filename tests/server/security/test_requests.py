"""What a request must be to be served: session cookies that scripts and other sites cannot use, form
posts with their CSRF token, uploads that only our own pages can make, and bodies of a sane size."""
from __future__ import annotations

import re
import uuid

import pytest
import requests
import socketio
from itsdangerous import TimestampSigner

from server.app import create_app
from server.config import load_settings
from server.extensions import db
from tests.server.security.test_revocation import new_device

UPLOAD = {"X-Requested-With": "test"}


def form_token(http: requests.Session, url: str) -> str:
    return re.search(r'name="csrf-token" content="([^"]+)"', http.get(url, timeout=10).text).group(1)


# -- cookies ------------------------------------------------------------------------------------

def test_the_session_cookie_is_http_only_same_site_and_expires(live_server):
    answer = requests.post(f"{live_server.url}/api/v1/auth/login", json={"username": "picker", "password": "demo"},
                           timeout=5)
    cookie = answer.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Expires=" in cookie
    assert "Secure" not in cookie  # the demo is plain HTTP: config/production.example.toml turns it on


def test_a_log_in_lasts_its_hours_from_the_log_in_even_when_used_all_along(app, tiny_warehouse, monkeypatch):
    now = [1_800_000_000]
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: now[0])  # the clock of the signatures
    client = app.test_client()
    assert client.post("/api/v1/auth/login", json={"username": "pia", "password": "pw"}).status_code == 200
    now[0] += 11 * 3600
    used = client.get("/api/v1/auth/me")
    assert used.status_code == 200 and "Set-Cookie" not in used.headers  # the log-in is not extended
    now[0] += 2 * 3600  # 13 h after the log-in, 2 h after the last request
    assert client.get("/api/v1/auth/me").json["error"]["code"] == "not_authenticated"


def test_secure_cookies_when_configured(tmp_path):
    settings = load_settings({"WMS_DATA_DIR": str(tmp_path), "WMS_DEMO": "1"})
    settings["server"] |= {"secure_cookies": True, "session_hours": 8}
    app = create_app(settings)
    try:
        assert app.config["SESSION_COOKIE_SECURE"] is True
        assert app.config["PERMANENT_SESSION_LIFETIME"].total_seconds() == 8 * 3600
    finally:
        with app.app_context():
            for engine in db.engines.values():  # the writer and (SQLite) the readers
                engine.dispose()


# -- CSRF ---------------------------------------------------------------------------------------

def test_a_supervisor_form_post_without_its_token_is_refused(live_server):
    boss = live_server.session("supervisor")
    form = {"zone": "B", "printer": live_server.demo["printer"], "dpi": "203"}
    refused = boss.post(f"{live_server.url}/sup/bins/print", data=form, timeout=10, allow_redirects=False)
    assert refused.status_code == 400 and "csrf_failed" in refused.text
    forged = boss.post(f"{live_server.url}/sup/bins/print", data=form | {"csrf_token": "forged"}, timeout=10,
                       allow_redirects=False)
    assert forged.status_code == 400
    token = form_token(boss, f"{live_server.url}/sup/bins?zone=B")
    accepted = boss.post(f"{live_server.url}/sup/bins/print", data=form | {"csrf_token": token}, timeout=10,
                         allow_redirects=False)
    assert accepted.status_code == 302 and "/sup/print-jobs" in accepted.headers["Location"]


def test_the_login_form_needs_its_token_too(live_server):
    browser = requests.Session()
    credentials = {"username": "supervisor", "password": "demo"}
    assert browser.post(f"{live_server.url}/sup/login", data=credentials, timeout=10).status_code == 400
    token = form_token(browser, f"{live_server.url}/sup/login")
    logged_in = browser.post(f"{live_server.url}/sup/login", data=credentials | {"csrf_token": token}, timeout=10,
                             allow_redirects=False)
    assert logged_in.status_code == 302


def test_a_cookie_upload_needs_the_custom_header_a_cross_site_form_cannot_send(live_server):
    boss = live_server.session("supervisor")
    csv = b"order_no,channel,customer_name,phone,address,carrier,sku,qty\n"
    url = f"{live_server.url}/api/v1/orders/import"
    for forged in ({"files": {"file": ("o.csv", csv)}}, {"data": csv, "headers": {"Content-Type": "text/plain"}},
                   {"data": {"file": "x"}}):
        answer = boss.post(url, timeout=10, **forged)
        assert answer.status_code == 400 and answer.json()["error"]["code"] == "csrf_failed", answer.text
    assert boss.post(url, files={"file": ("o.csv", csv)}, headers=UPLOAD, timeout=10).json()["error"]["code"] != \
        "csrf_failed"


def test_another_sites_page_cannot_post_with_the_cookie(live_server):
    boss = live_server.session("supervisor")
    answer = boss.post(f"{live_server.url}/api/v1/orders/NOPE-1/release", headers={"Origin": "https://evil.example"},
                       timeout=10)
    assert answer.status_code == 400 and answer.json()["error"]["code"] == "csrf_failed"
    ours = boss.post(f"{live_server.url}/api/v1/orders/NOPE-1/release", headers={"Origin": live_server.url},
                     timeout=10)
    assert ours.json()["error"]["code"] == "not_found"


def test_json_routes_read_only_json_bodies(live_server):
    """What keeps the JSON API safe without tokens: a form-encoded or text body is never taken as JSON."""
    answer = requests.post(f"{live_server.url}/api/v1/auth/login", data='{"username": "picker", "password": "demo"}',
                           headers={"Content-Type": "text/plain"}, timeout=5)
    assert answer.status_code == 400 and answer.json()["error"]["code"] == "bad_request"


def test_device_tokens_need_no_csrf_header(live_server):
    _, token = new_device(live_server, "scanner_bridge")
    answer = requests.post(f"{live_server.url}/api/v1/orders/import", data=b"x", timeout=10,
                           headers={"Authorization": f"Bearer {token}", "Content-Type": "text/csv"})
    assert answer.json()["error"]["code"] == "forbidden"  # judged by its rights, not refused as forged


# -- payload limits -----------------------------------------------------------------------------

def test_an_oversized_rest_body_is_refused_with_413(live_server):
    boss = live_server.session("supervisor")
    huge = {"number": "BIG-1", "lines": [{"sku": "TB03-1", "qty": 1, "note": "x" * 2_000_000}]}
    answer = boss.post(f"{live_server.url}/api/v1/orders", json=huge, timeout=30)
    assert answer.status_code == 413
    error = answer.json()["error"]
    assert error["code"] == "payload_too_large" and "1048576" in error["message"]["en"]
    import_sized = boss.post(f"{live_server.url}/api/v1/orders/import", headers=UPLOAD, timeout=30,
                             files={"file": ("o.csv", b"order_no\n" + b"x" * 2_000_000)})
    assert import_sized.status_code != 413  # imports may be larger ...
    too_big = boss.post(f"{live_server.url}/api/v1/orders/import", headers=UPLOAD, timeout=30,
                        files={"file": ("o.csv", b"x" * 9_000_000)})
    assert too_big.status_code == 413  # ... up to 8 MB


def test_an_oversized_socket_message_drops_that_socket_and_others_carry_on(live_server):
    bystander = live_server.floor_client("picker")
    offender = live_server.floor_client("picker", device="PDA-BIG")
    try:
        try:
            offender.call("scan", {"scan_id": str(uuid.uuid4()), "mode": "lookup", "code": "A" * 100_000}, timeout=3)
            answered = True
        except (socketio.exceptions.TimeoutError, socketio.exceptions.DisconnectedError):
            answered = False
        assert not answered, "a 100 KB scan must not be handled"
        ack = bystander.call("scan", {"scan_id": str(uuid.uuid4()), "mode": "lookup", "code": "A-01-01-1"}, timeout=10)
        assert ack["ok"]
    finally:
        offender.disconnect()
        bystander.disconnect()
    assert requests.get(f"{live_server.url}/healthz", timeout=5).status_code == 200


def test_json_nested_thousands_deep_or_with_a_lone_surrogate_is_a_clear_400(live_server):
    http = live_server.session("supervisor")
    deep = '{"lines": ' + "[" * 5000 + "]" * 5000 + "}"
    for body in (deep, '{"supplier": "SUP-YW", "lines": [{"sku": "\\udcff", "qty": 1}]}',
                 '{"\\ud800": 1}'):
        answer = http.post(f"{live_server.url}/api/v1/purchase-orders", data=body,
                           headers={"Content-Type": "application/json"}, timeout=10)
        assert answer.status_code == 400, (body[:40], answer.status_code, answer.text[:200])
        assert answer.json()["error"]["code"] == "bad_request"


def test_the_handheld_folder_serves_only_its_own_files_however_the_path_is_spelled(live_server):
    for path in ("/hh/./package.json", "/hh/package-lock.json", "/hh/x/../package.json",
                 "/hh/./node_modules/socket.io-client/package.json", "/hh/.hidden.js"):
        assert requests.get(live_server.url + path, timeout=10).status_code == 404, path
    assert requests.get(live_server.url + "/hh/app.js", timeout=10).status_code == 200


def test_a_printer_agent_is_not_let_onto_the_floor_namespace(live_server):
    token = (live_server.data_dir / "token-AGENT-01.txt").read_text().strip()
    with pytest.raises(socketio.exceptions.ConnectionError):
        socketio.SimpleClient().connect(live_server.url, namespace="/floor", transports=["websocket"],
                                        auth={"token": token}, wait_timeout=5)


def test_logging_out_ends_the_session_on_the_server_a_copied_cookie_included(live_server):
    name = f"leaver{uuid.uuid4().hex[:6]}"
    made = live_server.session("admin").post(f"{live_server.url}/api/v1/users", json={
        "username": name, "password": "ten chars or more", "role": "picker", "name": "Leaver"}, timeout=10)
    assert made.status_code == 201, made.text
    http = live_server.session(name, "ten chars or more")
    copied = requests.Session()
    copied.cookies.update(http.cookies)  # what a thief kept, or another tab
    assert copied.get(f"{live_server.url}/api/v1/auth/me", timeout=10).status_code == 200
    assert http.post(f"{live_server.url}/api/v1/auth/logout", timeout=10).status_code == 200
    refused = copied.get(f"{live_server.url}/api/v1/auth/me", timeout=10)
    assert refused.status_code == 401 and refused.json()["error"]["code"] == "not_authenticated"
    cookie = "; ".join(f"{k}={v}" for k, v in copied.cookies.items())
    with pytest.raises(socketio.exceptions.ConnectionError):
        socketio.SimpleClient().connect(live_server.url, namespace="/floor", transports=["websocket"],
                                        headers={"Cookie": cookie}, auth={"device": "PDA-01"}, wait_timeout=5)
    again = live_server.session(name, "ten chars or more")  # a new log-in works as before
    assert again.get(f"{live_server.url}/api/v1/auth/me", timeout=10).status_code == 200


def test_a_session_cannot_name_a_scanner_bridge_or_an_agent_as_its_device(live_server):
    for device in ("BRIDGE-01", "AGENT-01"):
        http = requests.Session()
        answer = http.post(f"{live_server.url}/api/v1/auth/login",
                           json={"username": "manager", "password": "demo", "device": device}, timeout=10)
        assert answer.status_code == 200
        who = http.get(f"{live_server.url}/api/v1/auth/whoami", timeout=10).json()
        assert (who["user"], who["device"], who["kind"]) == ("manager", None, None), who
    http = requests.Session()  # a handheld's own name is kept
    http.post(f"{live_server.url}/api/v1/auth/login", json={"username": "picker", "password": "demo",
                                                            "device": "PDA-01"}, timeout=10)
    assert http.get(f"{live_server.url}/api/v1/auth/whoami", timeout=10).json()["device"] == "PDA-01"


def test_outside_the_demo_a_handheld_is_who_its_token_says_never_what_a_body_claims(app, tiny_warehouse):
    from server.realtime.floor import authenticate
    from server.services.people.auth import issue_device_token

    app.config["WMS"]["security"]["trust_device_names"] = False  # as outside the demo
    token, agent_token = issue_device_token("PDA-T"), issue_device_token("AGENT-T")
    pia = user_id(app, "pia")
    client = app.test_client()
    claimed = client.post("/api/v1/auth/login", json={"username": "pia", "password": "pw", "device": "PDA-T"})
    assert claimed.status_code == 200 and claimed.json["device"] is None  # a name alone proves nothing
    assert client.get("/api/v1/auth/whoami").json["device"] is None

    proven = client.post("/api/v1/auth/login", json={"username": "pia", "password": "pw", "device": "PDA-99",
                                                     "device_token": token})
    assert proven.status_code == 200 and proven.json["device"] == "PDA-T"  # the token decides, not the name
    assert client.get("/api/v1/auth/whoami").json["device"] == "PDA-T"

    agent = client.post("/api/v1/auth/login", json={"username": "pia", "password": "pw",
                                                    "device_token": agent_token})
    assert agent.status_code == 403 and agent.json["error"]["code"] == "device_not_a_handheld"
    assert "手持终端" in agent.json["error"]["message"]["zh"]
    forged = client.post("/api/v1/auth/login", json={"username": "pia", "password": "pw", "device_token": "x" * 43})
    assert forged.status_code == 401 and forged.json["error"]["code"] == "device_token_invalid"

    with app.test_request_context():  # the socket's connect payload the same way
        from flask import session

        session["user_id"], session["sid"] = pia, "s1"
        assert authenticate({"device": "PDA-T"}).device_code is None
        assert authenticate({"device": "PDA-99", "device_token": token}).device_code == "PDA-T"


def user_id(app, username: str) -> int:
    from server.db.models import User

    return db.session.execute(db.select(User.id).where(User.username == username)).scalar_one()
