"""Replays of scans that move stock — an item picked into a tote, a bin-to-bin transfer, units counted
on a receipt — sent again with the same scan id: over the live connection, from a new connection, and
after the server was restarted. Each replay gets the stored ack, and the books do not move: stock per
bin and lot, the ledger's rows, the pick list's progress, the receipt's count and the PO's received
units. (A replayed lookup changes nothing whatever happens: these can fail.)"""
from __future__ import annotations

import sqlite3
import subprocess
import sys
import uuid

import pytest

from tests.conftest import ROOT, LiveServer, start_server, stocked_lines, stop_server
from tests.scripts.conftest import wait_healthy


@pytest.fixture(scope="module")
def own_server(tmp_path_factory, printer_emulator):
    """A server of our own: the test restarts it."""
    server = start_server(tmp_path_factory.mktemp("wms-replay"), printer_emulator.port)
    yield server
    stop_server(server)


def restart(server: LiveServer) -> None:
    """Stopped and served again on the same port and data dir."""
    stop_server(server)
    log = open(server.data_dir / "server.log", "ab")  # noqa: SIM115 - the server process owns it
    server.process = subprocess.Popen([sys.executable, "-m", "server", "serve"], env=server.env, cwd=ROOT,
                                      stdout=log, stderr=subprocess.STDOUT)
    wait_healthy(server)


def books(server: LiveServer) -> dict:
    """What a replay must not move, read from the database."""
    with sqlite3.connect(f"file:{server.data_dir / 'wms.db'}?mode=ro", uri=True) as db:
        places = {(b, s, lot): qty for b, s, lot, qty in db.execute(
            "SELECT bins.code, items.sku, lots.code, bin_stock.qty FROM bin_stock JOIN bins ON bins.id = bin_id "
            "JOIN items ON items.id = bin_stock.item_id JOIN lots ON lots.id = lot_id WHERE bin_stock.qty <> 0")}
        return {
            "places": places,
            "ledger_rows": db.execute("SELECT count(*) FROM stock_ledger").fetchone()[0],
            "picked": dict(db.execute("SELECT id, picked_qty FROM pick_tasks")),
            "counted": dict(db.execute("SELECT receipt_id, sum(qty) FROM receipt_counts GROUP BY receipt_id")),
            "received": dict(db.execute("SELECT id, received_qty FROM purchase_order_lines")),
            "scans": db.execute("SELECT count(*) FROM scans").fetchone()[0],
        }


def send(client, mode, code=None, scan_id=None, **fields) -> tuple[dict, dict]:
    payload = {"scan_id": scan_id or str(uuid.uuid4()), "mode": mode, **fields} | ({"code": code} if code else {})
    return payload, client.call("scan", payload, timeout=10)


@pytest.fixture(scope="module")
def applied(own_server):
    """The three stock-moving scans, each applied once, in this order: transfer, pick, receive —
    [(user, payload, ack, books before, books after, facts)]."""
    server, url = own_server, own_server.url
    boss = server.session("supervisor")
    [(sku, _), _] = stocked_lines(server, boss)  # 6 units or more
    barcode = boss.get(f"{url}/api/v1/items/{sku}", timeout=10).json()["item"]["barcodes"][0]["code"]
    done = []
    picker = server.floor_client("picker")
    try:
        # A transfer: one unit from its fullest bin (nothing promised there) to an empty one, in one scan.
        with sqlite3.connect(f"file:{server.data_dir / 'wms.db'}?mode=ro", uri=True) as db:
            from_bin = db.execute(
                "SELECT bins.code FROM bin_stock JOIN bins ON bins.id = bin_id JOIN items ON items.id = item_id "
                "WHERE items.sku = ? AND bin_stock.qty > bin_stock.reserved_qty ORDER BY bin_stock.qty - "
                "bin_stock.reserved_qty DESC LIMIT 1", (sku,)).fetchone()[0]
        before = books(server)
        payload, ack = send(picker, "transfer", server.demo["empty_bin"], from_bin=from_bin, item=barcode, qty=1)
        assert ack["ok"], ack
        done.append(("picker", payload, ack, before, books(server), {}))
    finally:
        picker.disconnect()

    # A pick: an order of 3 units, its list claimed, one unit scanned into the tote (qty 1 of 3).
    number, carrier = f"RP-{uuid.uuid4().hex[:6].upper()}", f"顺丰-{uuid.uuid4().hex[:6]}"
    boss.post(f"{url}/api/v1/orders", timeout=10, json={
        "number": number, "customer_name": "王芳", "phone": "13912345678", "carrier": carrier,
        "address": "浙江省杭州市西湖区文三路 100 号 3 幢 501", "paid_at": "2026-11-23T07:00:00",
        "lines": [{"sku": sku, "qty": 3}]}).raise_for_status()
    boss.post(f"{url}/api/v1/orders/{number}/release", timeout=10).raise_for_status()
    wave = boss.post(f"{url}/api/v1/waves", timeout=30, json={
        "filters": {"carrier": carrier}, "cart": {"totes": 1, "tote_capacity": 50}}).json()["wave"]
    pick_list = wave["pick_lists"][0]["pick_list"]
    server.session("picker").post(f"{url}/api/v1/pick-lists/{pick_list}/claim", timeout=10).raise_for_status()
    picker = server.floor_client("picker")
    try:
        _, tote = send(picker, "pick.tote", "TOTE-RP01", pick_list=pick_list, slot=1)
        stop = tote["result"]["stop"]
        assert send(picker, "pick", stop["bin"], pick_list=pick_list)[1]["ok"]
        before = books(server)
        payload, ack = send(picker, "pick", barcode, pick_list=pick_list, qty=1)
        assert ack["ok"], ack
        done.append(("picker", payload, ack, before, books(server), {"bin": stop["bin"], "task": stop["task"]}))
    finally:
        picker.disconnect()

    # A receive: a PO of 10, a carton checked, 3 units counted in one scan.
    po = boss.post(f"{url}/api/v1/purchase-orders", timeout=10,
                   json={"supplier": "SUP-YW", "lines": [{"sku": sku, "qty": 10}]}).json()["purchase_order"]
    receiver = server.floor_client("receiver")
    try:
        receipt = send(receiver, "receive", po["number"])[1]["result"]["receipt"]
        assert send(receiver, "receive.carton", receipt=receipt, condition="intact")[1]["ok"]
        before = books(server)
        payload, ack = send(receiver, "receive", barcode, receipt=receipt, qty=3)
        assert ack["ok"] and ack["result"]["counted"]["open"] == 7, ack
        done.append(("receiver", payload, ack, before, books(server), {"receipt": receipt}))
    finally:
        receiver.disconnect()
    return done


