"""Running an inspection under any plan: after each marked unit, inspect more, accept or reject —
decided as soon as the outcome is certain."""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, NamedTuple

from server.domain.sampling.iso import IsoDoublePlan, IsoPlan
from server.domain.sampling.seed import SeedPlan


@dataclass(frozen=True)
class FullPlan:
    """100 % inspection, for cartons whose packaging is damaged (and wherever every unit must be
    seen): every unit is inspected, defectives are set apart one by one, and the lot itself is never
    rejected for them — the decision at the end is always "accept"."""

    lot_size: int

    def __post_init__(self) -> None:
        if self.lot_size < 1:
            raise ValueError("a lot has at least one unit")

    def as_dict(self) -> dict[str, Any]:
        return {"policy": "full", "lot_size": self.lot_size}


def full_inspection_plan(lot_size: int) -> FullPlan:
    return FullPlan(lot_size)


Plan = SeedPlan | IsoPlan | IsoDoublePlan | FullPlan


class Stage(NamedTuple):
    """One stage of a plan: `upto` units inspected in all; at its end, ≤ ac defectives accept;
    ≥ re reject (at any time); in between go on to the next stage, or, on the last stage, accept."""

    upto: int
    ac: int
    re: int


def stages(plan: Plan) -> tuple[Stage, ...]:
    """Every plan as one or two stages (the seed rule is a double plan with Ac1 = 0)."""
    if isinstance(plan, SeedPlan):
        limit = plan.accept_limit
        if plan.widened_sample == plan.first_sample:
            return (Stage(plan.first_sample, limit, limit + 1),)
        return (Stage(plan.first_sample, 0, limit + 1), Stage(plan.widened_sample, limit, limit + 1))
    if isinstance(plan, IsoPlan):
        return (Stage(plan.n, plan.ac, plan.re),)
    if isinstance(plan, IsoDoublePlan):
        return (Stage(plan.n1, plan.ac1, plan.re1), Stage(plan.n1 + plan.n2, plan.ac2, plan.re2))
    if isinstance(plan, FullPlan):
        return (Stage(plan.lot_size, plan.lot_size, plan.lot_size + 1),)
    raise TypeError(f"not a sampling plan: {plan!r}")


@dataclass(frozen=True)
class Step:
    """What the inspector does next. `target`: units to inspect in all, given what was found so far;
    `widened`: a defect pushed the target beyond the first sample (seed rule, double plans)."""

    decision: str  # continue | accept | reject
    target: int
    remaining: int
    widened: bool

    def as_dict(self) -> dict[str, Any]:
        return {"decision": self.decision, "target": self.target, "remaining": self.remaining,
                "widened": self.widened}


class SampleExceeded(ValueError):
    """A marking the plan cannot hold: more units than the sample, more defectives than units
    inspected, or a negative count. `target` is the sample size the marking should stay within."""

    def __init__(self, target: int, inspected: int, defects: int) -> None:
        super().__init__(f"{inspected} inspected with {defects} defective does not fit a sample of {target}")
        self.target = target
        self.inspected = inspected
        self.defects = defects


def _position(plan: Plan, inspected: int, defects: int) -> tuple[str, int, bool]:
    """(decision, target, widened) from the running totals. A stage the count has gone past was
    inconclusive (otherwise inspection would have stopped there), so only the current stage's
    numbers apply; a stage that can no longer accept makes the next one certain at once."""
    plan_stages = stages(plan)
    for k, stage in enumerate(plan_stages):
        last = k + 1 == len(plan_stages)
        if defects > stage.ac and not last and (inspected > stage.upto or defects < stage.re):
            continue
        if defects >= stage.re:
            return "reject", stage.upto, k > 0
        return ("continue" if inspected < stage.upto else "accept"), stage.upto, k > 0
    raise AssertionError("the last stage always decides")


def check_marking(plan: Plan, inspected: int, defects: int) -> None:
    """Refuse a marking the plan cannot hold (raises SampleExceeded)."""
    _, target, _ = _position(plan, inspected, max(defects, 0))
    if inspected < 0 or defects < 0 or defects > inspected or inspected > target:
        raise SampleExceeded(target, inspected, defects)


def next_step(plan: Plan, inspected: int, defects: int) -> Step:
    """After `inspected` units with `defects` defective: go on, accept or reject.

    Seed rule: the target is the first sample while no defect is found, the widened sample once one
    is; reject as soon as the defectives exceed the threshold of the widened sample; accept when the
    first sample is complete without a defect, or the widened sample is complete within the threshold.
    ISO plans: reject as soon as defectives reach Re; accept when the sample is complete below Re
    (on reduced inspection Ac < d < Re also accepts: see `IsoPlan.accept_but_return_to_normal`).
    Acceptance is only declared at the end of a sample: every unit of it is marked, so the count is
    complete for the records and the switching rules."""
    check_marking(plan, inspected, defects)
    decision, target, widened = _position(plan, inspected, defects)
    return Step(decision, target, target - inspected, widened)


def plan_from_dict(d: dict[str, Any]) -> Plan:
    """A plan stored with its `as_dict()` rebuilt exactly as it was (not recomputed from today's
    configuration); keys the plan does not know (a caller's annotations) are ignored."""
    kinds: dict[str, type[Plan]] = {"seed": SeedPlan, "iso2859": IsoPlan, "iso2859_double": IsoDoublePlan,
                                    "full": FullPlan}
    kind = kinds.get(d.get("policy", ""))
    if kind is None:
        raise ValueError(f"unknown sampling policy {d.get('policy')!r}")
    return kind(**{f.name: d[f.name] for f in dataclasses.fields(kind)})
