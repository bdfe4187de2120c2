"""Every import works the same way: read the file, check every row against the file and the database,
then either write nothing (a dry run, or any wrong row) or write all good rows in one transaction.

An importer says which columns it understands (the names real files use, in Chinese and English), checks
each row into a plan (created / updated / unchanged, or the problems that refuse it) and applies plans.
Re-importing a file already loaded plans every row `unchanged`, so it changes nothing."""
from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from server.domain.errors import ImportRejected, WmsError
from server.services import transaction
from server.services.imports.files import Sheet, read_sheet
from server.services.people.auth import Actor


@dataclass
class Problem:
    row: int
    column: str
    code: str
    params: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {"row": self.row, "column": self.column, "code": self.code,
                "message": WmsError(self.code, column=self.column, **self.params).message()}


@dataclass
class Row:
    number: int
    values: dict[str, str]  # field -> the cell's text ("" when empty or the column is absent)
    headers: dict[str, str]  # field -> the column's name in this file (how problems name the column)

    def __getitem__(self, name: str) -> str:
        return self.values.get(name, "")

    def column(self, name: str) -> str:
        return self.headers.get(name, name)


@dataclass
class Plan:
    """What one row would do. `key` names the thing (a SKU, a bin code); `changes` are {field: [old, new]}."""

    row: int
    key: str = ""
    action: str = ""  # created | updated | unchanged; empty while refused
    problems: list[Problem] = field(default_factory=list)
    changes: dict[str, list] = field(default_factory=dict)
    data: Any = None

    def refuse(self, row: Row, name: str, code: str, **params: Any) -> None:
        self.problems.append(Problem(row.number, row.column(name), code, params))


class Importer(ABC):
    """One kind of import. Subclasses set the class attributes and write check() and apply()."""

    kind = ""
    permission = "master.manage"
    sheet_names: tuple[str, ...] = ()
    # field -> the column names understood out of the box (the first is how it is shown).
    columns: dict[str, tuple[str, ...]] = {}
    required: tuple[str, ...] = ()  # fields whose column must be in the file

    @abstractmethod
    def check(self, rows: list[Row]) -> list[Plan]:
        """One plan per row, in the rows' order: what it would do, or the problems that refuse it."""

    @abstractmethod
    def apply(self, plans: list[Plan], actor: Actor) -> None:
        """Write the good rows' plans (the caller commits, once, for the whole file)."""

    def prepare(self, actor: Actor) -> None:  # noqa: B027  (optional: most imports refuse nothing up front)
        """Checks that refuse the whole import before any row is read (e.g. opening stock already loaded)."""


def run(importer: Importer, raw: bytes, filename: str, actor: Actor, *, dry_run: bool = False,
        good_rows_only: bool = False, mapping: dict[str, str] | None = None) -> tuple[dict, int]:
    """The answer and its HTTP status: 200, or 422 when wrong rows refuse the file (nothing written)."""
    actor.require(importer.permission)
    importer.prepare(actor)
    sheet = read_sheet(raw, filename, importer.sheet_names)
    rows = _rows(importer, sheet, mapping or {})
    plans = importer.check(rows)
    problems = [p for plan in plans for p in plan.problems]
    refused = {plan.row for plan in plans if plan.problems}
    good = [plan for plan in plans if not plan.problems]
    write = not dry_run and (not refused or good_rows_only)
    if write:
        try:
            importer.apply([plan for plan in good if plan.action != "unchanged"], actor)
            transaction.commit_and_notify()
        except Exception:
            transaction.rollback()
            raise
    else:
        transaction.rollback()
    counts = {action: sum(1 for plan in good if plan.action == action) for action in ("created", "updated",
                                                                                       "unchanged")}
    answer = {"ok": not refused or good_rows_only, "kind": importer.kind, "dry_run": dry_run,
              "written": write, "good_rows_only": good_rows_only, "rows": len(plans), **counts,
              "refused": len(refused), "errors": [p.as_dict() for p in problems],
              "plan": [{"row": plan.row, "key": plan.key, "action": plan.action or "refused",
                        "changes": plan.changes} for plan in plans]}
    return answer, 422 if refused and not good_rows_only else 200


