"""Ticket rollups: volume and first-response parts by creation day, resolution parts by the
last resolution day, duration histograms and backlog flows."""

from __future__ import annotations

from django.db import connection
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
    target_table,
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


def _histogram_source(ranges: Ranges) -> QuerySet:
    """One row per ticket touching the ranges: its dimensions, both local days and the bucket of
    each measure (NULL when the measure has no value or its day is outside the ranges)."""
    closed = Q(resolved_at__isnull=False, status__in=CLOSED_STATES)
    created_in = in_ranges("created_at", ranges)
    resolved_in = closed & in_ranges("resolved_at", ranges)
    buckets = {}
    for measure, field, _day_field, resolved in HISTOGRAMS:
        condition = resolved_in if resolved else created_in
        buckets[f"b_{measure}"] = (
            _bucket(field)
            if not condition
            else Case(
                When(condition, then=_bucket(field)), default=None, output_field=IntegerField()
            )
        )
    qs = Ticket.objects.all() if ranges is None else Ticket.objects.filter(created_in | resolved_in)
    dims = {k: v for k, v in _ticket_dims("created_at").items() if k != "k_day"}
    return (
        qs.annotate(**dims, k_cday=day_of("created_at"), k_rday=day_of("resolved_at"), **buckets)
        .values(*dims, "k_cday", "k_rday", *buckets)
        .order_by()
    )


def build_histograms(ranges: Ranges) -> None:
    """All four measures in one pass over the tickets: each ticket row is crossed with the four
    measure numbers and grouped once, instead of four scans, joins and aggregations."""
    sql, params = _histogram_source(ranges).query.sql_with_params()
    measures = " UNION ALL ".join(f"SELECT {int(measure)} AS measure" for measure, *_ in HISTOGRAMS)
    bucket = (
        "CASE k.measure "
        + " ".join(f"WHEN {int(measure)} THEN sub.b_{measure}" for measure, *_ in HISTOGRAMS)
        + " END"
    )
    created_measures = ", ".join(
        str(int(measure)) for measure, _field, _day, resolved in HISTOGRAMS if not resolved
    )
    day = f"CASE WHEN k.measure IN ({created_measures}) THEN sub.k_cday ELSE sub.k_rday END"
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {target_table(m.TimeHistogram)}
                (measure, day, touchpoint_id, channel_id, persona_id, category_id, priority, bucket,
                 tickets)
            SELECT k.measure, {day}, sub.k_tp, sub.k_ch, sub.k_persona, sub.k_cat, sub.k_prio,
                   {bucket}, COUNT(*)
            FROM ({sql}) sub CROSS JOIN ({measures}) k
            WHERE {bucket} IS NOT NULL
            GROUP BY k.measure, {day}, sub.k_tp, sub.k_ch, sub.k_persona, sub.k_cat, sub.k_prio,
                     {bucket}
            """,
            params,
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
        # Exactly one side closed, spelled as two ANDed pairs rather than XOR: PostgreSQL
        # estimated the XOR form at a thousandth of its rows and joined them row by row.
        StatusChange.objects.filter(in_ranges("at", ranges)).filter(
            (closed_to & ~closed_from) | (closed_from & ~closed_to)
        ),
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
        # The range test spelled per column (not on the COALESCE) so a few days use the
        # resolved_at and created_at indexes instead of reading every closed ticket.
        .filter(
            Q()
            if ranges is None
            else in_ranges("resolved_at", ranges)
            | (Q(resolved_at__isnull=True) & in_ranges("created_at", ranges))
        )
        .filter(
            ~Exists(StatusChange.objects.filter(ticket=OuterRef("pk"), to_status__in=CLOSED_STATES))
        ),
        _ticket_dims("k_closed_at") | {"k_source": Value(m.BacklogFlow.UNTRACKED)},
        {"a_opened": Value(0), "a_closed": Count("id")},
    )
    columns = TICKET_COLUMNS | {"source": "k_source", "opened": "a_opened", "closed": "a_closed"}
    for qs in (created, transitions, untracked):
        insert_select(m.BacklogFlow, qs, columns)
