"""Paired before/after statistics from aggregates the database computed (issue #19, item 5).

The database returns n, the mean and the sample standard deviation of the paired differences;
this module turns them into the 95% confidence interval (Student's t with n-1 degrees of freedom)
and the effect size (Cohen's d for paired samples, d_z = mean / sd). The t quantile is computed
here from the regularised incomplete beta function (Numerical Recipes' continued fraction), so
no scientific library is needed for one number.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


def _betacf(a: float, b: float, x: float) -> float:
    """Continued fraction for the incomplete beta function (modified Lentz)."""
    tiny, eps = 1e-300, 3e-16
    qab, qap, qam = a + b, a + 1.0, a - 1.0
    c, d = 1.0, 1.0 - qab * x / qap
    d = 1.0 / (d if abs(d) > tiny else tiny)
    h = d
    for m in range(1, 400):
        m2 = 2 * m
        aa = m * (b - m) * x / ((qam + m2) * (a + m2))
        d = 1.0 + aa * d
        d = 1.0 / (d if abs(d) > tiny else tiny)
        c = 1.0 + aa / c
        c = c if abs(c) > tiny else tiny
        h *= d * c
        aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
        d = 1.0 + aa * d
        d = 1.0 / (d if abs(d) > tiny else tiny)
        c = 1.0 + aa / c
        c = c if abs(c) > tiny else tiny
        delta = d * c
        h *= delta
        if abs(delta - 1.0) < eps:
            break
    return h


def betainc(a: float, b: float, x: float) -> float:
    """Regularised incomplete beta I_x(a, b)."""
    if x <= 0.0:
        return 0.0
    if x >= 1.0:
        return 1.0
    front = math.exp(
        math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x)
    )
    if x < (a + 1.0) / (a + b + 2.0):
        return front * _betacf(a, b, x) / a
    return 1.0 - front * _betacf(b, a, 1.0 - x) / b


def t_cdf(t: float, df: float) -> float:
    tail = 0.5 * betainc(df / 2.0, 0.5, df / (df + t * t))
    return 1.0 - tail if t > 0 else tail


def t_quantile(p: float, df: float) -> float:
    """The t value below which a fraction p of the distribution lies (bisection on the CDF)."""
    if not 0.0 < p < 1.0 or df <= 0:
        raise ValueError("p must be in (0, 1) and df positive")
    if p < 0.5:
        return -t_quantile(1.0 - p, df)
    low, high = 0.0, 1.0
    while t_cdf(high, df) < p:
        high *= 2.0
    for _ in range(200):
        mid = (low + high) / 2.0
        if t_cdf(mid, df) < p:
            low = mid
        else:
            high = mid
        if high - low < 1e-12:
            break
    return (low + high) / 2.0


@dataclass(frozen=True)
class Paired:
    n: int
    mean: float  # mean difference, after minus before, in percentage points
    sd: float | None  # sample standard deviation of the differences
    ci_low: float | None
    ci_high: float | None
    effect_size: float | None  # Cohen's d_z; None when every difference is the same

    @property
    def crosses_zero(self) -> bool:
        return (
            self.ci_low is not None
            and self.ci_high is not None
            and self.ci_low <= 0 <= self.ci_high
        )


def paired(n: int, mean: float | None, sd: float | None, level: float = 0.95) -> Paired | None:
    """The interval and effect size from the database's n, mean and sample sd of differences.

    Needs two pairs for an interval; with one pair only the difference itself is known.
    """
    if n < 1 or mean is None:
        return None
    if n < 2 or sd is None:
        return Paired(n, mean, None, None, None, None)
    t = t_quantile(1.0 - (1.0 - level) / 2.0, n - 1)
    half = t * sd / math.sqrt(n)
    effect = mean / sd if sd > 0 else None
    return Paired(n, mean, sd, mean - half, mean + half, effect)
