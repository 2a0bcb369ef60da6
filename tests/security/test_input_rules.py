"""RELIABILITY B8–B11: allowlisted query parameters, field rules, oversized input and NUL bytes:
a clear 400/413 naming the field, quickly, never a 500, nothing written."""

from __future__ import annotations

import json
import time

import pytest
from django.conf import settings
from django.test import Client
from rest_framework.test import APIClient

from journeys.models import Customer, JourneyEvent, Touchpoint
from surveys.models import Answer, Response
from tests import factories
from tests.surveys.factories import make_survey
from tickets.models import Message, Ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def rated_survey(db):
    return make_survey(
        slug="rules",
        questions=[
            {"key": "nps", "type": "nps", "text": "?"},
            {"key": "ces", "type": "ces", "text": "?"},
            {"key": "stars", "type": "rating", "text": "?", "scale": 5},
            {"key": "csat", "type": "csat", "text": "?", "scale": 5},
            {"key": "comment", "type": "text", "text": "?"},
        ],
    )


def _counts():
    return (
        Response.objects.count(),
        Answer.objects.count(),
        Customer.objects.count(),
        Ticket.objects.count(),
        JourneyEvent.objects.count(),
    )


def _submit(survey, body, client=None):
    return (client or APIClient()).post(
        f"/api/v1/surveys/{survey.slug}/responses/", body, format="json"
    )


# --- B8: allowlists ------------------------------------------------------------------------------

INJECTIONS = [
    ("granularity", "day'; select pg_sleep(5)--"),
    ("granularity", "second"),
    ("group_by", "customer__email"),
    ("group_by", "touchpoint__department__members__password"),
    ("order_by", "-customer__email"),
    ("customer__email__startswith", "a"),
    ("touchpoint", "x' OR '1'='1"),
]


@pytest.mark.parametrize(("name", "value"), INJECTIONS)
def test_kpi_series_refuses_parameters_outside_the_allowlist_quickly(name, value, manager):
    client = factories.api_client(manager)
    started = time.monotonic()
    response = client.get("/api/v1/kpis/nps/series/", {name: value})
    assert time.monotonic() - started < 5
    assert response.status_code == 400
    assert name in response.json()


@pytest.mark.parametrize(
    ("path", "name", "value"),
    [
        ("/api/v1/tickets/", "order_by", "customer__email"),
        ("/api/v1/tickets/", "status", "open' --"),
        ("/api/v1/responses/", "order_by", "customer__email"),
        ("/api/v1/responses/", "score_group", "x'"),
        ("/api/v1/kpis/nps/summary/", "compare", "everything"),
    ],
)
def test_lists_refuse_unknown_sort_keys_and_filters(path, name, value, admin_user):
    response = factories.api_client(admin_user).get(path, {name: value})
    assert response.status_code == 400
    assert name in response.json()


@pytest.mark.parametrize(
    "query",
    [
        {"granularity": "day'; select pg_sleep(5)--"},
        {"start": "2026-13-01"},
        {"touchpoint": "x' OR '1'='1"},
    ],
)
def test_dashboards_refuse_bad_parameters_with_400(query, admin_user):
    client = Client()
    client.force_login(admin_user)
    started = time.monotonic()
    response = client.get("/dashboards/touchpoints/", query)
    assert time.monotonic() - started < 5
    assert response.status_code == 400


# --- B9: field rules ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("answers", "field"),
    [
        ({"nps": 11}, "nps"),
        ({"nps": -1}, "nps"),
        ({"nps": 7.5}, "nps"),
        ({"nps": "7"}, "nps"),
        ({"nps": True}, "nps"),
        ({"ces": 0}, "ces"),
        ({"ces": 8}, "ces"),
        ({"stars": 6}, "stars"),
        ({"csat": 6}, "csat"),
        ({"unknown": 3}, "unknown"),
        ({"comment": 5}, "comment"),
    ],
)
def test_answer_rules_give_400_naming_the_question_and_write_nothing(answers, field, rated_survey):
    before = _counts()
    response = _submit(rated_survey, {"answers": {"nps": 5, **answers}, "customer": "c-rules"})
    assert response.status_code == 400, response.content
    assert field in json.dumps(response.json())
    assert _counts() == before


def test_a_null_required_looking_answer_is_skipped_or_refused_never_stored_as_zero(rated_survey):
    response = _submit(rated_survey, {"answers": {"nps": None}})
    assert response.status_code in (201, 400)
    assert not Answer.objects.filter(number=0).exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"answers": {"nps": 5}, "channel": "carrier-pigeon"}, "channel"),
        ({"answers": {"nps": 5}, "submitted_at": "yesterday"}, "submitted_at"),
        ({"answers": [5]}, "answers"),
        ({"answers": {"nps": 5}, "surprise": 1}, "surprise"),
    ],
)
def test_response_envelope_rules_name_the_field(body, field, rated_survey):
    before = _counts()
    response = _submit(rated_survey, body)
    assert response.status_code == 400
    assert field in response.json()
    assert _counts() == before


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"start": "2026-02-30"}, "start"),
        ({"end": "01/02/2026"}, "end"),
        ({"start": "2026-03-01", "end": "2026-02-01"}, "end"),
        ({"start": "2000-01-01", "end": "2020-01-01"}, "end"),
    ],
)
def test_kpi_dates_are_checked(query, field, manager):
    response = factories.api_client(manager).get("/api/v1/kpis/nps/series/", query)
    assert response.status_code == 400
    assert field in response.json()


# --- B10: oversized input ------------------------------------------------------------------------


