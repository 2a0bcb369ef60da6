"""Reads of journey maps and events. Every role that may see journeys sees all of them (journeys
are organisation-wide documents), so the scope here is the permission check itself."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Count, Prefetch, Q, QuerySet

from journeys.models import (
    Journey,
    JourneyEvent,
    JourneyRevision,
    Opportunity,
    Stage,
    StageTouchpoint,
)

EVENT_ORDERINGS = {"occurred_at": "occurred_at", "-occurred_at": "-occurred_at"}


def day_bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """[start 00:00, end+1 00:00) in the organisation's zone, as aware datetimes."""
    zone = ZoneInfo(settings.TIME_ZONE)
    return (
        datetime.combine(start, time.min, tzinfo=zone),
        datetime.combine(end + timedelta(days=1), time.min, tzinfo=zone),
    )


def journey_list(*, user, search: str = "", persona: str = "") -> QuerySet[Journey]:
    if not user.has_perm("journeys.view_journey"):
        return Journey.objects.none()
    journeys = Journey.objects.select_related("persona", "owner", "based_on").annotate(
        stage_count=Count("stages", distinct=True)
    )
    if search:
        journeys = journeys.filter(name__icontains=search)
    if persona:
        journeys = journeys.filter(persona__slug=persona)
    return journeys.order_by("name", "id")


def journey_overview(*, user, search: str = "", persona: str = "") -> QuerySet[Journey]:
    """journey_list with each journey's open opportunities counted (all but the solved ones)."""
    return journey_list(user=user, search=search, persona=persona).annotate(
        open_opportunities=Count(
            "opportunity_set",
            filter=~Q(opportunity_set__status=Opportunity.Status.SOLVED),
            distinct=True,
        )
    )


def stage_list(*, journey: Journey) -> QuerySet[Stage]:
    """The journey's stages in map order, each with how many touchpoints it holds."""
    return journey.stages.annotate(touchpoint_count=Count("stage_touchpoints")).order_by(
        "order", "id"
    )


def journey_map(*, user, slug: str) -> Journey:
    """One journey with its stages, touchpoints and opportunities loaded (raises DoesNotExist)."""
    links = StageTouchpoint.objects.select_related(
        "touchpoint__channel", "touchpoint__department"
    ).order_by("order", "id")
    return (
        journey_list(user=user)
        .select_related("persona__preferred_channel")
        .prefetch_related(
            Prefetch("stages__stage_touchpoints", queryset=links),
            "stages__owner_department",
            Prefetch(
                "opportunity_set",
                queryset=Opportunity.objects.select_related("owner").prefetch_related(
                    "stages", "touchpoints"
                ),
            ),
        )
        .get(slug=slug)
    )


def revision_list(*, journey: Journey) -> QuerySet[JourneyRevision]:
    return journey.revisions.select_related("author").order_by("-number")


def published_baseline(*, journey: Journey) -> JourneyRevision | None:
    """The latest published revision of this journey, else of the journey it is based on, so a
    future-state version is judged against the current state it came from."""
    for candidate in (journey, journey.based_on):
        if candidate is None:
            continue
        revision = candidate.revisions.filter(is_published=True).order_by("-number").first()
        if revision is not None:
            return revision
    return None


def event_list(
    *,
    user,
    journey: str = "",
    stage: str = "",
    touchpoint: str = "",
    type: str = "",
    customer: str = "",
    since: datetime | None = None,
    until: datetime | None = None,
    ordering: str = "-occurred_at",
) -> QuerySet[JourneyEvent]:
    if not user.has_perm("journeys.view_journeyevent"):
        return JourneyEvent.objects.none()
    events = JourneyEvent.objects.select_related(
        "customer", "journey", "stage", "touchpoint", "channel"
    )
    if journey:
        events = events.filter(journey__slug=journey)
    if stage:
        events = events.filter(stage__slug=stage)
    if touchpoint:
        events = events.filter(touchpoint__slug=touchpoint)
    if type:
        events = events.filter(type=type)
    if customer:
        events = events.filter(customer__external_id=customer)
    if since:
        events = events.filter(occurred_at__gte=since)
    if until:
        events = events.filter(occurred_at__lt=until)
    return events.order_by(EVENT_ORDERINGS.get(ordering, "-occurred_at"), "-id")
