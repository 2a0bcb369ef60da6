"""A real Celery worker on Redis runs the scheduled recompute; the API then shows the new data."""

from __future__ import annotations

import pytest

from tests import factories
from tests.metrics import factories as mf


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_worker_recomputes_and_the_api_shows_new_responses(celery_worker):
    manager = factories.make_manager()
    survey = mf.make_survey(factories.make_touchpoint(slug="checkout"))
    mf.make_response(survey, mf.at("2026-01-06"), nps=10)
    client = factories.api_client(manager)
    params = {"start": "2026-01-05", "end": "2026-01-11", "granularity": "week"}
    assert client.get("/api/v1/kpis/nps/series/", params).json()["points"][0]["n"] == 0
    result = celery_worker.call("metrics.tasks.recompute_kpis")
    assert result["full"] is True  # first run: nothing filled yet
    body = client.get("/api/v1/kpis/nps/series/", params).json()
    assert body["points"][0] == {
        "period_start": "2026-01-05",
        "value": 100.0,
        "n": 1,
        "ci_low": 100.0,
        "ci_high": 100.0,
        "extra": {"promoters": 1, "passives": 0, "detractors": 0},
    }
    assert body["last_computed"] is not None
    mf.make_response(survey, mf.at("2026-01-07"), nps=0)
    result = celery_worker.call("metrics.tasks.recompute_kpis")
    assert result["full"] is False and result["days"] >= 1
    assert client.get("/api/v1/kpis/nps/series/", params).json()["points"][0]["value"] == 0.0
    assert celery_worker.call("metrics.tasks.recompute_kpis_full")["full"] is True
