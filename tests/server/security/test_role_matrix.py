"""Role matrix: every REST route, every /floor scan mode and every supervisor page, for every role, an
anonymous client and the device tokens (scanner bridge, printer agent), against the policy written out
below (docs/security.md, "Role matrix"). A refused call answers 401/403 and writes nothing; an allowed
call is never answered 401/403 (with minimal bodies the answer is usually 400/404/409).

Who holds which permission is written out here too (GRANTS, from docs/security.md's table), never read
from server/domain/roles.py: a change to roles.py alone fails test_the_code_grants_what_the_table_says."""
from __future__ import annotations

import importlib
import uuid
from pathlib import Path

import pytest
import socketio

from server.api.openapi import spec
from server.domain import roles
from server.services.floor import scans
from server.services.people import auth
from tests.conftest import ROOT
from tests.server.security.conftest import DEVICES, PRINCIPALS, ROLES, changed_tables, client, fingerprint

# --- who holds which permission (docs/security.md, "Role matrix") ------------------------------------
_LEAD = {"scan.lookup", "journey.pick", "journey.receive", "journey.inspect", "journey.pack", "labels.print",
         "floor.supervise", "orders.manage", "returns.open", "returns.inspect", "stock.transfer", "stock.count",
         "counts.manage", "stock.adjust", "stock.opening", "reports.view", "audit.view", "customers.view",
         "quarantine.release", "pages.view", "work_orders.manage", "journey.assemble"}
GRANTS: dict[str, set[str]] = {
    "picker": {"scan.lookup", "journey.pick", "stock.transfer", "stock.count", "journey.assemble"},
    "receiver": {"scan.lookup", "journey.receive", "returns.open", "stock.transfer", "stock.count"},
    "inspector": {"scan.lookup", "journey.inspect", "returns.open", "returns.inspect"},
    "packer": {"scan.lookup", "journey.pack", "labels.print", "returns.open", "customers.view", "journey.assemble"},
    "supervisor": _LEAD,
    "manager": _LEAD | {"master.manage", "people.manage", "devices.manage", "vendor_returns.approve"},
    "admin": _LEAD | {"master.manage", "people.manage", "devices.manage", "vendor_returns.approve"},
    "viewer": {"pages.view", "reports.view", "audit.view", "scan.lookup"},
    # device tokens on their own, nobody logged in on them
    "scanner_bridge": {"scan.lookup", "journey.pack"},
    "printer_agent": {"printing.agent"},
    "pda": set(),
}

