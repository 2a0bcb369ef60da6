"""journeys keeps its own list of KPI names (it cannot import metrics); it must say what the
dashboards say, in every language."""

from __future__ import annotations

import pytest
from django.utils import translation

from journeys.services.documents import KPI_KEYS, KPI_LABELS
from metrics.kpis import KPIS


@pytest.mark.parametrize("language", ["en", "id", "ms", "it"])
def test_opportunity_kpis_are_metrics_kpis_with_the_same_names(language):
    assert set(KPI_KEYS) <= set(KPIS)
    with translation.override(language):
        assert {key: str(KPI_LABELS[key]) for key in KPI_KEYS} == {
            key: str(KPIS[key].label) for key in KPI_KEYS
        }