def test_each_scan_moved_the_books_once(applied):
    (_, transfer, _, t_before, t_after, _), (_, _, _, before, after, pick), (_, _, _, r_before, r_after, receive) = \
        applied
    # The pick: one unit out of the bin, one into the tote; the task has 1 of 3.
    assert after["ledger_rows"] == before["ledger_rows"] + 2
    assert after["picked"][pick["task"]] == 1 and before["picked"][pick["task"]] == 0
    assert after["places"].get(("TOTE-RP01", *_only_key(after, "TOTE-RP01")), 0) == 1
    # The transfer: one unit from the stocked bin to the empty one.
    assert t_after["ledger_rows"] == t_before["ledger_rows"] + 2
    assert sum(q for (b, _, _), q in t_after["places"].items() if b == transfer["code"]) == 1
    # The receive: 3 counted on the receipt; no stock yet (that comes with the put-away).
    assert r_after["counted"][receive["receipt"]] == 3 and receive["receipt"] not in r_before["counted"]
    assert r_after["ledger_rows"] == r_before["ledger_rows"] and r_after["places"] == r_before["places"]


def _only_key(state: dict, bin_code: str) -> tuple[str, str]:
    [(sku, lot)] = [(s, lot) for (b, s, lot) in state["places"] if b == bin_code]
    return sku, lot


def _replay_everywhere(server: LiveServer, applied, link: dict) -> list[str]:
    problems = []
    settled = books(server)
    for user, payload, ack, *_ in applied:
        if user not in link:
            link[user] = server.floor_client(user)
        again = link[user].call("scan", payload, timeout=10)
        if again != ack:
            problems.append(f"{payload['mode']}: replay answered {again}, first {ack}")
    now = books(server)
    for key in ("places", "ledger_rows", "picked", "counted", "received", "scans"):
        if now[key] != settled[key]:
            problems.append(f"{key} moved: {settled[key]} -> {now[key]}")
    return problems


def test_replays_on_the_live_connection_and_a_new_one_move_nothing(own_server, applied):
    last = applied[-1][4]
    for _ in range(2):  # twice: a second link each time (one per user), the first kept for the second round
        links: dict = {}
        try:
            assert not _replay_everywhere(own_server, applied, links)
            assert not _replay_everywhere(own_server, applied, links)  # same connection again
        finally:
            for link in links.values():
                link.disconnect()
    now = books(own_server)
    # Written out: 2 + 2 ledger rows for the pick and the transfer, none for the count; 1 unit picked, 3 counted.
    assert now["ledger_rows"] == applied[0][3]["ledger_rows"] + 4
    assert now["picked"][applied[1][5]["task"]] == 1
    assert now["counted"][applied[2][5]["receipt"]] == 3
    assert now["places"] == last["places"]


def test_replays_after_a_server_restart_move_nothing(own_server, applied):
    restart(own_server)
    links: dict = {}
    try:
        assert not _replay_everywhere(own_server, applied, links)
    finally:
        for link in links.values():
            link.disconnect()
    now = books(own_server)
    assert now["ledger_rows"] == applied[0][3]["ledger_rows"] + 4
    assert now["picked"][applied[1][5]["task"]] == 1
    assert now["counted"][applied[2][5]["receipt"]] == 3
    assert now["places"] == applied[-1][4]["places"]
