"""Two server processes (A and B) on one PostgreSQL database and one Redis message queue, as behind
a load balancer: what happens through one process reaches devices connected to the other, and
devices racing through different processes for the last unit get one success and one refusal."""
from __future__ import annotations

import threading
import time
import uuid

import pytest

from printers.agent import PrinterAgent

pytestmark = pytest.mark.scale


def send(client, mode, code=None, **payload):
    message = {"scan_id": str(uuid.uuid4()), "mode": mode, **payload} | ({"code": code} if code else {})
    return client.call("scan", message, timeout=15)


def next_event(client, name, timeout=10):
    """The next pushed event of this name (other pushes pass by)."""
    deadline = time.monotonic() + timeout
    while True:
        event, data = client.receive(timeout=max(0.1, deadline - time.monotonic()))
        if event == name:
            return data


def at_once(*calls):
    """Run the calls in threads released together, so their transactions overlap."""
    barrier, results = threading.Barrier(len(calls)), [None] * len(calls)

    def run(n, call):
        barrier.wait()
        results[n] = call()

    threads = [threading.Thread(target=run, args=(n, call)) for n, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return results


def books_balance(cluster, postgres):
    """Both processes agree that the books balance, and no place is negative in the database."""
    for server in (cluster.a, cluster.b):
        check = server.session("supervisor").get(f"{server.url}/api/v1/stock/check", timeout=10).json()
        assert check == {"balanced": True, "disagreements": []}
    with postgres.connect(cluster.database) as conn:
        assert conn.execute("SELECT count(*) FROM bin_stock WHERE qty < 0 OR reserved_qty > qty").fetchone()[0] == 0
    assert '"balanced": true' in cluster.a.manage("check-ledger")


def order(boss, url, sku, qty=1, carrier=None):
    number = f"SC-{uuid.uuid4().hex[:8]}"
    boss.post(f"{url}/api/v1/orders", timeout=10, json={
        "number": number, "customer_name": "李娜", "address": "浙江省杭州市西湖区文三路 100 号 3 幢 501",
        "carrier": carrier or f"SCALE-{uuid.uuid4().hex[:6]}", "paid_at": "2026-11-23T07:00:00",
        "lines": [{"sku": sku, "qty": qty}]}).raise_for_status()
    return number


def test_a_hold_placed_through_a_reaches_a_handheld_on_b(two_servers):
    a, b = two_servers.a, two_servers.b
    boss = a.session("supervisor")
    sku = boss.get(f"{a.url}/api/v1/items?q=GEN&limit=5", timeout=10).json()[0]["sku"]
    number = order(boss, a.url, sku)
    handheld = b.floor_client("picker", device="PDA-01")
    try:
        boss.post(f"{a.url}/api/v1/orders/{number}/hold", json={"reason": "地址有误 wrong address"},
                  timeout=10).raise_for_status()
        assert next_event(handheld, "hold") == {"order": number, "on_hold": True, "reason": "地址有误 wrong address"}
    finally:
        handheld.disconnect()


def test_a_print_job_made_on_a_prints_through_the_agent_connected_to_b(two_servers, healthy_printer):
    a, b = two_servers.a, two_servers.b
    token = (two_servers.shared_dir / "token-AGENT-01.txt").read_text().strip()
    agent = PrinterAgent(b.url, token, retry_seconds=0.2).start()
    try:
        assert agent.ready.wait(10), "the agent did not say hello to B"
        boss = a.session("supervisor")
        made = boss.post(f"{a.url}/api/v1/print-jobs/bin-labels", timeout=10,
                         json={"zone": "A", "printer": "PRN-PACK-01", "bins": ["A-01-01-1"]})
        assert made.status_code == 201, made.text
        job = made.json()["job"]["id"]
        deadline = time.monotonic() + 20
        while (status := boss.get(f"{a.url}/api/v1/print-jobs/{job}", timeout=5).json()["status"]) != "printed":
            assert time.monotonic() < deadline, f"job {job} stuck in {status}"
            time.sleep(0.1)
    finally:
        agent.stop()


FREE = ("SELECT coalesce(sum(s.qty - s.reserved_qty), 0) FROM bin_stock s JOIN bins b ON b.id = s.bin_id "
        "JOIN items i ON i.id = s.item_id WHERE i.sku = %s AND b.code = %s")


def _free_units(cluster, postgres, sku, bin_code):
    with postgres.connect(cluster.database) as conn:
        return conn.execute(FREE, (sku, bin_code)).fetchone()[0]


def _a_stocked_place(cluster, postgres, http):
    """An item (with its barcodes) and a storage bin holding 2+ free units of it, no unit promised."""
    with postgres.connect(cluster.database) as conn:
        sku, bin_code = conn.execute(
            "SELECT i.sku, b.code FROM bin_stock s JOIN bins b ON b.id = s.bin_id JOIN items i ON i.id = s.item_id "
            "WHERE b.kind = 'storage' AND s.reserved_qty = 0 AND s.qty >= 2 AND i.sku LIKE 'GEN%%' "
            "AND b.code NOT IN ('A-01-01-3', 'A-01-02-3') ORDER BY random() LIMIT 1").fetchone()
    return http.get(f"{cluster.a.url}/api/v1/items/{sku}", timeout=10).json()["item"], bin_code


def test_two_pickers_on_different_processes_race_for_the_last_unit(two_servers, postgres):
    """Each round: a bin holds one free unit of an item; a picker on A and a picker on B both move
    it to another bin (a `transfer` scan) at the same moment. One moves it; the other is refused
    with a stock error; the bin never goes negative and the books balance."""
    a, b = two_servers.a, two_servers.b
    boss = a.session("supervisor")
    item, source = _a_stocked_place(two_servers, postgres, boss)
    barcode, targets = item["barcodes"][0]["code"], ("A-01-01-3", "A-01-02-3")
    on_a, on_b = a.floor_client("picker", device="PDA-01"), b.floor_client("receiver", device="PDA-02")
    try:
        surplus = _free_units(two_servers, postgres, item["sku"], source) - 1
        if surplus:  # leave the last unit
            assert send(on_a, "transfer", targets[0], from_bin=source, item=barcode, qty=surplus)["ok"]
        outcomes = []
        for _ in range(5):
            acks = at_once(lambda: send(on_a, "transfer", targets[0], from_bin=source, item=barcode, qty=1),
                           lambda: send(on_b, "transfer", targets[1], from_bin=source, item=barcode, qty=1))
            winners = [ack for ack in acks if ack["ok"]]
            refused = [ack for ack in acks if not ack["ok"]]
            assert len(winners) == 1 and len(refused) == 1, acks
            assert refused[0]["error"]["code"] in ("negative_stock", "not_enough_free"), refused[0]
            assert refused[0]["sound"] == "error"
            assert _free_units(two_servers, postgres, item["sku"], source) == 0
            outcomes.append(refused[0]["error"]["code"])
            # The winner's unit goes back for the next round.
            back_from = targets[acks.index(winners[0])]
            assert send(on_a, "transfer", source, from_bin=back_from, item=barcode, qty=1)["ok"]
    finally:
        on_a.disconnect()
        on_b.disconnect()
    books_balance(two_servers, postgres)


def test_two_devices_on_different_processes_scan_the_last_unit_of_a_stop_once(two_servers, postgres):
    """The picker's list points at a bin whose units are promised to two orders; the picker's two
    handhelds (one on A, one on B) scan the stop's last unit at the same moment. One unit moves;
    the other scan is refused; the other order's promise is untouched."""
    a, b = two_servers.a, two_servers.b
    boss = a.session("supervisor")
    item, _ = _a_stocked_place(two_servers, postgres, boss)
    carrier = f"RACE-{uuid.uuid4().hex[:6]}"
    numbers = [order(boss, a.url, item["sku"], carrier=carrier) for _ in range(2)]
    for number in numbers:
        boss.post(f"{a.url}/api/v1/orders/{number}/release", timeout=10).raise_for_status()
    wave = boss.post(f"{a.url}/api/v1/waves", timeout=30, json={
        "filters": {"carrier": carrier}, "cart": {"totes": 1, "tote_capacity": 10}}).json()["wave"]
    mine = wave["pick_lists"][0]
    stop = mine["stops"][0]
    a.session("picker").post(f"{a.url}/api/v1/pick-lists/{mine['pick_list']}/claim", timeout=10).raise_for_status()
    on_a, on_b = a.floor_client("picker", device="PDA-01"), b.floor_client("picker", device="PDA-02")
    try:
        assert send(on_a, "pick.tote", f"TOTE-{uuid.uuid4().hex[:6].upper()}", pick_list=mine["pick_list"],
                    slot=1)["ok"]
        assert send(on_a, "pick", stop["bin"], pick_list=mine["pick_list"])["ok"]
        acks = at_once(lambda: send(on_a, "pick", item["barcodes"][0]["code"], pick_list=mine["pick_list"], qty=1),
                       lambda: send(on_b, "pick", item["barcodes"][0]["code"], pick_list=mine["pick_list"], qty=1))
    finally:
        on_a.disconnect()
        on_b.disconnect()
    assert sorted(ack["ok"] for ack in acks) == [False, True], acks
    refused = next(ack for ack in acks if not ack["ok"])
    assert refused["error"]["code"] in ("pick_list_done", "negative_stock"), refused
    with postgres.connect(two_servers.database) as conn:
        taken = conn.execute("SELECT count(*), coalesce(sum(qty), 0) FROM stock_ledger WHERE reason = 'pick' "
                             "AND ref = %s AND qty < 0", (f"pick list {mine['pick_list']}",)).fetchone()
    assert taken == (1, -1)
    books_balance(two_servers, postgres)
