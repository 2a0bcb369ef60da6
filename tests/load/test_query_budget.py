"""RELIABILITY F7: the overview page and the KPI series run a fixed number of SQL queries whatever
the amount of raw data (they read rollups). The timed scenarios (F1-F3, F8, F9) are in
scripts/loadtest.py (`make loadtest`); they need gunicorn and PostgreSQL and are not unit tests."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tests import factories
from tests.dashboards.factories import add_responses, add_tickets, make_org, recompute

pytestmark = pytest.mark.django_db


def _queries(fetch) -> int:
    cache.clear()
    with CaptureQueriesContext(connection) as captured:
        response = fetch()
    assert response.status_code == 200
    return len(captured)


def test_overview_and_series_query_counts_do_not_grow_with_the_data():
    manager = factories.make_manager()
    page = Client()
    page.force_login(manager)
    api = factories.api_client(manager)

    def overview():
        return page.get("/")

    def series():
        return api.get("/api/v1/kpis/nps/series/", {"group_by": "touchpoint"})

    org = make_org()
    add_responses(org, per_touchpoint=5)
    add_tickets(org, per_touchpoint=3)
    recompute()
    small = (_queries(overview), _queries(series))
    add_responses(org, per_touchpoint=60)
    add_tickets(org, per_touchpoint=30)
    recompute()
    large = (_queries(overview), _queries(series))
    assert large == small
    assert small[1] <= 15, "the series call stays a handful of queries"