# --- the policy ---------------------------------------------------------------------------------------
# public:        anyone, logged in or not
# user:          any logged-in user (a device token alone is not a person)
# authenticated: any logged-in user or any valid device token (reads the floor needs)
# <permission>:  GRANTS above (roles; device tokens alone)
# <permission>+user: the permission, and a person must be logged in (a device token alone is refused)
# scan:          POST /scans: authenticated; each scan mode then checks its own permission (SCAN_MODES)
X = 999_999  # ids that do not exist: allowed callers get 404, refused ones 401/403
ROUTES: tuple[tuple[str, str, str], ...] = (
    ("POST", "/api/v1/auth/login", "public"),
    ("POST", "/api/v1/auth/badge", "public"),
    ("POST", "/api/v1/auth/logout", "public"),
    ("GET", "/api/v1/auth/me", "user"),
    ("GET", "/api/v1/auth/whoami", "authenticated"),
    ("GET", "/api/v1/openapi.json", "public"),
    # devices: administrators only
    ("GET", "/api/v1/devices", "devices.manage"),
    ("POST", "/api/v1/devices", "devices.manage"),
    ("GET", "/api/v1/devices/NOPE-DEVICE", "devices.manage"),
    ("PATCH", "/api/v1/devices/NOPE-DEVICE", "devices.manage"),
    ("POST", "/api/v1/devices/NOPE-DEVICE/retire", "devices.manage"),
    ("POST", "/api/v1/devices/NOPE-DEVICE/token", "devices.manage"),
    ("POST", "/api/v1/devices/NOPE-DEVICE/revoke", "devices.manage"),
    # catalog and the books
    ("GET", "/api/v1/bins", "authenticated"),
    ("GET", "/api/v1/bins/A-01-01-1", "authenticated"),
    ("GET", "/api/v1/items", "authenticated"),
    ("GET", "/api/v1/items/TB08-2", "authenticated"),
    ("GET", "/api/v1/stock/check", "floor.supervise"),
    # the master and day one's imports (docs/setup.md): managers and the admin change it
    ("POST", "/api/v1/items", "master.manage"),
    ("PATCH", "/api/v1/items/NOPE-SKU", "master.manage"),
    ("GET", "/api/v1/items/export", "pages.view"),
    ("POST", "/api/v1/bins", "master.manage"),
    ("PATCH", "/api/v1/bins/NOPE-BIN", "master.manage"),
    ("POST", "/api/v1/bins/generate", "master.manage"),
    ("POST", "/api/v1/bins/NOPE-BIN/block", "stock.adjust"),
    ("POST", "/api/v1/bins/NOPE-BIN/unblock", "stock.adjust"),
    ("POST", "/api/v1/items/NOPE-SKU/block", "stock.adjust"),
    ("POST", "/api/v1/items/NOPE-SKU/unblock", "stock.adjust"),
    ("GET", "/api/v1/imports", "authenticated"),
    ("POST", "/api/v1/imports/items", "master.manage"),
    ("POST", "/api/v1/imports/kits", "master.manage"),
    # kits (组合装, docs/kits.md): the leads and the viewer read; the master's keepers define them
    ("GET", "/api/v1/kits", "pages.view"),
    ("GET", "/api/v1/kits/NOPE-SKU", "pages.view"),
    ("PUT", "/api/v1/kits/NOPE-SKU", "master.manage"),
    ("DELETE", "/api/v1/kits/NOPE-SKU", "master.manage"),
    ("GET", "/api/v1/items/NOPE-SKU/available", "pages.view"),
    # inventory: transfers, adjustments, cycle counts
    ("POST", "/api/v1/transfers", "stock.transfer"),
    ("GET", "/api/v1/transfers", "stock.transfer"),
    ("GET", f"/api/v1/transfers/{X}", "stock.transfer"),
    ("POST", f"/api/v1/transfers/{X}/receive", "stock.transfer"),
    ("POST", "/api/v1/adjustments", "stock.adjust"),
    ("GET", "/api/v1/adjustments", "stock.adjust"),
    ("POST", "/api/v1/counts", "counts.manage"),
    ("GET", "/api/v1/counts", "counts.manage"),
    ("GET", "/api/v1/counts/tasks", "stock.count"),
    ("GET", f"/api/v1/counts/{X}", "counts.manage"),
    ("POST", f"/api/v1/counts/{X}/cancel", "counts.manage"),
    ("POST", f"/api/v1/count-lines/{X}/approve", "counts.manage"),
    ("POST", f"/api/v1/count-lines/{X}/reject", "counts.manage"),
    # orders
    ("GET", "/api/v1/orders", "authenticated"),
    ("POST", "/api/v1/orders", "orders.manage"),
    ("POST", "/api/v1/orders/import/taobao", "orders.manage"),
    ("POST", "/api/v1/orders/import", "orders.manage"),
    ("POST", "/api/v1/orders/release", "orders.manage"),
    ("GET", "/api/v1/orders/import-jobs", "orders.manage"), ("GET", f"/api/v1/orders/import-jobs/{X}", "orders.manage"),
    ("GET", "/api/v1/orders/NOPE-1", "authenticated"),
    ("POST", "/api/v1/orders/NOPE-1/release", "orders.manage"),
    ("POST", "/api/v1/orders/NOPE-1/correct", "orders.manage"),
    ("POST", "/api/v1/orders/NOPE-1/lines/1/resolve", "orders.manage"),
    ("POST", "/api/v1/orders/NOPE-1/allocate", "orders.manage"),
    ("POST", "/api/v1/orders/NOPE-1/hold", "orders.manage"),
    ("POST", "/api/v1/orders/NOPE-1/release-hold", "orders.manage"),
    ("POST", "/api/v1/orders/NOPE-1/move-to-hold", "journey.pick"),  # floor work: carry held units aside
    ("POST", "/api/v1/orders/NOPE-1/cancel", "orders.manage"),  # 取消/退款 before handover
    ("GET", "/api/v1/put-back-tasks", "journey.pick"),  # cancelled orders' units back to the shelves
    # work orders (加工单): supervisors create and cancel; the floor works them by scans (assembly.*)
    ("GET", "/api/v1/work-orders", "authenticated"),
    ("POST", "/api/v1/work-orders", "work_orders.manage"),
    ("GET", "/api/v1/work-orders/WO-999999", "authenticated"),
    ("POST", "/api/v1/work-orders/WO-999999/cancel", "work_orders.manage"),
    # waves and pick lists
    ("POST", "/api/v1/waves", "orders.manage"),
    ("GET", f"/api/v1/waves/{X}", "authenticated"),
    ("GET", "/api/v1/pick-lists", "authenticated"),
    ("GET", "/api/v1/pick-lists/choice", "authenticated"),
    ("POST", "/api/v1/pick-lists/next/claim", "journey.pick"),
    ("GET", f"/api/v1/pick-lists/{X}", "authenticated"),
    ("POST", f"/api/v1/pick-lists/{X}/claim", "journey.pick"),
    # packing and handover
    ("GET", "/api/v1/stations", "authenticated"),
    ("GET", "/api/v1/stations/PACK-01", "authenticated"),
    ("POST", "/api/v1/stations", "devices.manage"),
    ("PATCH", "/api/v1/stations/NOPE-STATION", "devices.manage"),
    ("POST", "/api/v1/stations/NOPE-STATION/sign-in", "journey.pack+user"),
    ("POST", "/api/v1/stations/NOPE-STATION/sign-out", "journey.pack+user"),
    ("POST", "/api/v1/stations/NOPE-STATION/weight-override", "floor.supervise"),
    ("GET", "/api/v1/parcels/NOPE-PARCEL", "authenticated"),
    ("GET", "/api/v1/manifests", "authenticated"),
    ("GET", f"/api/v1/manifests/{X}", "authenticated"),
    # printing
    ("GET", "/api/v1/printers", "authenticated"),
    ("POST", "/api/v1/printers", "devices.manage"),
    ("GET", "/api/v1/printers/NOPE-PRINTER", "authenticated"),
    ("PATCH", "/api/v1/printers/NOPE-PRINTER", "devices.manage"),
    ("POST", "/api/v1/printers/NOPE-PRINTER/test-print", "devices.manage"),
    ("GET", "/api/v1/print-jobs", "authenticated"),
    ("GET", f"/api/v1/print-jobs/{X}", "authenticated"),
    ("POST", "/api/v1/print-jobs/bin-labels", "labels.print"),
    ("POST", f"/api/v1/print-jobs/{X}/reprint", "labels.print"),
    # item labels (货品标签)
    ("POST", "/api/v1/print-jobs/item-labels", "labels.print"),
    ("POST", "/api/v1/items/NOPE-SKU/labels", "labels.print"),
    ("POST", f"/api/v1/receipts/{X}/item-labels", "labels.print"),
    # receiving and inspection
    ("GET", "/api/v1/purchase-orders", "authenticated"),
    ("POST", "/api/v1/purchase-orders", "journey.receive"),
    ("POST", "/api/v1/purchase-orders/import", "journey.receive"),
    ("GET", "/api/v1/purchase-orders/PO-DEMO-0001", "authenticated"),
    ("POST", "/api/v1/purchase-orders/PO-NOPE-1/close", "floor.supervise"),
    ("GET", "/api/v1/receipts", "authenticated"),
    ("GET", f"/api/v1/receipts/{X}", "authenticated"),
    ("GET", "/api/v1/inspections", "authenticated"),
    ("GET", f"/api/v1/inspections/{X}", "authenticated"),
    ("GET", "/api/v1/putaway-tasks", "authenticated"),
    ("GET", "/api/v1/reports/day-end", "reports.view"),
    ("GET", "/api/v1/reports/same-day-clearing", "authenticated"),
    ("GET", "/api/v1/reports/suppliers", "authenticated"),
    ("POST", "/api/v1/suppliers/SUP-NOPE/quality/NOPE/approve-reduced", "floor.supervise"),
    ("POST", "/api/v1/suppliers/SUP-NOPE/quality/NOPE/corrective-action", "floor.supervise"),
    ("GET", "/api/v1/sampling/plan?lot_size=500", "authenticated"),
    ("GET", "/api/v1/sampling/oc?lot_size=500", "authenticated"),
    # returns (the journey itself is scan modes)
    ("GET", "/api/v1/returns", "authenticated"),
    ("GET", "/api/v1/returns/settings", "authenticated"),
    ("GET", "/api/v1/returns/costs", "reports.view"),
    ("GET", "/api/v1/returns/RMA-NOPE", "authenticated"),
    ("POST", "/api/v1/returns/RMA-NOPE/exchange", "orders.manage"),
    ("POST", "/api/v1/returns", "returns.open"),
    ("POST", "/api/v1/returns/RMA-NOPE/dispose", "returns.inspect"),
    ("POST", "/api/v1/returns/RMA-NOPE/sign", "returns.inspect"),
    ("POST", "/api/v1/returns/RMA-NOPE/cancel", "returns.inspect"),
    # returns to vendor: a manager approves and cancels; the dock marks them sent
    ("GET", "/api/v1/vendor-returns", "authenticated"),
    ("GET", "/api/v1/vendor-returns/RTV-999999", "authenticated"),
    ("POST", "/api/v1/vendor-returns/RTV-999999/approve", "vendor_returns.approve"),
    ("POST", "/api/v1/vendor-returns/RTV-999999/dispatch-note", "labels.print"),
    ("POST", "/api/v1/vendor-returns/RTV-999999/sent", "floor.supervise"),
    ("POST", "/api/v1/vendor-returns/RTV-999999/cancel", "vendor_returns.approve"),
    # scans over HTTP
    ("POST", "/api/v1/scans", "scan"),
    # stock control and the ledger
    ("GET", "/api/v1/alerts", "floor.supervise"),
    ("PUT", "/api/v1/items/NOPE-SKU/safety", "stock.adjust"),
    ("PUT", "/api/v1/pick-faces", "stock.adjust"),
    ("POST", "/api/v1/replenishments", "stock.transfer"),
    ("GET", "/api/v1/replenishments", "authenticated"),
    ("GET", "/api/v1/ledger/bins/A-01-01-1", "floor.supervise"),
    ("GET", "/api/v1/ledger/items/TB08-2", "floor.supervise"),
    ("GET", "/api/v1/ledger/check", "floor.supervise"),
    # people and suppliers (the "people" branch): people managers change people; the master's managers suppliers
    ("GET", "/api/v1/users", "pages.view"),
    ("POST", "/api/v1/users", "people.manage"),
    ("GET", "/api/v1/users/NOPE-USER", "pages.view"),
    ("PATCH", "/api/v1/users/NOPE-USER", "people.manage"),
    ("POST", "/api/v1/users/NOPE-USER/password", "people.manage"),
    ("POST", "/api/v1/users/NOPE-USER/badge-print", "people.manage"),
    ("GET", "/api/v1/suppliers", "authenticated"),
    ("POST", "/api/v1/suppliers", "master.manage"),
    ("GET", "/api/v1/suppliers/SUP-NOPE", "authenticated"),
    ("PATCH", "/api/v1/suppliers/SUP-NOPE", "master.manage"),
)

