"""The USB/serial scanner bridge, end to end: a pty stands in for the scanner, the bridge runs as the
script people run, the server is a real one of our own (stopped and restarted here), and the server's
scan log says what arrived, in which order, how often."""
from __future__ import annotations

import importlib.util
import json
import re
import shutil
import sys

import pytest

from tests.scripts.conftest import (ACKED, BRIDGE, DEVICE, READ, bin_codes, bridge_scans, last_scan_id, queued,
                                    restart_server, wait_for_scans)
from tests.conftest import free_port, stop_server

GS = "\x1d"


def load_bridge_module():
    spec = importlib.util.spec_from_file_location("scan_bridge", BRIDGE)
    module = importlib.util.module_from_spec(spec)
    sys.modules["scan_bridge"] = module
    spec.loader.exec_module(module)
    return module


scan_bridge = load_bridge_module()


def token_file(server):
    return server.data_dir / f"token-{DEVICE}.txt"


# ---------------------------------------------------------------------------------------------
# Reading the byte stream (in-process: every way a read can split a scan)


@pytest.mark.parametrize("terminator, stream", [
    ("cr", b"A-01-01-1\rA-01-01-2\r"),
    ("lf", b"A-01-01-1\nA-01-01-2\n"),
    ("crlf", b"A-01-01-1\r\nA-01-01-2\r\n"),
    ("any", b"A-01-01-1\rA-01-01-2\n"),
    ("any", b"A-01-01-1\r\nA-01-01-2\r\n"),
    ("any", b"\r\n\r\nA-01-01-1\r\n\n\rA-01-01-2\r"),   # empty lines are ignored
    ("cr", b"A-01-01-1\r\nA-01-01-2\r\n"),               # scanner sends CR LF, bridge splits on CR
])
def test_every_terminator_yields_the_scans_whatever_the_read_boundaries(terminator, stream):
    for cut in range(len(stream) + 1):  # a read timeout may fall anywhere, also between CR and LF
        splitter = scan_bridge.LineSplitter(terminator)
        lines = splitter.feed(stream[:cut]) + splitter.feed(stream[cut:])
        assert lines == [b"A-01-01-1", b"A-01-01-2"], (terminator, cut)


def test_a_line_without_the_configured_terminator_is_not_buffered_forever():
    splitter = scan_bridge.LineSplitter("crlf", max_line=64)
    assert splitter.feed(b"X" * 100) == []
    assert splitter.feed(b"A-01-01-1\r\n") == [b"A-01-01-1"]


def test_cleaning_keeps_gs_and_aim_ids_unless_told_otherwise():
    gs1 = f"]C10106901234567892{GS}10LOT42{GS}17271231".encode()
    assert scan_bridge.CodeCleaner().clean(gs1) == gs1.decode()
    assert scan_bridge.CodeCleaner(strip_aim=True).clean(gs1) == gs1.decode()[3:]
    site = scan_bridge.CodeCleaner(strip_prefixes=(scan_bridge.unescape("\\x02"),), strip_suffixes=("#",))
    assert site.clean(b"\x02A-01-01-1#") == "A-01-01-1"
    assert site.clean(b"A-01-01-1") == "A-01-01-1"
    assert site.clean("货位".encode()) == "货位"


# ---------------------------------------------------------------------------------------------
# End to end


def test_scans_with_each_terminator_gs1_and_stripping_reach_the_server_as_read(
        server, make_scanner, run_bridge):
    start = last_scan_id(server)
    barcode = server.demo["item_barcode"]
    bins = bin_codes(server, 2)
    gs1 = f"]C101{barcode.zfill(14)}10LOT42{GS}17271231"
    scanner = make_scanner()
    bridge = run_bridge(server.url, token_file(server), [scanner.link], "--mode", "lookup",
                        "--strip-prefix", "\\x02", "--strip-suffix", "#")
    bridge.wait_for("open")

    scanner.type(bins[0].encode() + b"\r")               # CR
    scanner.type(barcode.encode() + b"\n")               # LF
    scanner.type(gs1.encode() + b"\r\n")                 # CR LF, GS inside the code
    scanner.type(b"\r\n\n")                              # empty lines: nothing
    scanner.type(b"\x02" + bins[1].encode() + b"#\r")    # the site's STX prefix and # suffix go

    rows = wait_for_scans(server, start, 4)
    bridge.wait_for(ACKED, 4)
    assert [row["code"] for row in rows] == [bins[0], barcode, gs1, bins[1]]
    assert [row["mode"] for row in rows] == ["lookup"] * 4
    first = json.loads(rows[0]["ack_json"])
    assert first["ok"] and first["kind"] == "bin" and first["result"]["bin"]["code"] == bins[0]
    assert rows[1]["ok"] and rows[1]["kind"] == "item"
    assert GS in rows[2]["code"], "the FNC1 separator must reach the server"
    assert queued(bridge.queue_dir) == []
    assert bridge.count(rf"INFO ack .*: ok bin {bins[0]}") == 1, "each ack is logged with its outcome"


