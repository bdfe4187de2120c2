"""Floor telemetry page: which devices, people and zones see slow acks, errors, double reads,
reconnects and time offline — Wi-Fi dead spots and badly configured scanners show up here."""
from __future__ import annotations

from flask import render_template, request

from server.extensions import writes_too
from server.services.floor import telemetry
from server.web.common import page, sup
from server.web.charts import bar_chart


@sup.get("/telemetry")
@page("floor.supervise")
def telemetry_page(actor):
    writes_too()
    telemetry.flush()  # this process's latest counts first
    hours = request.args.get("hours", default=24, type=int)
    rows = telemetry.summary(hours)
    zones = telemetry.summary(hours, by=("zone",))
    chart = bar_chart(("Scan-to-ack latency by zone (device-measured)", "各库区扫描应答延迟（设备测得）"),
                      [z["zone"] or "?" for z in zones],
                      [("p50 ms", [_finite(z["p50_ms"]) for z in zones]),
                       ("p95 ms", [_finite(z["p95_ms"]) for z in zones])],
                      x_label="zone · 库区", y_label="ms")
    return render_template("telemetry.html", actor=actor, rows=rows, zones=zones, chart=chart, hours=hours)


def _finite(value: float | None) -> float:
    return 0 if value is None else min(value, 5000)
