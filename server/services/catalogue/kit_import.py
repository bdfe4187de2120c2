"""The kits file (kits.csv: 组合装商品编码, 组合装商品名称, 子商品编码, 数量 — one row per component) as kit
definitions, and a kit saved from a form or a REST body through the same checks. Rows are grouped per kit;
a kit with any wrong row is left out whole (its good rows say so), since half a recipe would be a wrong one.
Loading a kit again replaces its components."""
from __future__ import annotations

from decimal import Decimal, InvalidOperation

from sqlalchemy import select

from server.db.models import Item
from server.domain import kits as rules
from server.domain.errors import ImportRejected, WmsError, Words
from server.extensions import db
from server.services.catalogue import kits
from server.services.catalogue.items import item_by_sku
from server.services.imports.framework import Importer, Plan, Row, text
from server.services.people.auth import Actor

COLUMNS: dict[str, tuple[str, ...]] = {
    "kit_sku": ("组合装商品编码", "kit_sku", "组合装编码", "组合商品编码", "kit"),
    "kit_name": ("组合装商品名称", "kit_name", "组合装名称", "组合商品名称", "name_zh"),
    "kit_name_en": ("组合装英文名称", "kit_name_en", "name_en"),
    "component_sku": ("子商品编码", "component_sku", "子货品编码", "component"),
    "qty": ("数量", "qty", "子商品数量", "quantity"),
}
MAX_QTY = 10_000  # units of one component in one kit: more is a typing slip, not a kit


class KitImporter(Importer):
    kind = "kits"
    sheet_names = ("组合装", "kits")
    columns = COLUMNS
    required = ("kit_sku", "component_sku", "qty")

    def check(self, rows: list[Row]) -> list[Plan]:
        plans = [Plan(row.number, key=row["kit_sku"]) for row in rows]
        # kit -> its rows in the file's order, each with the component it names (SKU, units per kit)
        wanted: dict[str, list[tuple[Row, Plan, kits.Component]]] = {}
        for row, plan in zip(rows, plans, strict=True):
            kit = text(plan, row, "kit_sku", required=True, max_length=64)
            sku = text(plan, row, "component_sku", required=True, max_length=64) or ""
            text(plan, row, "kit_name")
            text(plan, row, "kit_name_en")
            qty = _qty(plan, row, kit or "", sku)
            if kit:
                wanted.setdefault(kit, []).append((row, plan, kits.Component(sku, qty or 0)))
        masters = set(db.session.execute(select(Item.sku)).scalars())
        graph = _recipes_by_sku()
        graph.update({kit: [(c.sku, c.qty) for _, _, c in lines if c.sku] for kit, lines in wanted.items()})
        for kit, lines in wanted.items():
            _check_kit(kit, lines, masters | set(wanted), graph)
        _leave_out_kits_with_wrong_rows(wanted, masters)
        for kit, lines in wanted.items():
            if not any(plan.problems for _, plan, _ in lines):
                _plan(kit, lines)
        return plans

    def apply(self, plans: list[Plan], actor: Actor) -> None:
        actor.require(self.permission)
        defined = [plan.data for plan in plans if plan.data]
        # every kit's own item first: a kit of the file may be a component of another one
        items = {data["kit"]: kits.kit_item(data["kit"], data["name_zh"], data["name_en"]) for data in defined}
        for data in defined:
            kits.write(items[data["kit"]], data["components"])


def _qty(plan: Plan, row: Row, kit: str, sku: str) -> int | None:
    value = row["qty"].replace(",", "").replace("，", "")
    try:
        parsed = Decimal(value)
    except InvalidOperation:
        parsed = None
    if parsed is None or not parsed.is_finite() or parsed <= 0 or parsed != parsed.to_integral_value() \
            or parsed > MAX_QTY:
        plan.refuse(row, "qty", "kit_bad_qty", kit=kit, sku=sku, qty=row["qty"] or "-")
        return None
    return int(parsed)


def _recipes_by_sku() -> dict[str, list[tuple[str, int]]]:
    """The kits already defined, by SKU (a file names SKUs, some of kits not yet in the item master)."""
    recipes = kits.recipes()
    ids = {i for kit, parts in recipes.items() for i in [kit, *(c for c, _ in parts)]}
    skus = dict(db.session.execute(select(Item.id, Item.sku).where(Item.id.in_(ids))).all()) if ids else {}
    return {skus[kit]: [(skus[c], qty) for c, qty in parts] for kit, parts in recipes.items()}


