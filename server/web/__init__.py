"""Supervisor pages (Jinja) and the handheld app's static files. This package only assembles them: the
`sup` blueprint and the `page` guard the page modules share are in server/web/common.py."""
from __future__ import annotations

from flask import Flask


def register_web(app: Flask) -> None:
    from server.web import handheld, supervisor  # noqa: F401  (the handheld files; login, home, bins, jobs, scans)
    from server.web import inventory  # noqa: F401  (adds the cycle count pages to `sup`)
    from server.web import labels, picking, receiving, reports, returns, telemetry  # noqa: F401  (add their pages to `sup`)
    from server.web import audit_trail  # noqa: F401  (adds the audit trail page to `sup`)
    from server.web import devices  # noqa: F401  (adds the devices and printers page to `sup`)
    from server.web import layout, setup  # noqa: F401  (day one: imports, items, bin blocks, the layout and map)
    from server.web import people  # noqa: F401  (adds the people page and the suppliers' master to `sup`)
    from server.web import orders, orders_import  # noqa: F401  (the orders desk; the order import page and its jobs)
    from server.web import waves_desk  # noqa: F401  (adds the waves desk and the wave boards to `sup`)
    from server.web import stations  # noqa: F401  (a station's weighing and the weight override)
    from server.web import kits  # noqa: F401  (the kits pages: definitions and availability)
    from server.web import work_orders  # noqa: F401  (work orders: kits assembled and taken apart)
    from server.web import language
    from server.web.common import sup

    language.install(app)
    app.register_blueprint(handheld.handheld)
    app.register_blueprint(sup)
    app.register_blueprint(labels.bp)
