"""Permission groups: everyone with the same job has the same rights."""
from __future__ import annotations

ROLES = ("picker", "receiver", "inspector", "packer", "supervisor", "manager", "admin")
ROLE_NAMES: dict[str, tuple[str, str]] = {
    "picker": ("picker", "拣货员"), "receiver": ("receiver", "收货员"),
    "inspector": ("inspector", "质检员"), "packer": ("packer", "打包员"),
    "supervisor": ("supervisor", "主管"), "manager": ("manager", "经理"), "admin": ("administrator", "管理员"),
}

_FLOOR_LEAD = frozenset({"scan.lookup", "journey.pick", "journey.receive", "journey.inspect", "journey.pack",
                         "labels.print", "floor.supervise", "orders.manage", "returns.open", "returns.inspect",
                         "stock.transfer", "stock.count", "counts.manage", "stock.adjust", "reports.view",
                         "audit.view"})

# What each role may do. A permission is checked by services, never by the page that hides a button.
# Signing a return case's levels is by role, as config/default.toml [returns] chain says.
PERMISSIONS: dict[str, frozenset[str]] = {
    "picker": frozenset({"scan.lookup", "journey.pick", "stock.transfer", "stock.count"}),
    "receiver": frozenset({"scan.lookup", "journey.receive", "returns.open", "stock.transfer", "stock.count"}),
    "inspector": frozenset({"scan.lookup", "journey.inspect", "returns.open", "returns.inspect"}),
    "packer": frozenset({"scan.lookup", "journey.pack", "labels.print", "returns.open"}),
    "supervisor": _FLOOR_LEAD,
    "manager": _FLOOR_LEAD,
    "admin": _FLOOR_LEAD | {"devices.manage"},
}

# Handheld journeys in menu order, with the permission each needs. Only journeys the server can
# already serve are listed: a menu button that leads nowhere is worse than none.
JOURNEYS: tuple[tuple[str, str], ...] = (
    ("pick", "journey.pick"),
    ("receive", "journey.receive"),
    ("inspect", "journey.inspect"),
    ("putaway", "journey.receive"),
    ("count", "stock.count"),
    ("transfer", "stock.transfer"),
    ("lookup", "scan.lookup"),
)


def can(role: str, permission: str) -> bool:
    return permission in PERMISSIONS.get(role, frozenset())


def journeys_for(role: str) -> list[str]:
    return [name for name, permission in JOURNEYS if can(role, permission)]