def _check_kit(kit: str, lines: list, known: set[str], graph: dict) -> None:
    """Each row of one kit: its component exists (in the item master or as a kit of the file), is named
    once, and does not lead back to the kit (directly, or through other kits of the file or the database)."""
    first: dict[str, int] = {}
    for row, plan, component in lines:
        if not component.sku:
            continue
        if component.sku in first:
            plan.refuse(row, "component_sku", "kit_component_twice", kit=kit, sku=component.sku,
                        first_row=first[component.sku])
            continue
        first[component.sku] = row.number
        if component.sku == kit:
            plan.refuse(row, "component_sku", "kit_contains_itself", kit=kit, path=f"{kit} → {kit}")
        elif component.sku not in known:
            plan.refuse(row, "component_sku", "kit_unknown_component", kit=kit, sku=component.sku)
        else:
            path = rules.cycle(kit, {**graph, kit: [(component.sku, 1)]})
            if path:
                plan.refuse(row, "component_sku", "kit_contains_itself", kit=kit, path=" → ".join(path))


def _leave_out_kits_with_wrong_rows(wanted: dict, masters: set[str]) -> None:
    """A kit with a wrong row is left out whole: its good rows are refused too, naming the wrong row. A kit
    of the file that is left out and is no item of the master cannot be another kit's component either."""
    left_out: set[str] = set()
    changed = True
    while changed:
        changed = False
        for kit, lines in wanted.items():
            if kit in left_out:
                continue
            for row, plan, component in lines:
                if not plan.problems and component.sku in left_out and component.sku not in masters:
                    plan.refuse(row, "component_sku", "kit_unknown_component", kit=kit, sku=component.sku)
            wrong = [row.number for row, plan, _ in lines if plan.problems]
            if wrong:
                left_out.add(kit)
                changed = True
                for row, plan, _ in lines:
                    if not plan.problems:
                        plan.refuse(row, "kit_sku", "kit_left_out", kit=kit, wrong_row=wrong[0])


def _plan(kit: str, lines: list) -> None:
    """What loading the kit does: define it (created), change its components (updated), or nothing."""
    components = [component for _, _, component in lines]
    item = item_by_sku(kit)
    before = [(c.sku, qty) for c, qty in kits.components_of(item)] if item is not None else []
    after = [(c.sku, c.qty) for c in components]
    action = "created" if not before else ("unchanged" if sorted(before) == sorted(after) else "updated")
    first_row, first_plan = lines[0][0], lines[0][1]
    for _, plan, _ in lines:
        plan.action = action
    if action != "unchanged":
        first_plan.changes = {"components": [_recipe_text(before) or None, _recipe_text(after)]}
    first_plan.data = {"kit": kit, "name_zh": first_row["kit_name"], "name_en": first_row["kit_name_en"],
                       "components": components}


def _recipe_text(recipe: list[tuple[str, int]]) -> str:
    return " · ".join(f"{sku} ×{qty}" for sku, qty in recipe)


FIELDS = {"kit_sku": "sku", "kit_name": "name_zh", "kit_name_en": "name_en", "component_sku": "sku", "qty": "qty"}


def save(kit_sku: str, components: object, actor: Actor, name_zh: str = "", name_en: str = "") -> tuple[Item, str]:
    """Define a kit, or replace its components, from a form or a REST body ([{"sku", "qty"}]): the import's
    checks, each component a row (its problems name the component's line). Refused with every problem
    (ImportRejected), nothing written; the caller commits. Names name a kit new to the item master."""
    actor.require(KitImporter.permission)
    kit_sku = str(kit_sku or "").strip()
    if not isinstance(components, list) or not all(isinstance(c, dict) for c in components):
        raise WmsError("bad_request", detail=Words('components: a list of {"sku", "qty"}',
                                                   'components 须为 {"sku", "qty"} 的列表'))
    if not components:
        raise WmsError("kit_empty", kit=kit_sku)
    rows = [Row(number, {"kit_sku": kit_sku, "kit_name": str(name_zh or "").strip(),
                         "kit_name_en": str(name_en or "").strip(),
                         "component_sku": str(c.get("sku") or "").strip(),
                         "qty": str(c.get("qty") if c.get("qty") is not None else "").strip()}, FIELDS)
            for number, c in enumerate(components, 1)]
    importer = KitImporter()
    plans = importer.check(rows)
    problems = [p.as_dict() for plan in plans for p in plan.problems if p.code != "kit_left_out"]
    if problems:
        raise ImportRejected(problems)
    importer.apply([plan for plan in plans if plan.action != "unchanged"], actor)
    return item_by_sku(kit_sku), plans[0].action
