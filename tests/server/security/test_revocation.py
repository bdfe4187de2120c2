"""A revoked device token ends that device's open sockets within two seconds, whoever revokes it
(the CLI in another process, or an administrator over REST), and the token cannot connect again."""
from __future__ import annotations

import subprocess
import sys
import threading
import time
import uuid

import pytest
import socketio

from tests.conftest import ROOT


def new_device(live_server, kind: str) -> tuple[str, str]:
    """A device of its own (the demo's BRIDGE-01 and AGENT-01 serve other tests) and its token."""
    admin = live_server.session("admin")
    code = f"SEC-{uuid.uuid4().hex[:6].upper()}"
    answer = admin.post(f"{live_server.url}/api/v1/devices", json={"code": code, "kind": kind}, timeout=10)
    assert answer.status_code == 201, answer.text
    return code, admin.post(f"{live_server.url}/api/v1/devices/{code}/token", timeout=10).json()["token"]


class Watched:
    """A Socket.IO client that notes when the server disconnects it."""

    def __init__(self, live_server, namespace: str, token: str) -> None:
        self.client = socketio.Client(reconnection=False)
        self.gone = threading.Event()
        self.client.on("disconnect", lambda *_: self.gone.set(), namespace=namespace)
        self.client.connect(live_server.url, namespaces=[namespace], transports=["websocket"],
                            auth={"token": token}, wait_timeout=5)

    def close(self) -> None:
        self.client.disconnect()


def refused(live_server, namespace: str, token: str) -> str:
    """The refusal's error code when this token tries to connect."""
    client, errors = socketio.Client(reconnection=False), []
    client.on("connect_error", errors.append, namespace=namespace)
    with pytest.raises(socketio.exceptions.ConnectionError):
        client.connect(live_server.url, namespaces=[namespace], transports=["websocket"], auth={"token": token},
                       wait_timeout=5)
    client.disconnect()
    return errors[0]["data"]["code"]


def test_a_scanner_bridge_revoked_from_the_command_line_is_disconnected_at_once(live_server):
    code, token = new_device(live_server, "scanner_bridge")
    bridge = Watched(live_server, "/floor", token)
    try:
        assert bridge.client.call("scan", {"scan_id": str(uuid.uuid4()), "mode": "lookup", "code": "A-01-01-1"},
                                  namespace="/floor", timeout=10)["ok"]
        live_server.manage("revoke-token", code)  # another process, like an administrator's shell
        started = time.monotonic()
        assert bridge.gone.wait(5), "the revoked bridge is still connected"
        assert time.monotonic() - started < 2.0
    finally:
        bridge.close()
    assert refused(live_server, "/floor", token) == "device_token_invalid"


def test_a_printer_agent_revoked_over_rest_is_disconnected_and_refused(live_server):
    code, token = new_device(live_server, "printer_agent")
    agent = Watched(live_server, "/printers", token)
    try:
        answer = live_server.session("admin").post(f"{live_server.url}/api/v1/devices/{code}/revoke", timeout=10)
        assert answer.status_code == 200 and answer.json()["device"]["token"] == "revoked"
        assert agent.gone.wait(2.5)
    finally:
        agent.close()
    assert refused(live_server, "/printers", token) == "device_token_invalid"


def test_a_retired_scanner_bridge_is_disconnected_refused_and_never_paired_again(live_server):
    code, token = new_device(live_server, "scanner_bridge")
    bridge = Watched(live_server, "/floor", token)
    admin = live_server.session("admin")
    try:
        answer = admin.post(f"{live_server.url}/api/v1/devices/{code}/retire", timeout=10)
        assert answer.status_code == 200 and answer.json()["device"]["retired_at"]
        assert bridge.gone.wait(2.5), "the retired bridge is still connected"
    finally:
        bridge.close()
    assert refused(live_server, "/floor", token) == "device_token_invalid"
    again = admin.post(f"{live_server.url}/api/v1/devices/{code}/token", timeout=10)
    assert again.status_code == 409 and again.json()["error"]["code"] == "device_retired"
    cli = subprocess.run([sys.executable, "-m", "server", "issue-token", code], env=live_server.env, cwd=ROOT,
                         capture_output=True, text=True, timeout=60)  # nor from the command line
    assert cli.returncode != 0 and "device_retired" in cli.stderr


def test_a_new_token_ends_the_old_ones_connections_but_not_its_own(live_server):
    code, old = new_device(live_server, "scanner_bridge")
    first = Watched(live_server, "/floor", old)
    try:
        new = live_server.session("admin").post(f"{live_server.url}/api/v1/devices/{code}/token",
                                                timeout=10).json()["token"]
        assert first.gone.wait(2.5)
        second = Watched(live_server, "/floor", new)
        assert not second.gone.wait(2.5)
        second.close()
    finally:
        first.close()


def test_only_an_administrator_manages_devices(live_server):
    for role in ("supervisor", "picker"):
        answer = live_server.session(role).post(f"{live_server.url}/api/v1/devices/BRIDGE-01/revoke", timeout=10)
        assert answer.status_code == 403 and answer.json()["error"]["code"] == "forbidden"
    listing = live_server.session("admin").get(f"{live_server.url}/api/v1/devices", timeout=10).json()
    assert {"BRIDGE-01", "AGENT-01"} <= {d["code"] for d in listing}
    assert all("digest" not in key for device in listing for key in device)
