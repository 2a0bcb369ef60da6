"""KPI API: permissions, bad parameters (400 naming the field), allowlists, throttling, schema."""

from __future__ import annotations

import pytest

from metrics.models import FillState, KpiAlert, KpiTarget
from tests import factories

pytestmark = pytest.mark.django_db

SERIES = "/api/v1/kpis/nps/series/"


@pytest.fixture
def client(manager):
    factories.make_touchpoint(slug="checkout")
    return factories.api_client(manager)


def test_managers_survey_admins_and_their_tokens_may_read(manager, survey_admin):
    for user in (manager, survey_admin):
        assert factories.api_client(user).get("/api/v1/kpis/").status_code == 200
        assert factories.api_client(user).get(SERIES).status_code == 200


def test_agents_get_403_and_anonymous_callers_401(agent):
    for url in ("/api/v1/kpis/", SERIES, "/api/v1/kpis/nps/summary/", "/api/v1/kpi-alerts/"):
        assert factories.api_client(agent).get(url).status_code == 403
        assert factories.api_client().get(url).status_code == 401


def test_session_login_works_like_a_token(client, manager):
    from django.test import Client

    browser = Client()
    browser.force_login(manager)
    assert browser.get(SERIES).status_code == 200


BAD = [
    ({"start": "2026-13-01"}, "start"),
    ({"end": "yesterday"}, "end"),
    ({"start": "2026-02-01", "end": "2026-01-01"}, "end"),
    ({"start": "2020-01-01", "end": "2026-01-02"}, "end"),
    ({"granularity": "hour"}, "granularity"),
    ({"granularity": "week; DROP TABLE metrics_response_daily"}, "granularity"),
    ({"group_by": "category"}, "group_by"),
    ({"group_by": "touchpoint_id) --"}, "group_by"),
    ({"touchpoint": "nowhere"}, "touchpoint"),
    ({"touchpoint": "x' OR '1'='1"}, "touchpoint"),
    ({"channel": "pigeon"}, "channel"),
    ({"persona": "ghost"}, "persona"),
    ({"journey": "lost"}, "journey"),
    ({"colour": "red"}, "colour"),
    ({"touchpoint": ["checkout", "checkout"]}, "touchpoint"),
]


def test_bad_parameters_give_400_naming_the_field(client):
    # One test over every case: each user setup hashes a password, which dominates the time.
    for params, field in BAD:
        response = client.get(SERIES, params)
        assert response.status_code == 400, (params, response.content)
        assert field in response.json(), params
        summary = client.get("/api/v1/kpis/nps/summary/", params)
        if field not in ("granularity", "group_by"):
            assert summary.status_code == 400 and field in summary.json(), params


def test_unknown_kpi_gives_400_naming_it(client):
    for url in ("/api/v1/kpis/happiness/series/", "/api/v1/kpis/happiness/summary/"):
        response = client.get(url)
        assert response.status_code == 400 and "kpi" in response.json()


def test_filters_that_do_not_apply_to_a_kpi_are_refused(client):
    response = client.get("/api/v1/kpis/churn_rate/series/", {"touchpoint": "checkout"})
    assert response.status_code == 400 and "touchpoint" in response.json()
    response = client.get("/api/v1/kpis/nps/summary/", {"compare": "forever"})
    assert response.status_code == 400 and "compare" in response.json()


def test_the_range_defaults_to_the_last_90_days_and_empty_periods_are_null(client):
    body = client.get(SERIES, {"granularity": "day"}).json()
    assert len(body["points"]) == 90
    assert all(p["value"] is None and p["n"] == 0 for p in body["points"])


def test_bad_requests_write_nothing(client):
    client.get(SERIES, {"granularity": "hour"})
    assert not FillState.objects.exists() and not KpiAlert.objects.exists()


def test_the_kpi_api_is_rate_limited(client, settings, monkeypatch):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"kpi": "3/min"},
    }
    from rest_framework.throttling import ScopedRateThrottle

    # monkeypatch removes the attribute afterwards; assigning the inherited value back would leave
    # ScopedRateThrottle with its own copy that later tests' patches of the base class miss.
    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {"kpi": "3/min"})
    codes = [client.get("/api/v1/kpis/").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]


def test_alerts_are_listed_open_first_and_filterable(client):
    target = KpiTarget.objects.create(kpi_key="nps", target=30)
    KpiAlert.objects.create(
        target=target,
        kind="breach",
        period_start="2026-01-05",
        period_end="2026-01-11",
        message="low",
    )
    body = client.get("/api/v1/kpi-alerts/", {"open": "true"}).json()
    assert body["count"] == 1 and body["results"][0]["kpi"] == "nps"
    assert client.get("/api/v1/kpi-alerts/", {"open": "maybe"}).status_code == 400
    assert client.get("/api/v1/kpi-alerts/", {"sort": "x"}).status_code == 400


def test_the_openapi_schema_documents_the_kpi_endpoints(client, admin_user):
    response = factories.api_client(admin_user).get("/api/v1/schema/", {"format": "json"})
    paths = response.json()["paths"]
    assert "/api/v1/kpis/{key}/series/" in paths and "/api/v1/kpis/{key}/summary/" in paths
    names = {p["name"] for p in paths["/api/v1/kpis/{key}/series/"]["get"]["parameters"]}
    assert {"start", "end", "granularity", "group_by", "touchpoint"} <= names
