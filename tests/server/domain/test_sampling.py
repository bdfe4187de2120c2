"""The customer's seed rule and running an inspection unit by unit, under every policy."""
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from server.domain.sampling import (DEFAULT_POLICY, FullPlan, IsoPlan, LotOutcome, SampleExceeded, SeedPlan,
                                    SeedPolicy, Step, check_marking, full_inspection_plan, iso_double_plan,
                                    iso_single_plan, next_step, plan_from_dict, seed_plan, supplier_rate)


def clean_lots(count, sampled=100):
    return [LotOutcome(sampled=sampled, defects=0, rejected=False)] * count


# --- the seed rule, with numbers --------------------------------------------------------------

def test_a_lot_of_1000_from_a_new_supplier_samples_100_first():
    plan = seed_plan(1000, supplier_rate([], DEFAULT_POLICY))
    assert (plan.rate, plan.first_sample, plan.widened_sample) == (0.10, 100, 300)


def test_a_clean_first_sample_accepts_the_lot():
    plan = seed_plan(1000, 0.10)
    assert next_step(plan, 99, 0).decision == "continue"
    step = next_step(plan, 100, 0)
    assert (step.decision, step.target, step.remaining, step.widened) == ("accept", 100, 0, False)


def test_one_defect_in_the_first_sample_widens_it_to_300_in_all():
    step = next_step(seed_plan(1000, 0.10), 37, 1)
    assert (step.decision, step.target, step.remaining, step.widened) == ("continue", 300, 263, True)


def test_91_defective_of_300_rejects_but_90_accepts_because_30_percent_is_not_more_than_30_percent():
    plan = seed_plan(1000, 0.10)
    assert plan.accept_limit == 90
    assert next_step(plan, 300, 90).decision == "accept"
    assert next_step(plan, 300, 91).decision == "reject"


def test_the_91st_defective_rejects_the_lot_at_once_without_finishing_the_sample():
    step = next_step(seed_plan(1000, 0.10), 150, 91)
    assert (step.decision, step.target, step.widened) == ("reject", 300, True)
    assert next_step(seed_plan(1000, 0.10), 150, 90).decision == "continue"


def test_a_lot_of_7_samples_1_and_a_defect_in_it_rejects_the_lot():
    plan = seed_plan(7, 0.10)
    assert (plan.first_sample, plan.widened_sample, plan.accept_limit) == (1, 3, 0)
    assert next_step(plan, 1, 0).decision == "accept"
    assert next_step(plan, 1, 1).decision == "reject"


def test_a_customer_return_samples_every_unit():
    plan = seed_plan(40, DEFAULT_POLICY.returned_rate)
    assert (plan.first_sample, plan.widened_sample) == (40, 40)
    step = next_step(plan, 10, 1)
    assert (step.decision, step.target, step.widened) == ("continue", 40, False)
    assert next_step(plan, 40, 12).decision == "accept"
    assert next_step(plan, 30, 13).decision == "reject"


@pytest.mark.parametrize("lot_size, rate, first", [(1000, 0.1, 100), (100, 0.15, 15), (100, 0.07, 7),
                                                   (300, 0.1, 30), (10, 0.05, 1), (1, 0.05, 1)])
def test_the_first_sample_is_the_rate_of_the_lot_rounded_up_without_float_error(lot_size, rate, first):
    assert seed_plan(lot_size, rate).first_sample == first


@pytest.mark.parametrize("lot_size, rate", [(0, 0.1), (10, 0.0), (10, 1.5)])
def test_a_plan_needs_a_real_lot_and_a_rate_up_to_100_percent(lot_size, rate):
    with pytest.raises(ValueError):
        seed_plan(lot_size, rate)


def test_a_seed_plan_says_what_it_is_as_json():
    assert seed_plan(1000, 0.1).as_dict() == {"policy": "seed", "lot_size": 1000, "rate": 0.1,
                                              "first_sample": 100, "widened_sample": 300,
                                              "reject_over_fraction": 0.3}


# --- the supplier's first-sample rate ---------------------------------------------------------

def test_a_supplier_with_fewer_than_three_lots_gets_the_base_rate():
    assert supplier_rate(clean_lots(2), DEFAULT_POLICY) == 0.10


def test_a_clean_supplier_earns_5_percent_and_a_poor_one_15_percent():
    assert supplier_rate(clean_lots(5), DEFAULT_POLICY) == 0.05
    one_percent = [LotOutcome(100, 1, False)] * 5
    two_percent = [LotOutcome(100, 2, False)] * 5
    assert supplier_rate(one_percent, DEFAULT_POLICY) == 0.10
    assert supplier_rate(two_percent, DEFAULT_POLICY) == 0.15


def test_a_rejected_lot_in_the_last_ten_pushes_the_rate_to_the_maximum_until_it_is_forgotten():
    history = [LotOutcome(300, 95, True)] + clean_lots(9)
    assert supplier_rate(history, DEFAULT_POLICY) == 0.15
    assert supplier_rate(history + clean_lots(1), DEFAULT_POLICY) == 0.05