# Every /floor scan mode and the permission it needs (services/*_modes.py register them).
SCAN_MODES: dict[str, str] = {
    "lookup": "scan.lookup",
    "pick.tote": "journey.pick", "pick": "journey.pick", "pick.put": "journey.pick", "pick.short": "journey.pick",
    "putback": "journey.pick", "putback.unit": "journey.pick", "putback.bin": "journey.pick",
    "receive": "journey.receive", "receive.carton": "journey.receive", "receive.confirm": "journey.receive",
    "putaway": "journey.receive", "inspect": "journey.inspect",
    "pack": "journey.pack", "station": "journey.pack", "pack.close": "journey.pack", "pack.aside": "journey.pack",
    # A scanner bridge packs and hands over as the packer signed in at its station (station_not_manned if none).
    "handover": "journey.pack", "handover.remove": "journey.pack", "handover.driver": "journey.pack",
    "handover.confirm": "journey.pack",
    "return.open": "returns.open", "return.link": "returns.open",
    "return.unit": "returns.inspect", "return.dispose": "returns.inspect", "return.sign": "returns.inspect",
    "transfer": "stock.transfer", "transfer.receive": "stock.transfer", "replenish": "stock.transfer",
    "count": "stock.count", "count.close": "stock.count", "count.restart": "stock.count",
    "assembly": "journey.assemble", "assembly.bin": "journey.assemble", "assembly.pick": "journey.assemble",
    "assembly.make": "journey.assemble", "assembly.unit": "journey.assemble", "assembly.put": "journey.assemble",
}

