from __future__ import annotations

from datetime import date

import pytest

from journeys.selectors.funnels import journey_funnel, journey_gaps, marketing_engagement
from tests import factories
from tests.journeys.factories import make_event, make_journey

pytestmark = pytest.mark.django_db

START, END = date(2026, 3, 1), date(2026, 3, 31)


@pytest.fixture
def journey():
    return make_journey(conversion_window_days=10)


def stages(journey):
    return list(journey.stages.order_by("order"))


def test_funnel_counts_conversion_within_the_window_after_the_first_event_in_the_period(journey):
    prospect, purchase, after = stages(journey)
    web = factories.make_touchpoint(channel="web")
    a, b, c, d, e, f = (factories.make_customer() for _ in range(6))
    # a: prospect 3 Mar, purchase 10 Mar (7 days): converted; after-sale 12 Mar.
    make_event(customer=a, stage=prospect, touchpoint=web, when="2026-03-03 10:00")
    make_event(customer=a, stage=prospect, touchpoint=web, when="2026-03-20 10:00")
    make_event(customer=a, stage=purchase, touchpoint=web, when="2026-03-10 10:00")
    make_event(customer=a, stage=after, touchpoint=web, when="2026-03-12 10:00")
    # b: prospect 5 Mar, purchase 16 Mar (11 days > window 10): not converted, though it is
    # within 10 days of b's second prospect event.
    make_event(customer=b, stage=prospect, touchpoint=web, when="2026-03-05 09:00")
    make_event(customer=b, stage=prospect, touchpoint=web, when="2026-03-14 09:00")
    make_event(customer=b, stage=purchase, touchpoint=web, when="2026-03-16 09:00")
    # c: prospect 30 Mar, purchase 4 Apr (after the period, inside the window): converted.
    make_event(customer=c, stage=prospect, touchpoint=web, when="2026-03-30 12:00")
    make_event(customer=c, stage=purchase, touchpoint=web, when="2026-04-04 12:00")
    # d: prospect only before the period; its purchase in the period counts at purchase.
    make_event(customer=d, stage=prospect, touchpoint=web, when="2026-02-25 12:00")
    make_event(customer=d, stage=purchase, touchpoint=web, when="2026-03-02 12:00")
    # e: a delivered e-mail is our action, not the customer's: e is not at prospect.
    make_event(
        customer=e, stage=prospect, touchpoint=web, when="2026-03-06 12:00", type="delivered"
    )
    # f: prospect, then purchase before the prospect event: not a conversion.
    make_event(customer=f, stage=purchase, touchpoint=web, when="2026-03-07 12:00")
    make_event(customer=f, stage=prospect, touchpoint=web, when="2026-03-08 12:00")

    funnel = journey_funnel(journey=journey, start=START, end=END)

    assert [(s.slug, s.reached, s.converted) for s in funnel] == [
        ("prospect", 4, 2),  # a, b, c, f -> a, c
        ("purchase", 4, 1),  # a, b, d, f -> a (after-sale 2 days later)
        ("after-sale", 1, None),
    ]
    assert funnel[0].conversion == 50.0
    assert funnel[0].drop_off == 50.0
    assert funnel[1].conversion == 25.0
    assert funnel[2].conversion is None


def test_funnel_of_an_empty_period_is_zero_not_an_error(journey):
    funnel = journey_funnel(journey=journey, start=START, end=END)
    assert [s.reached for s in funnel] == [0, 0, 0]
    assert funnel[0].conversion is None


def test_marketing_engagement_rates_follow_the_product_definitions(journey):
    prospect = stages(journey)[0]
    mail = factories.make_touchpoint(channel="email")
    customers = [factories.make_customer() for _ in range(4)]
    for customer in customers:
        make_event(
            customer=customer,
            stage=prospect,
            touchpoint=mail,
            when="2026-03-02 08:00",
            type="delivered",
        )
    for customer in customers[:2]:
        make_event(
            customer=customer,
            stage=prospect,
            touchpoint=mail,
            when="2026-03-02 09:00",
            type="opened",
        )
    make_event(
        customer=customers[0],
        stage=prospect,
        touchpoint=mail,
        when="2026-03-02 10:00",
        type="clicked",
    )
    make_event(
        customer=customers[0],
        stage=prospect,
        touchpoint=mail,
        when="2026-03-02 11:00",
        type="converted",
    )
    # Outside the period: ignored.
    make_event(
        customer=customers[3],
        stage=prospect,
        touchpoint=mail,
        when="2026-04-02 09:00",
        type="opened",
    )

    (row,) = marketing_engagement(journey=journey, start=START, end=END)
    assert (row.delivered, row.opened, row.clicked, row.converted) == (4, 2, 1, 1)
    assert (row.open_rate, row.click_rate, row.conversion_rate) == (50.0, 25.0, 100.0)


def test_gaps_list_channel_device_and_department_hand_offs_sorted_by_drop_offs(journey):
    prospect, purchase, after = stages(journey)
    sales = factories.make_department(slug="sales", name="Sales")
    service = factories.make_department(slug="service", name="Service")
    web = factories.make_touchpoint(channel="web", department=sales)
    phone = factories.make_touchpoint(channel="phone", department=service)
    chat = factories.make_touchpoint(channel="chat", department=sales)
    # Three customers go web -> phone at prospect->purchase; two of them never reach after-sale.
    for index in range(3):
        customer = factories.make_customer()
        make_event(
            customer=customer,
            stage=prospect,
            touchpoint=web,
            when="2026-03-02 10:00",
            device="desktop",
        )
        make_event(
            customer=customer,
            stage=purchase,
            touchpoint=phone,
            when="2026-03-03 10:00",
            device="mobile",
        )
        if index == 0:
            make_event(
                customer=customer,
                stage=after,
                touchpoint=phone,
                when="2026-03-05 10:00",
                device="mobile",
            )
    # One customer goes web -> chat (same department, same device) and continues.
    customer = factories.make_customer()
    make_event(
        customer=customer, stage=prospect, touchpoint=web, when="2026-03-02 10:00", device="desktop"
    )
    make_event(
        customer=customer,
        stage=purchase,
        touchpoint=chat,
        when="2026-03-03 10:00",
        device="desktop",
    )
    make_event(
        customer=customer, stage=after, touchpoint=chat, when="2026-03-20 10:00", device="desktop"
    )  # > 10 days
    # A customer whose only events lie outside the period makes no hand-off.
    other = factories.make_customer()
    make_event(customer=other, stage=prospect, touchpoint=web, when="2026-02-02 10:00")
    make_event(customer=other, stage=purchase, touchpoint=phone, when="2026-02-03 10:00")

    gaps = journey_gaps(journey=journey, start=START, end=END)
    summary = [(g.kind, g.source, g.target, g.customers, g.dropped) for g in gaps]
    assert summary[:3] == [
        ("channel", "web", "phone", 3, 2),
        ("department", "sales", "service", 3, 2),
        ("device", "desktop", "mobile", 3, 2),
    ]
    assert ("channel", "web", "chat", 1, 1) in summary
    assert len(summary) == 4
    assert gaps[0].drop_off == pytest.approx(200 / 3)
