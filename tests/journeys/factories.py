"""Builders for journey maps and events, on top of tests/factories.py."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from django.conf import settings

from journeys.models import Journey, JourneyEvent, Stage, StageTouchpoint
from tests import factories


def make_journey(*, stages: tuple[str, ...] = ("prospect", "purchase", "after-sale"), **overrides):
    number = factories._n()
    data = {"slug": f"journey-{number}", "name": f"Journey {number}"}
    data.update(overrides)
    journey = Journey.objects.create(**data)
    for order, slug in enumerate(stages):
        Stage.objects.create(journey=journey, slug=slug, name=slug.title(), order=order)
    return journey


def add_touchpoint(stage: Stage, touchpoint=None, **overrides):
    touchpoint = touchpoint or factories.make_touchpoint(**overrides)
    order = stage.stage_touchpoints.count()
    StageTouchpoint.objects.create(stage=stage, touchpoint=touchpoint, order=order)
    return touchpoint


def at(text: str) -> datetime:
    """'2026-03-01 10:00' in the organisation's zone."""
    return datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(settings.TIME_ZONE))


def make_event(*, customer, stage, touchpoint, when: str, type: str = "reached", **overrides):
    data = {
        "customer": customer,
        "journey": stage.journey,
        "stage": stage,
        "touchpoint": touchpoint,
        "channel": overrides.pop("channel", None) or touchpoint.channel,
        "type": type,
        "occurred_at": at(when),
    }
    data.update(overrides)
    return JourneyEvent.objects.create(**data)
