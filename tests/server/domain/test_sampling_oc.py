"""The OC curve: exact against brute force and a simulation of real draws, and the comparison table
of sampling.md §2 that a supervisor sees."""
import random
import time
from fractions import Fraction
from math import comb

import pytest

from server.domain.sampling import (FullPlan, OcCurve, OcPoint, describe, iso_double_plan, iso_single_plan,
                                    next_step, oc_curve, seed_plan)
from server.domain.sampling.inspection import stages
from server.domain.sampling.oc import acceptance


def exact_pa(plan, lot, defective):
    """sampling.md §2's formulas summed term by term in exact fractions."""
    def pmf(big, d, n, k):
        if not (0 <= k <= d and 0 <= n - k <= big - d):
            return Fraction(0)
        return Fraction(comb(d, k) * comb(big - d, n - k), comb(big, n))
    first, *rest = stages(plan)
    accept = sum(pmf(lot, defective, first.upto, k) for k in range(first.ac + 1))
    if rest:
        second = rest[0]
        more = second.upto - first.upto
        for d1 in range(first.ac + 1, first.re):
            accept += pmf(lot, defective, first.upto, d1) * sum(
                pmf(lot - first.upto, defective - d1, more, k) for k in range(max(0, second.ac - d1 + 1)))
    return accept


@pytest.mark.parametrize("plan", [seed_plan(40, 0.10), seed_plan(40, 0.15), seed_plan(7, 0.10),
                                  iso_single_plan(60, 4.0), iso_single_plan(400, 2.5, "II", "reduced"),
                                  iso_double_plan(200, 2.5), iso_double_plan(150, 6.5), FullPlan(9)])
def test_the_oc_equals_the_exact_hypergeometric_sum_at_every_number_of_defectives(plan):
    lot = plan.lot_size
    for defective in range(lot + 1):
        pa, _ = acceptance(stages(plan), lot, defective)
        assert pa == pytest.approx(float(exact_pa(plan, lot, defective)), abs=1e-12), defective


def simulate(plan, p, lots, rng, strict=True):
    """Draw real lots with D = round(p·N) defectives and inspect them unit by unit with next_step."""
    lot = plan.lot_size
    defective = round(p * lot)
    accepted, inspected_total = 0, 0
    for _ in range(lots):
        bad = set(rng.sample(range(lot), defective))
        order = rng.sample(range(lot), stages(plan)[-1].upto)
        inspected = defects = 0
        step = next_step(plan, 0, 0)
        while step.decision == "continue":
            defects += order[inspected] in bad
            inspected += 1
            step = next_step(plan, inspected, defects)
        gap = strict and getattr(plan, "accept_but_return_to_normal", lambda d: False)(defects)
        accepted += step.decision == "accept" and not gap
        inspected_total += inspected
    return accepted / lots, inspected_total / lots


@pytest.mark.parametrize("plan, p", [(seed_plan(200, 0.10), 0.30), (seed_plan(100, 0.05), 0.31),
                                     (iso_single_plan(1000, 1.0), 0.03), (iso_double_plan(1000, 2.5), 0.06),
                                     (iso_single_plan(500, 1.0, "II", "reduced"), 0.04)])
def test_the_oc_agrees_with_a_simulation_of_real_draws(plan, p):
    lots = 1000
    simulated, _ = simulate(plan, p, lots, random.Random(2859))
    pa = oc_curve(plan, 0.01).pa_at(p)
    assert 0.05 < pa < 0.95
    assert abs(simulated - pa) < 4 * (pa * (1 - pa) / lots) ** 0.5


def test_the_expected_units_inspected_agree_with_a_simulation():
    plan = seed_plan(200, 0.10)
    lots = 1000
    _, mean = simulate(plan, 0.05, lots, random.Random(7))
    expected = oc_curve(plan).expected_at(0.05)
    assert round(expected) == 46  # research A.4
    assert abs(mean - expected) < 4 * 40 * 0.5 / lots ** 0.5


# sampling.md §2 (and research A.4 for the double and tightened rows): Pa at 1 %, 5 %, 20 %, the
# defect rate accepted 10 % of the time, units inspected at 1 %. The reference LQ10 is the smallest
# D/N with Pa ≤ 10 %; ours interpolates between grid points, so it is at most 1/N below.
REFERENCE = [
    (seed_plan(1000, 0.10), 1.00, 1.00, 1.00, 0.331, 231),
    (iso_single_plan(1000, 1.0), 0.96, 0.22, 0.00, 0.064, 80),
    (iso_single_plan(1000, 2.5), 1.00, 0.80, 0.00, 0.111, 80),
    (seed_plan(200, 0.10), 1.00, 1.00, 0.99, 0.380, 28),
    (iso_single_plan(200, 1.0), 0.94, 0.24, 0.00, 0.070, 50),
    (iso_single_plan(200, 2.5), 1.00, 0.80, 0.02, 0.155, 32),
    (seed_plan(1000, 0.05), 1.00, 1.00, 1.00, 0.331, 151),
    (seed_plan(1000, 0.15), 1.00, 1.00, 1.00, 0.331, 271),
    (iso_double_plan(1000, 1.0), 0.98, 0.25, 0.00, 0.065, 70),
    (iso_single_plan(1000, 1.0, "II", "tightened"), 0.81, 0.08, 0.00, 0.047, 80),
    (iso_double_plan(1000, 2.5), 1.00, 0.79, 0.00, 0.110, 51),
    (iso_single_plan(1000, 2.5, "II", "tightened"), 0.99, 0.42, 0.00, 0.080, 80),
    (iso_double_plan(200, 1.0), 0.92, 0.22, 0.00, 0.070, 41),
    (iso_double_plan(200, 2.5), 1.00, 0.87, 0.02, 0.155, 24),
]