# Supervisor pages (GET) and the permission each needs; not logged in → redirect to /sup/login.
PAGES: dict[str, str] = {
    "/sup/": "labels.print", "/sup/bins": "labels.print", "/sup/print-jobs": "labels.print",
    f"/sup/print-jobs/{X}": "labels.print", "/sup/labels/": "labels.print",
    "/sup/labels/preview.zpl": "labels.print",
    "/sup/scans": "floor.supervise", "/sup/picking": "floor.supervise", "/sup/picking/live": "floor.supervise",
    "/sup/receiving": "floor.supervise", f"/sup/inspections/{X}": "floor.supervise",
    "/sup/sampling": "floor.supervise", "/sup/suppliers": "floor.supervise", "/sup/clearing": "floor.supervise",
    "/sup/day-end": "reports.view",
    # the returns desk: whoever opens returns (receivers, inspectors, packers, leads); returns to vendor: leads
    "/sup/returns": "returns.open", "/sup/returns/RMA-NOPE": "returns.open", "/sup/returns/vendor": "floor.supervise",
    "/sup/telemetry": "floor.supervise", "/sup/audit": "audit.view",
    "/sup/devices": "pages.view",  # acting on it (its POST forms) needs devices.manage: test_devices_page.py
    "/sup/counts": "counts.manage", f"/sup/counts/{X}": "counts.manage",
    "/sup/reports/": "reports.view", "/sup/reports/stock": "reports.view", "/sup/reports/turnover": "reports.view",
    "/sup/reports/suppliers": "reports.view", "/sup/reports/picking": "reports.view",
    "/sup/reports/returns": "reports.view", "/sup/reports/exceptions": "reports.view",
    "/sup/reports/expiry": "reports.view",
    "/sup/setup": "pages.view", "/sup/layout": "pages.view", "/sup/items": "pages.view",
    "/sup/items/NOPE-SKU": "pages.view",
    "/sup/kits": "pages.view", "/sup/kits/NOPE-SKU": "pages.view",  # editing (POST) needs master.manage
    # people (the "people" branch): every role that sees the pages looks; changes need people.manage
    "/sup/people": "pages.view",
    # order imports: the viewer looks too (every page); uploading needs orders.manage
    "/sup/orders/import": "orders.manage", f"/sup/orders/import/{X}": "orders.manage",
    # the orders desk: the viewer looks too (without customers' details); its forms need orders.manage
    "/sup/orders": "orders.manage", "/sup/orders/NOPE-ORDER": "orders.manage",
    # the waves desk: the viewer looks too; proposing (?propose=1) and releasing (POST) need orders.manage
    "/sup/waves": "orders.manage", f"/sup/waves/{X}": "orders.manage", f"/sup/waves/{X}/live": "orders.manage",
    # a station's weighing (its override form needs floor.supervise)
    "/sup/stations/PACK-01": "floor.supervise",
    # work orders: the viewer looks too; creating and cancelling (POST) need work_orders.manage
    "/sup/work-orders": "work_orders.manage", "/sup/work-orders/WO-NOPE": "work_orders.manage",
}
PUBLIC_PAGES = {"/sup/login", "/sup/logout", "/sup/language/<code>"}  # the language switch: a cookie, no data


