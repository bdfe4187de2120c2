"""/floor against a live server in a subprocess, with real python-socketio clients over WebSocket."""
import sqlite3
import uuid

import pytest
import socketio


def scan(client, code, scan_id=None, **context):
    return client.call("scan", {"scan_id": scan_id or str(uuid.uuid4()), "code": code, **context},
                       timeout=10)


@pytest.fixture
def picker(live_server):
    client = live_server.floor_client("picker")
    yield client
    client.disconnect()


def scan_rows(live_server, scan_id):
    with sqlite3.connect(live_server.data_dir / "wms.db") as conn:
        return conn.execute("SELECT count(*) FROM scans WHERE scan_id = ?", (scan_id,)).fetchone()[0]


def test_scanning_a_bin_shows_what_is_in_it(live_server, picker):
    ack = scan(picker, live_server.demo["bin_with_stock"])
    assert ack["ok"] and ack["kind"] == "bin" and ack["sound"] == "ok" and ack["next"] == "scan_any"
    assert ack["result"]["lines"] and ack["result"]["total_qty"] == sum(
        line["qty"] for line in ack["result"]["lines"])


def test_scanning_an_item_shows_which_bins_hold_it(live_server, picker):
    ack = scan(picker, live_server.demo["item_barcode"])
    assert ack["ok"] and ack["kind"] == "item"
    assert ack["result"]["item"]["sku"] == live_server.demo["item_sku"]
    assert live_server.demo["bin_with_stock"] in [line["bin"] for line in ack["result"]["lines"]]


def test_scanning_nonsense_is_answered_with_a_bilingual_error(live_server, picker):
    ack = scan(picker, "NOPE-123")
    assert ack == {"ok": False, "scan_id": ack["scan_id"], "sound": "error",
                   "error": {"code": "unknown_barcode",
                             "message": {"en": "Unknown barcode: NOPE-123.", "zh": "未知条码：NOPE-123。"}}}


def test_a_replayed_scan_id_gets_the_identical_ack_and_writes_nothing(live_server, picker):
    scan_id = str(uuid.uuid4())
    first = scan(picker, live_server.demo["bin_with_stock"], scan_id)
    assert scan_rows(live_server, scan_id) == 1
    again = scan(picker, live_server.demo["bin_with_stock"], scan_id)
    assert again == first
    assert scan_rows(live_server, scan_id) == 1


def test_a_replay_from_another_connection_after_a_drop_is_still_identical(live_server):
    scan_id = str(uuid.uuid4())
    first_link = live_server.floor_client("picker")
    first = scan(first_link, "NOPE-9", scan_id)
    first_link.disconnect()
    second_link = live_server.floor_client("picker")
    try:
        assert scan(second_link, "NOPE-9", scan_id) == first
    finally:
        second_link.disconnect()
    assert scan_rows(live_server, scan_id) == 1


def test_a_connection_without_login_or_device_token_is_refused(live_server):
    client = socketio.Client()
    refusals = []
    client.on("connect_error", refusals.append, namespace="/floor")
    with pytest.raises(socketio.exceptions.ConnectionError):
        client.connect(live_server.url, namespaces=["/floor"], transports=["websocket"],
                       wait_timeout=5)
    assert refusals and refusals[0]["data"]["code"] == "not_authenticated"
    assert refusals[0]["data"]["message"] == {"en": "Please log in first.", "zh": "请先登录。"}


def test_a_revoked_device_token_is_refused_and_a_valid_one_scans(live_server):
    token = live_server.manage("issue-token", "BRIDGE-01").strip()
    bridge = socketio.SimpleClient()
    bridge.connect(live_server.url, namespace="/floor", transports=["websocket"],
                   auth={"token": token}, wait_timeout=5)
    assert scan(bridge, live_server.demo["bin_with_stock"])["ok"]
    bridge.disconnect()

    live_server.manage("revoke-token", "BRIDGE-01")
    with pytest.raises(socketio.exceptions.ConnectionError):
        socketio.SimpleClient().connect(live_server.url, namespace="/floor",
                                        transports=["websocket"], auth={"token": token},
                                        wait_timeout=5)


def test_scans_are_attributed_to_the_user_and_the_device(live_server, picker):
    scan_id = str(uuid.uuid4())
    scan(picker, live_server.demo["bin_with_stock"], scan_id)
    with sqlite3.connect(live_server.data_dir / "wms.db") as conn:
        user, device = conn.execute(
            "SELECT u.username, d.code FROM scans s JOIN users u ON u.id = s.user_id "
            "JOIN devices d ON d.id = s.device_id WHERE s.scan_id = ?", (scan_id,)).fetchone()
    assert (user, device) == ("picker", "PDA-01")


def test_a_packet_the_server_cannot_read_is_answered_and_the_link_stays_up(live_server):
    """Broken JSON used to end in the server's log: the device waited for an ack that never came."""
    import queue

    client = live_server.floor_client("picker")
    try:
        link = client.client  # the SimpleClient's Client: raw Engine.IO sends
        link.eio.send('2/floor,["scan",{"scan_id": "broken')  # an EVENT (Engine.IO adds its 4), no ack id
        event, told = client.receive(timeout=10)
        assert event == "error" and told["ok"] is False and told["error"]["code"] == "bad_packet"
        assert "重新发送" in told["error"]["message"]["zh"]

        acks: queue.Queue = queue.Queue()
        ack_id = link._generate_ack_id("/floor", lambda *answer: acks.put(answer))
        link.eio.send(f'2/floor,{ack_id}["scan",{{"scan_id": ')  # with an ack id: the call is answered
        (answer,) = acks.get(timeout=10)
        assert answer["error"]["code"] == "bad_packet" and answer["sound"] == "error"
        link.eio.send("9/floor,[]")  # no such packet type
        event, told = client.receive(timeout=10)
        assert event == "error" and told["error"]["code"] == "bad_packet"

        assert scan(client, live_server.demo["bin_with_stock"])["ok"]  # the same connection still scans
    finally:
        client.disconnect()
