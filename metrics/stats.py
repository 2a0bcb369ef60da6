"""Pure statistics over additive parts (counts, sums, sums of squares, histogram buckets).

No ORM and no scipy: normal tail probabilities come from math.erf, Student's t from a series good
to 1e-6 for the degrees of freedom KPIs reach. Everything here is unit-tested against textbook
results.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping

Z95 = 1.959963984540054
ALPHA = 0.05

# Log-spaced histogram: bucket b holds durations in [RATIO**b, RATIO**(b+1)) seconds; bucket -1
# holds durations below one second. A quantile is reported as the bucket's geometric midpoint,
# so it is within a factor sqrt(RATIO) of the true order statistic: |error| <= 4.9 %.
RATIO = 1.1
LOG_RATIO = math.log(RATIO)
HISTOGRAM_ERROR_BOUND = math.sqrt(RATIO) - 1.0


def bucket_of(seconds: float) -> int:
    if seconds < 1:
        return -1
    return math.floor(math.log(seconds) / LOG_RATIO)


def bucket_value(bucket: int) -> float:
    """The representative value (seconds) of a bucket: its geometric midpoint."""
    if bucket < 0:
        return 0.0
    return RATIO ** (bucket + 0.5)


def histogram_quantile(buckets: Mapping[int, int], q: float) -> float | None:
    """Nearest-rank quantile (the ceil(q·n)-th smallest value) from bucket counts, in seconds."""
    n = sum(buckets.values())
    if n <= 0:
        return None
    rank = max(1, math.ceil(q * n))
    seen = 0
    for bucket in sorted(buckets):
        seen += buckets[bucket]
        if seen >= rank:
            return bucket_value(bucket)
    return bucket_value(max(buckets))


def normal_cdf(z: float) -> float:
    return 0.5 * (1.0 + math.erf(z / math.sqrt(2.0)))


def two_sided_p(z: float) -> float:
    return max(0.0, min(1.0, 2.0 * (1.0 - normal_cdf(abs(z)))))


def _t_two_sided_p(t: float, df: float) -> float:
    """Two-sided p of Student's t via the regularised incomplete beta function (continued
    fraction, Numerical Recipes betacf)."""
    if df <= 0 or math.isnan(t):
        return 1.0
    if math.isinf(df) or df > 1e6:
        return two_sided_p(t)
    x = df / (df + t * t)
    return _betai(df / 2.0, 0.5, x)


def _betai(a: float, b: float, x: float) -> float:
    if x <= 0.0:
        return 0.0
    if x >= 1.0:
        return 1.0
    front = math.exp(
        math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log(1 - x)
    )
    if x < (a + 1.0) / (a + b + 2.0):
        return front * _betacf(a, b, x) / a
    return 1.0 - front * _betacf(b, a, 1.0 - x) / b


def _betacf(a: float, b: float, x: float) -> float:
    tiny = 1e-300
    qab, qap, qam = a + b, a + 1.0, a - 1.0
    c, d = 1.0, 1.0 - qab * x / qap
    d = 1.0 / (d if abs(d) > tiny else tiny)
    h = d
    for m in range(1, 300):
        m2 = 2 * m
        aa = m * (b - m) * x / ((qam + m2) * (a + m2))
        d = 1.0 + aa * d
        d = 1.0 / (d if abs(d) > tiny else tiny)
        c = 1.0 + aa / c if abs(1.0 + aa / c) > tiny else tiny
        h *= d * c
        aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
        d = 1.0 + aa * d
        d = 1.0 / (d if abs(d) > tiny else tiny)
        c = 1.0 + aa / c if abs(1.0 + aa / c) > tiny else tiny
        delta = d * c
        h *= delta
        if abs(delta - 1.0) < 1e-12:
            break
    return h


def t_critical(df: float, confidence: float = 0.95) -> float:
    """The two-sided critical value of Student's t (bisection on the exact p)."""
    if df <= 0:
        return math.inf
    alpha = 1.0 - confidence
    low, high = 0.0, 1000.0
    for _ in range(100):
        mid = (low + high) / 2.0
        if _t_two_sided_p(mid, df) > alpha:
            low = mid
        else:
            high = mid
    return (low + high) / 2.0