def test_a_body_over_the_upload_limit_is_refused_quickly(rated_survey):
    size = settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1024
    body = json.dumps({"answers": {"comment": "x" * size}})
    started = time.monotonic()
    response = APIClient().post(
        f"/api/v1/surveys/{rated_survey.slug}/responses/", body, content_type="application/json"
    )
    assert time.monotonic() - started < 5
    assert response.status_code in (400, 413)
    assert Response.objects.count() == 0


def test_ten_thousand_answer_keys_are_refused(rated_survey):
    answers = {f"k{i}": 1 for i in range(10_000)}
    response = _submit(rated_survey, {"answers": answers})
    assert response.status_code in (400, 413)
    assert Response.objects.count() == 0


def test_a_one_megabyte_comment_is_refused_with_the_field_named(rated_survey):
    response = _submit(rated_survey, {"answers": {"nps": 5, "comment": "y" * 1_000_000}})
    assert response.status_code == 400
    assert "comment" in json.dumps(response.json())
    assert Response.objects.count() == 0


def test_json_nested_ten_thousand_deep_is_a_400_not_a_crash(rated_survey, admin_user):
    deep = "[" * 10_000 + "]" * 10_000
    for path in (f"/api/v1/surveys/{rated_survey.slug}/responses/", "/api/v1/journey-events/"):
        client = factories.api_client(admin_user)
        response = client.generic("POST", path, '{"answers": ' + deep + "}", "application/json")
        assert response.status_code == 400, (path, response.status_code)


def test_a_hundred_thousand_journey_events_in_one_post_are_refused_quickly(admin_user):
    event = {
        "customer": "c",
        "journey": "j",
        "stage": "s",
        "touchpoint": "t",
        "type": "reached",
        "occurred_at": "2026-01-01T00:00:00Z",
    }
    body = json.dumps([event] * 100_000)
    started = time.monotonic()
    response = factories.api_client(admin_user).generic(
        "POST", "/api/v1/journey-events/", body, "application/json"
    )
    assert time.monotonic() - started < 10
    assert response.status_code in (400, 413)
    assert JourneyEvent.objects.count() == 0


def test_too_many_form_fields_on_the_public_page_are_a_400(rated_survey):
    data = {f"q_{i}": "1" for i in range(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 10)}
    response = Client(raise_request_exception=False).post(f"/s/{rated_survey.slug}/", data)
    assert response.status_code == 400
    assert Response.objects.count() == 0


# --- B11: NUL bytes and unusual characters -------------------------------------------------------


def test_nul_bytes_are_refused_with_400_on_every_write(rated_survey, admin_user):
    client = factories.api_client(admin_user)
    touchpoint = factories.make_touchpoint()
    ticket_body = {"customer": "c-nul", "channel": "web", "touchpoint": touchpoint.slug}
    before = _counts()
    cases = [
        ("/api/v1/tickets/", {**ticket_body, "subject": "bad\x00subject"}, "subject"),
        ("/api/v1/tickets/", {**ticket_body, "subject": "ok", "body": "a\x00b"}, "body"),
        ("/api/v1/tickets/", {**ticket_body, "subject": "ok", "customer": "c\x00"}, "customer"),
        ("/api/v1/customers/", {"external_id": "c-nul2", "name": "A\x00B"}, "name"),
        ("/api/v1/touchpoints/", {"slug": "nul-tp", "name": "N\x00", "channel": "web"}, "name"),
        ("/api/v1/personas/", {"slug": "nul-persona", "name": "P\x00"}, "name"),
        (
            f"/api/v1/surveys/{rated_survey.slug}/responses/",
            {"answers": {"nps": 5, "comment": "x\x00y"}},
            "comment",
        ),
    ]
    for path, body, field in cases:
        response = client.post(path, body, format="json")
        assert response.status_code == 400, (path, response.status_code, response.content[:200])
        assert field in json.dumps(response.json()), (path, response.json())
    assert _counts() == before
    assert not Touchpoint.objects.filter(slug="nul-tp").exists()


def test_nul_bytes_in_forms_are_a_400(rated_survey, admin_user):
    public = Client().post(f"/s/{rated_survey.slug}/", {"q_nps": "5", "q_comment": "a\x00b"})
    assert public.status_code == 400
    assert Response.objects.count() == 0


def test_a_nul_byte_in_a_ticket_message_is_refused(admin_user):
    from tests.tickets.factories import make_ticket

    ticket = make_ticket()
    before = Message.objects.count()
    response = factories.api_client(admin_user).post(
        f"/api/v1/tickets/{ticket.pk}/messages/", {"kind": "reply", "body": "a\x00b"}, format="json"
    )
    assert response.status_code == 400 and "body" in response.json()
    assert Message.objects.count() == before


UNUSUAL = "Zoë 👩🏽‍💻 \u202eשלום\u202c 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 \u200f末尾"


def test_emoji_rtl_marks_and_four_byte_characters_are_stored_and_shown_unchanged(
    rated_survey, admin_user
):
    response = _submit(rated_survey, {"answers": {"nps": 9, "comment": UNUSUAL}})
    assert response.status_code == 201
    assert Answer.objects.get(question__key="comment").text == UNUSUAL
    touchpoint = factories.make_touchpoint()
    created = factories.api_client(admin_user).post(
        "/api/v1/tickets/",
        {"subject": UNUSUAL, "customer": "c-uni", "channel": "web", "touchpoint": touchpoint.slug},
        format="json",
    )
    assert created.status_code == 201
    ticket = Ticket.objects.get(pk=created.json()["id"])
    assert ticket.subject == UNUSUAL
    page = Client()
    page.force_login(admin_user)
    assert UNUSUAL in page.get(f"/tickets/{ticket.pk}/").content.decode()
