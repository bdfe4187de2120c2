"""Passwords are stored with a current algorithm and log-ins are throttled: per user name and per
client address, counted in the database so every server process agrees."""
from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta

import pytest

from server.app import create_app
from server.config import load_settings
from server.extensions import db
from server.services.people import throttle
from server.services.people.auth import NO_PASSWORD, hash_password


def log_in(client, username: str, password: str, ip: str = "10.1.0.1"):
    return client.post("/api/v1/auth/login", json={"username": username, "password": password},
                       environ_base={"REMOTE_ADDR": ip})


def test_passwords_are_hashed_with_scrypt(live_server):
    assert hash_password("demo").startswith("scrypt:")
    connection = sqlite3.connect(f"file:{live_server.data_dir / 'wms.db'}?mode=ro", uri=True)
    try:
        hashes = [row[0] for row in connection.execute("SELECT password_hash FROM users")]
    finally:
        connection.close()
    # People imported from a staff list have no password until one is set: the marker no password matches.
    assert hashes and all(h.startswith("scrypt:") or h == NO_PASSWORD for h in hashes)


def test_an_unknown_user_costs_the_same_hash_check_as_a_wrong_password(app, tiny_warehouse, monkeypatch):
    """The answer's timing must not tell which names exist: both run one check of the same algorithm and
    cost (counted, not timed: timing on a shared 2-core machine proves nothing)."""
    from server.services.people import auth

    checks: list[str] = []
    real = auth.check_password_hash

    def counted(stored: str, password: str) -> bool:
        checks.append(stored.rsplit("$", 2)[0])  # "scrypt:32768:8:1" and the salt's length, not the digest
        return real(stored, password)

    monkeypatch.setattr(auth, "check_password_hash", counted)
    client = app.test_client()
    assert log_in(client, "nobody-at-all", "wrong", ip="10.2.0.1").status_code == 401
    assert log_in(client, "pia", "wrong", ip="10.2.0.2").status_code == 401
    assert len(checks) == 2 and checks[0].split("$")[0] == checks[1].split("$")[0]
    assert checks[0].startswith("scrypt:")


@pytest.fixture
def waits(monkeypatch) -> list[float]:
    """The throttle's waits, recorded instead of spent: a fake clock moves on by each wait."""
    spent: list[float] = []
    now = [1000.0]
    start = datetime(2026, 11, 11, 8, 0, 0)

    def pause(seconds: float) -> None:
        spent.append(round(seconds, 1))
        now[0] += seconds

    monkeypatch.setattr(throttle, "pause", pause)
    monkeypatch.setattr(throttle, "clock", lambda: now[0])
    monkeypatch.setattr(throttle, "wall", lambda: start + timedelta(seconds=now[0] - 1000.0))
    monkeypatch.setattr(throttle, "_next_turn", {})
    monkeypatch.setattr(throttle, "_waiting", 0)
    return spent


def test_guessing_a_name_is_slowed_but_the_right_password_still_logs_in(app, tiny_warehouse, waits):
    client = app.test_client()
    for attempt in range(5):
        assert log_in(client, "pia", f"guess-{attempt}").json["error"]["code"] == "bad_credentials"
    assert waits == []  # five mistakes cost nothing
    for attempt in range(3):
        assert log_in(client, "pia", f"more-{attempt}").status_code == 401
    assert waits == [1.0, 2.0, 4.0]
    # Pia herself, from another handheld: answered after the back-off, and let in.
    assert log_in(app.test_client(), "pia", "pw", ip="10.1.0.2").status_code == 200
    assert waits[-1] == 8.0
    assert log_in(app.test_client(), "sue", "pw").status_code == 200 and len(waits) == 4  # others never wait
    for _ in range(4):  # her log-in cleared the name's failures
        assert log_in(client, "pia", "nope").status_code == 401
    assert len(waits) == 4