def allowed(principal: str, policy: str) -> bool:
    if policy == "public":
        return True
    if principal == "anonymous":
        return False
    if policy in ("authenticated", "scan"):
        return True
    if policy == "user":
        return principal in ROLES
    permission, _, person = policy.partition("+")
    return permission in GRANTS[principal] and (principal in ROLES or not person)


def refusal_codes(principal: str, policy: str) -> set[str]:
    if principal == "anonymous" or policy == "user":
        return {"not_authenticated"}
    return {"forbidden", "journey_not_allowed"}


# The rules the issue names, spelled out: a picker may never do these.
PICKER_NEVER = (
    ("POST", "/api/v1/adjustments"),  # adjust stock
    ("PUT", "/api/v1/items/NOPE-SKU/safety"), ("PUT", "/api/v1/pick-faces"),
    ("POST", f"/api/v1/count-lines/{X}/approve"),  # approve count variances
    ("POST", "/api/v1/suppliers/SUP-NOPE/quality/NOPE/approve-reduced"),  # approve inspections' relief
    ("POST", "/api/v1/orders/NOPE-1/release-hold"), ("POST", "/api/v1/orders/NOPE-1/hold"),  # holds
    ("POST", "/api/v1/orders"), ("POST", "/api/v1/orders/NOPE-1/release"), ("POST", "/api/v1/waves"),  # orders
    ("POST", "/api/v1/orders/NOPE-1/allocate"), ("POST", "/api/v1/orders/NOPE-1/correct"),
    ("POST", "/api/v1/orders/NOPE-1/cancel"),  # cancel an order
    ("POST", "/api/v1/work-orders"), ("POST", "/api/v1/work-orders/WO-999999/cancel"),  # order kits made
)
PICKER_NEVER_MODES = ("inspect", "return.sign", "return.dispose", "return.unit", "receive.confirm", "pack.close",
                      "handover.confirm")


