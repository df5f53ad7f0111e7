"""Operating characteristic (OC) of a single sampling plan: how likely a lot is accepted at each true
fraction defective.

Model: type B (binomial). The sample of ``n`` items is drawn from a lot large enough (or a steady
process) that each item is defective with probability ``p`` independently, so the defectives found,
X, follow Bin(n, p), and the lot is accepted when X <= Ac:

    Pa(p) = sum_{k=0}^{Ac} C(n, k) p^k (1 - p)^(n - k)

This is the model the OC curves printed with ISO 2859-1 (and ANSI/ASQ Z1.4) use for percent
nonconforming; for a sample that is a large part of a small lot the hypergeometric model would
be exact, and for nonconformities per 100 items (AQLs above 10) the Poisson one. Pure Python, no
Django. Probabilities are floats in [0, 1]; ``p`` is a fraction (0.01 is 1 %), not a percent.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

#: Largest sample these functions take: beyond the tables' largest sample (2000) with room.
MAX_SAMPLE = 100_000


@dataclass(frozen=True)
class OcPoint:
    """One point of an OC curve: true fraction defective ``p`` (0..1) and probability of acceptance ``pa``."""

    p: float
    pa: float


def acceptance_probability(sample_size: int, accept: int, p: float) -> float:
    """Pa = P(X <= accept) for X ~ Bin(sample_size, p): the probability a lot of fraction defective
    ``p`` passes a plan of ``sample_size`` items with acceptance number ``accept``.

    Summed in logarithms with the recurrence t(k+1) = t(k) * (n - k) / (k + 1) * p / (1 - p), so
    n in the thousands neither overflows nor underflows before the sum (a result below ~1e-308 is
    0.0). Raises ValueError for n < 1, Ac < 0, n > MAX_SAMPLE or p outside [0, 1].
    """
    _check(sample_size, accept)
    if not 0.0 <= p <= 1.0 or math.isnan(p):
        raise ValueError(f"fraction defective must be within 0 and 1, not {p!r}")
    if accept >= sample_size or p == 0.0:
        return 1.0
    if p == 1.0:
        return 0.0
    log_odds = math.log(p) - math.log1p(-p)
    log_term = sample_size * math.log1p(-p)  # k = 0: (1 - p)^n
    logs = [log_term]
    for k in range(accept):
        log_term += math.log((sample_size - k) / (k + 1)) + log_odds
        logs.append(log_term)
    top = max(logs)
    total = math.exp(top) * math.fsum(math.exp(value - top) for value in logs)
    return min(1.0, max(0.0, total))


def oc_curve(sample_size: int, accept: int, ps: list[float]) -> list[OcPoint]:
    """Pa at each fraction defective of ``ps``, in the order given."""
    return [OcPoint(p=p, pa=acceptance_probability(sample_size, accept, p)) for p in ps]


def fraction_at(sample_size: int, accept: int, pa: float) -> float:
    """The fraction defective at which the plan accepts with probability ``pa`` (0 < pa < 1), e.g.
    0.95 (the producer's risk point) or 0.10 (the lot tolerance, LTPD). Pa falls as p rises, so a
    bisection finds it to about 1e-12. A plan that accepts every lot (Ac >= n) answers 1.0.
    """
    _check(sample_size, accept)
    if not 0.0 < pa < 1.0:
        raise ValueError(f"probability of acceptance must be strictly within 0 and 1, not {pa!r}")
    if accept >= sample_size:
        return 1.0
    low, high = 0.0, 1.0
    for _ in range(60):
        middle = (low + high) / 2
        if acceptance_probability(sample_size, accept, middle) > pa:
            low = middle
        else:
            high = middle
    return (low + high) / 2


def chart_scale(plans: list[tuple[int, int]], *, floor: float = 0.01) -> tuple[float, float]:
    """The x axis of a chart of the curves of ``plans`` ((n, Ac) pairs): (end, tick step), both
    fractions. The axis ends at a round value past the point where the loosest plan's Pa falls to
    1 %, so every curve is drawn down to the floor; never below ``floor`` (1 %) nor above 1.
    """
    reach = max((fraction_at(n, ac, 0.01) for n, ac in plans), default=floor)
    reach = max(reach, floor)
    # A step of 1, 2 or 5 times a power of ten that puts 4 to 10 ticks on the axis.
    magnitude = 10 ** math.floor(math.log10(reach / 5))
    for factor in (1, 2, 5, 10):
        step = factor * magnitude
        if reach / step <= 10:
            break
    end = min(1.0, math.ceil(reach / step - 1e-9) * step)
    return round(end, 12), round(step, 12)


def chart_points(end: float, count: int = 61) -> list[float]:
    """``count`` evenly spaced fractions defective from 0 to ``end``, for drawing a curve."""
    if count < 2:
        raise ValueError("a curve needs at least 2 points")
    return [end * i / (count - 1) for i in range(count)]


def _check(sample_size: int, accept: int) -> None:
    if isinstance(sample_size, bool) or not isinstance(sample_size, int) or not 1 <= sample_size <= MAX_SAMPLE:
        raise ValueError(f"sample size must be a whole number from 1 to {MAX_SAMPLE}, not {sample_size!r}")
    if isinstance(accept, bool) or not isinstance(accept, int) or accept < 0:
        raise ValueError(f"acceptance number must be a whole number >= 0, not {accept!r}")
