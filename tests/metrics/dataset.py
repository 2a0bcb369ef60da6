"""One hand-computed data set for every KPI (the expected numbers are worked out in the tests).

Weeks: W1 = Mon 2026-01-05 … Sun 01-11, W2 = 01-12 … 01-18. All times UTC; the organisation's
zone in these tests is UTC unless a test says otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from tests import factories
from tests.metrics import factories as mf


@dataclass
class Data:
    tp_a: object = None
    tp_b: object = None
    tp_m: object = None
    persona: object = None
    journey: object = None
    stages: list = field(default_factory=list)
    tickets: dict = field(default_factory=dict)
    customers: dict = field(default_factory=dict)


def build() -> Data:
    d = Data()
    d.tp_a = factories.make_touchpoint(slug="checkout", name="Checkout page")
    d.tp_b = factories.make_touchpoint(slug="help-desk", name="Help desk", channel="chat")
    d.tp_m = factories.make_touchpoint(slug="newsletter", name="Newsletter", channel="email")
    d.persona = factories.make_persona(slug="young", name="Young urban")
    since = datetime(2025, 12, 1, tzinfo=UTC)
    c1 = factories.make_customer(
        active_since=since, persona=d.persona, churned_at=mf.at("2026-01-06")
    )
    c2 = factories.make_customer(active_since=since)
    c3 = factories.make_customer(active_since=since, churned_at=mf.at("2026-01-14"))
    c4 = factories.make_customer(active_since=mf.at("2026-01-08"))
    d.customers = {"c1": c1, "c2": c2, "c3": c3, "c4": c4}
    tp_customer = factories.make_customer(active_since=since)

    survey_a = mf.make_survey(d.tp_a, slug="checkout-survey")
    survey_b = mf.make_survey(d.tp_b, slug="help-survey")
    q_nps = mf.make_question(survey_a, "recommend", "nps")
    web = factories.channel("web")

    # Responses: (survey, day, nps, csat, scale, ces, customer)
    rows = [
        (survey_a, "2026-01-05", 10, 5, 5, 7, c1),
        (survey_a, "2026-01-05", 9, 4, 5, 5, None),
        (survey_a, "2026-01-05", 7, 2, 5, None, None),
        (survey_a, "2026-01-05", 3, None, None, None, None),
        (survey_b, "2026-01-07", 0, None, None, 6, None),
        (survey_b, "2026-01-07", 10, None, None, 2, None),
        (survey_a, "2026-01-12", 9, 7, 7, None, None),
        (survey_a, "2026-01-12", 9, 3, 7, None, None),
        (survey_a, "2026-01-12", 9, 1, 7, None, None),
        (survey_a, "2026-01-12", 5, None, None, None, None),
        (survey_a, "2026-02-02", 8, None, None, None, None),
    ]
    responses = []
    for survey, day, nps, csat, scale, ces, customer in rows:
        response = mf.make_response(
            survey,
            mf.at(day),
            nps=nps,
            csat=csat,
            csat_scale=scale,
            ces=ces,
            customer=customer,
            channel=web,
        )
        if survey is survey_a:
            mf.make_answer(response, q_nps, number=nps)
        responses.append(response)

    billing, delivery = mf.make_category("billing"), mf.make_category("delivery")
    policy = mf.make_sla_policy()
    t1 = mf.make_ticket(
        d.tp_a,
        mf.at("2026-01-05", 10),
        customer=tp_customer,
        status="resolved",
        category=billing,
        frt_seconds=3600,
        frt_business_seconds=1800,
        resolved_at=mf.at("2026-01-06", 10),
        resolution_seconds=86400,
        resolution_business_seconds=28800,
        is_fcr=True,
        sla_policy=policy,
    )
    mf.make_status_change(t1, "new", "resolved", mf.at("2026-01-06", 10))
    t2 = mf.make_ticket(
        d.tp_a,
        mf.at("2026-01-05", 11),
        customer=tp_customer,
        status="open",
        category=billing,
        frt_seconds=7200,
        frt_business_seconds=7200,
        sla_policy=policy,
        sla_first_response_breached=True,
    )
    t3 = mf.make_ticket(
        d.tp_b,
        mf.at("2026-01-06", 9),
        customer=tp_customer,
        status="closed",
        category=delivery,
        frt_seconds=10800,
        frt_business_seconds=3600,
        resolved_at=mf.at("2026-01-08", 9),
        resolution_seconds=172800,
        resolution_business_seconds=57600,
        reopened_count=1,
    )
    mf.make_status_change(t3, "new", "resolved", mf.at("2026-01-07", 9))
    mf.make_status_change(t3, "resolved", "open", mf.at("2026-01-07", 12))
    mf.make_status_change(t3, "open", "resolved", mf.at("2026-01-08", 9))
    mf.make_status_change(t3, "resolved", "closed", mf.at("2026-01-08", 10))
    t4 = mf.make_ticket(d.tp_a, mf.at("2026-01-13", 9), customer=tp_customer, status="new")
    d.tickets = {"t1": t1, "t2": t2, "t3": t3, "t4": t4}

    # Closed loop: two detractor follow-ups in W1; only t1 got a reply within 2 business days.
    mf.make_follow_up(responses[3], t1)
    mf.make_follow_up(responses[4], t4)

    # Invitations sent 01-05: one answered, one not; suppressed and pending ones never count.
    answered = mf.make_invitation(survey_a, mf.at("2026-01-05", 8))
    responses[1].invitation = answered
    responses[1].save()
    mf.make_invitation(survey_a, mf.at("2026-01-05", 8))
    mf.make_invitation(survey_a, mf.at("2026-01-05", 8), status="suppressed")
    mf.make_invitation(survey_a, None, status="pending")

    # Stage conversion: journey with stages s0 → s1 → s2, 30-day window.
    d.journey, d.stages = mf.make_journey(3, slug="shopping")
    s0, s1, _s2 = d.stages
    mf.make_event(c1, d.journey, s0, d.tp_a, mf.at("2026-01-05"))
    mf.make_event(c1, d.journey, s1, d.tp_a, mf.at("2026-01-07"))
    mf.make_event(c2, d.journey, s1, d.tp_a, mf.at("2026-01-05", 8))
    mf.make_event(c2, d.journey, s0, d.tp_a, mf.at("2026-01-06"))
    mf.make_event(c2, d.journey, s1, d.tp_a, mf.at("2026-03-01"))
    mf.make_event(c3, d.journey, s0, d.tp_a, mf.at("2026-01-12"))

    # Marketing engagement on its own journey: 4 delivered, 2 opened, 1 clicked, 1 converted.
    marketing, (m0,) = mf.make_journey(1, slug="newsletter-journey")
    for kind, count in (("delivered", 4), ("opened", 2), ("clicked", 1), ("converted", 1)):
        for i in range(count):
            mf.make_event(
                [c1, c2, c3, c4][i], marketing, m0, d.tp_m, mf.at("2026-01-05", 7), type=kind
            )
    return d
