"""The statistics against textbook results (no database)."""

from __future__ import annotations

import math
import random

import pytest

from metrics import stats


def test_nps_and_its_interval_follow_the_product_formula():
    value, low, high = stats.nps(50, 30, 20)
    half = 1.959964 * 100 * math.sqrt((0.5 + 0.2 - 0.3**2) / 100)
    assert value == pytest.approx(30.0)
    assert (low, high) == (pytest.approx(30 - half, abs=1e-3), pytest.approx(30 + half, abs=1e-3))
    assert stats.nps(0, 0, 0) == (None, None, None)
    assert stats.nps(10, 0, 0)[0] == 100.0


def test_wilson_interval_matches_the_textbook_example():
    value, low, high = stats.wilson(8, 10)
    assert value == 80.0
    assert low == pytest.approx(49.02, abs=0.01) and high == pytest.approx(94.33, abs=0.01)
    assert stats.wilson(0, 0) == (None, None, None)
    assert stats.wilson(0, 5)[1] == 0.0


def test_student_t_critical_values():
    assert stats.t_critical(9) == pytest.approx(2.262157, abs=1e-5)
    assert stats.t_critical(29) == pytest.approx(2.045230, abs=1e-5)
    assert stats.t_critical(2) == pytest.approx(4.302653, abs=1e-5)


def test_mean_interval_uses_t_for_small_samples_and_normal_from_30():
    mean, low, high = stats.mean_ci(3, 6.0, 14.0)  # 1, 2, 3
    assert (
        mean == 2.0
        and mean - low == high - mean
        and high - mean == pytest.approx(4.302653 / math.sqrt(3), abs=1e-5)
    )
    values = list(range(40))
    n, total, sumsq = len(values), float(sum(values)), float(sum(v * v for v in values))
    mean, _low, high = stats.mean_ci(n, total, sumsq)
    sd = math.sqrt(sum((v - mean) ** 2 for v in values) / (n - 1))
    assert high - mean == pytest.approx(1.959964 * sd / math.sqrt(n), abs=1e-4)
    assert stats.mean_ci(1, 5.0, 25.0) == (5.0, None, None)


def test_two_proportion_z_test():
    # 45/100 vs 30/100: pooled 0.375, z = 0.15 / sqrt(0.375·0.625·0.02) = 2.1909, p = 0.0285
    assert stats.two_proportion_test(45, 100, 30, 100) == pytest.approx(0.02846, abs=1e-4)
    assert stats.significant(stats.two_proportion_test(45, 100, 30, 100))
    assert not stats.significant(stats.two_proportion_test(5, 10, 4, 10))


def test_nps_difference_and_welch_tests():
    p = stats.nps_difference_test((50, 30, 20), (30, 30, 40))
    diff = 30 - (-10)
    se = math.sqrt(stats.nps_variance(50, 30, 20) + stats.nps_variance(30, 30, 40))
    assert p == pytest.approx(2 * (1 - stats.normal_cdf(diff / se)), abs=1e-9)
    assert stats.significant(p)
    # n=10 mean 5 sd 1 vs n=12 mean 6 sd 2: t = -1.519, Welch df = 16.75, p ≈ 0.147
    a = (10, 50.0, 9 * 1.0 + 10 * 25.0)
    b = (12, 72.0, 11 * 4.0 + 12 * 36.0)
    assert stats.welch_test(a, b) == pytest.approx(0.1474, abs=2e-3)


def test_histogram_quantiles_are_within_the_stated_bound():
    rng = random.Random(3)
    values = [rng.lognormvariate(9, 1.5) for _ in range(2000)]
    buckets: dict[int, int] = {}
    for v in values:
        buckets[stats.bucket_of(v)] = buckets.get(stats.bucket_of(v), 0) + 1
    ordered = sorted(values)
    for q in (0.5, 0.9):
        true = ordered[math.ceil(q * len(values)) - 1]
        estimate = stats.histogram_quantile(buckets, q)
        assert abs(estimate - true) / true <= stats.HISTOGRAM_ERROR_BOUND + 1e-9
    assert stats.HISTOGRAM_ERROR_BOUND < 0.05
    assert stats.histogram_quantile({}, 0.5) is None
    assert stats.histogram_quantile({-1: 3}, 0.5) == 0.0
