"""The customer's seed rule: a first sample of about 10 %, widened to 30 % on a defect, and the lot
rejected only when more than 30 % of what was sampled is defective."""
from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, fields
from fractions import Fraction
from typing import Any

from server.domain.errors import Words


def exact(x: float) -> Fraction:
    """The decimal a person wrote (0.15 is 15/100, not the binary float just above it), so that
    ceil(0.15 · 100) is 15 and 30 % of 300 is exactly 90."""
    return Fraction(repr(x)) if isinstance(x, float) else Fraction(x)


def ceil_share(fraction: float, units: int) -> int:
    return math.ceil(exact(fraction) * units)


@dataclass(frozen=True)
class SeedPolicy:
    """The customer's procedure, as configuration (`receiving.sampling.seed`).

    The first-sample rate of a supplier moves with its recent defect rate q (see `supplier_rate`):
    q ≤ clean_defect_rate → min_rate, q ≥ poor_defect_rate → max_rate, linear in between; with the
    defaults 0 % → 5 %, 1 % → 10 %, 2 % or worse → 15 %."""

    base_rate: float = 0.10
    min_rate: float = 0.05
    max_rate: float = 0.15
    returned_rate: float = 1.0
    widen_rate: float = 0.30
    reject_over_fraction: float = 0.30
    history_min_lots: int = 3
    history_window: int = 10
    clean_defect_rate: float = 0.0
    poor_defect_rate: float = 0.02

    def __post_init__(self) -> None:
        if not 0 < self.min_rate <= self.base_rate <= self.max_rate <= 1:
            raise ValueError("rates must satisfy 0 < min_rate <= base_rate <= max_rate <= 1")
        for name in ("returned_rate", "widen_rate"):
            if not 0 < getattr(self, name) <= 1:
                raise ValueError(f"{name} must be in (0, 1]")
        if not 0 <= self.reject_over_fraction < 1:
            raise ValueError("reject_over_fraction must be in [0, 1)")
        if not 1 <= self.history_min_lots <= self.history_window:
            raise ValueError("need 1 <= history_min_lots <= history_window")
        if not 0 <= self.clean_defect_rate < self.poor_defect_rate <= 1:
            raise ValueError("need 0 <= clean_defect_rate < poor_defect_rate <= 1")

    @classmethod
    def from_config(cls, d: Mapping[str, Any]) -> SeedPolicy:
        """Missing keys keep their defaults; an unknown key is a typo and is refused."""
        types = {f.name: int if f.name.startswith("history_") else float for f in fields(cls)}
        unknown = sorted(set(d) - set(types))
        if unknown:
            raise ValueError(f"unknown seed policy settings: {', '.join(unknown)}")
        settings: dict[str, Any] = {name: types[name](value) for name, value in d.items()}
        return cls(**settings)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


DEFAULT_POLICY = SeedPolicy()


@dataclass(frozen=True)
class LotOutcome:
    """One of a supplier's past lots: how many units were sampled, how many were defective, and
    whether the lot was rejected."""

    sampled: int
    defects: int
    rejected: bool

    def __post_init__(self) -> None:
        if not 0 <= self.defects <= self.sampled:
            raise ValueError("need 0 <= defects <= sampled")


def supplier_rate(history: Sequence[LotOutcome], policy: SeedPolicy = DEFAULT_POLICY) -> float:
    """The first-sample rate for a supplier's next lot, from its lots ordered oldest → newest.

    - fewer than `history_min_lots` lots: `base_rate` (a new supplier gets the default 10 %);
    - a rejected lot among the last `history_window` lots: `max_rate`;
    - otherwise, with q = defects / units sampled, pooled over those lots,
          rate = min_rate + (max_rate − min_rate) · (q − clean) / (poor − clean)
      (clean, poor: the policy's clean_defect_rate and poor_defect_rate), clamped to
      [min_rate, max_rate] and rounded to 0.1 %.
    More defects never lower the rate. The rate only changes what the first sample costs: the
    decision is taken at the 30 % threshold (see the OC curve)."""
    recent = list(history)[-policy.history_window:]
    sampled = sum(lot.sampled for lot in recent)
    if len(history) < policy.history_min_lots:
        return policy.base_rate
    if any(lot.rejected for lot in recent):
        return policy.max_rate
    if sampled == 0:
        return policy.base_rate
    q = sum(lot.defects for lot in recent) / sampled
    share = (q - policy.clean_defect_rate) / (policy.poor_defect_rate - policy.clean_defect_rate)
    rate = policy.min_rate + (policy.max_rate - policy.min_rate) * min(1.0, max(0.0, share))
    return min(policy.max_rate, max(policy.min_rate, round(rate, 3)))


@dataclass(frozen=True)
class SeedPlan:
    """A lot under the seed rule: inspect `first_sample`; one defect widens the sample to
    `widened_sample` in all; reject when the defectives exceed `reject_over_fraction` of it."""

    lot_size: int
    rate: float
    first_sample: int
    widened_sample: int
    reject_over_fraction: float

    def __post_init__(self) -> None:
        if not 1 <= self.first_sample <= self.widened_sample <= self.lot_size:
            raise ValueError("need 1 <= first_sample <= widened_sample <= lot_size")

    @property
    def accept_limit(self) -> int:
        """The most defectives the widened sample may hold and still be accepted (90 of 300)."""
        return math.floor(exact(self.reject_over_fraction) * self.widened_sample)

    def as_dict(self) -> dict[str, Any]:
        return {"policy": "seed", "lot_size": self.lot_size, "rate": self.rate,
                "first_sample": self.first_sample, "widened_sample": self.widened_sample,
                "reject_over_fraction": self.reject_over_fraction}


def seed_plan(lot_size: int, rate: float, policy: SeedPolicy = DEFAULT_POLICY) -> SeedPlan:
    """First sample ceil(rate · N), at least 1; widened sample ceil(widen_rate · N), never smaller
    than the first; both at most N. A rate of 100 % (returns) samples every unit at once."""
    # Words, so that a page or an API refusing the plan can say it in Chinese too (str() stays English).
    if lot_size < 1:
        raise ValueError(Words("a lot has at least one unit", "一个批次至少要有一件"))
    if not 0 < rate <= 1:
        raise ValueError(Words("the first-sample rate must be in (0, 1]", "首次抽样比例须大于 0 且不超过 1"))
    first = min(lot_size, max(1, ceil_share(rate, lot_size)))
    widened = min(lot_size, max(first, ceil_share(policy.widen_rate, lot_size)))
    return SeedPlan(lot_size, rate, first, widened, policy.reject_over_fraction)
