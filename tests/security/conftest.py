from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest
from django.contrib.auth import get_user_model

from journeys.models import Opportunity, StageTouchpoint
from metrics.models import KpiAlert, KpiTarget
from surveys import services as survey_services
from tests import factories
from tests.journeys.factories import make_journey
from tests.surveys.factories import make_invitation, make_survey
from tests.tickets.factories import make_category, make_ticket
from tickets import services as ticket_services


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Many users per test; the hasher's cost proves nothing about authorization."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@dataclass
class World:
    """Two departments with a touchpoint, a ticket, an agent each, and one of everything else, so
    every route has a real object to ask for."""

    dept_x: object
    dept_y: object
    touchpoint_x: object
    touchpoint_y: object
    agent_x: object
    agent_y: object
    weak: object
    admin: object
    customer: object
    ticket_x: object
    ticket_y: object
    note_y: object
    category: object
    persona: object
    survey: object
    other_survey: object
    invitation: object
    response: object
    journey: object
    stage: object
    link: object
    opportunity: object
    alert: object


@pytest.fixture
def world(db) -> World:
    dept_x = factories.make_department(slug="dept-x", name="Team X")
    dept_y = factories.make_department(slug="dept-y", name="Team Y")
    touchpoint_x = factories.make_touchpoint(department=dept_x)
    touchpoint_y = factories.make_touchpoint(department=dept_y)
    agent_x = factories.make_agent(departments=[dept_x])
    agent_y = factories.make_agent(departments=[dept_y])
    weak = factories.make_user(None, username="norole")
    admin = factories.make_admin()
    customer = factories.make_customer(email="private.person@example.com", name="Private Person")
    category = make_category()
    ticket_x = make_ticket(department=dept_x, touchpoint=touchpoint_x, body="hello from x")
    ticket_y = make_ticket(department=dept_y, touchpoint=touchpoint_y, body="hello from y")
    note_y = ticket_services.message_add(
        ticket=ticket_y, kind="note", body="internal: customer is difficult", author=agent_y
    )
    persona = factories.make_persona()
    survey = make_survey(touchpoint=touchpoint_x)
    other_survey = make_survey(touchpoint=touchpoint_y)
    invitation = make_invitation(survey=survey, deliver=False)
    response = survey_services.response_submit(
        survey=survey, answers={"nps": 9, "comment": "good"}, customer_ref=customer.external_id
    )
    journey = make_journey()
    stage = journey.stages.order_by("order").first()
    link = StageTouchpoint.objects.create(stage=stage, touchpoint=touchpoint_x, order=0)
    opportunity = Opportunity.objects.create(journey=journey, title="Faster checkout")
    target = KpiTarget.objects.create(kpi_key="nps", target=30)
    alert = KpiAlert.objects.create(
        target=target,
        kind="breach",
        period_start=date(2026, 1, 5),
        period_end=date(2026, 1, 11),
        message="NPS below target",
    )
    return World(
        dept_x=dept_x,
        dept_y=dept_y,
        touchpoint_x=touchpoint_x,
        touchpoint_y=touchpoint_y,
        agent_x=agent_x,
        agent_y=agent_y,
        weak=weak,
        admin=admin,
        customer=customer,
        ticket_x=ticket_x,
        ticket_y=ticket_y,
        note_y=note_y,
        category=category,
        persona=persona,
        survey=survey,
        other_survey=other_survey,
        invitation=invitation,
        response=response,
        journey=journey,
        stage=stage,
        link=link,
        opportunity=opportunity,
        alert=alert,
    )


def user_model():
    return get_user_model()
