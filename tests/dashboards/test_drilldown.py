from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from metrics.drilldown import period_end
from metrics.filters import load_options, parse_filters
from metrics.risk import at_risk_customers
from surveys.models import Response
from tests.dashboards.factories import seeded_org

pytestmark = pytest.mark.django_db


def test_period_end_covers_the_period_but_not_past_the_range():
    day = timezone.localdate().replace(day=1)
    assert period_end(day, "day", day + timedelta(days=40)) == day
    assert period_end(day, "week", day + timedelta(days=40)) == day + timedelta(days=6)
    assert period_end(day, "week", day + timedelta(days=2)) == day + timedelta(days=2)
    assert period_end(day, "month", day + timedelta(days=60)).month == day.month


def test_at_risk_customers_have_reasons_and_link_to_their_timeline(client, manager):
    seeded_org()
    filters = parse_filters({}, today=timezone.localdate(), options=load_options())
    found = at_risk_customers(filters)
    assert found
    assert all(entry.reasons for entry in found)
    detractor = Response.objects.filter(nps_score__lte=6).first().customer
    assert detractor.pk in {entry.customer.pk for entry in found}
    client.force_login(manager)
    html = client.get(reverse("metrics:customers")).content.decode()
    assert f'href="/customers/{found[0].customer.external_id}/"' in html


def test_response_list_paginates(client, manager):
    seeded_org()
    client.force_login(manager)
    response = client.get(reverse("metrics:responses"))
    assert response.context["page"].paginator.per_page == 50
