"""A small organisation for dashboard tests: rows built with the ORM (timings set directly), then
one KPI recompute so the pages read real rollups."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from django.utils import timezone

from journeys.models import Journey, JourneyEvent, Stage, StageTouchpoint, Touchpoint
from surveys.models import Answer, Invitation, Question, Response, Survey
from tests import factories
from tickets.models import Category, Ticket

_seq = itertools.count(1)


def days_ago(days: int, hour: int = 11) -> datetime:
    day = timezone.localdate() - timedelta(days=days)
    return timezone.make_aware(datetime.combine(day, time(hour, 0)))


@dataclass
class Org:
    touchpoints: list[Touchpoint] = field(default_factory=list)
    surveys: list[Survey] = field(default_factory=list)
    questions: dict[int, dict[str, Question]] = field(default_factory=dict)
    categories: list[Category] = field(default_factory=list)
    journey: Journey | None = None
    stages: list[Stage] = field(default_factory=list)


def make_org(*, touchpoint_names: list[str] | None = None) -> Org:
    org = Org()
    persona = factories.make_persona(slug=f"persona-{next(_seq)}")
    for index, name in enumerate(touchpoint_names or ["Checkout page", "Help desk"]):
        touchpoint = factories.make_touchpoint(
            name=name, slug=f"tp-{next(_seq)}", channel="web" if index == 0 else "phone"
        )
        survey = Survey.objects.create(
            slug=f"survey-{next(_seq)}", name=f"Survey about {name}", touchpoint=touchpoint
        )
        org.questions[survey.pk] = {
            "nps": Question.objects.create(survey=survey, key="nps", type="nps", order=0),
            "csat": Question.objects.create(
                survey=survey, key="csat", type="csat", scale=5, order=1
            ),
            "ces": Question.objects.create(survey=survey, key="ces", type="ces", order=2),
            "comment": Question.objects.create(survey=survey, key="comment", type="text", order=3),
        }
        org.touchpoints.append(touchpoint)
        org.surveys.append(survey)
    org.persona = persona  # type: ignore[attr-defined]
    org.categories = [
        Category.objects.get_or_create(slug=slug, defaults={"name": slug.title()})[0]
        for slug in ("payment", "delivery")
    ]
    journey = Journey.objects.create(slug=f"journey-{next(_seq)}", name="Buying online")
    org.journey = journey
    for order, touchpoint in enumerate(org.touchpoints):
        stage = Stage.objects.create(
            journey=journey, slug=f"stage-{order}", name=f"Stage {order}", order=order
        )
        StageTouchpoint.objects.create(stage=stage, touchpoint=touchpoint)
        org.stages.append(stage)
    return org


def add_responses(
    org: Org, *, per_touchpoint: int = 12, days: int = 60, comment: str = "Fine, thanks"
) -> None:
    """Responses spread over `days`, each with NPS, CSAT, CES and a comment (bulk-created)."""
    responses = []
    for survey in org.surveys:
        for index in range(per_touchpoint):
            customer = factories.make_customer(persona=org.persona)  # type: ignore[attr-defined]
            responses.append(
                Response(
                    survey=survey,
                    touchpoint=survey.touchpoint,
                    customer=customer,
                    channel=survey.touchpoint.channel,
                    submitted_at=days_ago(index * days // per_touchpoint + 1),
                    nps_score=(index * 3) % 11,
                    csat_score=1 + index % 5,
                    csat_scale=5,
                    ces_score=1 + index % 7,
                    has_comment=True,
                    language="en",
                )
            )
    Response.objects.bulk_create(responses)
    answers = []
    for response in Response.objects.filter(pk__in=[r.pk for r in responses]):
        questions = org.questions[response.survey_id]
        answers += [
            Answer(response=response, question=questions["nps"], number=response.nps_score),
            Answer(response=response, question=questions["csat"], number=response.csat_score),
            Answer(response=response, question=questions["ces"], number=response.ces_score),
            Answer(response=response, question=questions["comment"], text=comment),
        ]
    Answer.objects.bulk_create(answers)
    invitations = [
        Invitation(
            survey=survey,
            customer=factories.make_customer(),
            status="sent",
            sent_at=days_ago(index * 3 + 1),
        )
        for survey in org.surveys
        for index in range(per_touchpoint)
    ]
    Invitation.objects.bulk_create(invitations)


def add_tickets(org: Org, *, per_touchpoint: int = 8, days: int = 60, subject: str = "") -> None:
    tickets = []
    for touchpoint in org.touchpoints:
        for index in range(per_touchpoint):
            created = days_ago(index * days // per_touchpoint + 2, hour=9)
            resolved = index % 3 != 0
            tickets.append(
                Ticket(
                    reference=f"DB-{next(_seq)}",
                    subject=subject or f"Question {index}",
                    customer=factories.make_customer(),
                    channel=touchpoint.channel,
                    touchpoint=touchpoint,
                    category=org.categories[index % 2],
                    status="resolved" if resolved else "open",
                    created_at=created,
                    first_response_at=created + timedelta(hours=2),
                    frt_seconds=7200.0 + 600 * index,
                    frt_business_seconds=3600.0 + 600 * index,
                    resolved_at=created + timedelta(hours=20) if resolved else None,
                    resolution_seconds=72000.0 if resolved else None,
                    resolution_business_seconds=28800.0 if resolved else None,
                    public_reply_count=1,
                    reopened_count=1 if index % 4 == 1 else 0,
                    is_fcr=resolved and index % 4 != 1,
                    sla_first_response_breached=index % 5 == 0,
                )
            )
    Ticket.objects.bulk_create(tickets)


def add_events(org: Org, *, customers: int = 6) -> None:
    events = []
    for index in range(customers):
        customer = factories.make_customer()
        for order, stage in enumerate(org.stages):
            if order and index % 3 == 0:
                break
            touchpoint = org.touchpoints[order]
            events.append(
                JourneyEvent(
                    customer=customer,
                    journey=org.journey,
                    stage=stage,
                    touchpoint=touchpoint,
                    channel=touchpoint.channel,
                    type="reached",
                    occurred_at=days_ago(10 - order, hour=10 + index % 5),
                )
            )
    JourneyEvent.objects.bulk_create(events)


def recompute() -> None:
    from metrics.services import recompute as run

    run(full=True)


def seeded_org(**kwargs) -> Org:
    org = make_org(**kwargs)
    add_responses(org)
    add_tickets(org)
    add_events(org)
    recompute()
    return org
