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
