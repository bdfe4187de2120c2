"""Places: bins created one at a time, generated as ranges (zone A, aisles 01–20, bays 01–30, levels 1–4)
or imported from a location list (bins.xlsx) — all through the same checks — and blocked or unblocked
with a written reason."""
from __future__ import annotations

import re

from flask import current_app
from sqlalchemy import select

from server.db.models import Bin
from server.domain import places
from server.domain.errors import ImportRejected, WmsError
from server.extensions import db
from server.services.catalogue import floor_plan
from server.services.imports.framework import Importer, Plan, Row, first_rows, flag, number, save_one, text
from server.services.people.auth import Actor

# Where generated and imported bins stand for routing: aisles side by side, bays along them
# (server/services/picking/waves.py FloorMap reads x as the aisle and y along it).
AISLE_PITCH_M = 3.0
BAY_WIDTH_M = 1.2
AISLES_PER_ZONE_SLOT = 40  # zone B's first aisle stands right of zone A's 40th

COLUMNS: dict[str, tuple[str, ...]] = {
    "code": ("库位编码", "code", "bin", "库位", "货位编码"),
    "zone": ("库区", "zone"),
    "aisle": ("巷道", "aisle", "通道"),
    "bay": ("货架列", "bay", "列"),
    "level": ("层", "level"),
    "kind": ("库位类型", "kind", "type"),
    "capacity": ("容量", "capacity"),
    "warehouse": ("仓库", "warehouse"),
    "active": ("是否启用", "active"),
}
FIELDS = ("zone", "aisle", "bay", "level", "kind", "capacity", "warehouse", "active", "x", "y")


def bin_pattern() -> str:
    return current_app.extensions["wms_decoder_rules"].bin_pattern


def position(zone: str, aisle: int, bay: int) -> tuple[float, float]:
    slot = sum(ord(ch) - ord("A") for ch in zone[:1]) if zone[:1].isalpha() else 0
    return (slot * AISLES_PER_ZONE_SLOT + aisle - 1) * AISLE_PITCH_M, (bay - 0.5) * BAY_WIDTH_M


class BinMaster(Importer):
    kind = "bins"
    permission = "master.manage"
    sheet_names = ("库位", "bins", "locations")
    columns = COLUMNS
    required = ("code",)

    def check(self, rows: list[Row]) -> list[Plan]:
        plans = [Plan(row.number, key=row["code"].upper()) for row in rows]
        first_rows(rows, plans, lambda r: r["code"].upper(), "code")
        codes = {row["code"].upper() for row in rows if row["code"]}
        existing = {b.code: b for b in db.session.execute(select(Bin).where(Bin.code.in_(codes))).scalars()} \
            if codes else {}
        pattern = re.compile(bin_pattern())
        for row, plan in zip(rows, plans, strict=True):
            if not plan.problems:
                self._check_row(row, plan, existing.get(plan.key), pattern)
        return plans

    def _check_row(self, row: Row, plan: Plan, bin_: Bin | None, pattern: re.Pattern) -> None:
        has = row.headers.__contains__
        code = text(plan, row, "code", required=True, max_length=32)
        if code and not pattern.match(code.upper()):
            plan.refuse(row, "code", "import_bin_code_pattern", value=code, pattern=pattern.pattern)
        parts = _parts(code.upper()) if code else None
        want: dict = {}
        for name, length in (("zone", 8), ("aisle", 8), ("bay", 8), ("level", 8), ("warehouse", 16)):
            if has(name) and row[name]:
                want[name] = text(plan, row, name, max_length=length)
            elif bin_ is None:
                want[name] = (parts or {}).get(name) or ("WH1" if name == "warehouse" else None)
                if want[name] is None:
                    plan.refuse(row, name, "import_required")
        if want.get("zone"):
            want["zone"] = want["zone"].upper()
        if has("kind") or bin_ is None:
            kind = places.kind_for(row["kind"]) if row["kind"] else "storage"
            if kind is None:
                plan.refuse(row, "kind", "import_unknown_kind", value=row["kind"],
                            known="、".join(zh for _, zh in places.KINDS.values()))
            want["kind"] = kind
        if has("capacity") and row["capacity"]:
            want["capacity"] = number(plan, row, "capacity", whole=True)
        elif bin_ is None:
            want["capacity"] = 100
        if has("active") or bin_ is None:
            want["active"] = flag(plan, row, "active", True)
        if plan.problems:
            return
        zone = want.get("zone") or bin_.zone
        aisle, bay = want.get("aisle") or bin_.aisle, want.get("bay") or bin_.bay
        if not (str(aisle).isdigit() and str(bay).isdigit()):
            plan.refuse(row, "aisle" if not str(aisle).isdigit() else "bay", "import_not_whole",
                        value=aisle if not str(aisle).isdigit() else bay)
            return
        want["x"], want["y"] = position(zone, int(aisle), int(bay))
        current = {name: getattr(bin_, name) for name in FIELDS} if bin_ else {}
        plan.changes = {name: [current.get(name), value] for name, value in want.items()
                        if current.get(name) != value}
        plan.data = {"code": code.upper(), "want": want}
        plan.action = "created" if bin_ is None else ("updated" if plan.changes else "unchanged")

    def apply(self, plans: list[Plan], actor: Actor) -> None:
        for plan in plans:
            bin_ = db.session.execute(select(Bin).where(Bin.code == plan.data["code"])).scalar_one_or_none()
            if bin_ is None:
                bin_ = Bin(code=plan.data["code"])
                db.session.add(bin_)
            for name, value in plan.data["want"].items():
                setattr(bin_, name, value)
        db.session.flush()
        for warehouse in {plan.data["want"].get("warehouse") or "WH1" for plan in plans}:
            floor_plan.place_new({plan.data["code"] for plan in plans}, warehouse)  # by the saved layout


