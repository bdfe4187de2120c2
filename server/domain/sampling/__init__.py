"""Receiving inspection by sampling: the customer's seed rule, ISO 2859-1 / Z1.4 plans and their
switching rules, running an inspection unit by unit, and the OC curve that shows what a plan
protects. Plain Python: no Flask, no SQL."""
from server.domain.sampling.inspection import (FullPlan, Plan, SampleExceeded, Step, check_marking,
                                               full_inspection_plan, next_step, plan_from_dict)
from server.domain.sampling.iso import (AQLS, LEVELS, STATES, IsoDoublePlan, IsoPlan, code_letter,
                                        iso_double_plan, iso_single_plan)
from server.domain.sampling.oc import OcCurve, OcPoint, describe, oc_curve
from server.domain.sampling.seed import (DEFAULT_POLICY, LotOutcome, SeedPlan, SeedPolicy, seed_plan,
                                         supplier_rate)
from server.domain.sampling.switching import (SWITCHING_STATES, SwitchingState, after_lot, initial,
                                              resume_after_corrective_action)

__all__ = [
    "AQLS", "DEFAULT_POLICY", "LEVELS", "STATES", "SWITCHING_STATES",
    "FullPlan", "IsoDoublePlan", "IsoPlan", "LotOutcome", "OcCurve", "OcPoint", "Plan", "SampleExceeded",
    "SeedPlan", "SeedPolicy", "Step", "SwitchingState",
    "after_lot", "check_marking", "code_letter", "describe", "full_inspection_plan", "initial",
    "iso_double_plan", "iso_single_plan", "next_step", "oc_curve", "plan_from_dict",
    "resume_after_corrective_action", "seed_plan", "supplier_rate",
]