def request_for(method: str, path: str) -> dict:
    """Minimal bodies: an empty JSON object, an empty CSV, or an empty multipart form."""
    if path.endswith("/import/taobao"):
        return {"files": {"note": ("note.txt", b"")}}
    if path.endswith("/import"):
        return {"data": b"", "headers": {"Content-Type": "text/csv"}}
    if path == "/api/v1/waves":
        return {"json": {"dry_run": True}}
    if method in ("POST", "PUT", "PATCH") and _has_body(method, path):
        return {"json": {}}
    return {}


def _has_body(method: str, path: str) -> bool:
    return any(op.get("requestBody") for op in _spec_operations(method, path))


def _spec_template(path: str) -> str | None:
    """The described path a concrete path falls under (a literal segment beats a {parameter})."""
    given = path.split("?")[0].removeprefix("/api/v1").split("/")
    matches = [t for t in spec()["paths"] if len(t.split("/")) == len(given) and all(
        p.startswith("{") or p == g for p, g in zip(t.split("/"), given, strict=True))]
    return min(matches, key=lambda t: t.count("{"), default=None)


def _spec_operations(method: str, path: str) -> list[dict]:
    template = _spec_template(path)
    item = spec()["paths"].get(template, {}) if template else {}
    return [item[method.lower()]] if method.lower() in item else []


# --- the grants: the code, the docs and this table say the same ---------------------------------------

def test_the_code_grants_what_the_table_says():
    granted = {role: set(roles.PERMISSIONS[role]) for role in roles.PERMISSIONS}
    granted |= {kind: set(permissions) for kind, permissions in auth.DEVICE_PERMISSIONS.items()}
    assert granted == GRANTS
    assert roles.ROLES == ROLES


def _documented_grants() -> dict[str, set[str]]:
    """docs/security.md's role matrix: a row per permission, a column per role or device, ✓ where granted."""
    text = (ROOT / "docs" / "security.md").read_text()
    table = text.split("### Role matrix", 1)[1].split("\n\n|", 1)[1].split("\n\n", 1)[0]
    header, _, *rows = ("|" + table).splitlines()
    columns = [cell.strip() for cell in header.strip("|").split("|")][1:]
    grants: dict[str, set[str]] = {column: set() for column in columns}
    for row in rows:
        permission, *cells = [cell.strip() for cell in row.strip("|").split("|")]
        for column, cell in zip(columns, cells, strict=True):
            if cell == "✓":
                grants[column].add(permission.strip("`"))
    return grants


def test_the_documented_role_matrix_is_the_table():
    assert _documented_grants() == GRANTS


# --- the table covers everything, and says what the description says -------------------------------

