"""Starting empty, safely (docs/setup.md), as a site runs it: `python -m server setup` and `serve` as real
processes. An empty warehouse gets exactly one admin and nothing else; outside the demo a missing or weak
secret key, or the demo's data dir, is refused with a clear message and exit code 2; the demo keeps a
key of its own per data dir."""
from __future__ import annotations

import os
import pty
import secrets
import select
import shutil
import signal
import sqlite3
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests

from tests.conftest import ROOT, free_port

OWN_KEY = secrets.token_hex(32)


def clean_env(data_dir: Path, **extra: str) -> dict[str, str]:
    """The machine's environment without any WMS_ setting a developer may have exported."""
    return {k: v for k, v in os.environ.items() if not k.startswith("WMS_")} | {
        "WMS_DATA_DIR": str(data_dir), "WMS_PORT": str(free_port())} | extra


def manage(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "server", *args], env=env, cwd=ROOT, capture_output=True,
                          text=True, timeout=120, stdin=subprocess.DEVNULL)


@contextmanager
def serving(env: dict[str, str]) -> Iterator[str]:
    """`python -m server serve` until healthy (polling /healthz); stopped afterwards."""
    log = Path(env["WMS_DATA_DIR"]) / "server.log"
    with open(log, "wb") as out:
        process = subprocess.Popen([sys.executable, "-m", "server", "serve"], env=env, cwd=ROOT, stdout=out,
                                   stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{env['WMS_PORT']}"
    try:
        deadline = time.monotonic() + 30
        while True:
            assert process.poll() is None, log.read_text()
            assert time.monotonic() < deadline, "not healthy in time:\n" + log.read_text()
            try:
                if requests.get(f"{url}/healthz", timeout=1).status_code == 200:
                    break
            except requests.RequestException:
                time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


def log_in(url: str, username: str, password: str) -> tuple[requests.Session, requests.Response]:
    http = requests.Session()
    return http, http.post(f"{url}/api/v1/auth/login", json={"username": username, "password": password},
                           timeout=5)


def users(data_dir: Path) -> list[tuple[str, str]]:
    with sqlite3.connect(data_dir / "wms.db") as connection:
        return connection.execute("SELECT username, role FROM users ORDER BY id").fetchall()


@pytest.fixture(scope="module")
def demo_dirs(tmp_path_factory) -> tuple[Path, Path]:
    """Two demo warehouses, set up side by side (`setup --demo`, no WMS_SECRET_KEY)."""
    dirs = (tmp_path_factory.mktemp("demo-one"), tmp_path_factory.mktemp("demo-two"))
    setups = [subprocess.Popen([sys.executable, "-m", "server", "setup", "--demo"], env=clean_env(d), cwd=ROOT,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True) for d in dirs]
    for setup in setups:
        output, _ = setup.communicate(timeout=120)
        assert setup.returncode == 0, output
    return dirs


def test_an_empty_start_has_one_admin_who_logs_in_and_no_items_bins_or_demo_users(tmp_path):
    env = clean_env(tmp_path, WMS_SECRET_KEY=OWN_KEY, WMS_ADMIN_USER="boss", WMS_ADMIN_PASSWORD="ten chars!")
    done = manage(env, "setup")
    assert done.returncode == 0, done.stderr
    assert "admin boss created" in done.stdout
    assert users(tmp_path) == [("boss", "admin")]
    assert not (tmp_path / "secret-key").exists()  # its own key is the one it was given

    with serving(env) as url:
        admin, answer = log_in(url, "boss", "ten chars!")
        assert answer.status_code == 200, answer.text
        assert answer.json()["user"]["role"] == "admin"
        assert admin.get(f"{url}/api/v1/items", timeout=5).json() == []
        assert admin.get(f"{url}/api/v1/bins", timeout=5).json() == []
        assert log_in(url, "picker", "demo")[1].status_code == 401
        assert log_in(url, "admin", "demo")[1].status_code == 401
        badge = requests.post(f"{url}/api/v1/auth/badge", json={"badge": "BDG-ADMIN-0001"}, timeout=5)
        assert badge.status_code == 401

    again = manage(clean_env(tmp_path, WMS_SECRET_KEY=OWN_KEY), "setup")  # no admin variables needed now
    assert again.returncode == 0, again.stderr
    assert users(tmp_path) == [("boss", "admin")]


def test_on_a_terminal_setup_asks_for_the_first_admin_and_the_password_twice(tmp_path):
    pid, terminal = pty.fork()
    if pid == 0:  # the child: setup on a terminal, as someone types at it
        os.chdir(ROOT)
        os.execve(sys.executable, [sys.executable, "-m", "server", "setup"],
                  clean_env(tmp_path, WMS_SECRET_KEY=OWN_KEY))
    shown = b""

    def answer(prompt: str, typed: str) -> None:
        nonlocal shown
        deadline = time.monotonic() + 60
        while prompt.encode() not in shown:
            assert time.monotonic() < deadline, shown.decode(errors="replace")
            if select.select([terminal], [], [], 0.5)[0]:
                shown += os.read(terminal, 4096)
        shown = shown.split(prompt.encode(), 1)[1]
        os.write(terminal, typed.encode() + b"\n")

    try:
        answer("用户名: ", "chief")
        answer("个字符）: ", "too short")
        answer("个字符）: ", "long enough")
        answer("再输入一次: ", "long enough")
    except BaseException:
        os.kill(pid, signal.SIGKILL)
        raise
    finally:
        status = os.waitpid(pid, 0)[1]
        os.close(terminal)
    assert os.waitstatus_to_exitcode(status) == 0
    assert users(tmp_path) == [("chief", "admin")]


def test_the_first_admin_needs_both_variables_when_nobody_is_at_a_terminal(tmp_path):
    done = manage(clean_env(tmp_path, WMS_SECRET_KEY=OWN_KEY, WMS_ADMIN_USER="boss"), "setup")
    assert done.returncode == 2
    assert "No user exists yet: set WMS_ADMIN_USER and WMS_ADMIN_PASSWORD" in done.stderr
    assert "尚无任何用户" in done.stderr and "Traceback" not in done.stderr
    assert users(tmp_path) == []


def test_a_first_admin_password_under_ten_characters_is_refused(tmp_path):
    env = clean_env(tmp_path, WMS_SECRET_KEY=OWN_KEY, WMS_ADMIN_USER="boss", WMS_ADMIN_PASSWORD="123456789")
    done = manage(env, "setup")
    assert done.returncode == 2
    assert "The password must have at least 10 characters." in done.stderr
    assert "密码至少需要 10 个字符" in done.stderr
    assert users(tmp_path) == []


@pytest.mark.parametrize("command", ["setup", "serve"])
@pytest.mark.parametrize(("key", "why_en", "why_zh"), [
    (None, "WMS_SECRET_KEY is not set", "未设置 WMS_SECRET_KEY"),
    ("demo-secret-change-me", "WMS_SECRET_KEY is the demo key that used to ship in config/default.toml",
     "以前随 config/default.toml 发布的演示密钥"),
    ("x" * 31, "WMS_SECRET_KEY has 31 characters; it needs at least 32", "只有 31 个字符，至少需要 32 个"),
])
def test_outside_the_demo_a_missing_or_weak_secret_key_is_refused(tmp_path, command, key, why_en, why_zh):
    env = clean_env(tmp_path, WMS_ADMIN_USER="boss", WMS_ADMIN_PASSWORD="ten chars!",
                    **({"WMS_SECRET_KEY": key} if key else {}))
    done = manage(env, command)
    assert done.returncode == 2, done.stdout + done.stderr
    assert f"Refusing to start: {why_en}" in done.stderr
    assert "Outside the demo the server needs a secret key of its own (32 characters or more" in done.stderr
    assert "拒绝启动" in done.stderr and why_zh in done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "wms.db").exists()  # refused before touching anything


