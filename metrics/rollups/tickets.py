"""Ticket rollups: volume and first-response parts by creation day, resolution parts by the
last resolution day, duration histograms and backlog flows."""

from __future__ import annotations

from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce, Floor, Ln

from metrics import models as m
from metrics import stats
from metrics.rollups.sql import (
    CLOSED_STATES,
    Ranges,
    day_of,
    fsum,
    grouped,
    in_ranges,
    insert_select,
    nonzero,
)
from tickets.models import StatusChange, Ticket


def _ticket_dims(day_field: str, prefix: str = "") -> dict:
    return {
        "k_day": day_of(day_field),
        "k_tp": F(f"{prefix}touchpoint_id"),
        "k_ch": F(f"{prefix}channel_id"),
        "k_persona": nonzero(F(f"{prefix}customer__persona_id")),
        "k_cat": nonzero(F(f"{prefix}category_id")),
        "k_prio": F(f"{prefix}priority"),
    }


TICKET_COLUMNS = {
    "day": "k_day",
    "touchpoint_id": "k_tp",
    "channel_id": "k_ch",
    "persona_id": "k_persona",
    "category_id": "k_cat",
    "priority": "k_prio",
}


def _moments(prefix: str, field: str) -> dict:
    return {
        f"a_{prefix}_n": Count(field),
        f"a_{prefix}_sum": fsum(F(field)),
        f"a_{prefix}_sumsq": fsum(F(field) * F(field)),
    }


def build_tickets_created(ranges: Ranges) -> None:
    aggs = {
        "a_created": Count("id"),
        "a_fcr": Count("id", filter=Q(is_fcr=True)),
        "a_sla_total": Count("id", filter=Q(sla_policy__isnull=False)),
        "a_sla_breached": Count(
            "id",
            filter=Q(sla_policy__isnull=False)
            & (Q(sla_first_response_breached=True) | Q(sla_resolution_breached=True)),
        ),
        **_moments("frt", "frt_seconds"),
        **_moments("frtb", "frt_business_seconds"),
    }
    qs = grouped(
        Ticket.objects.filter(in_ranges("created_at", ranges)), _ticket_dims("created_at"), aggs
    )
    insert_select(m.TicketDaily, qs, TICKET_COLUMNS | {a[2:]: a for a in aggs})


def _resolved_tickets(ranges: Ranges) -> QuerySet:
    return Ticket.objects.filter(
        in_ranges("resolved_at", ranges), resolved_at__isnull=False, status__in=CLOSED_STATES
    )


def build_tickets_resolved(ranges: Ranges) -> None:
    aggs = {
        "a_resolved": Count("id"),
        "a_reopened": Count("id", filter=Q(reopened_count__gt=0)),
        **_moments("res", "resolution_seconds"),
        **_moments("resb", "resolution_business_seconds"),
    }
    qs = grouped(_resolved_tickets(ranges), _ticket_dims("resolved_at"), aggs)
    insert_select(m.ResolutionDaily, qs, TICKET_COLUMNS | {a[2:]: a for a in aggs})


def _bucket(field: str):
    return Case(
        When(**{f"{field}__lt": 1}, then=Value(-1)),
        default=Cast(Floor(Ln(F(field)) / Value(stats.LOG_RATIO)), output_field=IntegerField()),
        output_field=IntegerField(),
    )


HISTOGRAMS = [
    (m.TimeHistogram.FRT, "frt_seconds", "created_at", False),
    (m.TimeHistogram.FRT_BUSINESS, "frt_business_seconds", "created_at", False),
    (m.TimeHistogram.RESOLUTION, "resolution_seconds", "resolved_at", True),
    (m.TimeHistogram.RESOLUTION_BUSINESS, "resolution_business_seconds", "resolved_at", True),
]


def build_histograms(ranges: Ranges) -> None:
    for measure, field, day_field, resolved in HISTOGRAMS:
        base = (
            _resolved_tickets(ranges)
            if resolved
            else Ticket.objects.filter(in_ranges(day_field, ranges))
        )
        dims = _ticket_dims(day_field) | {"k_measure": Value(measure), "k_bucket": _bucket(field)}
        qs = grouped(base.filter(**{f"{field}__isnull": False}), dims, {"a_tickets": Count("id")})
        insert_select(
            m.TimeHistogram,
            qs,
            TICKET_COLUMNS | {"measure": "k_measure", "bucket": "k_bucket", "tickets": "a_tickets"},
        )


def build_backlog(ranges: Ranges) -> None:
    created = grouped(
        Ticket.objects.filter(in_ranges("created_at", ranges)),
        _ticket_dims("created_at") | {"k_source": Value(m.BacklogFlow.CREATED)},
        {"a_opened": Count("id"), "a_closed": Value(0)},
    )
    closed_to = Q(to_status__in=CLOSED_STATES)
    closed_from = Q(from_status__in=CLOSED_STATES)
    transitions = grouped(
        StatusChange.objects.filter(in_ranges("at", ranges)).filter(closed_to ^ closed_from),
        _ticket_dims("at", "ticket__") | {"k_source": Value(m.BacklogFlow.TRANSITION)},
        {
            "a_opened": Count("id", filter=closed_from & ~closed_to),
            "a_closed": Count("id", filter=closed_to & ~closed_from),
        },
    )
    # Tickets closed without any recorded transition into a closed state (imports): they leave
    # the backlog at their resolution time (or creation, when even that is missing).
    untracked = grouped(
        Ticket.objects.filter(status__in=CLOSED_STATES)
        .annotate(k_closed_at=Coalesce("resolved_at", "created_at"))
        .filter(in_ranges("k_closed_at", ranges))
        .filter(
            ~Exists(StatusChange.objects.filter(ticket=OuterRef("pk"), to_status__in=CLOSED_STATES))
        ),
        _ticket_dims("k_closed_at") | {"k_source": Value(m.BacklogFlow.UNTRACKED)},
        {"a_opened": Value(0), "a_closed": Count("id")},
    )
    columns = TICKET_COLUMNS | {"source": "k_source", "opened": "a_opened", "closed": "a_closed"}
    for qs in (created, transitions, untracked):
        insert_select(m.BacklogFlow, qs, columns)
