from __future__ import annotations

from datetime import date

import pytest
from django.db.models import F

from journeys.demo import make_context, seed_foundation
from journeys.demo_content import NEW_CUSTOMER, NEW_CUSTOMER_FUTURE
from journeys.demo_events import seed_events
from journeys.demo_maps import seed_maps
from journeys.models import Customer, Journey, JourneyEvent
from journeys.selectors.funnels import journey_funnel, journey_gaps

pytestmark = pytest.mark.django_db


def _no_progress(iterable, desc="", total=None):
    return iterable


def test_demo_maps_and_events_tell_the_new_customer_story():
    ctx = make_context(seed=3, days=120, end=date(2026, 6, 30), progress=_no_progress)
    seed_foundation(ctx, customers=300)
    ctx.unhappy_customer_ids = set(ctx.customer_ids[:60])
    seed_maps(ctx)
    seed_events(ctx)

    journey = Journey.objects.get(slug=NEW_CUSTOMER)
    assert [s.slug for s in journey.stages.all()] == [
        "prospect",
        "purchase",
        "after-sale",
        "loyalty",
    ]
    assert journey.stages.get(slug="purchase").touchpoints.filter(slug="checkout").exists()
    assert journey.opportunity_set.count() == 3
    future = Journey.objects.get(slug=NEW_CUSTOMER_FUTURE)
    assert (future.state, future.based_on) == ("future", journey)
    assert Journey.objects.filter(persona__isnull=False).values("persona").distinct().count() >= 2

    events = JourneyEvent.objects.all()
    assert events.count() > 1000
    assert set(events.values_list("type", flat=True)) >= {
        "reached",
        "delivered",
        "opened",
        "clicked",
        "converted",
        "abandoned",
    }
    assert not events.filter(occurred_at__lt=F("customer__active_since")).exists()
    churned = Customer.objects.filter(churned_at__isnull=False)
    assert 0.03 * 300 < churned.count() < 0.2 * 300
    assert not churned.filter(churned_at__lt=F("active_since")).exists()

    funnel = journey_funnel(journey=journey, start=ctx.start, end=ctx.end)
    assert funnel[0].reached > funnel[-1].reached > 0
    channel_gaps = [
        g
        for g in journey_gaps(journey=journey, start=ctx.start, end=ctx.end)
        if g.kind == "channel"
    ]
    # The story: web -> phone loses the largest share, and is among the biggest losers by count
    # (at the full demo size it is the first).
    assert ("web", "phone") in [(g.source, g.target) for g in channel_gaps[:3]]
    riskiest = max((g for g in channel_gaps if g.customers >= 10), key=lambda g: g.drop_off)
    assert (riskiest.source, riskiest.target) == ("web", "phone")