def test_the_rate_anchors_are_configurable():
    policy = SeedPolicy.from_config({"min_rate": 0.08, "poor_defect_rate": "0.05", "history_min_lots": 1})
    assert supplier_rate(clean_lots(1), policy) == 0.08
    assert supplier_rate([LotOutcome(100, 5, False)], policy) == 0.15


def test_an_unknown_or_inconsistent_setting_is_refused():
    with pytest.raises(ValueError, match="widen"):
        SeedPolicy.from_config({"widen": 0.3})
    with pytest.raises(ValueError):
        SeedPolicy.from_config({"min_rate": 0.2})
    with pytest.raises(ValueError):
        LotOutcome(sampled=10, defects=11, rejected=False)


lots = st.builds(lambda sampled, share, rejected: LotOutcome(sampled, int(sampled * share), rejected),
                 st.integers(0, 500), st.floats(0, 1), st.booleans())


@given(st.lists(lots, max_size=15))
def test_the_rate_always_stays_between_5_and_15_percent(history):
    assert 0.05 <= supplier_rate(history, DEFAULT_POLICY) <= 0.15


@given(st.lists(lots, min_size=1, max_size=15), st.data())
def test_more_defects_or_a_rejection_never_lower_the_rate(history, data):
    i = data.draw(st.integers(0, len(history) - 1))
    lot = history[i]
    worse = LotOutcome(lot.sampled, data.draw(st.integers(lot.defects, lot.sampled)),
                       lot.rejected or data.draw(st.booleans()))
    worse_history = history[:i] + [worse] + history[i + 1:]
    assert supplier_rate(worse_history, DEFAULT_POLICY) >= supplier_rate(history, DEFAULT_POLICY)


# --- ISO and double plans, unit by unit -------------------------------------------------------

def test_an_iso_plan_rejects_as_soon_as_defectives_reach_re_and_accepts_at_the_end():
    plan = iso_single_plan(1000, 1.0)  # J: 80, 2/3
    assert next_step(plan, 10, 3).decision == "reject"
    assert next_step(plan, 79, 2).decision == "continue"
    step = next_step(plan, 80, 2)
    assert (step.decision, step.target, step.remaining, step.widened) == ("accept", 80, 0, False)


def test_on_reduced_a_lot_between_ac_and_re_is_accepted_but_sends_the_supplier_back_to_normal():
    plan = iso_single_plan(1000, 1.0, state="reduced")  # J reduced: 32, 1/3
    assert (plan.n, plan.ac, plan.re) == (32, 1, 3)
    assert next_step(plan, 32, 2).decision == "accept"
    assert plan.accept_but_return_to_normal(2)
    assert not plan.accept_but_return_to_normal(1)
    assert next_step(plan, 20, 3).decision == "reject"


def test_a_double_plan_takes_the_second_sample_only_when_the_first_is_inconclusive():
    plan = iso_double_plan(1000, 1.0)  # 50 + 50, 0/3, 3/4
    assert next_step(plan, 50, 0).decision == "accept"
    assert next_step(plan, 20, 1) == Step("continue", 100, 80, True)
    assert next_step(plan, 30, 3).decision == "reject"
    assert next_step(plan, 100, 3).decision == "accept"
    assert next_step(plan, 60, 4).decision == "reject"


def test_full_inspection_sees_every_unit_and_never_rejects_the_lot():
    plan = full_inspection_plan(12)
    assert next_step(plan, 11, 11).decision == "continue"
    step = next_step(plan, 12, 12)
    assert (step.decision, step.target) == ("accept", 12)


@pytest.mark.parametrize("plan, inspected, defects, target", [
    (seed_plan(1000, 0.1), 101, 0, 100),
    (seed_plan(1000, 0.1), 301, 5, 300),
    (seed_plan(1000, 0.1), 10, 11, 300),
    (seed_plan(1000, 0.1), -1, 0, 100),
    (iso_single_plan(1000, 1.0), 81, 0, 80),
    (iso_double_plan(1000, 1.0), 51, 0, 50),
    (FullPlan(5), 6, 0, 5),
])
def test_marking_more_than_the_sample_is_refused_with_the_sample_size(plan, inspected, defects, target):
    with pytest.raises(SampleExceeded) as refused:
        next_step(plan, inspected, defects)
    assert refused.value.target == target
    with pytest.raises(ValueError):
        check_marking(plan, inspected, defects)


def test_marking_within_the_sample_is_allowed():
    check_marking(seed_plan(1000, 0.1), 300, 90)


@pytest.mark.parametrize("plan", [seed_plan(1000, 0.1), iso_single_plan(1000, 2.5, "II", "reduced"),
                                  iso_double_plan(200, 2.5), FullPlan(30)])
def test_a_stored_plan_is_rebuilt_exactly(plan):
    stored = json.loads(json.dumps(plan.as_dict() | {"returned": False}))
    assert plan_from_dict(stored) == plan


def test_a_stored_plan_of_an_unknown_policy_is_refused():
    with pytest.raises(ValueError):
        plan_from_dict({"policy": "guesswork", "lot_size": 5})


def test_plans_are_recognised_by_type():
    assert isinstance(plan_from_dict(iso_single_plan(50, 4.0).as_dict()), IsoPlan)
    assert isinstance(plan_from_dict(seed_plan(50, 0.1).as_dict()), SeedPlan)
