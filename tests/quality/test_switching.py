"""ISO 2859-1 switching rules, lot sequence by lot sequence."""

from __future__ import annotations

import pytest

from quality.sampling.plans import fixed_plan, one_step_tighter_accept, sampling_plan
from quality.sampling.switching import SwitchingError, SwitchingState, next_state, reinstate

AC1 = fixed_plan(50, 1)  # Ac 0 or 1: +2 per accepted lot
AC2 = sampling_plan(1_000, "II", "1.0")  # J: n=80, Ac 2, Re 3: +3 when one AQL step tighter accepts


def run(results, state=None, plan=AC1, **flags):
    """Feed lot results ("A" accepted, "R" not accepted); return states and reasons per lot."""
    state = state or SwitchingState()
    flags.setdefault("tighter_aql_would_accept", None)
    flags.setdefault("reduced_allowed", False)
    states, reasons = [], []
    for result in results:
        state, reason = next_state(state, result == "A", plan, **flags)
        states.append(state)
        reasons.append(reason)
    return states, reasons


def test_start_is_normal_with_score_zero():
    assert SwitchingState() == SwitchingState("normal", 0, (), 0, 0, False)


@pytest.mark.parametrize(
    ("lots", "switch_at"),
    [
        ("RR", 2),  # 2 of 2
        ("ARAR", 4),  # 2 of 3 (lots 2-4)
        ("RAAAR", 5),  # 2 of 5
        ("RAAAAR", None),  # 6 lots apart: only 1 in the last 5
        ("AAAAAAAAAR", None),
    ],
)
def test_normal_to_tightened_on_2_of_5_or_fewer(lots, switch_at):
    states, reasons = run(lots)
    severities = [s.severity for s in states]
    if switch_at is None:
        assert set(severities) == {"normal"} and set(reasons) == {None}
        return
    assert severities[switch_at - 1] == "tightened"
    assert severities[: switch_at - 1] == ["normal"] * (switch_at - 1)
    assert reasons[switch_at - 1].startswith("Tightened inspection from the next lot: 2 of the last")
    assert states[switch_at - 1] == SwitchingState(severity="tightened")


def test_tightened_reason_text():
    _, reasons = run("ARAR")
    assert reasons[-1] == (
        "Tightened inspection from the next lot: 2 of the last 4 lots were not accepted on original "
        "inspection (ISO 2859-1 9.3.1: 2 of 5 or fewer consecutive lots)."
    )


def test_tightened_to_normal_after_5_consecutive_accepted():
    tightened = SwitchingState(severity="tightened")
    states, reasons = run("AAAARAAAAA", state=tightened)
    assert [s.severity for s in states] == ["tightened"] * 9 + ["normal"]
    assert states[4].consecutive_accepted == 0 and states[4].not_accepted_since_tightened == 1
    assert states[8].consecutive_accepted == 4
    assert states[-1] == SwitchingState()  # score and window start again
    assert reasons[-1] == (
        "Normal inspection from the next lot: 5 consecutive lots were accepted under tightened inspection "
        "(ISO 2859-1 9.3.2). The switching score starts again at 0."
    )
    assert reasons[:-1] == [None] * 9


def test_discontinued_when_5_not_accepted_since_tightened():
    # Not accepted lots need not be consecutive: R A R A R A R A R -> the 5th R stops inspection.
    states, reasons = run("RARARARAR", state=SwitchingState(severity="tightened"))
    assert [s.discontinued for s in states] == [False] * 8 + [True]
    assert states[-1].not_accepted_since_tightened == 5
    assert states[-1].severity == "tightened"
    assert reasons[-1] == (
        "Inspection discontinued: 5 lots have not been accepted since tightened inspection began "
        "(ISO 2859-1 9.4). Receipts are held until a quality engineer reinstates inspection after the "
        "supplier's corrective action."
    )
    with pytest.raises(SwitchingError, match="discontinued"):
        next_state(states[-1], True, AC1, tighter_aql_would_accept=None, reduced_allowed=False)


def test_full_sequence_normal_tightened_discontinued_reinstated():
    states, reasons = run("RR" + "RRRRR")
    assert [s.severity for s in states] == ["normal", "tightened"] + ["tightened"] * 5
    assert states[-1].discontinued and reasons[-1].startswith("Inspection discontinued")
    resumed, reason = reinstate(states[-1])
    assert resumed == SwitchingState(severity="tightened")
    assert reason == (
        "Inspection reinstated after the supplier's corrective action; it resumes at tightened "
        "inspection (ISO 2859-1 9.4)."
    )
    with pytest.raises(SwitchingError, match="not discontinued"):
        reinstate(resumed)


