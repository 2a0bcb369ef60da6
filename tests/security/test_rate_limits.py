"""RELIABILITY C1–C3, C5, C7, C8: one shared budget per client for every door to the same action,
forged X-Forwarded-For buys nothing, 429 with Retry-After, login throttling, the KPI scope, and
what happens when the cache is down. (C4, parallel requests at the limit, is in tests/integrity.)"""

from __future__ import annotations

import logging
import os
import re
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.test import Client
from rest_framework.test import APIClient

from surveys.models import Response
from tests import factories
from tests.surveys.factories import make_survey

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]
LIMIT = 5


@pytest.fixture
def small_budget(settings, monkeypatch):
    from rest_framework.throttling import SimpleRateThrottle

    rates = dict(settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"])
    rates.update({"public_survey": f"{LIMIT}/min", "kpi": f"{LIMIT}/min"})
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}
    # DRF binds the rates to the throttle class when it is first imported.
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", rates)
    return LIMIT


@pytest.fixture
def survey(db):
    return make_survey(slug="limits")


def _api(survey, client=None, **extra):
    return (client or APIClient()).post(
        f"/api/v1/surveys/{survey.slug}/responses/", {"answers": {"nps": 7}}, format="json", **extra
    )


def _page(survey, client=None, **extra):
    return (client or Client()).post(f"/s/{survey.slug}/", {"q_nps": "7"}, **extra)


def test_limit_plus_one_submissions_from_one_address_end_in_429_with_retry_after(
    survey, small_budget
):
    for _ in range(small_budget):
        assert _api(survey).status_code == 201
    refused = _api(survey)
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) >= 1
    assert "detail" in refused.json()
    assert Response.objects.count() == small_budget


def test_a_random_forwarded_for_header_buys_no_new_budget(survey, small_budget):
    statuses = [
        _api(survey, HTTP_X_FORWARDED_FOR=f"203.0.113.{i}, 198.51.100.{i}").status_code
        for i in range(small_budget + 3)
    ]
    assert statuses[:small_budget] == [201] * small_budget
    assert set(statuses[small_budget:]) == {429}


def test_the_page_and_the_api_spend_one_budget(survey, small_budget):
    statuses = []
    for i in range(small_budget + 2):
        if i % 2:
            statuses.append(_page(survey).status_code)
        else:
            statuses.append(_api(survey).status_code)
    assert statuses[:small_budget] == [201 if i % 2 == 0 else 302 for i in range(small_budget)]
    assert statuses[small_budget:] == [429, 429]
    page = _page(survey)
    assert page.status_code == 429 and int(page["Retry-After"]) >= 1
    assert Response.objects.count() == small_budget


def test_other_addresses_keep_their_own_budget(survey, small_budget):
    for _ in range(small_budget + 1):
        _api(survey)
    assert _api(survey, REMOTE_ADDR="192.0.2.77").status_code == 201


def test_import_users_are_exempt_from_the_public_budget(survey, small_budget):
    admin = factories.api_client(factories.make_admin())
    for _ in range(small_budget + 3):
        assert _api(survey, client=admin).status_code == 201


def test_the_budget_is_shared_between_processes_through_redis(survey, settings):
    """Two gunicorn workers are two processes: the count must live in Redis, not in memory."""
    if not django_settings.CELERY_BROKER_URL.startswith("redis"):
        pytest.skip("needs Redis (CELERY_BROKER_URL=redis://...)")
    prefix = f"rel-{uuid.uuid4().hex}"
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": django_settings.CELERY_BROKER_URL,
            "KEY_PREFIX": prefix,
        }
    }
    rates = dict(settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], public_survey="6/min")
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}
    for _ in range(3):
        assert _api(survey).status_code == 201
    code = (
        "import django; django.setup();"
        "from surveys.services import throttle;"
        "[throttle.throttle_hit(scope='public_survey', ident='127.0.0.1') for _ in range(3)]"
    )
    env = dict(
        os.environ,
        DJANGO_SETTINGS_MODULE="cxhub.settings",
        REDIS_URL=django_settings.CELERY_BROKER_URL,
        CX_CACHE_PREFIX=prefix,
        CX_PUBLIC_SURVEY_RATE="6/min",
    )
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, check=True, timeout=60)
    assert _api(survey).status_code == 429
    from django.core.cache import cache

    cache.clear()


