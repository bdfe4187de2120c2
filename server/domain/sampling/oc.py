"""The operating characteristic (OC) of a plan: how often it accepts a lot of a given true defect
rate, and how many units it costs — computed exactly from the hypergeometric law (units are drawn
from the lot without replacement), so a supervisor can see what a policy protects."""
from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from server.domain.sampling.inspection import Plan, Stage, stages
from server.domain.sampling.seed import exact


def _log_comb(n: int, k: int) -> float:
    return math.lgamma(n + 1) - math.lgamma(k + 1) - math.lgamma(n - k + 1)


class _Hypergeometric:
    """Defectives X in a sample of n drawn from N units of which D are defective."""

    def __init__(self, lot: int, defective: int, sample: int) -> None:
        self.lot, self.defective, self.sample = lot, defective, sample
        self.lo, self.hi = max(0, sample - (lot - defective)), min(sample, defective)
        self._log_all = _log_comb(lot, sample)

    def pmf(self, k: int) -> float:
        if not self.lo <= k <= self.hi:
            return 0.0
        good = self.lot - self.defective
        return math.exp(_log_comb(self.defective, k) + _log_comb(good, self.sample - k) - self._log_all)

    def cdf(self, k: int) -> float:
        """P(X ≤ k), summing the shorter tail away from the mode so that only a few hundred terms
        are ever needed, each from the previous by the exact ratio pmf(j ± 1) / pmf(j)."""
        if k < self.lo:
            return 0.0
        if k >= self.hi:
            return 1.0
        lot, d, n = self.lot, self.defective, self.sample
        mode = (n + 1) * (d + 1) // (lot + 2)
        if k < mode:
            term = total = self.pmf(k)
            for j in range(k, self.lo, -1):
                term *= j * (lot - d - n + j) / ((d - j + 1) * (n - j + 1))
                total += term
                if term <= total * 1e-17:
                    break
            return min(1.0, total)
        term = total = self.pmf(k + 1)
        for j in range(k + 1, self.hi):
            term *= (d - j) * (n - j) / ((j + 1) * (lot - d - n + j + 1))
            total += term
            if term <= total * 1e-17:
                break
        return max(0.0, 1.0 - total)


def acceptance(plan_stages: tuple[Stage, ...], lot: int, defective: int) -> tuple[float, float]:
    """(P(accept), expected units inspected without curtailment) for a lot with `defective` units.

    One stage: Pa = P(X ≤ Ac). On reduced inspection that is the strict acceptance: a lot with
    Ac < X < Re is also accepted but sends the supplier back to normal, and is not counted here.
    Two stages (seed rule, double plans), with T the defectives of both samples together
    (T ~ Hypergeometric(N, D, n1 + n2), X2 = T − X1):
    Pa = P(X1 ≤ Ac1) + P(Ac1 < X1 < Re1, T ≤ Ac2)
       = P(X1 ≤ Ac1) + P(T ≤ Ac2) − Σ_{d ≤ Ac1} P(X1 = d)·P(X2 ≤ Ac2 − d)
                                  − Σ_{m < d ≤ Ac2} P(X1 = d)·P(X2 ≤ Ac2 − d),   m = min(Re1 − 1, Ac2),
    which is sampling.md's formula with the long sum (d1 up to 90 for the seed rule at N = 1000)
    replaced by one distribution of the total."""
    first = plan_stages[0]
    x1 = _Hypergeometric(lot, defective, first.upto)
    if len(plan_stages) == 1:
        return x1.cdf(first.ac), float(first.upto)
    second = plan_stages[1]
    more = second.upto - first.upto

    def first_then_second(d: int) -> float:
        p = x1.pmf(d)
        return p * _Hypergeometric(lot - first.upto, defective - d, more).cdf(second.ac - d) if p else 0.0

    pa = x1.cdf(first.ac)
    m = min(first.re - 1, second.ac)
    if m > first.ac:
        pa += (_Hypergeometric(lot, defective, second.upto).cdf(second.ac)
               - sum(first_then_second(d) for d in range(first.ac + 1))
               - sum(first_then_second(d) for d in range(m + 1, second.ac + 1)))
    go_on = x1.cdf(first.re - 1) - x1.cdf(first.ac)
    return min(1.0, max(0.0, pa)), first.upto + more * go_on


@dataclass(frozen=True)
class OcPoint:
    p: float  # the lot's true defect fraction
    pa: float  # the probability the plan accepts such a lot


