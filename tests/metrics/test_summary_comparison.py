from __future__ import annotations

from datetime import date

import pytest

from metrics.selectors import kpi_summary

pytestmark = pytest.mark.django_db


def test_summary_against_an_explicit_comparison_period_uses_exactly_those_days():
    summary = kpi_summary(
        key="nps",
        start=date(2026, 3, 1),
        end=date(2026, 3, 10),
        previous=(date(2026, 2, 1), date(2026, 2, 10)),
    )
    assert (summary.previous.start, summary.previous.end) == (date(2026, 2, 1), date(2026, 2, 10))
    assert summary.previous.n == 0 and summary.change is None


def test_summary_without_an_explicit_period_compares_with_the_days_just_before():
    summary = kpi_summary(key="nps", start=date(2026, 3, 1), end=date(2026, 3, 10))
    assert (summary.previous.start, summary.previous.end) == (date(2026, 2, 19), date(2026, 2, 28))