def test_the_table_names_every_route_and_agrees_with_the_openapi_description():
    described = {(m.upper(), p) for p, item in spec()["paths"].items() for m in item}
    tabled = set()
    for method, path, policy in ROUTES:
        operations = _spec_operations(method, path)
        assert len(operations) == 1, (method, path)
        tabled.add((method, _spec_template(path)))
        documented = operations[0]["x-permission"]
        expected = {"scan": "the scan mode's permission", "user": "authenticated"}.get(policy, policy.split("+")[0])
        assert documented == expected, (method, path, documented, policy)
    assert tabled == described


def test_the_scan_mode_table_is_the_registry():
    services = Path(scans.__file__).parent.parent
    for module in sorted(services.glob("*/*modes.py")):  # importing one registers its modes
        importlib.import_module(f"server.services.{module.parent.name}.{module.stem}")
    assert {name: mode.permission for name, mode in scans.MODES.items()} == {
        name: policy.split("+")[0] for name, policy in SCAN_MODES.items()}


def test_the_picker_rules_of_the_issue_are_in_the_table():
    policies = {(m, p): policy for m, p, policy in ROUTES}
    for method, path in PICKER_NEVER:
        assert not allowed("picker", policies[(method, path)]), (method, path)
    for mode in PICKER_NEVER_MODES:
        assert not allowed("picker", SCAN_MODES[mode]), mode


# --- the live server keeps the table ----------------------------------------------------------------

@pytest.fixture(scope="module")
def principals(own_server):
    return {principal: client(own_server, principal) for principal in PRINCIPALS}


def _call(server, http, method, path, bare: bool = False):
    """`bare`: no body at all, so a route that reads its body before the permission shows it (400, not 403)."""
    answer = http.request(method, server.url + path, timeout=30, allow_redirects=False,
                          **({} if bare else request_for(method, path)))
    try:
        body = answer.json()
    except ValueError:
        body = None
    return answer.status_code, body


def test_refused_rest_calls_answer_401_or_403_and_write_nothing(own_server, principals):
    problems = []
    for principal in PRINCIPALS:
        before = fingerprint(own_server)
        for method, path, policy in ROUTES:
            if allowed(principal, policy):
                continue
            for bare in (False, True):
                status, body = _call(own_server, principals[principal], method, path, bare)
                code = (body or {}).get("error", {}).get("code") if isinstance(body, dict) else None
                if status not in (401, 403) or code not in refusal_codes(principal, policy):
                    problems.append(f"{principal:>14} {method} {path}{' (no body)' if bare else ''}: {status} {code}"
                                    f" (policy {policy})")
        written = changed_tables(before, fingerprint(own_server))
        if written:
            problems.append(f"{principal:>14}: refused calls wrote to {written}")
    assert not problems, "\n".join(problems)


def test_allowed_rest_calls_are_never_answered_401_or_403(own_server, principals):
    problems = []
    for principal in PRINCIPALS:
        for method, path, policy in ROUTES:
            if not allowed(principal, policy):
                continue
            http = client(own_server, principal) if path == "/api/v1/auth/logout" else principals[principal]
            status, body = _call(own_server, http, method, path)
            if status in (401, 403) or status >= 500:
                problems.append(f"{principal:>14} {method} {path}: {status} {body} (policy {policy})")
    assert not problems, "\n".join(problems)


def _floor(server, principal: str) -> socketio.SimpleClient | None:
    """A connected /floor client, or None for those not let on at all: nobody, and printer agents (they
    print through /printers; tests/server/security/test_requests.py)."""
    if principal in ("anonymous", "printer_agent"):
        return None
    if principal in ROLES:
        return server.floor_client(principal)
    token = (server.data_dir / f"token-{DEVICES[principal]}.txt").read_text().strip()
    floor = socketio.SimpleClient()
    floor.connect(server.url, namespace="/floor", transports=["websocket"], auth={"token": token}, wait_timeout=5)
    return floor


