"""A blind cycle count over Socket.IO on the live server: the counter's handheld is never told what the
books expect; a variance beyond tolerance is recounted by a second counter, the supervisor approves it
over REST, the ledger books the recount's variance as a count adjustment, and books and bins agree."""
import uuid

BOOK_WORDS = {"expected", "book_at_recount", "variance", "posted_qty", "status"}


def send(client, mode, code=None, **payload):
    message = {"scan_id": str(uuid.uuid4()), "mode": mode, **payload} | ({"code": code} if code else {})
    return client.call("scan", message, timeout=10)


def keys(value) -> set[str]:
    if isinstance(value, dict):
        return set(value) | set().union(*(keys(v) for v in value.values()))
    if isinstance(value, list):
        return set().union(set(), *(keys(v) for v in value))
    return set()


def empty_bin(live_server, http, zone="B") -> str:
    """A top-level bin of the zone holding nothing (the demo stocks the lower levels)."""
    for row in http.get(f"{live_server.url}/api/v1/bins?zone={zone}", timeout=10).json():
        if row["level"] == "4" and http.get(f"{live_server.url}/api/v1/bins/{row['code']}",
                                            timeout=10).json()["total_qty"] == 0:
            return row["code"]
    raise AssertionError(f"no empty bin in zone {zone}")


def count_visit(client, bin_code, barcode, qty) -> list[dict]:
    acks = [send(client, "count", bin_code), send(client, "count", barcode, bin=bin_code, qty=qty),
            send(client, "count.close", bin=bin_code)]
    assert all(ack["ok"] for ack in acks), acks
    return acks


def test_a_blind_count_with_a_variance_is_recounted_and_approved(live_server):
    url = live_server.url
    boss = live_server.session("supervisor")
    item = next(i for i in boss.get(f"{url}/api/v1/items?q=GEN&limit=300", timeout=10).json()
                if i["barcodes"] and boss.get(f"{url}/api/v1/items/{i['sku']}", timeout=10).json()["lines"])
    lot = boss.get(f"{url}/api/v1/items/{item['sku']}", timeout=10).json()["lines"][0]["lot"]
    bin_code = empty_bin(live_server, boss)
    placed = boss.post(f"{url}/api/v1/adjustments", timeout=10, json={
        "bin": bin_code, "sku": item["sku"], "lot": lot, "qty": 5, "reason": "found", "note": "set-up"})
    assert placed.status_code == 201, placed.text
    scheduled = boss.post(f"{url}/api/v1/counts", json={"bins": [bin_code]}, timeout=10)
    assert scheduled.status_code == 201, scheduled.text
    count_id = scheduled.json()["count"]["count"]

    counter, second = live_server.floor_client("picker"), live_server.floor_client("receiver")
    try:
        tasks = live_server.session("picker").get(f"{url}/api/v1/counts/tasks", timeout=10).json()
        mine = next(t for t in tasks if t["bin"] == bin_code)
        assert mine["round"] == "count" and mine["items"] == [] and not keys(tasks) & BOOK_WORDS

        first = count_visit(counter, bin_code, item["barcodes"][0]["code"], 3)  # the books say 5
        assert first[1]["result"]["counted"][0]["qty"] == 3 and first[2]["result"]["closed"]
        for ack in first:
            assert not keys(ack) & BOOK_WORDS, ack
        line = boss.get(f"{url}/api/v1/counts/{count_id}", timeout=10).json()["lines"][0]
        assert (line["status"], line["expected"], line["counted"], line["variance"]) == ("recount", 5, 3, -2)

        tasks = live_server.session("receiver").get(f"{url}/api/v1/counts/tasks", timeout=10).json()
        assert next(t for t in tasks if t["bin"] == bin_code)["round"] == "recount"
        again = count_visit(second, bin_code, item["barcodes"][0]["code"], 4)
        for ack in again:
            assert not keys(ack) & BOOK_WORDS, ack
    finally:
        counter.disconnect()
        second.disconnect()

    line = boss.get(f"{url}/api/v1/counts/{count_id}", timeout=10).json()["lines"][0]
    assert (line["status"], line["recounted"], line["recounted_by"], line["variance"]) == \
        ("recounted", 4, "receiver", -1)
    forbidden = live_server.session("picker").post(f"{url}/api/v1/count-lines/{line['line']}/approve", timeout=10)
    assert forbidden.status_code == 403
    approved = boss.post(f"{url}/api/v1/count-lines/{line['line']}/approve", timeout=10)
    assert approved.status_code == 200, approved.text
    assert (approved.json()["line"]["status"], approved.json()["line"]["posted_qty"]) == ("posted", -1)

    assert boss.get(f"{url}/api/v1/bins/{bin_code}", timeout=10).json()["total_qty"] == 4
    booked = [a for a in boss.get(f"{url}/api/v1/adjustments", timeout=10).json() if a["count_line"] == line["line"]]
    assert [(a["bin"], a["sku"], a["qty"], a["reason"]) for a in booked] == [(bin_code, item["sku"], -1, "count")]
    assert boss.get(f"{url}/api/v1/counts/{count_id}", timeout=10).json()["status"] == "closed"
    assert boss.get(f"{url}/api/v1/stock/check", timeout=30).json()["balanced"] is True
