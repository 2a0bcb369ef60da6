"""RELIABILITY D1, D2, D4, D7, D8, D9, D11: nothing partial, one response per token, protected
history, timestamps, and constraints that live in the database itself."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from rest_framework.test import APIClient

from journeys.models import Customer
from surveys.models import Answer, Invitation, Response, Survey
from tests import factories
from tests.surveys.factories import make_invitation, make_survey
from tests.tickets.factories import make_ticket

pytestmark = pytest.mark.django_db

FIVE = [
    {"key": "nps", "type": "nps", "text": "?"},
    {"key": "csat", "type": "csat", "text": "?", "scale": 5},
    {"key": "ces", "type": "ces", "text": "?"},
    {"key": "stars", "type": "rating", "text": "?", "scale": 5},
    {"key": "comment", "type": "text", "text": "?"},
]


def _post(survey, body, client=None):
    return (client or APIClient()).post(
        f"/api/v1/surveys/{survey.slug}/responses/", body, format="json"
    )


def test_one_invalid_answer_among_five_writes_no_response_answer_or_customer():
    survey = make_survey(questions=FIVE)
    before = (Response.objects.count(), Answer.objects.count(), Customer.objects.count())
    reply = _post(
        survey,
        {
            "answers": {"nps": 9, "csat": 4, "ces": 6, "stars": 9, "comment": "great"},
            "customer": "c-brand-new",
        },
    )
    assert reply.status_code == 400
    assert "stars" in reply.json()["answers"]
    assert (Response.objects.count(), Answer.objects.count(), Customer.objects.count()) == before
    assert not Customer.objects.filter(external_id="c-brand-new").exists()


def test_a_token_sent_twice_gives_409_and_keeps_the_first_response_unchanged():
    survey = make_survey()
    invitation = make_invitation(survey=survey, deliver=False)
    first = _post(
        survey, {"answers": {"nps": 9, "comment": "first"}, "invitation": invitation.token}
    )
    assert first.status_code == 201
    stored = Response.objects.get(invitation=invitation)
    snapshot = {f.name: getattr(stored, f.attname) for f in Response._meta.concrete_fields}
    answers = list(stored.answers.values_list("question__key", "number", "text"))
    second = _post(
        survey, {"answers": {"nps": 0, "comment": "second"}, "invitation": invitation.token}
    )
    assert second.status_code == 409
    assert list(second.json()) == ["detail"]
    stored.refresh_from_db()
    assert {f.name: getattr(stored, f.attname) for f in Response._meta.concrete_fields} == snapshot
    assert list(stored.answers.values_list("question__key", "number", "text")) == answers
    assert Response.objects.filter(survey=survey).count() == 1


def test_the_database_refuses_a_second_response_for_one_invitation():
    survey = make_survey()
    invitation = make_invitation(survey=survey, deliver=False)
    base = {"survey": survey, "touchpoint": survey.touchpoint, "invitation": invitation}
    Response.objects.create(**base)
    with pytest.raises(IntegrityError), transaction.atomic():
        Response.objects.create(**base)


@pytest.mark.parametrize("token", [None, "", "missing"])
def test_an_invitation_only_survey_refuses_responses_without_a_live_token(token):
    survey = make_survey(invitation_only=True)
    body = {"answers": {"nps": 5}}
    if token != "missing":
        body["invitation"] = token
    reply = _post(survey, body)
    assert reply.status_code in (400, 403, 404)
    assert Response.objects.filter(survey=survey).count() == 0
    page = APIClient().post(f"/s/{survey.slug}/", {"q_nps": "5"})
    assert page.status_code == 403
    assert Response.objects.filter(survey=survey).count() == 0


def test_a_retry_without_a_token_is_a_second_response_as_documented():
    """D7: without an invitation token a retried POST is a new response (PRODUCT.md names the
    token as the way to make submissions idempotent); with one, the retry is a safe 409."""
    survey = make_survey()
    assert _post(survey, {"answers": {"nps": 5}}).status_code == 201
    assert _post(survey, {"answers": {"nps": 5}}).status_code == 201
    assert Response.objects.filter(survey=survey).count() == 2
    invitation = make_invitation(survey=survey, deliver=False)
    body = {"answers": {"nps": 5}, "invitation": invitation.token}
    assert [_post(survey, body).status_code for _ in range(2)] == [201, 409]


def test_an_importers_future_submitted_at_is_refused_naming_the_field():
    survey = make_survey()
    admin = factories.api_client(factories.make_admin())
    future = (timezone.now() + timedelta(days=2)).isoformat()
    reply = _post(survey, {"answers": {"nps": 5}, "submitted_at": future}, client=admin)
    assert reply.status_code == 400
    assert Response.objects.filter(survey=survey).count() == 0
    assert "submitted_at" in reply.json()


def test_an_importers_naive_submitted_at_is_read_in_the_organisations_zone():
    """D8 allows normalising: DRF reads a naive time in settings.TIME_ZONE and stores UTC.
    (A time before the survey's creation is allowed: history is imported into new surveys.)"""
    from zoneinfo import ZoneInfo

    from django.utils.dateparse import parse_datetime

    survey = make_survey()
    admin = factories.api_client(factories.make_admin())
    reply = _post(
        survey, {"answers": {"nps": 5}, "submitted_at": "2026-01-05T10:00:00"}, client=admin
    )
    assert reply.status_code == 201
    stored = Response.objects.get(pk=reply.json()["id"]).submitted_at
    wanted = parse_datetime("2026-01-05T10:00:00").replace(tzinfo=ZoneInfo(settings.TIME_ZONE))
    assert stored == wanted


def test_an_importers_past_submitted_at_is_kept_in_utc():
    survey = make_survey()
    Survey.objects.filter(pk=survey.pk).update(created_at=timezone.now() - timedelta(days=400))
    admin = factories.api_client(factories.make_admin())
    reply = _post(
        survey, {"answers": {"nps": 5}, "submitted_at": "2026-01-05T17:00:00+07:00"}, client=admin
    )
    assert reply.status_code == 201, reply.content
    stored = Response.objects.get(pk=reply.json()["id"])
    assert stored.submitted_at.isoformat().startswith("2026-01-05T10:00:00")


def test_deleting_referenced_touchpoints_surveys_and_customers_is_a_conflict():
    survey = make_survey()
    customer = factories.make_customer()
    admin = factories.api_client(factories.make_admin())
    assert (
        _post(survey, {"answers": {"nps": 5}, "customer": customer.external_id}).status_code == 201
    )
    ticket_customer = factories.make_customer()
    make_ticket(customer=ticket_customer)
    for path in (
        f"/api/v1/touchpoints/{survey.touchpoint.slug}/",
        f"/api/v1/surveys/{survey.slug}/",
        f"/api/v1/customers/{customer.external_id}/",
        f"/api/v1/customers/{ticket_customer.external_id}/",
    ):
        reply = admin.delete(path)
        assert reply.status_code == 409, (path, reply.status_code)
        assert "detail" in reply.json()
    assert Response.objects.filter(survey=survey).count() == 1
    assert Customer.objects.filter(pk__in=[customer.pk, ticket_customer.pk]).count() == 2


def test_migrations_are_complete():
    out = StringIO()
    call_command("makemigrations", "--check", "--dry-run", stdout=out, stderr=out)


EXPECTED_CONSTRAINTS = {
    "question_key_unique_in_survey",
    "response_nps_range",
    "response_csat_range",
    "response_ces_range",
    "answer_once_per_question",
    "one_live_invitation_per_ticket",
    "invitation_token_unique",
    "customer_churn_after_active",
    "stage_slug_unique_in_journey",
    "stage_touchpoint_unique",
    "one_target_per_kpi_touchpoint",
    "one_open_alert_per_target_kind",
    "response_daily_key",
    "ticket_daily_key",
}


@pytest.mark.skipif(not settings.IS_POSTGRES, reason="pg_constraint is PostgreSQL's catalogue")
def test_key_constraints_exist_in_postgresql():
    with connection.cursor() as cursor:
        cursor.execute("SELECT conname FROM pg_constraint")
        names = {row[0] for row in cursor.fetchall()}
        # Partial unique constraints are unique indexes, not pg_constraint rows.
        cursor.execute("SELECT indexname FROM pg_indexes WHERE schemaname = 'public'")
        names |= {row[0] for row in cursor.fetchall()}
    assert EXPECTED_CONSTRAINTS - names == set()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid "
            "WHERE t.relname = 'surveys_response' AND c.contype = 'u'"
        )
        assert cursor.fetchone()[0] >= 1, "surveys_response.invitation_id is unique in the database"
        cursor.execute(
            "SELECT count(*) FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid "
            "WHERE t.relname = 'journeys_customer' AND c.contype = 'u'"
        )
        assert cursor.fetchone()[0] >= 1, "journeys_customer.external_id is unique"
        # The token is unique by constraint: no LIKE-pattern twin index to keep on every insert.
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE tablename = 'surveys_invitation' "
            "AND indexdef LIKE '%%pattern_ops%%'"
        )
        assert cursor.fetchall() == []


def test_two_invitations_cannot_share_a_token():
    survey = make_survey(slug="token-check")
    first = make_invitation(survey=survey, deliver=False)
    second = make_invitation(
        survey=survey, customer=factories.make_customer(email="other@example.com"), deliver=False
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        Invitation.objects.filter(pk=second.pk).update(token=first.token)
    assert Invitation.objects.get(pk=second.pk).token != first.token