def nps(
    promoters: int, passives: int, detractors: int
) -> tuple[float | None, float | None, float | None]:
    """NPS and its 95% interval (PRODUCT.md): NPS ± 1.96·100·sqrt((p + d − (p − d)²) / n)."""
    n = promoters + passives + detractors
    if n <= 0:
        return None, None, None
    p, d = promoters / n, detractors / n
    value = 100.0 * (p - d)
    half = Z95 * 100.0 * math.sqrt(max(0.0, p + d - (p - d) ** 2) / n)
    return value, max(-100.0, value - half), min(100.0, value + half)


def nps_variance(promoters: int, passives: int, detractors: int) -> float:
    """Variance of the NPS estimate in NPS points squared."""
    n = promoters + passives + detractors
    p, d = promoters / n, detractors / n
    return 100.0**2 * (p + d - (p - d) ** 2) / n


def wilson(successes: int, n: int) -> tuple[float | None, float | None, float | None]:
    """Share × 100 and its 95% Wilson score interval (× 100)."""
    if n <= 0:
        return None, None, None
    phat = successes / n
    z2 = Z95 * Z95
    centre = (phat + z2 / (2 * n)) / (1 + z2 / n)
    half = Z95 * math.sqrt(phat * (1 - phat) / n + z2 / (4 * n * n)) / (1 + z2 / n)
    return 100.0 * phat, 100.0 * max(0.0, centre - half), 100.0 * min(1.0, centre + half)


def mean_sd(n: int, total: float, sumsq: float) -> tuple[float | None, float | None]:
    if n <= 0:
        return None, None
    mean = total / n
    if n < 2:
        return mean, None
    var = max(0.0, (sumsq - total * total / n) / (n - 1))
    return mean, math.sqrt(var)


def mean_ci(n: int, total: float, sumsq: float) -> tuple[float | None, float | None, float | None]:
    """Mean and its 95% interval: Student's t below 30 observations, normal from there on."""
    mean, sd = mean_sd(n, total, sumsq)
    if mean is None:
        return None, None, None
    if sd is None:
        return mean, None, None
    crit = t_critical(n - 1) if n < 30 else Z95
    half = crit * sd / math.sqrt(n)
    return mean, mean - half, mean + half


def two_proportion_test(x1: int, n1: int, x2: int, n2: int) -> float | None:
    """Two-sided p of the pooled two-proportion z-test."""
    if n1 <= 0 or n2 <= 0:
        return None
    pooled = (x1 + x2) / (n1 + n2)
    se = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    if se == 0:
        return 1.0
    return two_sided_p((x1 / n1 - x2 / n2) / se)


def nps_difference_test(a: tuple[int, int, int], b: tuple[int, int, int]) -> float | None:
    """Two-sided p of the difference of two NPS values with the PRODUCT.md variance."""
    if sum(a) <= 0 or sum(b) <= 0:
        return None
    diff = nps(*a)[0] - nps(*b)[0]
    se = math.sqrt(nps_variance(*a) + nps_variance(*b))
    if se == 0:
        return 1.0 if diff == 0 else 0.0
    return two_sided_p(diff / se)


def welch_test(a: tuple[int, float, float], b: tuple[int, float, float]) -> float | None:
    """Two-sided p of Welch's t-test from (n, sum, sum of squares) of each sample."""
    (n1, s1, q1), (n2, s2, q2) = a, b
    if n1 < 2 or n2 < 2:
        return None
    m1, sd1 = mean_sd(n1, s1, q1)
    m2, sd2 = mean_sd(n2, s2, q2)
    v1, v2 = sd1 * sd1 / n1, sd2 * sd2 / n2
    if v1 + v2 == 0:
        return 1.0 if m1 == m2 else 0.0
    t = (m1 - m2) / math.sqrt(v1 + v2)
    df = (
        (v1 + v2) ** 2 / ((v1 * v1) / (n1 - 1) + (v2 * v2) / (n2 - 1)) if v1 * v2 or v1 or v2 else 1
    )
    return _t_two_sided_p(t, df)


def significant(p_value: float | None) -> bool:
    return p_value is not None and p_value < ALPHA


def point_moments(counts: Iterable[tuple[int, int]]) -> tuple[int, float, float]:
    """(n, sum, sum of squares) from (point, count) pairs: exact for per-point counts."""
    n, total, sumsq = 0, 0.0, 0.0
    for point, count in counts:
        n += count
        total += point * count
        sumsq += point * point * count
    return n, total, sumsq
