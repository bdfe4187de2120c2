"""Switching rules: a supplier moves between normal, tightened, reduced and discontinued inspection
as its lots are accepted or rejected."""
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from server.domain.sampling import SwitchingState, after_lot, initial, resume_after_corrective_action

A, R = True, False


def run(results, state=None, **kwargs):
    state = state or SwitchingState.initial()
    for accepted in results:
        state = after_lot(state, accepted, **kwargs)
    return state


def test_a_new_supplier_starts_on_normal_inspection():
    assert initial().state == "normal" == SwitchingState.initial().state


def test_two_rejections_within_five_lots_tighten_inspection():
    assert run([R, A, A, A]).state == "normal"
    assert run([R, A, A, A, R]).state == "tightened"
    assert run([A, R, R]).state == "tightened"


def test_two_rejections_six_lots_apart_do_not_tighten():
    assert run([R, A, A, A, A, R]).state == "normal"


def test_five_acceptances_in_a_row_on_tightened_return_to_normal():
    tightened = run([R, R])
    assert run([A, A, A, A], tightened).state == "tightened"
    assert run([A, A, A, A, A], tightened).state == "normal"
    assert run([A, A, A, A, R, A, A, A, A], tightened).state == "tightened"


def test_lots_before_tightened_do_not_count_once_back_on_normal():
    back = run([R, R, A, A, A, A, A])
    assert back.state == "normal" and back.normal_results == ()
    assert run([R], back).state == "normal"


def test_five_rejections_in_all_on_tightened_discontinue_inspection():
    tightened = run([R, R])
    assert run([R, A, R, A, A, R, A, R], tightened).state == "tightened"
    assert run([R, A, R, A, A, R, A, R, R], tightened).state == "discontinued"


def test_a_discontinued_supplier_stays_so_until_a_corrective_action_resumes_on_tightened():
    stopped = run([R, R, R, R, R, R, R])
    assert stopped.state == "discontinued"
    assert run([A] * 10, stopped).state == "discontinued"
    resumed = resume_after_corrective_action(stopped)
    assert resumed == SwitchingState("tightened")
    with pytest.raises(ValueError):
        resume_after_corrective_action(resumed)


def test_reduced_needs_ten_accepted_lots_steady_production_and_a_supervisor():
    ten = run([A] * 10)
    assert ten.state == "normal" and ten.eligible_for_reduced
    assert not run([A] * 9).eligible_for_reduced
    assert run([A] * 10, supervisor_approves_reduced=True, production_steady=False).state == "normal"
    assert run([A] * 9, supervisor_approves_reduced=True).state == "normal"
    assert run([A] * 10, supervisor_approves_reduced=True).state == "reduced"
    assert after_lot(ten, A, supervisor_approves_reduced=True).state == "reduced"


def test_a_rejection_among_the_last_ten_blocks_reduced():
    assert not run([R] + [A] * 9).eligible_for_reduced
    assert run([R] + [A] * 10).eligible_for_reduced


def test_reduced_returns_to_normal_on_a_rejection_a_lot_between_ac_and_re_or_irregular_production():
    reduced = run([A] * 10, supervisor_approves_reduced=True)
    assert after_lot(reduced, A).state == "reduced"
    assert after_lot(reduced, R).state == "normal"
    assert after_lot(reduced, A, accepted_between_ac_and_re=True).state == "normal"
    assert after_lot(reduced, A, production_steady=False).state == "normal"
    assert after_lot(reduced, R).normal_results == ()


def test_a_rejected_lot_cannot_be_between_ac_and_re():
    with pytest.raises(ValueError):
        after_lot(initial(), R, accepted_between_ac_and_re=True)


def test_the_state_is_stored_as_json_and_read_back():
    state = run([R, R, A, R])
    stored = json.loads(json.dumps(state.as_dict()))
    assert stored == {"state": "tightened", "normal_results": [], "tightened_accepted_run": 0,
                      "tightened_rejections": 1}
    assert SwitchingState.from_dict(stored) == state


@pytest.mark.parametrize("bad", [{"state": "skip-lot"}, {"state": "normal", "normal_results": [1, 0]},
                                 {"state": "normal", "normal_results": [True] * 11}])
def test_a_corrupt_stored_state_is_refused(bad):
    with pytest.raises(ValueError):
        SwitchingState.from_dict(bad)


lots = st.tuples(st.booleans(), st.booleans(), st.booleans(), st.booleans())


@given(st.lists(lots, max_size=60))
def test_any_sequence_of_lots_leaves_a_valid_state_that_round_trips(sequence):
    state = initial()
    for accepted, between, steady, approves in sequence:
        state = after_lot(state, accepted, between and accepted, steady, approves)
        assert SwitchingState.from_dict(json.loads(json.dumps(state.as_dict()))) == state
        assert state.tightened_rejections < 5 and state.tightened_accepted_run < 5