def _interpolate(xs: list[float], ys: list[float], x: float) -> float:
    if not xs[0] <= x <= xs[-1]:
        raise ValueError(f"{x} is outside the curve [{xs[0]}, {xs[-1]}]")
    i = max(1, next(i for i, xi in enumerate(xs) if xi >= x))
    x0, x1, y0, y1 = xs[i - 1], xs[i], ys[i - 1], ys[i]
    return y0 if x1 == x0 else y0 + (y1 - y0) * (x - x0) / (x1 - x0)


@dataclass(frozen=True)
class OcCurve:
    points: tuple[OcPoint, ...]
    expected_inspected: tuple[tuple[float, float], ...]  # (p, expected units inspected)
    lq10: float | None  # smallest p accepted at most 10 % of the time; None if the plan never rejects

    def pa_at(self, p: float) -> float:
        """P(accept) at any p, linear between grid points."""
        return _interpolate([pt.p for pt in self.points], [pt.pa for pt in self.points], p)

    def expected_at(self, p: float) -> float:
        ps, es = zip(*self.expected_inspected, strict=True)
        return _interpolate(list(ps), list(es), p)

    def p_where_pa_falls_to(self, level: float) -> float | None:
        """The smallest p with P(accept) ≤ level, linear between the grid points around it."""
        previous = None
        for point in self.points:
            if point.pa <= level:
                if previous is None or previous.pa == point.pa:
                    return point.p
                return previous.p + (previous.pa - level) / (previous.pa - point.pa) * (point.p - previous.p)
            previous = point
        return None

    def as_dict(self) -> dict[str, Any]:
        return {"points": [{"p": pt.p, "pa": pt.pa} for pt in self.points],
                "expected_inspected": [{"p": p, "e": e} for p, e in self.expected_inspected],
                "lq10": self.lq10}


def oc_curve(plan: Plan, step: float = 0.005) -> OcCurve:
    """Pa and expected units inspected for p = 0, step, …, 1 (D = p·N rounded half up defectives in
    the lot). Expected units count the seed rule's widening and a double plan's second sample, not
    curtailment (a rejection may stop a sample early)."""
    intervals = round(1 / step) if 0 < step <= 1 else 0
    if intervals < 1 or not math.isclose(intervals * step, 1.0, rel_tol=1e-9):
        raise ValueError("the step must divide 1 (e.g. 0.005, 0.01)")
    lot, plan_stages = plan.lot_size, stages(plan)
    by_defectives: dict[int, tuple[float, float]] = {}
    points, expected = [], []
    for i in range(intervals + 1):
        p = round(i / intervals, 10)
        defective = math.floor(exact(p) * lot + Fraction(1, 2))
        if defective not in by_defectives:
            by_defectives[defective] = acceptance(plan_stages, lot, defective)
        pa, e = by_defectives[defective]
        points.append(OcPoint(p, pa))
        expected.append((p, e))
    curve = OcCurve(tuple(points), tuple(expected), None)
    return OcCurve(curve.points, curve.expected_inspected, curve.p_where_pa_falls_to(0.10))


_TELLING = (0.05, 0.20)  # a supplier slightly bad, and one clearly bad


def _how_often(pa: float, lang: str) -> str:
    k = round(pa * 100)
    if lang == "en":
        if pa >= 0.9995 or pa <= 0.0005:
            return "almost always" if pa >= 0.9995 else "almost never"
        if k in (0, 100):
            return "more than 99 times in 100" if k else "less than once in 100"
        return "once in 100" if k == 1 else f"{k} times in 100"
    if pa >= 0.9995 or pa <= 0.0005:
        return "几乎总是接收" if pa >= 0.9995 else "几乎从不接收"
    if k in (0, 100):
        return "每 100 批中接收 99 批以上" if k else "每 100 批中接收不到 1 批"
    return f"每 100 批中接收 {k} 批"


def describe(curve: OcCurve, lang: str) -> str:
    """One sentence for a supervisor: how often the plan accepts a lot 5 % and 20 % defective."""
    if lang not in ("en", "zh"):
        raise ValueError("describe speaks en or zh")
    (p1, p2) = _TELLING
    a, b = (_how_often(curve.pa_at(p), lang) for p in _TELLING)
    if lang == "en":
        return (f"This plan accepts a lot that is {p1 * 100:g} % defective {a}, "
                f"and one that is {p2 * 100:g} % defective {b}.")
    return f"此方案对不合格率 {p1 * 100:g}% 的批{a}，对不合格率 {p2 * 100:g}% 的批{b}。"
