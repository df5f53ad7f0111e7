"""Plan lookups: 100 % inspection, fixed plans, verdicts, the switching-score helper, input errors."""

from __future__ import annotations

from decimal import Decimal

import pytest

from quality.sampling.plans import (
    LotVerdict,
    SamplingInputError,
    code_letter,
    fixed_plan,
    hundred_percent,
    lot_verdict,
    normalize_aql,
    one_step_tighter_accept,
    sampling_plan,
)


def test_plan_is_frozen_and_says_where_it_comes_from():
    plan = sampling_plan(1_000, "II", Decimal("0.065"))
    assert plan.source == (
        "ISO 2859-1 Table 2-A (normal), AQL 0.065, level II, code letter J -> arrow to L: n=200, Ac=0, Re=1"
    )
    assert (plan.severity, plan.aql) == ("normal", Decimal("0.065"))
    with pytest.raises(AttributeError):
        plan.accept = 3  # type: ignore[misc]


def test_aql_spellings():
    assert normalize_aql("1") == normalize_aql("1.00") == normalize_aql(Decimal("1.0")) == Decimal("1.0")
    assert normalize_aql(0.065) == Decimal("0.065")
    assert sampling_plan(1_000, "II", "1") == sampling_plan(1_000, "II", Decimal("1.0"))


def test_sample_size_at_least_the_lot_means_100_percent_with_the_tables_ac():
    # 2-A J/0.010 v ... Q/0.010 0/1: n=1250 for a lot of 1000.
    plan = sampling_plan(1_000, "II", "0.010")
    assert (plan.code_letter, plan.sample_size, plan.accept, plan.reject) == ("Q", 1_000, 0, 1)
    assert plan.hundred_percent and plan.followed_arrow
    assert plan.source.endswith("n >= lot size 1000: 100 % inspection with the same Ac and Re")
    # A lot of 2 at AQL 1000 (nonconformities per 100 items): n=2, the whole lot, Ac 30 kept.
    plan = sampling_plan(2, "II", "1000")
    assert (plan.sample_size, plan.accept, plan.reject, plan.hundred_percent) == (2, 30, 31, True)
    # Equal counts too: lot of 8 at level III is B (n=3) -> not 100 %; lot of 3 is.
    assert not sampling_plan(8, "III", "4.0").hundred_percent
    assert sampling_plan(3, "III", "4.0").hundred_percent


def test_lot_of_one_is_inspected_whole():
    plan = sampling_plan(1, "II", "2.5")
    assert (plan.sample_size, plan.hundred_percent) == (1, True)
    assert code_letter(1, "II") == code_letter(8, "II") == "A"
    assert code_letter(1, "III") == "B"


def test_code_letter_boundaries():
    assert [code_letter(n, "II") for n in (8, 9, 1_200, 1_201, 500_000, 500_001, 10**9)] == list("ABJKPQQ")
    assert code_letter(500_001, "S-1") == "D"


def test_fixed_and_hundred_percent_plans():
    plan = fixed_plan(32, 1)
    assert (plan.code_letter, plan.sample_size, plan.accept, plan.reject, plan.hundred_percent) == (
        None,
        32,
        1,
        2,
        False,
    )
    assert plan.source == "fixed plan: n=32, Ac=1, Re=2"
    small_lot = fixed_plan(32, 1, lot_size=20)
    assert (small_lot.sample_size, small_lot.hundred_percent) == (20, True)
    full = hundred_percent(470)
    assert (full.sample_size, full.accept, full.reject, full.hundred_percent) == (470, 0, 1, True)


def test_lot_verdict():
    normal = sampling_plan(1_000, "II", "1.0")  # J: 80, 2/3
    assert [lot_verdict(normal, count) for count in (0, 2, 3, 9)] == [
        LotVerdict.ACCEPTED,
        LotVerdict.ACCEPTED,
        LotVerdict.NOT_ACCEPTED,
        LotVerdict.NOT_ACCEPTED,
    ]
    reduced = sampling_plan(2_000, "II", "1.0", "reduced")  # K: 50, 1/4
    assert [lot_verdict(reduced, count) for count in (1, 2, 3, 4)] == [
        LotVerdict.ACCEPTED,
        LotVerdict.ACCEPTED_NORMAL_REINSTATED,
        LotVerdict.ACCEPTED_NORMAL_REINSTATED,
        LotVerdict.NOT_ACCEPTED,
    ]
    with pytest.raises(SamplingInputError):
        lot_verdict(normal, -1)


def test_one_step_tighter_accept():
    assert one_step_tighter_accept(sampling_plan(1_000, "II", "1.0")) == 1  # J/1.0 2/3 -> J/0.65 1/2
    assert one_step_tighter_accept(sampling_plan(2_000, "II", "4.0")) == 7  # K/4.0 10/11 -> K/2.5 7/8
    assert one_step_tighter_accept(sampling_plan(2_000, "II", "0.10")) is None  # K/0.065 is an arrow
    assert one_step_tighter_accept(sampling_plan(600_000, "II", "0.010")) is None  # tightest AQL
    assert one_step_tighter_accept(fixed_plan(50, 2)) is None


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: sampling_plan(0, "II", "1.0"), "lot size must be a whole number of items >= 1, not 0."),
        (lambda: sampling_plan(True, "II", "1.0"), "lot size must be a whole number of items >= 1, not True."),
        (lambda: sampling_plan(100, "IV", "1.0"), "allowed levels: S-1, S-2, S-3, S-4, I, II, III."),
        (lambda: sampling_plan(100, "II", "1.2"), "allowed AQLs: 0.010, 0.015, 0.025, 0.040, 0.065, 0.10"),
        (lambda: sampling_plan(100, "II", "abc"), "AQL 'abc' is not in the ISO 2859-1 tables"),
        (lambda: sampling_plan(100, "II", "1.0", "strict"), "allowed: normal, tightened, reduced."),
        (lambda: fixed_plan(0, 0), "sample size must be a whole number of items >= 1"),
        (lambda: fixed_plan(5, -1), "acceptance number must be a whole number >= 0"),
        (lambda: hundred_percent(0), "lot size must be a whole number of items >= 1"),
    ],
)
def test_input_errors_name_what_is_allowed(call, message):
    with pytest.raises(SamplingInputError) as raised:
        call()
    assert isinstance(raised.value, ValueError)
    assert message in str(raised.value)