def _rows(importer: Importer, sheet: Sheet, mapping: dict[str, str]) -> list[Row]:
    """Find each field's column: the mapping's name for it, else a name it is known by."""
    position = {name.strip().lower(): i for i, name in enumerate(sheet.header) if name.strip()}
    where: dict[str, int] = {}
    for name, known in importer.columns.items():
        for candidate in ([mapping[name]] if mapping.get(name) else []) + [name, *known]:
            if candidate.strip().lower() in position:
                where[name] = position[candidate.strip().lower()]
                break
    missing = [importer.columns[name][0] if importer.columns.get(name) else name
               for name in importer.required if name not in where]
    if missing:
        raise WmsError("import_columns_missing", columns=", ".join(missing), kind=importer.kind,
                       found=", ".join(h for h in sheet.header if h) or "-")
    headers = {name: sheet.header[i] for name, i in where.items()}
    return [Row(number, {name: (cells[i] if i < len(cells) else "").strip() for name, i in where.items()}, headers)
            for number, cells in sheet.rows]


# --- cell readers: each returns the value or records the problem on the plan and returns None -----------

def text(plan: Plan, row: Row, name: str, *, required: bool = False, max_length: int = 200) -> str | None:
    value = row[name]
    if not value:
        if required:
            plan.refuse(row, name, "import_required")
        return None if required else ""
    if len(value) > max_length:
        plan.refuse(row, name, "import_too_long", max_length=max_length)
        return None
    return value


def number(plan: Plan, row: Row, name: str, *, scale: int = 1, minimum: float | None = 0,
           whole: bool = False) -> int | None:
    """A number cell times `scale` (yuan → fen: 100, kg → g: 1000), rounded to a whole number.
    Empty → None. Text (半年), or below `minimum`, is refused."""
    value = row[name].replace(",", "").replace("，", "")
    if not value:
        return None
    try:
        parsed = Decimal(value)
    except InvalidOperation:
        plan.refuse(row, name, "import_not_a_number", value=value)
        return None
    if not parsed.is_finite():
        plan.refuse(row, name, "import_not_a_number", value=value)
        return None
    if minimum is not None and parsed < minimum:
        plan.refuse(row, name, "import_negative" if minimum == 0 else "import_too_small", value=value,
                    minimum=minimum)
        return None
    if whole and parsed != parsed.to_integral_value():
        plan.refuse(row, name, "import_not_whole", value=value)
        return None
    return int((parsed * scale).to_integral_value())


YES = {"1", "y", "yes", "true", "是", "启用", "有效", "√", "t"}
NO = {"0", "n", "no", "false", "否", "停用", "禁用", "无效", "×", "f"}


def flag(plan: Plan, row: Row, name: str, default: bool) -> bool | None:
    value = row[name].strip().lower()
    if not value:
        return default
    if value in YES:
        return True
    if value in NO:
        return False
    plan.refuse(row, name, "import_not_yes_no", value=row[name])
    return None


def first_rows(rows: list[Row], plans: list[Plan], key_of, name: str) -> None:
    """Refuse every row whose key an earlier row of the file already has (named by its row number)."""
    seen: dict[str, int] = {}
    for row, plan in zip(rows, plans, strict=True):
        key = key_of(row)
        if not key:
            continue
        if key in seen:
            plan.refuse(row, name, "import_duplicate_in_file", value=row[name], first_row=seen[key])
        else:
            seen[key] = row.number


def save_one(importer: Importer, values: dict[str, object], actor: Actor) -> Plan:
    """One record from a form or a REST body, through the import's own checks: a file of one row.
    Refused with every problem (ImportRejected), nothing written; the caller commits."""
    actor.require(importer.permission)
    cells = {name: "" if value is None else ("1" if value is True else "0" if value is False else str(value).strip())
             for name, value in values.items() if name in importer.columns}
    row = Row(1, cells, {name: name for name in cells})
    plan = importer.check([row])[0]
    if plan.problems:
        raise ImportRejected([p.as_dict() for p in plan.problems])
    if plan.action != "unchanged":
        importer.apply([plan], actor)
    return plan
