from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.db.models import Count

from journeys.demo import make_context, seed_foundation
from tests.tickets.factories import TIMING_FIELDS
from tickets import demo, services
from tickets.models import Category, Message, Ticket

pytestmark = pytest.mark.django_db

END = date(2026, 6, 30)


def _noop(iterable, desc="", total=None):
    return iterable


@pytest.fixture
def seeded():
    ctx = make_context(seed=5, days=365, end=END, progress=_noop)
    seed_foundation(ctx, customers=300)
    demo.seed(ctx)
    return ctx


def test_demo_tickets_tell_the_story_with_service_exact_timing(seeded):
    tickets = Ticket.objects.all()
    # About 7 tickets per 100 customers per month, plus the payment spike.
    assert 200 <= tickets.count() <= 400
    assert {c.slug for c in Category.objects.all()} >= {"delivery", "payment", "returns"}
    assert tickets.filter(reopened_count__gt=0).exists()
    assert tickets.filter(sla_first_response_breached=True).exists()
    assert tickets.filter(is_fcr=True).exists()
    assert Message.objects.filter(kind="auto").exists()
    assert Message.objects.filter(kind="note").exists()
    night = [t for t in tickets if t.created_at.hour < 7 or t.created_at.hour >= 20]
    weekend = [t for t in tickets if t.created_at.weekday() >= 5]
    assert night and weekend
    assert all(t.reference.startswith("T-") for t in tickets)
    assert seeded.unhappy_customer_ids
    spike_start = END - timedelta(weeks=7)
    in_spike = tickets.filter(
        created_at__date__gte=spike_start, created_at__date__lt=spike_start + timedelta(weeks=4)
    )
    payment_share = in_spike.filter(category__slug="payment").count() / in_spike.count()
    assert payment_share > 0.35
    assert in_spike.filter(category__slug="payment", touchpoint__slug__in=["checkout", "payment"])

    # The demo's timing is exactly what the services derive from the same rows.
    sample = list(Ticket.objects.annotate(n=Count("messages")).order_by("id")[:40])
    fields = TIMING_FIELDS
    for ticket in sample:
        before = {name: getattr(ticket, name) for name in fields}
        services.ticket_timing_refresh(ticket=ticket)
        ticket.refresh_from_db()
        assert {name: getattr(ticket, name) for name in fields} == before, ticket.reference