def test_repeated_wrong_passwords_are_throttled_without_revealing_the_account(db):
    victim = factories.make_manager(username="victim")
    other = factories.make_manager(username="bystander")
    statuses = []
    for _ in range(20):
        response = Client().post(
            "/accounts/login/", {"username": "victim", "password": "wrong"}, REMOTE_ADDR="10.1.1.1"
        )
        statuses.append(response.status_code)
    assert statuses[0] == 200 and statuses[-1] == 429
    blocked = Client().post(
        "/accounts/login/",
        {"username": "victim", "password": "pw-test-123!"},
        REMOTE_ADDR="10.2.2.2",
    )
    assert blocked.status_code == 429, "the account itself is protected, from any address"
    assert "Too many failed sign-in attempts" in blocked.content.decode()
    ok = Client().post("/accounts/login/", {"username": other.username, "password": "pw-test-123!"})
    assert ok.status_code == 302
    # No hint whether a user exists: same page for an unknown name as for a wrong password.
    unknown = Client().post(
        "/accounts/login/", {"username": "nobody-here", "password": "x"}, REMOTE_ADDR="10.3.3.3"
    )
    known = Client().post(
        "/accounts/login/", {"username": other.username, "password": "x"}, REMOTE_ADDR="10.4.4.4"
    )
    assert unknown.status_code == known.status_code == 200

    def page_text(response, name):
        html = re.sub(r'value="[A-Za-z0-9]{64}"', "", response.content.decode())
        return html.replace(name, "")

    assert page_text(unknown, "nobody-here") == page_text(known, other.username)
    assert victim.username == "victim"


def test_kpi_reads_have_their_own_scoped_throttle(small_budget, db):
    heavy = factories.api_client(factories.make_manager())
    other = factories.api_client(factories.make_manager())
    statuses = [
        heavy.get("/api/v1/kpis/nps/series/", {"group_by": "touchpoint"}).status_code
        for _ in range(small_budget + 2)
    ]
    assert statuses[:small_budget] == [200] * small_budget
    assert statuses[-1] == 429
    assert int(heavy.get("/api/v1/kpis/nps/series/")["Retry-After"]) >= 1
    assert other.get("/api/v1/kpis/nps/series/").status_code == 200


def production_redis_backend(monkeypatch) -> str:
    """The cache backend class the settings choose when Redis is configured."""
    import importlib

    import cxhub.settings as project_settings

    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/0")
    try:
        return importlib.reload(project_settings).CACHES["default"]["BACKEND"]
    finally:
        monkeypatch.delenv("REDIS_URL")
        importlib.reload(project_settings)


@pytest.fixture
def cache_down(settings, monkeypatch):
    settings.CACHES = {
        "default": {
            "BACKEND": production_redis_backend(monkeypatch),
            # A closed loopback port: every cache call fails at once.
            "LOCATION": "redis://127.0.0.1:9/0",
            "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
        }
    }
    yield
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}


def test_with_the_cache_down_a_public_response_is_still_stored_and_the_failure_logged(
    survey, cache_down, caplog
):
    caplog.set_level(logging.WARNING)
    response = _api(survey)
    assert response.status_code == 201
    assert Response.objects.count() == 1
    assert "cache unavailable" in caplog.text


def test_with_the_cache_down_kpi_reads_do_not_answer_500(cache_down, db):
    api = factories.api_client(factories.make_manager())
    api.raise_request_exception = False
    series = api.get("/api/v1/kpis/nps/series/")
    assert series.status_code in (200, 503), f"KPI series: {series.status_code}"


def test_with_the_cache_down_the_overview_page_does_not_answer_500(cache_down, db):
    manager = factories.make_manager()
    page = Client(raise_request_exception=False)
    page.force_login(manager)
    overview = page.get("/")
    assert overview.status_code in (200, 503), f"overview page: {overview.status_code}"