def test_the_back_off_stops_growing_at_the_longest_wait(app, tiny_warehouse, waits):
    client = app.test_client()
    for attempt in range(12):
        assert log_in(client, "pia", f"guess-{attempt}").status_code == 401
    assert waits[:4] == [1.0, 2.0, 4.0,
                         8.0]
    assert waits[4:] == [15.0] * 3
    assert log_in(client, "pia", "pw").status_code == 200


def test_a_device_pia_used_before_lets_her_in_at_once_while_her_name_is_guessed(app, tiny_warehouse, waits):
    own_handheld = app.test_client()
    assert log_in(own_handheld, "pia", "pw").status_code == 200  # the handheld now knows her
    attacker = app.test_client()
    for attempt in range(9):
        assert log_in(attacker, "pia", f"guess-{attempt}", ip="10.6.6.6").status_code == 401
    guessed = len(waits)
    assert guessed == 4
    assert log_in(own_handheld, "pia", "pw").status_code == 200 and len(waits) == guessed  # no wait
    # The cookie speeds up the right password only: a wrong one from her handheld waits like any guess.
    assert log_in(own_handheld, "pia", "wrong").status_code == 401 and len(waits) == guessed
    assert log_in(own_handheld, "sue", "pw").status_code == 200  # her handheld does not vouch for others


def test_a_forged_known_device_cookie_vouches_for_nobody(app, tiny_warehouse, waits):
    client = app.test_client()
    for attempt in range(6):
        log_in(client, "pia", f"guess-{attempt}")
    client.set_cookie("wms_known", "WzFd.forged.signature")
    assert log_in(client, "pia", "pw").status_code == 200 and len(waits) == 2  # waited like anyone


def test_parallel_guesses_of_one_name_wait_one_after_the_other(app, tiny_warehouse, waits, monkeypatch):
    client = app.test_client()
    for attempt in range(6):
        log_in(client, "pia", f"guess-{attempt}")
    assert waits == [1.0]
    answers = []
    recorded = throttle.pause

    def pause(seconds: float) -> None:  # as the first guess starts waiting, a second one arrives
        if not answers:
            answers.append(None)
            answers.append(log_in(app.test_client(), "pia", "parallel", ip="10.9.0.2").status_code)
        recorded(seconds)

    monkeypatch.setattr(throttle, "pause", pause)
    assert log_in(client, "pia", "first").status_code == 401
    assert answers[1] == 401
    second, first = waits[1], waits[2]  # the second's wait is recorded first (it ran inside the first's)
    assert first == 2.0 and second == 4.0  # queued behind it


def test_too_many_waiting_attempts_are_sent_back_unchecked(app, tiny_warehouse, waits):
    app.config["WMS"]["security"]["login_max_waiting"] = 0
    client = app.test_client()
    for attempt in range(5):
        log_in(client, "pia", f"guess-{attempt}")
    busy = log_in(client, "pia", "pw")
    assert busy.status_code == 429 and busy.json["error"]["code"] == "too_many_attempts"
    assert 1 <= int(busy.headers["Retry-After"]) <= 15
    assert "请" in busy.json["error"]["message"]["zh"]


def test_a_shared_handheld_address_guessed_from_still_lets_its_pickers_in(app, tiny_warehouse, waits):
    app.config["WMS"]["security"]["login_max_failures_per_ip"] = 8
    client = app.test_client()
    for n in range(8):
        assert log_in(client, f"user{n}", "x", ip="10.3.0.1").status_code == 401
    assert waits == []
    assert log_in(app.test_client(), "sue", "pw", ip="10.3.0.1").status_code == 200  # after a wait
    assert waits == [1.0]
    assert log_in(app.test_client(), "sue", "pw", ip="10.3.0.2").status_code == 200 and len(waits) == 1
    assert log_in(client, "user9", "x", ip="10.3.0.1").status_code == 401
    assert log_in(client, "user10", "x", ip="10.3.0.1").status_code == 401
    assert waits[-2:] == [1.0, 2.0]  # the guessing address keeps slowing down