def _parts(code: str) -> dict | None:
    """Zone, aisle, bay and level read from a code such as A-03-02-1 or A03-02-1."""
    match = re.match(r"^([A-Z]{1,2})-?(\d{2})-(\d{2})-(\d)$", code)
    if not match:
        return None
    return dict(zip(("zone", "aisle", "bay", "level"), match.groups(), strict=True))


def _span(text_: str, name: str) -> list[str]:
    """'01-20' -> ['01', …, '20'] (the width of the first number kept); '3' -> ['3']."""
    match = re.fullmatch(r"\s*(\d{1,3})\s*(?:[-–~至到]\s*(\d{1,3}))?\s*", str(text_ or ""))
    if not match:
        raise WmsError("bad_range", field=name, value=text_)
    first, last = match.group(1), match.group(2) or match.group(1)
    if int(last) < int(first) or int(last) - int(first) > 99:
        raise WmsError("bad_range", field=name, value=text_)
    width = len(first)
    return [str(n).zfill(width) for n in range(int(first), int(last) + 1)]


def generate(zone: str, aisles: str, bays: str, levels: str, kind: str, capacity: object, actor: Actor, *,
             warehouse: str = "WH1", dry_run: bool = False) -> dict:
    """Bins for every aisle × bay × level of a zone, named ZONE-AA-BB-L; bins that exist are left as they
    are unless what is asked differs. All or nothing, like an import."""
    actor.require(BinMaster.permission)
    zone = (zone or "").strip().upper()
    if not re.fullmatch(r"[A-Z]{1,2}", zone):
        raise WmsError("bad_range", field="zone", value=zone)
    rows = []
    for n, (a, b, lv) in enumerate(((a, b, lv) for a in _span(aisles, "aisles") for b in _span(bays, "bays")
                                    for lv in _span(levels, "levels")), start=2):
        code = f"{zone}-{a.zfill(2)}-{b.zfill(2)}-{lv}"
        rows.append(Row(n, {"code": code, "zone": zone, "aisle": a.zfill(2), "bay": b.zfill(2), "level": lv,
                            "kind": kind or "storage", "capacity": str(capacity or 100), "warehouse": warehouse},
                        {name: name for name in ("code", "zone", "aisle", "bay", "level", "kind", "capacity",
                                                 "warehouse")}))
    if len(rows) > 20000:
        raise WmsError("bad_range", field="bins", value=len(rows))
    importer = BinMaster()
    plans = importer.check(rows)
    problems = [p.as_dict() for plan in plans for p in plan.problems]
    if problems:
        raise ImportRejected(problems)
    if not dry_run:
        importer.apply([plan for plan in plans if plan.action != "unchanged"], actor)
    return {"zone": zone, "bins": len(plans), "created": sum(p.action == "created" for p in plans),
            "updated": sum(p.action == "updated" for p in plans),
            "unchanged": sum(p.action == "unchanged" for p in plans), "first": rows[0].values["code"],
            "last": rows[-1].values["code"], "dry_run": dry_run}


def set_blocked(code: str, blocked: bool, reason: str, actor: Actor) -> Bin:
    """Block (freeze) a bin with a written reason, or unblock it; the audit trail keeps who and why."""
    actor.require("stock.adjust")
    reason = (reason or "").strip()
    if blocked and not reason:
        raise WmsError("reason_required")
    bin_ = db.session.execute(select(Bin).where(Bin.code == code.strip().upper())).scalar_one_or_none()
    if bin_ is None:
        raise WmsError("not_found", what=f"bin {code}")
    bin_.blocked = blocked
    bin_.block_reason = reason[:200] if blocked else None
    db.session.flush()
    return bin_


def save(values: dict[str, object], actor: Actor, *, code: str | None = None) -> tuple[Bin, str]:
    """Create a bin, or edit one (`code`), through the import's checks."""
    values = dict(values)
    if code is not None:
        if db.session.execute(select(Bin.id).where(Bin.code == code.upper())).scalar() is None:
            raise WmsError("not_found", what=f"bin {code}")
        values["code"] = code.upper()
    plan = save_one(BinMaster(), values, actor)
    return db.session.execute(select(Bin).where(Bin.code == plan.data["code"])).scalar_one(), plan.action


def bin_view(bin_: Bin) -> dict:
    return {"code": bin_.code, "zone": bin_.zone, "aisle": bin_.aisle, "bay": bin_.bay, "level": bin_.level,
            "kind": bin_.kind, "capacity": bin_.capacity, "warehouse": bin_.warehouse, "active": bin_.active,
            "blocked": bin_.blocked, "block_reason": bin_.block_reason, "x": bin_.x, "y": bin_.y}
