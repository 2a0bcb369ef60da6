"""Shared fixtures of the dashboard tests: one seeded organisation and the page addresses."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.dashboards.factories import seeded_org


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
