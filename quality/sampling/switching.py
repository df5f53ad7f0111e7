"""ISO 2859-1 switching rules as a pure state machine over lot results.

One ``SwitchingState`` per partner + product (and defect class); ``next_state`` takes
the result of one lot on original inspection (re-submitted lots do not count) and
returns the new state and, when the severity changed or inspection stopped, the reason
as a sentence for people (it is shown to users and kept in the history), in the active language
(the service writes the history in the tenant's).

Rules (ISO 2859-1:1999 clause 9; the clause is named in each reason):

- 9.3.1 normal -> tightened: 2 lots not accepted within 5 or fewer consecutive lots
  under normal inspection (the window is the last 5 normal lots).
- 9.3.2 tightened -> normal: 5 consecutive lots accepted under tightened inspection.
- 9.3.3.2 switching score, kept under normal inspection only: 0 at the start of normal
  inspection; per lot, when the plan's Ac is 0 or 1, +2 if the lot is accepted, else back
  to 0; when Ac is 2 or more, +3 if the lot would have been accepted at an AQL one step
  tighter (``plans.one_step_tighter_accept``), else back to 0.
- 9.3.3 normal -> reduced: the score has reached 30 and ``reduced_allowed`` (the tenant
  allows reduced inspection, production is steady and the responsible authority agrees;
  the caller decides all three).
- 9.3.4 reduced -> normal: a lot not accepted; production irregular or delayed; other
  conditions that warrant normal inspection; and, with the ANSI/ASQ Z1.4 reduced plans
  used here, a lot accepted with a count between Ac and Re.
- 9.4 discontinuation: the lots not accepted since tightened inspection began add up to
  5. Nothing more is inspected under the scheme until ``reinstate`` (after the
  supplier's corrective action), which restarts at tightened inspection.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from django.utils.translation import gettext as _

from quality.sampling.plans import SamplingPlan
from quality.sampling.tables import SEVERITIES

#: Lots in the normal -> tightened window, and lots not accepted in it that switch.
WINDOW = 5
NOT_ACCEPTED_TO_TIGHTEN = 2
#: Consecutive accepted lots under tightened inspection that return to normal.
ACCEPTED_TO_NORMAL = 5
#: Switching score at which reduced inspection may start.
SCORE_TO_REDUCE = 30
#: Lots not accepted since tightened inspection began that discontinue inspection.
NOT_ACCEPTED_TO_DISCONTINUE = 5


class SwitchingError(ValueError):
    """A lot result that the switching state cannot take (e.g. inspection discontinued)."""


@dataclass(frozen=True)
class SwitchingState:
    """Where a partner + product stands in the ISO 2859-1 scheme.

    ``severity`` is normal, tightened or reduced; ``score`` the switching score (normal
    only); ``recent`` the results of the last 5 lots under normal inspection, oldest
    first (True = accepted); ``not_accepted_since_tightened`` the lots not accepted since
    tightened inspection began; ``consecutive_accepted`` the run of accepted lots under
    tightened inspection; ``discontinued`` that inspection has stopped until reinstated.
    The default is the start of the scheme: normal inspection, score 0.
    """

    severity: str = "normal"
    score: int = 0
    recent: tuple[bool, ...] = ()
    not_accepted_since_tightened: int = 0
    consecutive_accepted: int = 0
    discontinued: bool = False

    def __post_init__(self) -> None:
        if self.severity not in SEVERITIES:
            raise SwitchingError(f"severity {self.severity!r} is unknown; allowed: {', '.join(SEVERITIES)}.")


_NORMAL_START = SwitchingState()
_TIGHTENED_START = SwitchingState(severity="tightened")
_REDUCED_START = SwitchingState(severity="reduced")


def next_state(
    state: SwitchingState,
    lot_accepted: bool,
    plan: SamplingPlan,
    *,
    tighter_aql_would_accept: bool | None,
    reduced_allowed: bool,
    production_irregular: bool = False,
    normal_warranted: bool = False,
    accepted_between_ac_and_re: bool = False,
) -> tuple[SwitchingState, str | None]:
    """The state after one lot on original inspection, and the reason if it switched.

    ``plan`` is the plan the lot was inspected with (its Ac picks the switching-score
    rule). ``tighter_aql_would_accept`` is needed for an accepted lot under normal
    inspection with Ac >= 2, else ignored. ``reduced_allowed`` lets a score of 30 switch
    to reduced. Under reduced inspection, ``production_irregular``, ``normal_warranted``
    (other conditions, the responsible authority's call) and ``accepted_between_ac_and_re``
    return to normal. Raises SwitchingError when inspection is discontinued, or when the
    score needs ``tighter_aql_would_accept`` and it is None.
    """
    if state.discontinued:
        raise SwitchingError("inspection is discontinued; it must be reinstated before the next lot is inspected.")
    if state.severity == "normal":
        return _after_normal_lot(state, lot_accepted, plan, tighter_aql_would_accept, reduced_allowed)
    if state.severity == "tightened":
        return _after_tightened_lot(state, lot_accepted)
    return _after_reduced_lot(state, lot_accepted, production_irregular, normal_warranted, accepted_between_ac_and_re)


def reinstate(state: SwitchingState) -> tuple[SwitchingState, str]:
    """Resume a discontinued scheme at tightened inspection (ISO 2859-1 9.4).

    Raises SwitchingError when inspection is not discontinued.
    """
    if not state.discontinued:
        raise SwitchingError("inspection is not discontinued; there is nothing to reinstate.")
    return _TIGHTENED_START, _(
        "Inspection reinstated after the supplier's corrective action; it resumes at tightened "
        "inspection (ISO 2859-1 9.4)."
    )


def _after_normal_lot(
    state: SwitchingState,
    accepted: bool,
    plan: SamplingPlan,
    tighter_aql_would_accept: bool | None,
    reduced_allowed: bool,
) -> tuple[SwitchingState, str | None]:
    recent = (*state.recent, accepted)[-WINDOW:]
    not_accepted = recent.count(False)
    if not_accepted >= NOT_ACCEPTED_TO_TIGHTEN:
        return _TIGHTENED_START, _(
            "Tightened inspection from the next lot: %(not_accepted)s of the last %(lots)s lots were not "
            "accepted on original inspection (ISO 2859-1 9.3.1: 2 of 5 or fewer consecutive lots)."
        ) % {"not_accepted": not_accepted, "lots": len(recent)}
    score = _next_score(state.score, accepted, plan, tighter_aql_would_accept)
    if score >= SCORE_TO_REDUCE and reduced_allowed:
        return _REDUCED_START, _(
            "Reduced inspection from the next lot: the switching score reached %(score)s (30 or more, "
            "ISO 2859-1 9.3.3) and reduced inspection is allowed."
        ) % {"score": score}
    return replace(state, score=score, recent=recent), None


def _next_score(score: int, accepted: bool, plan: SamplingPlan, tighter_aql_would_accept: bool | None) -> int:
    if plan.accept <= 1:
        return score + 2 if accepted else 0
    if not accepted:
        return 0
    if tighter_aql_would_accept is None:
        raise SwitchingError(
            "the plan's acceptance number is 2 or more: say whether the lot would have been accepted "
            "at an AQL one step tighter (ISO 2859-1 9.3.3.2)."
        )
    return score + 3 if tighter_aql_would_accept else 0


def _after_tightened_lot(state: SwitchingState, accepted: bool) -> tuple[SwitchingState, str | None]:
    if accepted:
        run = state.consecutive_accepted + 1
        if run >= ACCEPTED_TO_NORMAL:
            return _NORMAL_START, _(
                "Normal inspection from the next lot: 5 consecutive lots were accepted under tightened "
                "inspection (ISO 2859-1 9.3.2). The switching score starts again at 0."
            )
        return replace(state, consecutive_accepted=run), None
    count = state.not_accepted_since_tightened + 1
    if count >= NOT_ACCEPTED_TO_DISCONTINUE:
        return replace(state, not_accepted_since_tightened=count, consecutive_accepted=0, discontinued=True), _(
            "Inspection discontinued: 5 lots have not been accepted since tightened inspection began "
            "(ISO 2859-1 9.4). Receipts are held until a quality engineer reinstates inspection after "
            "the supplier's corrective action."
        )
    return replace(state, not_accepted_since_tightened=count, consecutive_accepted=0), None


def _after_reduced_lot(
    state: SwitchingState,
    accepted: bool,
    production_irregular: bool,
    normal_warranted: bool,
    accepted_between_ac_and_re: bool,
) -> tuple[SwitchingState, str | None]:
    # One whole sentence per cause, so that translators can order the words.
    if not accepted:
        why = _(
            "Normal inspection from the next lot: a lot was not accepted under reduced inspection "
            "(ISO 2859-1 9.3.4). The switching score starts again at 0."
        )
    elif accepted_between_ac_and_re:
        why = _(
            "Normal inspection from the next lot: a lot was accepted with more nonconforming items than the "
            "acceptance number but fewer than the rejection number (ANSI/ASQ Z1.4 reduced inspection). The "
            "switching score starts again at 0."
        )
    elif production_irregular:
        why = _(
            "Normal inspection from the next lot: production became irregular or delayed (ISO 2859-1 9.3.4). "
            "The switching score starts again at 0."
        )
    elif normal_warranted:
        why = _(
            "Normal inspection from the next lot: the responsible authority found that conditions warrant "
            "normal inspection (ISO 2859-1 9.3.4). The switching score starts again at 0."
        )
    else:
        return state, None
    return _NORMAL_START, why