def test_the_demo_makes_a_key_of_its_own_per_data_dir_and_keeps_it(demo_dirs):
    one, two = demo_dirs
    keys = [(d / "secret-key").read_text().strip() for d in demo_dirs]
    assert keys[0] != keys[1] and all(len(k) >= 32 for k in keys)
    assert stat.S_IMODE((one / "secret-key").stat().st_mode) == 0o600

    env = clean_env(one, WMS_DEMO="1")
    with serving(env) as url:
        picker, answer = log_in(url, "picker", "demo")
        assert answer.status_code == 200
    with serving(env) as url:  # the next run signs with the same key: yesterday's cookie still works
        assert picker.get(f"{url}/api/v1/auth/me", timeout=5).json()["user"]["username"] == "picker"
    assert (one / "secret-key").read_text().strip() == keys[0]


@pytest.mark.parametrize("command", ["setup", "serve"])
def test_outside_the_demo_a_demo_data_dir_is_refused(demo_dirs, command):
    env = clean_env(demo_dirs[1], WMS_DEMO="0", WMS_SECRET_KEY=OWN_KEY)
    done = manage(env, command)
    assert done.returncode == 2, done.stdout + done.stderr
    assert f"This data dir ({demo_dirs[1]}) holds the demo warehouse; use another WMS_DATA_DIR" in done.stderr
    assert "存放的是演示仓库" in done.stderr and "Traceback" not in done.stderr


def test_a_demo_seeded_before_site_facts_is_known_by_its_admin_badge(demo_dirs, tmp_path):
    older = shutil.copytree(demo_dirs[0], tmp_path / "older-demo")
    with sqlite3.connect(older / "wms.db") as connection:
        connection.execute("DELETE FROM site_facts WHERE key = 'demo'")
    done = manage(clean_env(older, WMS_SECRET_KEY=OWN_KEY), "serve")
    assert done.returncode == 2, done.stdout + done.stderr
    assert "holds the demo warehouse" in done.stderr


def test_the_demo_is_not_loaded_into_a_warehouse_of_ones_own(tmp_path):
    env = clean_env(tmp_path, WMS_SECRET_KEY=OWN_KEY, WMS_ADMIN_USER="boss", WMS_ADMIN_PASSWORD="ten chars!")
    assert manage(env, "setup").returncode == 0
    done = manage(env, "setup", "--demo")
    assert done.returncode == 2
    assert "This data dir holds a warehouse of its own, not the demo" in done.stderr
    assert users(tmp_path) == [("boss", "admin")]
