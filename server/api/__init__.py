"""REST entrypoints under /api/v1: they translate HTTP to service calls and nothing more.
This package only assembles them: what the modules share is in server/api/common.py."""
from __future__ import annotations

from flask import Flask

from server.api.common import refuse_cross_site_writes


def register_api(app: Flask) -> None:
    from server.api import (auth, catalog, devices, health, imports, inventory, orders, packing, printing, receiving,
                            returns, sampling, openapi, scans, stock_control, waves)

    for module in (auth, catalog, health, inventory, orders, packing, printing, receiving, returns, sampling, scans,
                   stock_control, waves, openapi, devices, imports):
        app.register_blueprint(module.bp)
    app.register_blueprint(orders.put_back_bp)  # cancelled orders' put-back tasks
    from server.api import people  # users and suppliers (the "people" branch)

    app.register_blueprint(people.bp)
    from server.api import vendor_returns  # returns to vendor (the returns desk branch)

    app.register_blueprint(vendor_returns.bp)
    from server.api import kits  # kits (组合装): definitions and availability

    app.register_blueprint(kits.bp)
    from server.api import work_orders  # kits assembled and taken apart (加工单)

    app.register_blueprint(work_orders.bp)
    app.before_request(refuse_cross_site_writes)
