"""Floor telemetry on the live server: what a handheld measured (latency sent with its next scan), its
double reads, replays, reconnects and time offline show on the supervisor's telemetry page."""
import re
import uuid


def scan(client, code, scan_id=None, **extra):
    return client.call("scan", {"scan_id": scan_id or str(uuid.uuid4()), "mode": "lookup", "code": code, **extra},
                       timeout=10)


def test_a_devices_latency_double_reads_replays_and_reconnects_reach_the_page(live_server):
    device = f"PDA-T{uuid.uuid4().hex[:4].upper()}"
    bin_code = live_server.demo["bin_with_stock"]
    client = live_server.floor_client("receiver", device=device)
    try:
        first = str(uuid.uuid4())
        assert scan(client, bin_code, first)["ok"]
        assert scan(client, bin_code, telemetry={"last_ack_ms": 7.5})["ok"]  # the same code again at once
        assert scan(client, "NOPE-123", telemetry={"last_ack_ms": 480})["ok"] is False
        assert scan(client, bin_code, first)["ok"]  # a replay: answered from the store
    finally:
        client.disconnect()
    client = live_server.floor_client("receiver", device=device)
    other_bin = live_server.demo["empty_bin"]
    assert other_bin.split("-")[0] == bin_code.split("-")[0]  # the same zone: one row
    try:  # another bin: a new read however soon (the window itself: tests/server/services/floor/test_telemetry.py)
        assert scan(client, other_bin, telemetry={"last_ack_ms": 3.0})["ok"]
    finally:
        client.disconnect()

    page = live_server.session("supervisor").get(f"{live_server.url}/sup/telemetry", timeout=10).text
    row = re.search(rf'<tr data-device="{device}".*?</tr>', page, re.S).group(0)
    cells = [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
    device_, user, zone, scans, errors, doubles, replays, reconnects, offline, p50, p95, worst = cells
    assert (device_, user, zone) == (device, "receiver", bin_code.split("-")[0])
    assert (scans, errors, doubles, replays, reconnects) == ("5", "1 (20 %)", "1", "1", "1")
    assert float(offline.removesuffix(" s")) >= 0
    assert (p50, p95, worst) == ("≤ 10 ms", "≤ 500 ms", "480 ms")
    assert live_server.session("picker").get(f"{live_server.url}/sup/telemetry", timeout=10,
                                             allow_redirects=False).status_code in (302, 403)
