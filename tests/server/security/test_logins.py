"""Passwords are stored with a current algorithm and log-ins are throttled: per user name and per
client address, counted in the database so every server process agrees."""
from __future__ import annotations

import sqlite3
import statistics
import time

from server.app import create_app
from server.config import load_settings
from server.extensions import db
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


def test_an_unknown_user_takes_as_long_as_a_wrong_password(app, tiny_warehouse):
    client = app.test_client()
    log_in(client, "nobody-warmup", "x", ip="10.9.9.9")  # the decoy hash is made once, on first use

    def median_seconds(username: str, ip: str) -> float:
        times = []
        for _ in range(4):  # under the per-name limit: every answer is a real check, none a 429
            started = time.perf_counter()
            assert log_in(client, username, "wrong", ip=ip).status_code == 401
            times.append(time.perf_counter() - started)
        return statistics.median(times)

    unknown, wrong = median_seconds("nobody-at-all", "10.2.0.1"), median_seconds("pia", "10.2.0.2")
    assert 0.5 < unknown / wrong < 2.0, (unknown, wrong)


def test_five_failures_make_the_name_wait_even_with_the_right_password(app, tiny_warehouse):
    client = app.test_client()
    for attempt in range(5):
        assert log_in(client, "pia", f"guess-{attempt}").json["error"]["code"] == "bad_credentials"
    throttled = log_in(client, "pia", "pw", ip="10.1.0.2")  # another address does not help either
    assert throttled.status_code == 429 and throttled.json["error"]["code"] == "too_many_attempts"
    assert 1 <= int(throttled.headers["Retry-After"]) <= 300
    assert "请" in throttled.json["error"]["message"]["zh"]
    assert log_in(client, "sue", "pw").status_code == 200  # other names are not affected


def test_a_successful_log_in_clears_the_names_failures(app, tiny_warehouse):
    client = app.test_client()
    for _ in range(4):
        log_in(client, "pia", "nope")
    assert log_in(client, "pia", "pw").status_code == 200
    for _ in range(4):
        assert log_in(client, "pia", "nope").status_code == 401


def test_one_address_trying_many_names_is_throttled_alone(app, tiny_warehouse):
    app.config["WMS"]["security"]["login_max_failures_per_ip"] = 8
    client = app.test_client()
    for n in range(8):
        assert log_in(client, f"user{n}", "x", ip="10.3.0.1").status_code == 401
    assert log_in(client, "sue", "pw", ip="10.3.0.1").status_code == 429
    assert log_in(client, "sue", "pw", ip="10.3.0.2").status_code == 200


def test_badge_guessing_is_throttled_too(app, tiny_warehouse):
    client = app.test_client()
    for _ in range(5):
        answer = client.post("/api/v1/auth/badge", json={"badge": "BDG-GUESS"},
                             environ_base={"REMOTE_ADDR": "10.4.0.1"})
        assert answer.json["error"]["code"] == "unknown_badge"
    answer = client.post("/api/v1/auth/badge", json={"badge": "BDG-GUESS"}, environ_base={"REMOTE_ADDR": "10.4.0.9"})
    assert answer.status_code == 429 and "Retry-After" in answer.headers


def test_every_server_process_counts_the_same_failures(app, tiny_warehouse, tmp_path):
    for _ in range(5):
        log_in(app.test_client(), "pia", "nope")
    # a second process on the same database (and the same data dir's key)
    other = create_app(load_settings({"WMS_DATA_DIR": str(tmp_path), "WMS_DEMO": "1"}))
    with other.app_context():
        try:
            assert log_in(other.test_client(), "pia", "pw").status_code == 429
        finally:
            db.session.remove()
            for engine in db.engines.values():  # the writer and (SQLite) the readers
                engine.dispose()


def test_the_supervisor_login_page_is_throttled_as_well(app, tiny_warehouse):
    from tests.server.conftest import form_token

    client = app.test_client()
    for _ in range(5):
        log_in(client, "sue", "nope")
    page = client.post("/sup/login", data={"username": "sue", "password": "pw", "csrf_token": form_token(client)})
    assert page.status_code == 429 and "Too many failed log-ins" in page.get_data(as_text=True)


def test_a_supervisors_badge_is_refused_and_counted_like_a_failure(app, tiny_warehouse):
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
    assert answer.status_code == 429
    picker = client.post("/api/v1/auth/badge", json={"badge": "BDG-PIA"}, environ_base={"REMOTE_ADDR": "10.5.0.3"})
    assert picker.status_code == 200 and picker.json["user"]["role"] == "picker"