def test_every_scan_mode_for_every_role_over_socketio(own_server):
    """Refused: `forbidden` before anything is looked at, nothing written (but the stored refusal).
    Allowed: never 401/403-like codes (the bogus payload gets a 400/404/409 refusal instead)."""
    problems = []
    for principal in PRINCIPALS:
        floor = _floor(own_server, principal)
        if floor is None:  # anonymous or a printer agent: not even connected
            auth = {"token": (own_server.data_dir / "token-AGENT-01.txt").read_text().strip()} \
                if principal == "printer_agent" else None
            with pytest.raises(socketio.exceptions.ConnectionError):
                socketio.SimpleClient().connect(own_server.url, namespace="/floor", transports=["websocket"],
                                                auth=auth, wait_timeout=5)
            continue
        try:
            before = fingerprint(own_server)
            for mode, policy in SCAN_MODES.items():
                if allowed(principal, policy):
                    continue
                ack = floor.call("scan", {"scan_id": str(uuid.uuid4()), "mode": mode, "code": "NOPE-1"}, timeout=10)
                if ack.get("ok") or ack["error"]["code"] not in refusal_codes(principal, policy):
                    problems.append(f"{principal:>14} {mode}: refused expected, got {ack}")
            written = changed_tables(before, fingerprint(own_server))
            if written:
                problems.append(f"{principal:>14}: refused scans wrote to {written}")
            for mode, policy in SCAN_MODES.items():
                if not allowed(principal, policy):
                    continue
                ack = floor.call("scan", {"scan_id": str(uuid.uuid4()), "mode": mode, "code": "NOPE-1"}, timeout=10)
                code = None if ack.get("ok") else ack["error"]["code"]
                if code in ("forbidden", "journey_not_allowed", "not_authenticated", "internal_error"):
                    problems.append(f"{principal:>14} {mode}: allowed expected, got {ack}")
        finally:
            floor.disconnect()
    assert not problems, "\n".join(problems)


def test_supervisor_pages_refuse_roles_without_their_permission(own_server, principals):
    problems = []
    for principal in PRINCIPALS:
        for path, permission in PAGES.items():
            answer = principals[principal].get(own_server.url + path, timeout=30, allow_redirects=False)
            if principal not in ROLES:  # pages are for people: everyone else is sent to the login page
                ok = answer.status_code == 302 and "/sup/login" in answer.headers.get("Location", "")
                if path == "/sup/labels/preview.zpl":
                    ok = answer.status_code in (401, 403)  # a JSON endpoint: refused, not redirected
            elif permission in GRANTS[principal] or principal == "viewer":  # the viewer sees every page
                ok = answer.status_code not in (302, 401, 403) and answer.status_code < 500
            else:
                ok = answer.status_code == 403
            if not ok:
                problems.append(f"{principal:>14} GET {path}: {answer.status_code} (needs {permission})")
    assert not problems, "\n".join(problems)


def test_a_picker_gets_no_supervisor_page(own_server, principals):
    for path in PAGES:
        assert principals["picker"].get(own_server.url + path, timeout=30, allow_redirects=False).status_code == 403


def test_every_supervisor_page_is_in_the_table(own_server):
    from server.app import create_app
    from server.config import load_settings

    app = create_app(load_settings({"WMS_DATA_DIR": str(own_server.data_dir / "probe"), "WMS_DEMO": "1"}))
    pages = {rule.rule for rule in app.url_map.iter_rules() if rule.rule.startswith("/sup")
             and "GET" in rule.methods}
    tabled = {path.replace(str(X), "<int:count_id>") for path in PAGES}
    normalise = {"/sup/print-jobs/<int:count_id>": "/sup/print-jobs/<int:job_id>",
                 "/sup/inspections/<int:count_id>": "/sup/inspections/<int:inspection_id>",
                 "/sup/returns/RMA-NOPE": "/sup/returns/<number>", "/sup/items/NOPE-SKU": "/sup/items/<sku>",
                 "/sup/kits/NOPE-SKU": "/sup/kits/<sku>",
                 "/sup/orders/import/<int:count_id>": "/sup/orders/import/<int(max=2147483647):job_id>",
                 "/sup/orders/NOPE-ORDER": "/sup/orders/<number>",
                 "/sup/waves/<int:count_id>": "/sup/waves/<int(max=2147483647):wave_id>",
                 "/sup/waves/<int:count_id>/live": "/sup/waves/<int(max=2147483647):wave_id>/live",
                 "/sup/stations/PACK-01": "/sup/stations/<code>",
                 "/sup/work-orders/WO-NOPE": "/sup/work-orders/<number>"}
    tabled = {normalise.get(path, path) for path in tabled} | PUBLIC_PAGES
    assert pages == tabled
