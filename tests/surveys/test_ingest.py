"""Ingestion at volume: a lean single POST, batches of responses (all or nothing), and the
closed-loop follow-up moved out of the request into a task queued on commit."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext

from surveys import services, tasks
from surveys.models import Answer, FollowUp, Response
from surveys.services.response_batches import MAX_BATCH
from tests import factories
from tests.surveys.factories import make_invitation, make_survey
from tickets.models import Ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def integration():
    """A REST integration: holds surveys.add_response, so not the public throttled caller."""
    user = factories.make_user()
    user.user_permissions.add(
        Permission.objects.get(codename="add_response", content_type__app_label="surveys")
    )
    return factories.api_client(user)


@pytest.fixture
def follow_ups(settings, django_capture_on_commit_callbacks):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def survey():
    return make_survey(
        questions=[
            {"key": "nps", "type": "nps", "text": "Recommend?", "required": True},
            {"key": "csat", "type": "csat", "text": "Satisfied?", "scale": 5},
            {"key": "yes", "type": "yes_no", "text": "Solved?"},
            {"key": "comment", "type": "text", "text": "Why?"},
        ]
    )


def _url(survey) -> str:
    return f"/api/v1/surveys/{survey.slug}/responses/"


def test_single_post_answers_with_its_body_without_rereading_it(integration, survey):
    factories.make_customer(external_id="known-1")
    payload = {"answers": {"nps": 9, "csat": 4, "yes": True}, "customer": "known-1"}
    integration.post(_url(survey), payload, format="json")  # warm the permission cache
    with CaptureQueriesContext(connection) as queries:
        reply = integration.post(_url(survey), payload, format="json")
    assert reply.status_code == 201, reply.content
    body = reply.json()
    assert body["answers"] == {"nps": 9, "csat": 4, "yes": True}
    assert body["survey"] == survey.slug
    assert body["touchpoint"] == survey.touchpoint.slug
    assert body["channel"] == survey.touchpoint.channel.slug
    assert body["customer"] == "known-1"
    assert body["nps_score"] == 9 and body["follow_up"] is None
    selects = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("SELECT")]
    # Token, user's permissions (two), survey, questions, customer: nothing re-read afterwards.
    assert len(selects) <= 6, selects
    assert not any('FROM "surveys_answer"' in sql for sql in selects)


def test_a_detractor_queues_one_follow_up_that_runs_after_commit(integration, survey, follow_ups):
    with follow_ups() as queued:
        reply = integration.post(
            _url(survey), {"answers": {"nps": 3}, "customer": "sad-1"}, format="json"
        )
        assert not Ticket.objects.exists()
    assert reply.status_code == 201
    assert len(queued) == 1
    follow_up = FollowUp.objects.select_related("ticket").get()
    assert follow_up.response_id == reply.json()["id"]
    assert follow_up.ticket.priority == "high"


def test_the_follow_up_task_is_safe_to_run_twice(survey):
    response = services.response_submit(
        survey=survey, answers={"nps": 1, "comment": "Slow"}, customer_ref="twice"
    )
    first = tasks.open_follow_up(response.pk)
    second = tasks.open_follow_up(response.pk)
    assert first == second
    assert FollowUp.objects.count() == 1 and Ticket.objects.count() == 1
    assert "Slow" in Ticket.objects.get().messages.first().body


def test_the_follow_up_task_ignores_a_response_that_no_longer_exists():
    assert tasks.open_follow_up(987654) is None
    assert not Ticket.objects.exists()


def test_an_unreachable_broker_opens_the_follow_up_in_the_request(
    survey, monkeypatch, django_capture_on_commit_callbacks
):
    def broker_down(*args, **kwargs):
        raise ConnectionError("broker down")

    monkeypatch.setattr(tasks.open_follow_up, "delay", broker_down)
    with django_capture_on_commit_callbacks(execute=True):
        services.response_submit(survey=survey, answers={"nps": 0}, customer_ref="lost-1")
    assert FollowUp.objects.count() == 1


def test_a_list_stores_every_response_with_its_answers(integration, survey, follow_ups):
    items = [
        {"answers": {"nps": 10, "comment": "Great"}, "customer": "b-1"},
        {"answers": {"nps": 2}, "customer": "b-2", "channel": "app"},
        {"answers": {"nps": 7, "csat": 5, "yes": False}},
    ]
    with follow_ups() as queued:
        reply = integration.post(_url(survey), items, format="json")
    assert reply.status_code == 201, reply.content
    body = reply.json()
    assert body["created"] == 3
    stored = Response.objects.filter(pk__in=body["ids"]).order_by("pk")
    assert [r.nps_score for r in stored] == [10, 2, 7]
    assert [r.has_comment for r in stored] == [True, False, False]
    assert stored[1].channel.slug == "app" and stored[1].customer.external_id == "b-2"
    assert stored[2].customer_id is None and stored[2].csat_scale == 5
    assert Answer.objects.filter(response__in=stored).count() == 6
    assert len(queued) == 1
    assert FollowUp.objects.get().response == stored[1]


def test_a_list_costs_the_same_queries_for_two_or_forty_responses(integration, survey):
    def cost(size: int) -> int:
        items = [{"answers": {"nps": 8, "csat": 4}} for _ in range(size)]
        with CaptureQueriesContext(connection) as queries:
            reply = integration.post(_url(survey), items, format="json")
        assert reply.status_code == 201
        return len(queries.captured_queries)

    cost(1)  # warm the permission cache
    assert cost(40) == cost(2)
    assert Response.objects.count() == 43


@pytest.mark.parametrize(
    ("bad", "field"),
    [
        ({"answers": {"nps": 11}}, "answers"),
        ({"answers": {"nps": 5}, "channel": "pigeon"}, "channel"),
        ({"answers": {"nps": 5}, "colour": "red"}, "colour"),
        ({"answers": {"nps": 5}, "language": "xx"}, "language"),
        ({"answers": "nine"}, "answers"),
        ({"answers": {"nps": 5}, "invitation": "x" * 40}, "invitation"),
    ],
)
def test_a_bad_item_names_its_index_and_nothing_is_stored(integration, survey, bad, field):
    items = [{"answers": {"nps": 9}, "customer": "fresh-1"}, bad, {"answers": {"nps": 8}}]
    reply = integration.post(_url(survey), items, format="json")
    assert reply.status_code == 400, reply.content
    body = reply.json()
    assert body["index"] == 1
    assert field in body["errors"]
    assert "1" in body["detail"]
    assert not Response.objects.exists() and not Answer.objects.exists()


def test_an_empty_or_oversized_list_is_refused(integration, survey):
    reply = integration.post(_url(survey), [], format="json")
    assert reply.status_code == 400 and reply.json()["index"] == 0
    too_many = [{"answers": {"nps": 9}}] * (MAX_BATCH + 1)
    reply = integration.post(_url(survey), too_many, format="json")
    assert reply.status_code == 400
    assert reply.json()["index"] == MAX_BATCH
    assert "non_field_errors" in reply.json()["errors"]
    assert not Response.objects.exists()


def test_one_invitation_twice_in_a_list_is_a_conflict_and_nothing_is_stored(integration, survey):
    invitation = make_invitation(survey=survey)
    items = [
        {"answers": {"nps": 9}, "invitation": invitation.token},
        {"answers": {"nps": 8}, "invitation": invitation.token},
    ]
    reply = integration.post(_url(survey), items, format="json")
    assert reply.status_code == 409, reply.content
    assert not Response.objects.exists()
    invitation.refresh_from_db()
    assert invitation.responded_at is None


def test_an_invitation_answered_in_a_list_is_marked_responded(integration, survey):
    invitation = make_invitation(survey=survey)
    reply = integration.post(
        _url(survey), [{"answers": {"nps": 9}, "invitation": invitation.token}], format="json"
    )
    assert reply.status_code == 201, reply.content
    invitation.refresh_from_db()
    assert invitation.responded_at is not None
    assert Response.objects.get().customer == invitation.customer


def test_an_anonymous_list_spends_the_public_budget_per_response(survey, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
            "public_survey": "3/min",
        },
    }
    items = [{"answers": {"nps": 9}}] * 4
    reply = factories.api_client().post(_url(survey), items, format="json")
    assert reply.status_code == 429
    assert not Response.objects.exists()


def test_the_schema_documents_the_list_form(client, admin_user):
    client.force_login(admin_user)
    schema = client.get("/api/v1/schema/").content.decode()
    assert "ResponseSubmission" in schema
    assert "all together or none" in schema
