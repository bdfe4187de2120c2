"""ISO 2859-1 / Z1.4 switching rules between normal, tightened and reduced inspection, per supplier ×
item family, as a pure state machine whose state is stored as JSON."""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

SWITCHING_STATES = ("normal", "tightened", "reduced", "discontinued")
_NORMAL_MEMORY = 10  # the reduced rule looks at the last 10 lots on normal; tightened at the last 5


@dataclass(frozen=True)
class SwitchingState:
    """Where a supplier × item family stands.

    normal_results: the results (True = accepted) of the last lots since normal inspection began,
    at most 10, oldest first. tightened_accepted_run: consecutive acceptances on tightened.
    tightened_rejections: lots rejected since tightened inspection began."""

    state: str = "normal"
    normal_results: tuple[bool, ...] = ()
    tightened_accepted_run: int = 0
    tightened_rejections: int = 0

    def __post_init__(self) -> None:
        if self.state not in SWITCHING_STATES:
            raise ValueError(f"unknown switching state {self.state!r}")
        if len(self.normal_results) > _NORMAL_MEMORY or self.tightened_accepted_run < 0 \
                or self.tightened_rejections < 0:
            raise ValueError("switching counters out of range")

    @classmethod
    def initial(cls) -> SwitchingState:
        """A new supplier × item family starts on normal inspection."""
        return cls()

    @property
    def eligible_for_reduced(self) -> bool:
        """On normal with the last 10 lots all accepted: reduced needs only steady production and a
        supervisor's approval now."""
        return (self.state == "normal" and len(self.normal_results) == _NORMAL_MEMORY
                and all(self.normal_results))

    def as_dict(self) -> dict[str, Any]:
        return {"state": self.state, "normal_results": list(self.normal_results),
                "tightened_accepted_run": self.tightened_accepted_run,
                "tightened_rejections": self.tightened_rejections}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> SwitchingState:
        results = d.get("normal_results", [])
        if not isinstance(results, list) or not all(isinstance(r, bool) for r in results):
            raise ValueError("normal_results must be a list of booleans")
        return cls(state=d["state"], normal_results=tuple(results),
                   tightened_accepted_run=int(d.get("tightened_accepted_run", 0)),
                   tightened_rejections=int(d.get("tightened_rejections", 0)))


initial = SwitchingState.initial
_NORMAL = SwitchingState("normal")
_TIGHTENED = SwitchingState("tightened")
_REDUCED = SwitchingState("reduced")


def after_lot(state: SwitchingState, accepted: bool, accepted_between_ac_and_re: bool = False,
              production_steady: bool = True, supervisor_approves_reduced: bool = False) -> SwitchingState:
    """The state after one lot's original inspection (resubmitted lots do not count).

    - normal → tightened: 2 lots rejected within 5 or fewer consecutive lots;
    - normal → reduced (Z1.4 rule, not ISO 2859-1:1999's switching score): the last 10 lots on normal
      all accepted, production steady, and a supervisor approves; Z1.4's limit numbers on the
      defectives of those 10 samples are waived, as the standard allows by agreement;
    - tightened → normal: 5 consecutive lots accepted;
    - tightened → discontinued: 5 lots rejected in all since tightened inspection began;
    - reduced → normal: a lot rejected, or accepted with Ac < defectives < Re, or production
      irregular;
    - discontinued stays discontinued whatever lots arrive: only `resume_after_corrective_action`
      leaves it."""
    if accepted_between_ac_and_re and not accepted:
        raise ValueError("a lot accepted between Ac and Re was accepted")
    if state.state == "normal":
        results = (*state.normal_results, accepted)[-_NORMAL_MEMORY:]
        if results[-5:].count(False) >= 2:
            return _TIGHTENED
        moved = replace(state, normal_results=results)
        if moved.eligible_for_reduced and production_steady and supervisor_approves_reduced:
            return _REDUCED
        return moved
    if state.state == "tightened":
        if not accepted:
            rejections = state.tightened_rejections + 1
            if rejections >= 5:
                return SwitchingState("discontinued")
            return replace(state, tightened_accepted_run=0, tightened_rejections=rejections)
        run = state.tightened_accepted_run + 1
        return _NORMAL if run >= 5 else replace(state, tightened_accepted_run=run)
    if state.state == "reduced":
        if not accepted or accepted_between_ac_and_re or not production_steady:
            return _NORMAL
        return state
    return state


def resume_after_corrective_action(state: SwitchingState) -> SwitchingState:
    """A supervisor records the supplier's corrective action: inspection resumes on tightened."""
    if state.state != "discontinued":
        raise ValueError("only a discontinued inspection resumes after corrective action")
    return _TIGHTENED
