"""Permission groups: everyone with the same job has the same rights."""
from __future__ import annotations

ROLES = ("picker", "receiver", "inspector", "packer", "supervisor", "manager", "admin", "viewer")
ROLE_NAMES: dict[str, tuple[str, str]] = {
    "picker": ("picker", "拣货员"), "receiver": ("receiver", "收货员"),
    "inspector": ("inspector", "质检员"), "packer": ("packer", "打包员"),
    "supervisor": ("supervisor", "主管"), "manager": ("manager", "经理"), "admin": ("administrator", "管理员"),
    "viewer": ("viewer", "只读查看"),
}

# Roles that may log in by scanning their badge. Supervisors, managers, administrators and the viewer see
# more than the floor does: they log in with a password (a badge alone is too easy to borrow).
BADGE_ROLES = frozenset({"picker", "receiver", "inspector", "packer"})

# Reading the supervisor pages (the overview, bins, jobs, scans, reports): changes nothing.
_READ = frozenset({"pages.view", "reports.view", "audit.view", "scan.lookup"})
_FLOOR_LEAD = _READ | frozenset({"scan.lookup", "journey.pick", "journey.receive", "journey.inspect", "journey.pack",
                         "labels.print", "floor.supervise", "orders.manage", "returns.open", "returns.inspect",
                         "stock.transfer", "stock.count", "counts.manage", "stock.adjust", "stock.opening",
                         "reports.view", "audit.view", "customers.view", "quarantine.release",
                         "work_orders.manage", "journey.assemble"})

# What each role may do. A permission is checked by services, never by the page that hides a button.
# Signing a return case's levels is by role, as config/default.toml [returns] chain says.
PERMISSIONS: dict[str, frozenset[str]] = {
    # Work orders (加工单): supervisors and up create and cancel them (work_orders.manage); pickers and packers
    # (and the floor leads) pick, assemble and put away on the handheld (journey.assemble).
    "picker": frozenset({"scan.lookup", "journey.pick", "stock.transfer", "stock.count", "journey.assemble"}),
    "receiver": frozenset({"scan.lookup", "journey.receive", "returns.open", "stock.transfer", "stock.count"}),
    "inspector": frozenset({"scan.lookup", "journey.inspect", "returns.open", "returns.inspect"}),
    "packer": frozenset({"scan.lookup", "journey.pack", "labels.print", "returns.open", "customers.view",
                         "journey.assemble"}),
    "supervisor": _FLOOR_LEAD,
    # The master (items, places, suppliers, opening stock), people and devices: managers and the admin.
    # So is approving a rejected lot's return to its vendor (vendor_returns.approve: approve, cancel).
    "manager": _FLOOR_LEAD | {"master.manage", "people.manage", "devices.manage", "vendor_returns.approve"},
    "admin": _FLOOR_LEAD | {"master.manage", "people.manage", "devices.manage", "vendor_returns.approve"},
    # Sees everything, changes nothing.
    "viewer": _READ,
}

# Handheld journeys in menu order, with the permission each needs. Only journeys the server can
# already serve are listed: a menu button that leads nowhere is worse than none.
JOURNEYS: tuple[tuple[str, str], ...] = (
    ("pick", "journey.pick"),
    ("putback", "journey.pick"),  # a cancelled order's units back to the shelves (services/orders/put_back.py)
    ("receive", "journey.receive"),
    ("inspect", "journey.inspect"),
    ("putaway", "journey.receive"),
    ("count", "stock.count"),
    ("transfer", "stock.transfer"),
    ("moves", "stock.transfer"),  # move tasks: refill a pick face, an expired lot to quarantine
    ("returns", "returns.inspect"),
    ("assembly", "journey.assemble"),  # work orders: kits assembled or taken apart (services/assembly)
    ("lookup", "scan.lookup"),
)


# Customers' names, phones and addresses (and the labels that carry them): only roles whose work needs them
# — packing and running orders. Pickers, receivers, inspectors, the viewer and every device token see none.
CUSTOMER_FIELDS = ("customer_name", "phone", "address")


def can(role: str, permission: str) -> bool:
    return permission in PERMISSIONS.get(role, frozenset())


def journeys_for(role: str) -> list[str]:
    return [name for name, permission in JOURNEYS if can(role, permission)]


def may_use_badge(role: str) -> bool:
    return role in BADGE_ROLES
