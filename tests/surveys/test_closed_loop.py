"""Post-ticket CSAT invitations and closed-loop follow-up tickets."""

from __future__ import annotations

import pytest

from surveys import services
from surveys.models import FollowUp, Invitation, Response
from tests import factories
from tests.surveys.factories import make_survey
from tickets import services as ticket_services
from tickets.models import Ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def follow_ups(settings, django_capture_on_commit_callbacks):
    """Follow-ups are opened by a task queued on commit: run it in-process when the test's
    transaction would have committed."""
    settings.CELERY_TASK_ALWAYS_EAGER = True
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def setup():
    department = factories.make_department()
    touchpoint = factories.make_touchpoint(department=department)
    survey = make_survey(
        touchpoint=touchpoint,
        is_post_ticket=True,
        post_ticket_delay_minutes=30,
        questions=[
            {"key": "csat", "type": "csat", "text": "How satisfied?", "required": True},
            {"key": "comment", "type": "text", "text": "Tell us more"},
        ],
    )
    customer = factories.make_customer(email="t@example.com")
    agent = factories.make_agent(departments=[department])
    ticket = ticket_services.ticket_create(
        subject="Where is my parcel?",
        customer=customer,
        channel=factories.channel("email"),
        touchpoint=touchpoint,
        body="Help",
    )
    return survey, ticket, agent


def _resolve(ticket, agent, capture):
    with capture(execute=True):
        ticket_services.ticket_transition(ticket=ticket, status="resolved", actor=agent)


def test_resolved_ticket_creates_exactly_one_csat_invitation(
    setup, django_capture_on_commit_callbacks
):
    survey, ticket, agent = setup
    _resolve(ticket, agent, django_capture_on_commit_callbacks)
    invitation = Invitation.objects.get(ticket=ticket)
    assert invitation.survey == survey and invitation.status == "pending"
    delay = (invitation.send_after - ticket.status_changes.last().at).total_seconds()
    assert delay == 30 * 60
    # The same signal delivered again (a retry) changes nothing.
    services.invitation_for_resolved_ticket(ticket_id=ticket.pk, at=invitation.send_after)
    assert Invitation.objects.filter(ticket=ticket).count() == 1


def test_reopen_cancels_the_unanswered_invitation(setup, django_capture_on_commit_callbacks):
    _survey, ticket, agent = setup
    _resolve(ticket, agent, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        ticket_services.ticket_transition(ticket=ticket, status="open", actor=agent)
    assert Invitation.objects.get(ticket=ticket).status == "cancelled"
    _resolve(ticket, agent, django_capture_on_commit_callbacks)
    assert Invitation.objects.filter(ticket=ticket).exclude(status="cancelled").count() == 1


def test_touchpoint_without_post_ticket_survey_is_skipped(django_capture_on_commit_callbacks):
    touchpoint = factories.make_touchpoint()
    ticket = ticket_services.ticket_create(
        subject="Hi",
        customer=factories.make_customer(),
        channel=factories.channel("web"),
        touchpoint=touchpoint,
    )
    with django_capture_on_commit_callbacks(execute=True):
        ticket_services.ticket_transition(ticket=ticket, status="resolved")
    assert not Invitation.objects.exists()


def test_csat_response_records_ticket_agent_and_team(setup, django_capture_on_commit_callbacks):
    survey, ticket, agent = setup
    _resolve(ticket, agent, django_capture_on_commit_callbacks)
    invitation = Invitation.objects.get(ticket=ticket)
    response = services.response_submit(
        survey=survey, answers={"csat": 5}, invitation_token=invitation.token
    )
    assert response.ticket == ticket
    assert response.resolved_by == agent
    assert response.resolved_department == ticket.department
    # Answered: a reopen no longer cancels it.
    with django_capture_on_commit_callbacks(execute=True):
        ticket_services.ticket_transition(ticket=ticket, status="open", actor=agent)
    invitation.refresh_from_db()
    assert invitation.status != "cancelled"


def test_detractor_opens_exactly_one_follow_up_ticket(follow_ups, manager):
    department = factories.make_department()
    touchpoint = factories.make_touchpoint(department=department)
    survey = make_survey(touchpoint=touchpoint, name="Delivery NPS")
    before = Ticket.objects.count()
    with follow_ups() as queued:
        reply = factories.api_client().post(
            f"/api/v1/surveys/{survey.slug}/responses/",
            {"answers": {"nps": 2, "comment": "<b>Late</b> again"}, "customer": "angry-1"},
            format="json",
        )
        # Nothing is opened inside the request: the ticket waits for the commit.
        assert Ticket.objects.count() == before
    assert reply.status_code == 201
    assert len(queued) == 1
    assert Ticket.objects.count() == before + 1
    follow_up = FollowUp.objects.get()
    ticket = follow_up.ticket
    assert follow_up.response_id == reply.json()["id"]
    assert ticket.priority == "high"
    assert ticket.department == department
    assert "Delivery NPS" in ticket.subject
    assert "<b>Late</b> again" in ticket.messages.first().body
    detail = factories.api_client(manager).get(f"/api/v1/responses/{reply.json()['id']}/")
    assert detail.json()["follow_up"]["ticket"] == ticket.reference
    # The rule does not fire again for the same response.
    response = Response.objects.get()
    assert services.follow_up_for_response(response=response, answers=[]) == follow_up
    assert Ticket.objects.count() == before + 1


@pytest.mark.parametrize(
    ("answers", "expected"),
    [
        ({"nps": 7}, False),
        ({"nps": 6}, True),
        ({"nps": 9, "comment": "great"}, False),
    ],
)
def test_follow_up_rule(answers, expected, follow_ups):
    survey = make_survey()
    with follow_ups():
        services.response_submit(survey=survey, answers=answers, customer_ref="c-rule")
    assert FollowUp.objects.exists() is expected


def test_csat_bottom_points_and_low_effort_comment_open_follow_ups(follow_ups):
    survey = make_survey(
        questions=[
            {"key": "csat", "type": "csat", "text": "Satisfied?", "scale": 7},
            {"key": "ces", "type": "ces", "text": "Easy?"},
            {"key": "comment", "type": "text", "text": "Why?"},
        ]
    )
    with follow_ups():
        services.response_submit(survey=survey, answers={"csat": 2}, customer_ref="a")
        services.response_submit(survey=survey, answers={"csat": 3}, customer_ref="b")
        services.response_submit(
            survey=survey, answers={"ces": 2, "comment": "hard"}, customer_ref="c"
        )
        services.response_submit(survey=survey, answers={"ces": 2}, customer_ref="d")
    reasons = sorted(FollowUp.objects.values_list("response__customer__external_id", flat=True))
    assert reasons == ["a", "c"]


def test_anonymous_detractor_gets_no_ticket_but_is_stored(follow_ups):
    survey = make_survey()
    with follow_ups() as queued:
        services.response_submit(survey=survey, answers={"nps": 0})
    assert queued == []
    assert Response.objects.count() == 1
    assert not FollowUp.objects.exists()


def test_manager_sees_closed_loop_status_on_the_response_page(client, manager, follow_ups):
    survey = make_survey()
    with follow_ups():
        response = services.response_submit(survey=survey, answers={"nps": 1}, customer_ref="x-1")
    response = Response.objects.get(pk=response.pk)
    client.force_login(manager)
    page = client.get(f"/surveys/responses/{response.pk}/")
    assert page.status_code == 200
    assert "Follow-up open" in page.content.decode()
    assert response.follow_up.ticket.reference in page.content.decode()
