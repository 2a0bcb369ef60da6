"""The raw responses and tickets behind a chart point or table row, with the dashboard's filters.

These are the only dashboard reads that touch raw rows, and they are always paginated or limited,
so a page makes the same handful of queries whatever the data size.
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db import connection, transaction
from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from journeys.models import Touchpoint
from metrics.filters import DashboardFilters
from surveys.models import Answer, Response
from tickets.models import Category, Ticket

NPS_GROUPS = {
    "promoters": Q(nps_score__gte=9),
    "passives": Q(nps_score__gte=7, nps_score__lte=8),
    "detractors": Q(nps_score__lte=6),
}
TICKET_DATE_FIELDS = ("created", "resolved")
TICKET_FLAGS = ("breached", "reopened", "open", "fcr")


def day_bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """Aware datetimes [start 00:00, day after end 00:00) in the organisation's time zone."""
    zone = timezone.get_default_timezone()
    return (
        timezone.make_aware(datetime.combine(start, time.min), zone),
        timezone.make_aware(datetime.combine(end + timedelta(days=1), time.min), zone),
    )


def period_end(period_start: date, granularity: str, limit: date) -> date:
    """Last day of the period starting at `period_start`, never past the filter's end."""
    if granularity == "day":
        end = period_start
    elif granularity == "week":
        end = period_start + timedelta(days=6)
    else:
        next_month = (period_start.replace(day=28) + timedelta(days=4)).replace(day=1)
        end = next_month - timedelta(days=1)
    return min(end, limit)


@dataclass(frozen=True)
class ResponseDrill:
    filters: DashboardFilters
    group: str | None = None  # promoters / passives / detractors
    survey: str | None = None  # survey slug (validated by the view)
    comments_only: bool = False
    search: str = ""


def _text_answers() -> Prefetch:
    return Prefetch(
        "answers",
        queryset=Answer.objects.filter(question__type="text").exclude(text="").order_by("id"),
        to_attr="comments",
    )


def response_list(drill: ResponseDrill) -> QuerySet[Response]:
    filters = drill.filters
    low, high = day_bounds(filters.start, filters.end)
    responses = Response.objects.filter(submitted_at__gte=low, submitted_at__lt=high)
    if filters.touchpoint:
        responses = responses.filter(touchpoint__slug=filters.touchpoint)
    if filters.channel:
        responses = responses.filter(channel__slug=filters.channel)
    if filters.persona:
        responses = responses.filter(customer__persona__slug=filters.persona)
    if filters.language:
        responses = responses.filter(language=filters.language)
    if drill.group:
        responses = responses.filter(NPS_GROUPS[drill.group])
    if drill.survey:
        responses = responses.filter(survey__slug=drill.survey)
    if drill.comments_only:
        responses = responses.filter(has_comment=True)
    if drill.search:
        responses = responses.filter(
            answers__question__type="text", answers__text__icontains=drill.search
        ).distinct()
    return (
        responses.select_related("survey", "touchpoint", "channel", "customer")
        .prefetch_related(_text_answers())
        .order_by("-submitted_at", "-id")
    )


@dataclass(frozen=True)
class TicketDrill:
    filters: DashboardFilters
    date_field: str = "created"
    category: str | None = None
    flag: str | None = None


def ticket_list(drill: TicketDrill, *, user) -> QuerySet[Ticket]:
    filters = drill.filters
    low, high = day_bounds(filters.start, filters.end)
    tickets = _scoped_tickets(user)
    if drill.date_field == "resolved":
        tickets = tickets.filter(resolved_at__gte=low, resolved_at__lt=high)
    else:
        tickets = tickets.filter(created_at__gte=low, created_at__lt=high)
    if filters.touchpoint:
        tickets = tickets.filter(touchpoint__slug=filters.touchpoint)
    if filters.channel:
        tickets = tickets.filter(channel__slug=filters.channel)
    if filters.persona:
        tickets = tickets.filter(customer__persona__slug=filters.persona)
    if drill.category:
        tickets = tickets.filter(category__slug=drill.category)
    if drill.flag == "breached":
        tickets = tickets.filter(
            Q(sla_first_response_breached=True) | Q(sla_resolution_breached=True)
        )
    elif drill.flag == "reopened":
        tickets = tickets.filter(reopened_count__gt=0)
    elif drill.flag == "open":
        tickets = tickets.exclude(status__in=[Ticket.Status.RESOLVED, Ticket.Status.CLOSED])
    elif drill.flag == "fcr":
        tickets = tickets.filter(is_fcr=True)
    return tickets.select_related("touchpoint", "channel", "category", "customer").order_by(
        "-created_at", "-id"
    )


def _scoped_tickets(user) -> QuerySet[Ticket]:
    # The tickets app owns ticket scope; use its selector when it is there.
    try:
        from tickets.selectors import ticket_list as scoped
    except ImportError:
        return Ticket.objects.all()
    return scoped(user=user)


def category_options() -> dict[str, str]:
    return dict(Category.objects.order_by("name").values_list("slug", "name"))


@contextmanager
def _serial():
    """One query without parallel workers. For one touchpoint's newest comments PostgreSQL
    prices a parallel backward walk of the whole range's submitted_at index (filtering out the
    other touchpoints: 100-190 ms at 1M responses) just under the serial walk of the
    (touchpoint, submitted_at) index that stops after a few dozen rows (1 ms)."""
    if connection.vendor != "postgresql":
        yield
        return
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL max_parallel_workers_per_gather = 0")
        yield


def _touchpoint_id(slug: str) -> int:
    found = Touchpoint.objects.filter(slug=slug).values_list("id", flat=True).first()
    return -1 if found is None else found  # an unknown slug matches nothing, as the join did


def latest_comments(
    filters: DashboardFilters, *, limit: int = 8, touchpoint_id: int | None = None
) -> list[dict]:
    """The newest free-text answers in range (one query when the caller passes the filtered
    touchpoint's id), for the touchpoint page."""
    low, high = day_bounds(filters.start, filters.end)
    answers = Answer.objects.filter(
        question__type="text",
        response__submitted_at__gte=low,
        response__submitted_at__lt=high,
    ).exclude(text="")
    if filters.touchpoint:
        # On the response's own column with a literal id, so the (touchpoint, submitted_at)
        # index can walk newest first and stop after `limit` (see _serial below).
        if touchpoint_id is None:
            touchpoint_id = _touchpoint_id(filters.touchpoint)
        answers = answers.filter(response__touchpoint_id=touchpoint_id)
    if filters.channel:
        answers = answers.filter(response__channel__slug=filters.channel)
    if filters.persona:
        answers = answers.filter(response__customer__persona__slug=filters.persona)
    if filters.language:
        answers = answers.filter(response__language=filters.language)
    query = answers.order_by("-response__submitted_at", "-id").values(
        "text",
        "response_id",
        "response__submitted_at",
        "response__nps_score",
        "response__csat_score",
        "response__csat_scale",
        "response__ces_score",
    )[:limit]
    if filters.touchpoint:
        with _serial():
            rows = list(query)
    else:
        rows = list(query)
    return [
        {
            "text": row["text"],
            "response_id": row["response_id"],
            "submitted_at": row["response__submitted_at"],
            "nps": row["response__nps_score"],
            "csat": row["response__csat_score"],
            "csat_scale": row["response__csat_scale"],
            "ces": row["response__ces_score"],
        }
        for row in rows
    ]