@pytest.mark.parametrize("plan, pa1, pa5, pa20, lq10, units", REFERENCE,
                         ids=[str(plan.as_dict()) for plan, *_ in REFERENCE])
def test_the_reference_table_of_sampling_md_is_reproduced(plan, pa1, pa5, pa20, lq10, units):
    curve = oc_curve(plan)
    assert [round(curve.pa_at(p), 2) for p in (0.01, 0.05, 0.20)] == [pa1, pa5, pa20]
    assert lq10 - 1 / plan.lot_size - 0.0005 <= curve.lq10 <= lq10 + 0.0005
    assert round(curve.expected_at(0.01)) == units


def test_the_first_sample_rate_changes_cost_never_protection():
    low, high = oc_curve(seed_plan(1000, 0.05)), oc_curve(seed_plan(1000, 0.15))
    assert all(a.pa == pytest.approx(b.pa, abs=1e-9) for a, b in zip(low.points, high.points, strict=True))
    assert low.expected_at(0.01) < high.expected_at(0.01)


def test_a_curve_runs_from_p_0_to_1_and_reads_as_json():
    curve = oc_curve(iso_single_plan(1000, 1.0))
    assert len(curve.points) == 201
    assert (curve.points[0].p, curve.points[0].pa, curve.points[-1].p, curve.points[-1].pa) == (0, 1, 1, 0)
    assert all(a.pa >= b.pa for a, b in zip(curve.points, curve.points[1:], strict=False))
    shape = curve.as_dict()
    assert set(shape) == {"points", "expected_inspected", "lq10"}
    assert shape["points"][2] == {"p": 0.01, "pa": curve.points[2].pa}
    assert shape["expected_inspected"][2] == {"p": 0.01, "e": 80.0}


def test_full_inspection_never_rejects_so_it_has_no_lq10():
    curve = oc_curve(FullPlan(50), 0.1)
    assert {pt.pa for pt in curve.points} == {1.0} and curve.lq10 is None
    assert curve.expected_at(0.5) == 50


@pytest.mark.parametrize("step", [0, 0.003, 1.5, -0.1])
def test_a_grid_step_must_divide_one(step):
    with pytest.raises(ValueError):
        oc_curve(seed_plan(100, 0.1), step)


def test_the_curve_of_a_10000_unit_lot_takes_well_under_a_second():
    for plan in (seed_plan(10000, 0.10), iso_single_plan(10000, 1.0), iso_double_plan(10000, 2.5)):
        started = time.perf_counter()
        oc_curve(plan)
        assert time.perf_counter() - started < 0.5


def test_a_supervisor_reads_one_sentence_in_english_or_chinese():
    seed = oc_curve(seed_plan(200, 0.10))
    assert describe(seed, "en") == ("This plan accepts a lot that is 5 % defective almost always, "
                                    "and one that is 20 % defective 99 times in 100.")
    assert describe(seed, "zh") == "此方案对不合格率 5% 的批几乎总是接收，对不合格率 20% 的批每 100 批中接收 99 批。"
    iso = oc_curve(iso_single_plan(1000, 2.5))
    assert describe(iso, "en") == ("This plan accepts a lot that is 5 % defective 80 times in 100, "
                                   "and one that is 20 % defective almost never.")
    assert describe(iso, "zh") == ("此方案对不合格率 5% 的批每 100 批中接收 80 批，"
                                   "对不合格率 20% 的批几乎从不接收。")
    nearly = OcCurve((OcPoint(0, 1), OcPoint(0.05, 0.997), OcPoint(0.2, 0.003), OcPoint(1, 0)),
                     ((0, 5), (1, 5)), 0.5)
    assert describe(nearly, "en") == ("This plan accepts a lot that is 5 % defective more than 99 times in "
                                      "100, and one that is 20 % defective less than once in 100.")
    assert describe(nearly, "zh") == ("此方案对不合格率 5% 的批每 100 批中接收 99 批以上，"
                                      "对不合格率 20% 的批每 100 批中接收不到 1 批。")
    with pytest.raises(ValueError):
        describe(iso, "fr")