def test_scans_made_while_the_server_is_down_arrive_after_restart_in_order_once(
        server, make_scanner, run_bridge, tmp_path):
    start = last_scan_id(server)
    codes = bin_codes(server, 7)
    scanner = make_scanner()
    bridge = run_bridge(server.url, token_file(server), [scanner.link], "--mode", "lookup")
    bridge.wait_for("open")
    for code in codes[:2]:
        scanner.type(code.encode() + b"\r")
    assert len(wait_for_scans(server, start, 2)) == 2

    stop_server(server)
    for code in codes[2:]:
        scanner.type(code.encode() + b"\r\n")
    bridge.wait_for(READ, 7)
    bridge.wait_for("not reachable")
    waiting = queued(tmp_path / "queue")
    assert [scan["code"] for scan in waiting] == codes[2:], "scans wait on disk, oldest first"
    assert len({scan["scan_id"] for scan in waiting}) == 5

    restart_server(server)
    rows = wait_for_scans(server, start, 7)
    bridge.wait_for(ACKED, 7)
    assert [row["code"] for row in rows] == codes, "replayed in the order read"
    assert [row["scan_id"] for row in rows[2:]] == [scan["scan_id"] for scan in waiting]
    assert all(row["ok"] for row in rows)
    assert queued(tmp_path / "queue") == []
    assert len(bridge_scans(server, start)) == 7, "each scan exactly once"
    assert bridge.process.poll() is None


def test_unplug_and_replug_while_scanning_loses_nothing_and_blocks_no_other_port(
        server, make_scanner, run_bridge):
    start = last_scan_id(server)
    codes = bin_codes(server, 6)
    scanner, other = make_scanner("A"), make_scanner("B")
    bridge = run_bridge(server.url, token_file(server), [scanner.link, other.link], "--mode", "lookup")
    bridge.wait_for("open", 2)
    scanner.type(codes[0].encode() + b"\r")
    scanner.type(codes[1].encode() + b"\r")
    wait_for_scans(server, start, 2)

    scanner.type(b"A-0")  # half a scan, then the cable comes out
    scanner.unplug()
    bridge.wait_for("gone")
    other.type(codes[2].encode() + b"\r")  # the other scanner keeps working meanwhile
    wait_for_scans(server, start, 3)
    bridge.wait_for("not available")  # polling the missing path

    scanner.plug()
    bridge.wait_for(f"port {re.escape(str(scanner.link))} open", 2)
    for code in codes[3:]:
        scanner.type(code.encode() + b"\r")
    rows = wait_for_scans(server, start, 6)
    assert [row["code"] for row in rows] == codes
    assert bridge.process.poll() is None, "the bridge keeps running"


def test_a_restarted_bridge_replays_its_queue_and_a_replay_is_answered_not_applied(
        server, make_scanner, run_bridge, tmp_path, unused_server_url):
    start = last_scan_id(server)
    codes = bin_codes(server, 3)
    scanner = make_scanner()
    # First the bridge cannot reach any server: its scans stay queued when it is stopped.
    offline = run_bridge(unused_server_url, token_file(server), [scanner.link], "--mode", "lookup")
    offline.wait_for("open")
    for code in codes:
        scanner.type(code.encode() + b"\r")
    offline.wait_for(READ, 3)
    assert offline.stop() == 0, "SIGTERM is a clean shutdown"
    assert "stopped" in offline.output
    waiting = queued(tmp_path / "queue")
    assert [scan["code"] for scan in waiting] == codes
    snapshot = tmp_path / "queue-snapshot"
    shutil.copytree(tmp_path / "queue", snapshot)

    online = run_bridge(server.url, token_file(server), [scanner.link], "--mode", "lookup")
    rows = wait_for_scans(server, start, 3)
    online.wait_for(ACKED, 3)
    assert [row["scan_id"] for row in rows] == [scan["scan_id"] for scan in waiting]
    assert online.stop() == 0

    # A crash after the server stored the scans but before the queue forgot them: the same scans
    # are sent again, the server answers them from its store, and nothing is applied twice.
    shutil.rmtree(tmp_path / "queue")
    shutil.copytree(snapshot, tmp_path / "queue")
    replay = run_bridge(server.url, token_file(server), [scanner.link], "--mode", "lookup")
    replay.wait_for(ACKED, 3)
    assert queued(tmp_path / "queue") == []
    assert len(bridge_scans(server, start)) == 3


@pytest.fixture
def unused_server_url():
    """Nothing listens there: the bridge's connects are refused at once."""
    return f"http://127.0.0.1:{free_port()}"


def test_a_second_bridge_on_the_same_queue_refuses_to_start(server, make_scanner, run_bridge):
    scanner = make_scanner()
    first = run_bridge(server.url, token_file(server), [scanner.link], "--mode", "lookup")
    first.wait_for("open")
    second = run_bridge(server.url, token_file(server), [scanner.link], "--mode", "lookup")
    assert second.process.wait(timeout=10) != 0
    second.stop()
    assert "another bridge is using the queue" in second.output
    assert first.process.poll() is None
