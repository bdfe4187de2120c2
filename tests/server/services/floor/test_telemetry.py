"""Telemetry flushes: each adds the counts gathered since the last one to the hour's row of the device,
user and zone — counts, the latency histogram and the worst latency survive any number of flushes."""
import json

from sqlalchemy import select

from server.db.models import FloorTelemetry
from server.extensions import db
from server.services.floor import telemetry


def test_two_flushes_add_up_in_one_row_per_device_user_and_zone(tiny_warehouse, monkeypatch):
    recorder = telemetry.Recorder()
    monkeypatch.setattr(telemetry, "recorder", recorder)
    recorder.scan("HH-1", "picker", {"scan_id": "a1", "code": "A-01-01-1", "telemetry": {"last_ack_ms": 3}}, True,
                  False)
    recorder.scan("HH-1", "picker", {"scan_id": "a2", "code": "X", "telemetry": {"last_ack_ms": 40}}, False, False)
    recorder.scan("HH-2", "packer", {"scan_id": "b1", "code": "B-01-01-1"}, True, True)
    assert telemetry.flush() == 2
    recorder.scan("HH-1", "picker", {"scan_id": "a3", "code": "A-01-02-1", "telemetry": {"last_ack_ms": 700}}, True,
                  False)
    assert telemetry.flush() == 1
    assert telemetry.flush() == 0  # nothing new: nothing written

    rows = {r.device_code: r for r in db.session.execute(select(FloorTelemetry)).scalars()}
    assert sorted(rows) == ["HH-1", "HH-2"]
    hh1 = rows["HH-1"]
    assert (hh1.username, hh1.zone, hh1.scans, hh1.errors, hh1.latency_count) == ("picker", "A", 3, 1, 3)
    assert (hh1.latency_sum_ms, hh1.latency_max_ms) == (743.0, 700.0)
    buckets = json.loads(hh1.latency_buckets)
    assert sum(buckets) == 3 and buckets[0] == 1 and buckets[telemetry.BUCKETS_MS.index(50)] == 1
    assert (rows["HH-2"].scans, rows["HH-2"].replays, rows["HH-2"].zone) == (1, 1, "B")


def test_the_same_code_within_half_a_second_is_a_double_read_and_offline_time_is_counted():
    now = [100.0]
    recorder = telemetry.Recorder(clock=lambda: now[0])  # an injected clock: no sleeping through the window

    def scan(scan_id: str, code: str = "A-01-01-1") -> None:
        recorder.scan("HH-1", "picker", {"scan_id": scan_id, "code": code}, True, False)

    scan("a1")
    now[0] += 0.49
    scan("a2")  # the scanner read it twice: a double
    now[0] += 0.5
    scan("a3")  # half a second later: the picker scanned again, not a double
    now[0] += 0.1
    scan("a4", "A-01-02-1")  # another code at once: not a double
    recorder.disconnected("HH-1")
    now[0] += 2.25
    recorder.connected("HH-1", "picker")
    [cell] = recorder.take().values()
    assert (cell.scans, cell.duplicates, cell.reconnects, cell.offline_ms) == (4, 1, 1, 2250)
