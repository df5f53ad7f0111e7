"""The OC curve of a single sampling plan against exact sums (fractions.Fraction) and hand-computed values."""

from __future__ import annotations

import itertools
import math
from fractions import Fraction

import pytest

from quality.sampling.oc import acceptance_probability, chart_points, chart_scale, fraction_at, oc_curve


def exact(n: int, accept: int, p: str) -> float:
    """P(X <= Ac), X ~ Bin(n, p), summed exactly in rationals and rounded once."""
    q = Fraction(p)
    return float(sum(math.comb(n, k) * q**k * (1 - q) ** (n - k) for k in range(accept + 1)))


@pytest.mark.parametrize(
    ("n", "accept", "p", "approx"),
    [
        (80, 2, "0.01", 0.9534),  # code letter J, AQL 1.0 normal: the textbook 0.953
        (125, 3, "0.01", 0.9626),
        (125, 3, "0.05", 0.1238),
        (13, 0, "0.1", 0.2542),  # 0.9^13
        (50, 1, "0.02", 0.7358),
        (2000, 21, "0.01", 0.6441),  # the tables' largest sample
    ],
)
def test_pa_matches_exact_sums_and_hand_values(n, accept, p, approx):
    pa = acceptance_probability(n, accept, float(p))
    assert pa == pytest.approx(exact(n, accept, p), rel=1e-12, abs=1e-300)
    assert pa == pytest.approx(approx, abs=5e-5)


def test_large_samples_neither_overflow_nor_underflow():
    # 0.98^2000 is about 2.8e-18: a naive product of comb and powers loses it; logs keep it.
    assert acceptance_probability(2000, 44, 0.02) == pytest.approx(exact(2000, 44, "0.02"), rel=1e-11)
    assert acceptance_probability(2000, 0, 0.02) == pytest.approx(0.98**2000, rel=1e-9)
    assert acceptance_probability(2000, 0, 0.5) == 0.0  # 2^-2000 is below the smallest float


def test_edges():
    assert acceptance_probability(80, 2, 0.0) == 1.0
    assert acceptance_probability(80, 2, 1.0) == 0.0
    assert acceptance_probability(5, 5, 0.7) == 1.0  # Ac >= n accepts every lot
    assert acceptance_probability(1, 0, 0.25) == pytest.approx(0.75)


@pytest.mark.parametrize(
    ("n", "accept", "p"), [(0, 0, 0.1), (10, -1, 0.1), (10, 1, 1.5), (10, 1, -0.1), (True, 0, 0.1)]
)
def test_bad_input_is_refused(n, accept, p):
    with pytest.raises(ValueError):
        acceptance_probability(n, accept, p)


def test_curve_falls_as_defects_rise():
    points = oc_curve(80, 2, chart_points(0.12, 25))
    values = [point.pa for point in points]
    assert values[0] == 1.0
    assert all(a >= b for a, b in itertools.pairwise(values))


def test_fraction_at_inverts_pa():
    p95 = fraction_at(80, 2, 0.95)
    p10 = fraction_at(80, 2, 0.10)
    assert acceptance_probability(80, 2, p95) == pytest.approx(0.95, abs=1e-9)
    assert acceptance_probability(80, 2, p10) == pytest.approx(0.10, abs=1e-9)
    assert 0.0102 < p95 < 0.0104 and 0.065 < p10 < 0.066
    assert fraction_at(3, 3, 0.5) == 1.0


def test_chart_scale_ends_past_the_loosest_curve_on_a_round_tick():
    end, step = chart_scale([(80, 2)])
    assert (end, step) == (0.12, 0.02)  # Pa = 1 % near 10.4 %
    assert acceptance_probability(80, 2, end) < 0.01
    end2, _ = chart_scale([(80, 2), (32, 1)])
    assert end2 >= fraction_at(32, 1, 0.01)
    assert chart_scale([(2, 0)])[0] <= 1.0
    assert len(chart_points(0.12)) == 61 and chart_points(0.12)[-1] == pytest.approx(0.12)
