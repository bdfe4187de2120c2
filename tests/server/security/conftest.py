"""Security tests: a fresh live server of their own (fuzzing and refused calls write junk that other
tests must not see), principals for every role and device kind, and a fingerprint of the database to
prove that a refused call wrote nothing."""
from __future__ import annotations

import hashlib
import json
import sqlite3
import subprocess
import sys

import pytest
import requests

from tests.conftest import ROOT, LiveServer, start_server, stop_server

# The roles, written out (docs/security.md): not imported from the code the tests check.
ROLES = ("picker", "receiver", "inspector", "packer", "supervisor", "manager", "admin", "viewer")
DEVICES = {"scanner_bridge": "BRIDGE-01", "printer_agent": "AGENT-01"}
PRINCIPALS = (*ROLES, "anonymous", *DEVICES)

# Tables a refused call may legitimately write: the scan store (a refusal is stored so its replay is
# identical), telemetry, and whatever the audit trail / login throttling keep about attempts.
UNWATCHED = ("scans", "floor_telemetry", "alembic_version")
UNWATCHED_WORDS = ("audit", "attempt", "login", "throttle", "revoked", "session")
# Columns that change on every authenticated request by design.
UNWATCHED_COLUMNS = {"devices": {"last_seen_at"}}


@pytest.fixture(scope="module")
def own_server(tmp_path_factory, printer_emulator):
    server = start_server(tmp_path_factory.mktemp("wms-security"), printer_emulator.port)
    yield server
    stop_server(server)


def client(server: LiveServer, principal: str) -> requests.Session:
    """A requests session acting as `principal`: a logged-in role, a device token, or nobody."""
    if principal in ROLES:
        http = server.session(principal)
        http.headers["X-Requested-With"] = "XMLHttpRequest"  # as our own pages send uploads (CSRF rule)
        return http
    http = requests.Session()
    if principal in DEVICES:
        token = (server.data_dir / f"token-{DEVICES[principal]}.txt").read_text().strip()
        http.headers["Authorization"] = f"Bearer {token}"
    return http


def fingerprint(server: LiveServer) -> dict[str, str]:
    """A digest of every watched table's rows: equal fingerprints mean nothing was written."""
    connection = sqlite3.connect(f"file:{server.data_dir / 'wms.db'}?mode=ro", uri=True)
    try:
        tables = [row[0] for row in connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")]
        digests = {}
        for table in tables:
            if table in UNWATCHED or any(word in table for word in UNWATCHED_WORDS):
                continue
            columns = [row[1] for row in connection.execute(f'PRAGMA table_info("{table}")')
                       if row[1] not in UNWATCHED_COLUMNS.get(table, ())]
            digest = hashlib.sha256()
            for row in connection.execute(f'SELECT {", ".join(chr(34) + c + chr(34) for c in columns)} '
                                          f'FROM "{table}" ORDER BY rowid'):
                digest.update(repr(row).encode())
            digests[table] = digest.hexdigest()
        return digests
    finally:
        connection.close()


def changed_tables(before: dict[str, str], after: dict[str, str]) -> list[str]:
    return sorted(t for t in set(before) | set(after) if before.get(t) != after.get(t))


def assert_books_balance(server: LiveServer, supervisor: requests.Session | None = None) -> None:
    """GET /stock/check balanced, and `python -m server check-ledger` exits 0 on the server's data dir."""
    supervisor = supervisor or server.session("supervisor")
    answer = supervisor.get(f"{server.url}/api/v1/stock/check", timeout=30)
    assert answer.status_code == 200 and answer.json()["balanced"], answer.text
    done = subprocess.run([sys.executable, "-m", "server", "check-ledger"], env=server.env, cwd=ROOT,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
    assert json.loads(done.stdout.strip().splitlines()[-1])["balanced"] is True
