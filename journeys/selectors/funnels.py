"""Funnels, marketing engagement and hand-off gaps of a journey, computed in the database.

Definitions (PRODUCT.md, `stage_conversion`, `engagement`):
- A customer *is at* stage k when they have an event there of a type the customer does
  (FUNNEL_TYPES: everything but `delivered`, which is our action, not theirs).
- Conversion of stage k: of the customers at stage k in the period, the share with an event at
  stage k+1 within the journey's conversion window after their FIRST stage-k event in the period.
  The stage-(k+1) event may fall after the period's end: the window, not the period, bounds it.
- Drop-off = 100 - conversion. The last stage has no next stage, so no conversion.

Everything is a handful of set-based queries (per stage, not per event), so the dashboards can
call these over a year of events.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import date, timedelta

from django.db import connection
from django.db.models import (
    Case,
    Count,
    DateTimeField,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
    Window,
)
from django.db.models.functions import Lag, Lead

from journeys.models import Channel, Department, Journey, JourneyEvent
from journeys.selectors.maps import day_bounds

FUNNEL_TYPES = ("reached", "opened", "clicked", "converted", "abandoned")
ENGAGEMENT_TYPES = ("delivered", "opened", "clicked", "converted")
GAP_KINDS = ("channel", "device", "department")


@dataclass(frozen=True)
class FunnelStage:
    stage_id: int
    slug: str
    name: str
    order: int
    reached: int  # customers with an event at this stage in the period
    converted: int | None  # of those, at the next stage within the window (None: last stage)

    @property
    def conversion(self) -> float | None:
        if self.converted is None or not self.reached:
            return None
        return 100.0 * self.converted / self.reached

    @property
    def drop_off(self) -> float | None:
        conversion = self.conversion
        return None if conversion is None else 100.0 - conversion

    @property
    def dropped(self) -> int | None:
        return None if self.converted is None else self.reached - self.converted


@dataclass(frozen=True)
class Engagement:
    touchpoint_id: int
    slug: str
    name: str
    delivered: int
    opened: int
    clicked: int
    converted: int

    @property
    def open_rate(self) -> float | None:
        return 100.0 * self.opened / self.delivered if self.delivered else None

    @property
    def click_rate(self) -> float | None:
        return 100.0 * self.clicked / self.delivered if self.delivered else None

    @property
    def conversion_rate(self) -> float | None:
        return 100.0 * self.converted / self.clicked if self.clicked else None


@dataclass(frozen=True)
class Gap:
    kind: str  # "channel", "device" or "department"
    source: str  # slug (channel, department) or device name the customer came from
    source_label: str
    target: str
    target_label: str
    handoffs: int  # consecutive-event transitions of this kind and pair
    customers: int  # distinct customers who made this hand-off
    dropped: int  # of those, customers who did not reach the next stage within the window

    @property
    def drop_off(self) -> float | None:
        return 100.0 * self.dropped / self.customers if self.customers else None


def _actions(journey: Journey) -> QuerySet[JourneyEvent]:
    return JourneyEvent.objects.filter(journey=journey, type__in=FUNNEL_TYPES).order_by()


def _within_window(journey: Journey) -> ExpressionWrapper:
    return ExpressionWrapper(
        OuterRef("occurred_at") + timedelta(days=journey.conversion_window_days),
        output_field=DateTimeField(),
    )


def journey_funnel(*, journey: Journey, start: date, end: date) -> list[FunnelStage]:
    """Per stage, in order: customers at the stage in [start, end] (organisation's days) and how
    many of them reached the next stage within the conversion window after their first event."""
    stages = list(journey.stages.order_by("order", "id"))
    low, high = day_bounds(start, end)
    result: list[FunnelStage] = []
    for index, stage in enumerate(stages):
        in_period = _actions(journey).filter(
            stage=stage, occurred_at__gte=low, occurred_at__lt=high
        )
        earlier = in_period.filter(
            customer_id=OuterRef("customer_id"), occurred_at__lt=OuterRef("occurred_at")
        )
        # One row per customer (ties on the first instant give equal rows; counts are distinct).
        firsts = in_period.filter(~Exists(earlier))
        following = stages[index + 1] if index + 1 < len(stages) else None
        if following is None:
            reached = firsts.aggregate(n=Count("customer_id", distinct=True))["n"]
            converted = None
        else:
            later = _actions(journey).filter(
                stage=following,
                customer_id=OuterRef("customer_id"),
                occurred_at__gte=OuterRef("occurred_at"),
                occurred_at__lte=_within_window(journey),
            )
            counts = firsts.annotate(went_on=Exists(later)).aggregate(
                reached=Count("customer_id", distinct=True),
                converted=Count("customer_id", distinct=True, filter=Q(went_on=True)),
            )
            reached, converted = counts["reached"], counts["converted"]
        result.append(
            FunnelStage(
                stage_id=stage.pk,
                slug=stage.slug,
                name=stage.name,
                order=index,
                reached=reached,
                converted=converted,
            )
        )
    return result


def marketing_engagement(*, journey: Journey, start: date, end: date) -> list[Engagement]:
    """Per touchpoint that delivered something in the period: delivered/opened/clicked/converted
    event counts, from which open, click and conversion rates follow (PRODUCT.md engagement)."""
    low, high = day_bounds(start, end)
    rows = (
        JourneyEvent.objects.filter(
            journey=journey, type__in=ENGAGEMENT_TYPES, occurred_at__gte=low, occurred_at__lt=high
        )
        .values("touchpoint_id", "touchpoint__slug", "touchpoint__name")
        .annotate(
            delivered=Count("id", filter=Q(type="delivered")),
            opened=Count("id", filter=Q(type="opened")),
            clicked=Count("id", filter=Q(type="clicked")),
            converted=Count("id", filter=Q(type="converted")),
        )
        .filter(delivered__gt=0)
        .order_by("touchpoint__name")
    )
    return [
        Engagement(
            touchpoint_id=row["touchpoint_id"],
            slug=row["touchpoint__slug"],
            name=row["touchpoint__name"],
            delivered=row["delivered"],
            opened=row["opened"],
            clicked=row["clicked"],
            converted=row["converted"],
        )
        for row in rows
    ]


# The customer left after this event: it was their last event at its stage (in the period), the
# stage has a next stage, and no event there followed within the window.
_DROPPED = (
    "t.next_stage IS NOT NULL AND NOT t.went_on"
    " AND (t.following_event_stage IS NULL OR t.following_event_stage <> t.cur_stage)"
)
_GAP_CONDITIONS = {
    "channel": "t.prev_channel IS NOT NULL AND t.prev_channel <> t.cur_channel",
    "device": "t.prev_device <> '' AND t.cur_device <> '' AND t.prev_device <> t.cur_device",
    "department": (
        "t.prev_department IS NOT NULL AND t.cur_department IS NOT NULL"
        " AND t.prev_department <> t.cur_department"
    ),
}


def _transitions_sql(journey: Journey, start: date, end: date) -> tuple[str, tuple]:
    """SQL (built by the ORM, so it is right for either database) of one row per event in the
    period with the previous event of the same customer beside it and whether, after this event,
    the customer reached the following stage within the window."""
    stages = list(journey.stages.order_by("order", "id").values_list("id", flat=True))
    following = Case(
        *[When(stage_id=a, then=Value(b)) for a, b in itertools.pairwise(stages)],
        default=Value(None),
        output_field=IntegerField(),
    )
    low, high = day_bounds(start, end)
    order = {
        "partition_by": [F("customer_id")],
        "order_by": [F("occurred_at").asc(), F("id").asc()],
    }
    later = _actions(journey).filter(
        customer_id=OuterRef("customer_id"),
        stage_id=OuterRef("next_stage"),
        occurred_at__gte=OuterRef("occurred_at"),
        occurred_at__lte=_within_window(journey),
    )
    rows = (
        _actions(journey)
        .filter(occurred_at__gte=low, occurred_at__lt=high)
        .annotate(
            cust=F("customer_id"),
            cur_stage=F("stage_id"),
            cur_channel=F("channel_id"),
            cur_device=F("device"),
            cur_department=F("touchpoint__department_id"),
            next_stage=following,
            prev_channel=Window(Lag("channel_id"), **order),
            prev_device=Window(Lag("device"), **order),
            prev_department=Window(Lag("touchpoint__department_id"), **order),
            following_event_stage=Window(Lead("stage_id"), **order),
            went_on=Exists(later),
        )
        .values(
            "cust",
            "cur_stage",
            "cur_channel",
            "cur_device",
            "cur_department",
            "next_stage",
            "prev_channel",
            "prev_device",
            "prev_department",
            "following_event_stage",
            "went_on",
        )
    )
    sql, params = rows.query.sql_with_params()
    return sql, tuple(params)


def journey_gaps(*, journey: Journey, start: date, end: date, limit: int = 50) -> list[Gap]:
    """Hand-offs between consecutive events of a customer in the period where the channel, the
    device or the owning department changes, with how many customers made each hand-off and how
    many of them dropped off right after it: the event after the hand-off was their last at that
    stage and no event at the next stage followed within the conversion window. (A hand-off
    followed by more events at the same stage did not lose the customer there; hand-offs into
    the last stage cannot drop off.) Sorted by drop-offs, most first."""
    inner, params = _transitions_sql(journey, start, end)
    raw: list[tuple] = []
    with connection.cursor() as cursor:
        for kind in GAP_KINDS:
            cursor.execute(
                f"SELECT t.prev_{kind}, t.cur_{kind}, COUNT(*), COUNT(DISTINCT t.cust),"
                f" COUNT(DISTINCT CASE WHEN {_DROPPED} THEN t.cust END)"
                f" FROM ({inner}) t WHERE {_GAP_CONDITIONS[kind]}"
                f" GROUP BY t.prev_{kind}, t.cur_{kind}",
                params,
            )
            raw.extend((kind, *row) for row in cursor.fetchall())
    channels = {c.pk: (c.slug, c.name) for c in Channel.objects.all()}
    departments = {d.pk: (d.slug, d.name) for d in Department.objects.all()}

    def label(kind: str, value) -> tuple[str, str]:
        if kind == "channel":
            return channels.get(value, (str(value), str(value)))
        if kind == "department":
            return departments.get(value, (str(value), str(value)))
        return str(value), str(value)

    gaps = [
        Gap(
            kind=kind,
            source=label(kind, source)[0],
            source_label=label(kind, source)[1],
            target=label(kind, target)[0],
            target_label=label(kind, target)[1],
            handoffs=handoffs,
            customers=customers,
            dropped=dropped,
        )
        for kind, source, target, handoffs, customers, dropped in raw
    ]
    gaps.sort(key=lambda g: (-g.dropped, -(g.drop_off or 0), -g.customers, g.kind, g.source))
    return gaps[:limit]