def test_the_address_behind_a_trusted_proxy_is_the_forwarded_one(app, tiny_warehouse, waits):
    security = app.config["WMS"]["security"]
    security["login_max_failures_per_ip"] = 3
    client = app.test_client()

    def via_proxy(name: str, password: str, forwarded: str, peer: str = "127.0.0.1"):
        return client.post("/api/v1/auth/login", json={"username": name, "password": password},
                           environ_base={"REMOTE_ADDR": peer}, headers={"X-Forwarded-For": forwarded})

    # Not trusted: the header is the client's word, ignored; a guesser cannot rotate addresses with it.
    for n in range(3):
        via_proxy(f"nobody{n}", "x", f"10.20.0.{n}", peer="10.21.0.1")
    via_proxy("nobody9", "x", "10.20.0.99", peer="10.21.0.1")
    assert waits == [1.0]
    security["trusted_proxies"] = ["127.0.0.1"]
    for n in range(3):
        via_proxy(f"ghost{n}", "x", "spoofed, 10.30.0.1")
    assert len(waits) == 1
    via_proxy("ghost9", "x", "10.30.0.1")  # the same client behind nginx
    assert len(waits) == 2
    via_proxy("ghost10", "x", "10.30.0.2")  # another client behind the same nginx
    assert len(waits) == 2


def test_every_server_process_counts_the_same_failures(app, tiny_warehouse, tmp_path, waits):
    for attempt in range(6):
        log_in(app.test_client(), "pia", f"nope-{attempt}")
    assert len(waits) == 1
    # a second process on the same database (and the same data dir's key)
    other = create_app(load_settings({"WMS_DATA_DIR": str(tmp_path), "WMS_DEMO": "1"}))
    with other.app_context():
        try:
            assert log_in(other.test_client(), "pia", "pw").status_code == 200
            assert waits[-1] == 2.0
        finally:
            db.session.remove()
            for engine in db.engines.values():  # the writer and (SQLite) the readers
                engine.dispose()


def test_badge_guessing_is_slowed_too(app, tiny_warehouse, waits):
    client = app.test_client()
    for _ in range(6):
        answer = client.post("/api/v1/auth/badge", json={"badge": "BDG-GUESS"},
                             environ_base={"REMOTE_ADDR": "10.4.0.1"})
        assert answer.json["error"]["code"] == "unknown_badge"
    assert waits == [1.0]
    picker = client.post("/api/v1/auth/badge", json={"badge": "BDG-PIA"}, environ_base={"REMOTE_ADDR": "10.4.0.1"})
    assert picker.status_code == 200


def test_the_supervisor_login_page_is_slowed_as_well_and_lets_the_right_password_in(app, tiny_warehouse, waits):
    from tests.server.conftest import form_token

    client = app.test_client()
    for attempt in range(6):
        log_in(client, "sue", f"nope-{attempt}")
    page = client.post("/sup/login", data={"username": "sue", "password": "pw", "csrf_token": form_token(client)})
    assert page.status_code == 302 and waits[-1] == 2.0


def test_a_supervisors_badge_is_refused_and_counted_like_a_failure(app, tiny_warehouse, waits):
    """Badges log in floor roles only: the supervisor's real badge is refused `badge_not_allowed` (use your
    password), and repeated tries are throttled like guesses."""
    from server.db.models import User
    from server.services.people.auth import digest

    db.session.execute(db.update(User).where(User.username == "sue").values(badge_digest=digest("BDG-SUE")))
    db.session.commit()
    client = app.test_client()
    for _ in range(5):
        answer = client.post("/api/v1/auth/badge", json={"badge": "BDG-SUE"}, environ_base={"REMOTE_ADDR": "10.5.0.1"})
        assert answer.status_code == 403 and answer.json["error"]["code"] == "badge_not_allowed"
    answer = client.post("/api/v1/auth/badge", json={"badge": "BDG-SUE"}, environ_base={"REMOTE_ADDR": "10.5.0.2"})
    assert answer.status_code == 403 and waits == [1.0]  # the sixth try waited
    picker = client.post("/api/v1/auth/badge", json={"badge": "BDG-PIA"}, environ_base={"REMOTE_ADDR": "10.5.0.3"})
    assert picker.status_code == 200 and picker.json["user"]["role"] == "picker"
