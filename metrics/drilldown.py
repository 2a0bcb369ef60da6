"""The raw responses and tickets behind a chart point or table row, with the dashboard's filters.

These are the only dashboard reads that touch raw rows, and they are always paginated or limited,
so a page makes the same handful of queries whatever the data size.
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db import connection, transaction
from django.db.models import Count, Max, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import ngettext

from journeys.models import Customer, Touchpoint
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


@dataclass
class AtRisk:
    customer: Customer
    reasons: list[str] = field(default_factory=list)
    score: int = 0
    last_at: datetime | None = None


def _plural(singular: str, plural: str, count: int) -> str:
    return ngettext(singular, plural, count) % {"count": count}


def at_risk_customers(filters: DashboardFilters, *, limit: int = 25) -> list[AtRisk]:
    """Active customers with unhappy signals in the range: detractor or low-CSAT answers,
    reopened tickets, SLA breaches. Three grouped queries, whatever the data size."""
    low, high = day_bounds(filters.start, filters.end)
    responses = Response.objects.filter(
        submitted_at__gte=low,
        submitted_at__lt=high,
        customer__isnull=False,
        customer__churned_at__isnull=True,
    ).filter(Q(nps_score__lte=6) | Q(csat_score__lte=2) | Q(ces_score__lte=2))
    tickets = Ticket.objects.filter(
        created_at__gte=low, created_at__lt=high, customer__churned_at__isnull=True
    ).filter(
        Q(reopened_count__gt=0)
        | Q(sla_first_response_breached=True)
        | Q(sla_resolution_breached=True)
    )
    if filters.touchpoint:
        responses = responses.filter(touchpoint__slug=filters.touchpoint)
        tickets = tickets.filter(touchpoint__slug=filters.touchpoint)
    if filters.channel:
        responses = responses.filter(channel__slug=filters.channel)
        tickets = tickets.filter(channel__slug=filters.channel)
    if filters.persona:
        responses = responses.filter(customer__persona__slug=filters.persona)
        tickets = tickets.filter(customer__persona__slug=filters.persona)

    found: dict[int, dict] = {}
    unhappy = (
        responses.values("customer_id")
        .annotate(
            detractor=Count("id", filter=Q(nps_score__lte=6)),
            low_csat=Count("id", filter=Q(csat_score__lte=2)),
            high_effort=Count("id", filter=Q(ces_score__lte=2)),
            last=Max("submitted_at"),
        )
        .order_by("-detractor", "-low_csat", "-last")[: limit * 4]
    )
    for row in unhappy:
        found[row["customer_id"]] = {"responses": row, "tickets": None}
    troubled = (
        tickets.values("customer_id")
        .annotate(
            reopened=Count("id", filter=Q(reopened_count__gt=0)),
            breached=Count(
                "id", filter=Q(sla_first_response_breached=True) | Q(sla_resolution_breached=True)
            ),
            last=Max("created_at"),
        )
        .order_by("-reopened", "-breached", "-last")[: limit * 4]
    )
    for row in troubled:
        found.setdefault(row["customer_id"], {"responses": None, "tickets": None})["tickets"] = row

    results: list[AtRisk] = []
    customers = Customer.objects.select_related("persona").in_bulk(list(found))
    for customer_id, signals in found.items():
        customer = customers.get(customer_id)
        if customer is None:
            continue
        entry = AtRisk(customer=customer)
        response_row, ticket_row = signals["responses"], signals["tickets"]
        if response_row:
            if response_row["detractor"]:
                entry.reasons.append(
                    _plural(
                        "%(count)d detractor answer",
                        "%(count)d detractor answers",
                        response_row["detractor"],
                    )
                )
            if response_row["low_csat"]:
                entry.reasons.append(
                    _plural(
                        "%(count)d low satisfaction answer",
                        "%(count)d low satisfaction answers",
                        response_row["low_csat"],
                    )
                )
            if response_row["high_effort"]:
                entry.reasons.append(
                    _plural(
                        "%(count)d high-effort answer",
                        "%(count)d high-effort answers",
                        response_row["high_effort"],
                    )
                )
            entry.score += 3 * response_row["detractor"] + 2 * response_row["low_csat"]
            entry.score += response_row["high_effort"]
            entry.last_at = response_row["last"]
        if ticket_row:
            if ticket_row["reopened"]:
                entry.reasons.append(
                    _plural(
                        "%(count)d reopened ticket",
                        "%(count)d reopened tickets",
                        ticket_row["reopened"],
                    )
                )
            if ticket_row["breached"]:
                entry.reasons.append(
                    _plural(
                        "%(count)d ticket past its SLA",
                        "%(count)d tickets past their SLA",
                        ticket_row["breached"],
                    )
                )
            entry.score += 2 * ticket_row["reopened"] + ticket_row["breached"]
            if entry.last_at is None or ticket_row["last"] > entry.last_at:
                entry.last_at = ticket_row["last"]
        results.append(entry)
    results.sort(key=lambda item: (-item.score, -(item.last_at.timestamp() if item.last_at else 0)))
    return results[:limit]
