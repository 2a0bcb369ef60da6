"""Source rows built directly with the ORM (the other apps' services are a moving target), so every
KPI test states exactly which rows exist."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime

from journeys.models import Journey, JourneyEvent, Stage
from surveys.models import Answer, FollowUp, Invitation, Question, Response, Survey
from tests import factories
from tickets.models import Category, Message, SlaPolicy, StatusChange, Ticket

_seq = itertools.count(1)


def at(day: str, hour: int = 12, minute: int = 0) -> datetime:
    """An aware UTC instant on an ISO day."""
    return datetime.fromisoformat(day).replace(hour=hour, minute=minute, tzinfo=UTC)


def make_survey(touchpoint=None, **overrides) -> Survey:
    number = next(_seq)
    data = {"slug": f"survey-{number}", "name": f"Survey {number}"}
    data.update(overrides)
    data["touchpoint"] = touchpoint or factories.make_touchpoint()
    return Survey.objects.create(**data)


def make_question(survey: Survey, key: str, type: str, **overrides) -> Question:
    return Question.objects.create(survey=survey, key=key, type=type, **overrides)


def make_response(
    survey: Survey,
    submitted_at: datetime,
    *,
    nps: int | None = None,
    csat: int | None = None,
    csat_scale: int | None = None,
    ces: int | None = None,
    customer=None,
    channel=None,
    **overrides,
) -> Response:
    return Response.objects.create(
        survey=survey,
        touchpoint=overrides.pop("touchpoint", survey.touchpoint),
        submitted_at=submitted_at,
        nps_score=nps,
        csat_score=csat,
        csat_scale=csat_scale if csat is not None else None,
        ces_score=ces,
        customer=customer,
        channel=channel,
        **overrides,
    )


def make_answer(response: Response, question: Question, number=None, text: str = "") -> Answer:
    return Answer.objects.create(response=response, question=question, number=number, text=text)


def make_category(slug: str = "billing") -> Category:
    return Category.objects.get_or_create(slug=slug, defaults={"name": slug.title()})[0]


def make_ticket(
    touchpoint,
    created_at: datetime,
    *,
    customer=None,
    status: str = "open",
    **fields,
) -> Ticket:
    number = next(_seq)
    return Ticket.objects.create(
        reference=f"MT-{number}",
        subject=f"Ticket {number}",
        customer=customer or factories.make_customer(),
        channel=fields.pop("channel", touchpoint.channel),
        touchpoint=touchpoint,
        created_at=created_at,
        status=status,
        **fields,
    )


def make_status_change(
    ticket: Ticket, from_status: str, to_status: str, at_time: datetime
) -> StatusChange:
    return StatusChange.objects.create(
        ticket=ticket, from_status=from_status, to_status=to_status, at=at_time
    )


def make_sla_policy(priority: str = "normal") -> SlaPolicy:
    return SlaPolicy.objects.create(
        name=f"SLA {priority} {next(_seq)}",
        priority=priority,
        first_response_minutes=60,
        resolution_minutes=480,
        is_active=False,
    )


def make_message(ticket: Ticket, kind: str, created_at: datetime) -> Message:
    return Message.objects.create(ticket=ticket, kind=kind, body="hello", created_at=created_at)


def make_invitation(
    survey: Survey, sent_at: datetime | None, *, status: str = "sent", customer=None, **fields
) -> Invitation:
    return Invitation.objects.create(
        survey=survey,
        customer=customer or factories.make_customer(),
        status=status,
        sent_at=sent_at,
        **fields,
    )


def make_follow_up(response: Response, ticket: Ticket) -> FollowUp:
    return FollowUp.objects.create(response=response, ticket=ticket)


def make_journey(stage_count: int = 3, **overrides) -> tuple[Journey, list[Stage]]:
    number = next(_seq)
    data = {"slug": f"journey-{number}", "name": f"Journey {number}"}
    data.update(overrides)
    journey = Journey.objects.create(**data)
    stages = [
        Stage.objects.create(journey=journey, slug=f"stage-{i}", name=f"Stage {i}", order=i)
        for i in range(stage_count)
    ]
    return journey, stages


def make_event(
    customer, journey, stage, touchpoint, occurred_at: datetime, type: str = "reached"
) -> JourneyEvent:
    return JourneyEvent.objects.create(
        customer=customer,
        journey=journey,
        stage=stage,
        touchpoint=touchpoint,
        channel=touchpoint.channel,
        type=type,
        occurred_at=occurred_at,
    )