def test_score_with_ac_0_or_1_adds_2_per_accepted_lot_and_resets_on_a_rejected_one():
    states, _ = run("AAAR" + "AAA")
    assert [s.score for s in states] == [2, 4, 6, 0, 2, 4, 6]


def test_score_reaching_30_switches_to_reduced_only_when_allowed():
    states, reasons = run("A" * 15)
    assert states[-1] == SwitchingState(score=30, recent=(True,) * 5)
    assert set(reasons) == {None}
    # Allowed from the next lot on: the score goes on to 32 and reduced starts.
    state, reason = next_state(states[-1], True, AC1, tighter_aql_would_accept=None, reduced_allowed=True)
    assert state == SwitchingState(severity="reduced")
    assert reason == (
        "Reduced inspection from the next lot: the switching score reached 32 (30 or more, ISO 2859-1 9.3.3) "
        "and reduced inspection is allowed."
    )
    states, reasons = run("A" * 15, reduced_allowed=True)
    assert [s.severity for s in states] == ["normal"] * 14 + ["reduced"]
    assert reasons[-1].startswith("Reduced inspection from the next lot: the switching score reached 30")


def test_score_with_ac_2_or_more_needs_the_one_step_tighter_answer():
    assert AC2.accept == 2 and one_step_tighter_accept(AC2) == 1
    # 1 nonconforming: accepted, and J/0.65 (Ac 1) would accept too -> +3.
    states, _ = run("AAAA", plan=AC2, tighter_aql_would_accept=True)
    assert [s.score for s in states] == [3, 6, 9, 12]
    # 2 nonconforming: accepted, but not at the tighter AQL -> back to 0.
    state, _ = next_state(states[-1], True, AC2, tighter_aql_would_accept=False, reduced_allowed=False)
    assert state.score == 0
    # A lot not accepted resets the score without asking about the tighter AQL.
    state, _ = next_state(states[-1], False, AC2, tighter_aql_would_accept=None, reduced_allowed=False)
    assert state.score == 0
    with pytest.raises(SwitchingError, match="one step tighter"):
        next_state(states[-1], True, AC2, tighter_aql_would_accept=None, reduced_allowed=False)
    # Ten lots of +3 reach 30.
    states, reasons = run("A" * 10, plan=AC2, tighter_aql_would_accept=True, reduced_allowed=True)
    assert states[-1].severity == "reduced" and reasons[-1].startswith("Reduced inspection")


@pytest.mark.parametrize(
    ("accepted", "flag", "why"),
    [
        (False, None, "a lot was not accepted under reduced inspection (ISO 2859-1 9.3.4)"),
        (True, "production_irregular", "production became irregular or delayed (ISO 2859-1 9.3.4)"),
        (
            True,
            "normal_warranted",
            "the responsible authority found that conditions warrant normal inspection (ISO 2859-1 9.3.4)",
        ),
        (
            True,
            "accepted_between_ac_and_re",
            "a lot was accepted with more nonconforming items than the acceptance number but fewer than the "
            "rejection number (ANSI/ASQ Z1.4 reduced inspection)",
        ),
    ],
)
def test_reduced_to_normal(accepted, flag, why):
    reduced = SwitchingState(severity="reduced")
    plan = sampling_plan(2_000, "II", "1.0", "reduced")
    flags = {flag: True} if flag else {}
    state, reason = next_state(reduced, accepted, plan, tighter_aql_would_accept=None, reduced_allowed=True, **flags)
    assert state == SwitchingState()
    assert reason == f"Normal inspection from the next lot: {why}. The switching score starts again at 0."


def test_reduced_stays_reduced_while_lots_are_accepted():
    states, reasons = run("AAAAAAAA", state=SwitchingState(severity="reduced"), reduced_allowed=True)
    assert {s.severity for s in states} == {"reduced"} and set(reasons) == {None}


def test_unknown_severity_is_refused():
    with pytest.raises(SwitchingError, match="allowed: normal, tightened, reduced"):
        SwitchingState(severity="skip")
