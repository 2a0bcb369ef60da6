"""RELIABILITY B13 / F11: Schemathesis generates requests for every operation of /api/v1/schema/
and sends them, with an administrator's token, through the WSGI app: no 5xx, and every response
matches the schema (body, content type, documented status codes).

Examples per operation: CX_FUZZ_EXAMPLES, default 200 on CI (the CI environment variable is set)
and 10 locally; each operation's run is also capped in time by Hypothesis' own limits."""

from __future__ import annotations

import os

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given, settings
from rest_framework.authtoken.models import Token
from schemathesis import checks as st_checks
from schemathesis.specs.openapi import checks as openapi_checks

from cxhub.wsgi import application
from tests import factories

pytestmark = pytest.mark.django_db

EXAMPLES = int(os.environ.get("CX_FUZZ_EXAMPLES", "200" if os.environ.get("CI") else "10"))


@pytest.fixture
def _keep_test_connection():
    """As Django's test client does: the WSGI app must not close the test's DB connection at the
    end of each request."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def admin_token(db, settings, monkeypatch, _keep_test_connection) -> str:
    from rest_framework.throttling import SimpleRateThrottle

    rates = dict(settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], kpi="100000/min")
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", rates)
    settings.DEBUG = False
    admin = factories.make_admin()
    factories.make_touchpoint(slug="checkout")
    factories.make_customer(external_id="c-1")
    return Token.objects.create(user=admin).key


@pytest.fixture
def api_schema(admin_token):
    return schemathesis.openapi.from_wsgi(
        "/api/v1/schema/?format=json",
        application,
        headers={"Authorization": f"Token {admin_token}"},
    )


NO_500_AND_SHAPES = (
    st_checks.not_a_server_error,
    openapi_checks.response_schema_conformance,
    openapi_checks.content_type_conformance,
)


def _summary(error: BaseException) -> str:
    parts = getattr(error, "exceptions", None) or [error]
    lines = []
    for part in parts:
        text = " ".join(str(part).split())
        lines.append(text[:300])
    return " | ".join(lines)


def _fuzz(api_schema, token: str, checks, examples: int) -> list[str]:
    """Every operation, `examples` generated cases each; returns one line per failing operation.
    (A plain loop: schemathesis' pytest plugin does not run under pytest 9.)"""
    failures = []
    for result in api_schema.get_all_operations():
        operation = result.ok()

        @given(case=operation.as_strategy())
        @settings(
            max_examples=examples,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            derandomize=True,
            database=None,
            phases=[Phase.explicit, Phase.generate],
        )
        def run(case):
            case.call_and_validate(headers={"Authorization": f"Token {token}"}, checks=checks)

        try:
            run()
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException as error:  # schemathesis reports a failure group
            failures.append(f"{operation.label}: {_summary(error)}")
    return failures


def test_no_operation_answers_5xx_or_outside_its_schema(api_schema, admin_token):
    failures = _fuzz(api_schema, admin_token, NO_500_AND_SHAPES, EXAMPLES)
    assert failures == [], "\n\n".join(failures)


def test_every_status_code_an_operation_answers_is_documented(api_schema, admin_token):
    checks = (openapi_checks.status_code_conformance,)
    failures = _fuzz(api_schema, admin_token, checks, 5)
    assert failures == [], "\n\n".join(failures)
