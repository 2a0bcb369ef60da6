from __future__ import annotations

import pytest
from django.urls import reverse

from tests.dashboards.factories import seeded_org

pytestmark = pytest.mark.django_db


@pytest.fixture
def org(db):
    return seeded_org()


def page_urls(org) -> list[str]:
    touchpoint = org.touchpoints[0].slug
    return [
        "/",
        reverse("metrics:touchpoints"),
        reverse("metrics:touchpoint_detail", args=[touchpoint]),
        reverse("metrics:surveys"),
        reverse("metrics:tickets_sla"),
        reverse("metrics:journeys"),
        reverse("metrics:customers"),
        reverse("metrics:responses"),
        reverse("metrics:tickets"),
        reverse("metrics:export", args=["overview", "tiles"]),
    ]


def test_every_dashboard_page_answers_200_for_a_manager(client, manager, org):
    client.force_login(manager)
    for url in page_urls(org):
        response = client.get(url)
        assert response.status_code == 200, url
