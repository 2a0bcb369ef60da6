"""Set-based builders: one `INSERT INTO rollup SELECT … GROUP BY` per source and rollup.

Each builder takes the UTC ranges to rebuild (None = everything) and writes that data's rows; the
caller has deleted those days first, inside the same transaction (services.rollups_refresh).
Querysets are built with the ORM so the same code runs on PostgreSQL and SQLite, then wrapped in an
INSERT … SELECT so no row ever travels through Python.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from django.db import connection
from django.db.models import (
    Case,
    CharField,
    Count,
    Exists,
    F,
    FloatField,
    IntegerField,
    Max,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce, Floor, Ln, NullIf, TruncDate

from journeys.models import Customer, JourneyEvent
from metrics import models as m
from metrics import stats
from metrics.models import CES_POINTS, CSAT5_POINTS, CSAT7_POINTS, NPS_POINTS
from metrics.rollups import org_zone
from surveys.models import Answer, FollowUp, Invitation, Question, Response
from tickets.models import StatusChange, Ticket

Ranges = list[tuple[datetime, datetime]] | None
CLOSED_STATES = ("resolved", "closed")
# "Within 2 business days": two opening days of the default calendar (Mon–Fri 09:00–17:00 unless
# an administrator changed it), measured as business seconds from the follow-up ticket's creation
# to its first public agent reply (tickets' frt_business_seconds, which the tickets app derives
# with tickets.business_time).
BUSINESS_DAY_SECONDS_DEFAULT = 8 * 3600


def closed_loop_limit_seconds() -> float:
    try:
        from tickets.calendars import default_calendar_spec

        spec = default_calendar_spec()
    except Exception:  # the default calendar is optional; fall back to PRODUCT.md's 8 h days
        return 2.0 * BUSINESS_DAY_SECONDS_DEFAULT
    per_weekday: dict[int, float] = {}
    for weekday, opens, closes in spec.windows:
        seconds = (closes.hour * 3600 + closes.minute * 60) - (
            opens.hour * 3600 + opens.minute * 60
        )
        per_weekday[weekday] = per_weekday.get(weekday, 0.0) + seconds
    if not per_weekday:
        return 2.0 * BUSINESS_DAY_SECONDS_DEFAULT
    return 2.0 * sum(per_weekday.values()) / len(per_weekday)


def in_ranges(field: str, ranges: Ranges) -> Q:
    if ranges is None:
        return Q()
    q = Q(pk__in=[])
    for start, end in ranges:
        q |= Q(**{f"{field}__gte": start, f"{field}__lt": end})
    return q


def day_of(field: str):
    return TruncDate(field, tzinfo=org_zone())


def insert_select(model, qs: QuerySet, columns: dict[str, str]) -> None:
    """INSERT INTO model (column, …) SELECT alias, … FROM (qs) — columns maps column -> alias."""
    sql, params = qs.query.sql_with_params()
    qn = connection.ops.quote_name
    cols = ", ".join(qn(c) for c in columns)
    values = ", ".join(f"sub.{qn(alias)}" for alias in columns.values())
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {qn(model._meta.db_table)} ({cols}) SELECT {values} FROM ({sql}) sub",
            params,
        )


def _grouped(qs: QuerySet, dims: dict, aggs: dict) -> QuerySet:
    return qs.annotate(**dims).values(*dims).annotate(**aggs).order_by()


def _nonzero(expression) -> Coalesce:
    return Coalesce(expression, Value(0), output_field=IntegerField())


def _fsum(expression) -> Coalesce:
    return Coalesce(
        Sum(expression, output_field=FloatField()), Value(0.0), output_field=FloatField()
    )


def _response_dims(prefix: str = "") -> dict:
    return {
        "k_day": day_of(f"{prefix}submitted_at"),
        "k_tp": F(f"{prefix}touchpoint_id"),
        "k_ch": _nonzero(F(f"{prefix}channel_id")),
        "k_persona": _nonzero(F(f"{prefix}customer__persona_id")),
        "k_lang": F(f"{prefix}language"),
    }


RESPONSE_COLUMNS = {
    "day": "k_day",
    "touchpoint_id": "k_tp",
    "channel_id": "k_ch",
    "persona_id": "k_persona",
    "language": "k_lang",
}


def build_responses(ranges: Ranges) -> None:
    aggs: dict = {"a_responses": Count("id")}
    for p in NPS_POINTS:
        aggs[f"a_nps_{p}"] = Count("id", filter=Q(nps_score=p))
    for p in CSAT5_POINTS:
        aggs[f"a_csat5_{p}"] = Count("id", filter=Q(csat_scale=5, csat_score=p))
    for p in CSAT7_POINTS:
        aggs[f"a_csat7_{p}"] = Count("id", filter=Q(csat_scale=7, csat_score=p))
    for p in CES_POINTS:
        aggs[f"a_ces_{p}"] = Count("id", filter=Q(ces_score=p))
    qs = _grouped(
        Response.objects.filter(in_ranges("submitted_at", ranges)), _response_dims(), aggs
    )
    insert_select(m.ResponseDaily, qs, RESPONSE_COLUMNS | {a[2:]: a for a in aggs})


def build_followups(ranges: Ranges) -> None:
    limit = closed_loop_limit_seconds()
    aggs = {
        "a_triggered": Count("id"),
        "a_closed": Count("id", filter=Q(ticket__frt_business_seconds__lte=limit)),
    }
    qs = _grouped(
        FollowUp.objects.filter(in_ranges("response__submitted_at", ranges)),
        _response_dims("response__"),
        aggs,
    )
    insert_select(
        m.FollowUpDaily, qs, RESPONSE_COLUMNS | {"triggered": "a_triggered", "closed": "a_closed"}
    )


def build_answers(ranges: Ranges) -> None:
    # Numbers (NPS, CSAT, CES, rating, yes/no as 0/1) by value; single choices by their text.
    # Free text is not a distribution; multiple choices are lists (build_multi_choice_answers).
    value = Coalesce(
        Cast("number", output_field=CharField()),
        NullIf(F("text"), Value("")),
        output_field=CharField(),
    )
    qs = (
        Answer.objects.filter(in_ranges("response__submitted_at", ranges))
        .exclude(question__type__in=[Question.Type.TEXT, Question.Type.MULTI_CHOICE])
        .annotate(k_value=value)
        .filter(k_value__isnull=False)
    )
    dims = _response_dims("response__") | {
        "k_survey": F("question__survey_id"),
        "k_question": F("question_id"),
        "k_value": F("k_value"),
    }
    qs = _grouped(qs, dims, {"a_answers": Count("id")})
    insert_select(
        m.AnswerDaily,
        qs,
        RESPONSE_COLUMNS
        | {
            "survey_id": "k_survey",
            "question_id": "k_question",
            "value": "k_value",
            "answers": "a_answers",
        },
    )


def build_multi_choice_answers(ranges: Ranges) -> None:
    """Each chosen option of a multiple-choice answer counts once under its value. The JSON list
    is unnested in the database (jsonb_array_elements_text / json_each), still one statement."""
    zone = org_zone().key
    if connection.vendor == "postgresql":
        day_sql = "(r.submitted_at AT TIME ZONE %s)::date"
        unnest = "CROSS JOIN LATERAL jsonb_array_elements_text(a.choices) AS e(value)"
        is_list = "jsonb_typeof(a.choices) = 'array'"
        day_params: list = [zone]
    else:
        day_sql = "django_datetime_cast_date(r.submitted_at, %s, 'UTC')"
        unnest = "JOIN json_each(a.choices) AS e"
        is_list = "json_type(a.choices) = 'array'"
        day_params = [zone]
    where, where_params = "", []
    if ranges is not None:
        parts = ["(r.submitted_at >= %s AND r.submitted_at < %s)" for _ in ranges]
        where = " AND (" + (" OR ".join(parts) or "1 = 0") + ")"
        where_params = [moment for pair in ranges for moment in pair]
    sql = f"""
        INSERT INTO metrics_answer_daily
            (day, survey_id, question_id, touchpoint_id, channel_id, persona_id, language, value,
             answers)
        SELECT {day_sql}, q.survey_id, a.question_id, r.touchpoint_id, COALESCE(r.channel_id, 0),
               COALESCE(c.persona_id, 0), r.language, CAST(e.value AS VARCHAR(200)), COUNT(*)
        FROM surveys_answer a
        JOIN surveys_question q ON q.id = a.question_id
        JOIN surveys_response r ON r.id = a.response_id
        LEFT JOIN journeys_customer c ON c.id = r.customer_id
        {unnest}
        WHERE q.type = %s AND a.choices IS NOT NULL AND {is_list}{where}
        GROUP BY 1, 2, 3, 4, 5, 6, 7, 8
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, [*day_params, Question.Type.MULTI_CHOICE, *where_params])


def _ticket_dims(day_field: str, prefix: str = "") -> dict:
    return {
        "k_day": day_of(day_field),
        "k_tp": F(f"{prefix}touchpoint_id"),
        "k_ch": F(f"{prefix}channel_id"),
        "k_persona": _nonzero(F(f"{prefix}customer__persona_id")),
        "k_cat": _nonzero(F(f"{prefix}category_id")),
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
        f"a_{prefix}_sum": _fsum(F(field)),
        f"a_{prefix}_sumsq": _fsum(F(field) * F(field)),
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
    qs = _grouped(
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
    qs = _grouped(_resolved_tickets(ranges), _ticket_dims("resolved_at"), aggs)
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
        qs = _grouped(base.filter(**{f"{field}__isnull": False}), dims, {"a_tickets": Count("id")})
        insert_select(
            m.TimeHistogram,
            qs,
            TICKET_COLUMNS | {"measure": "k_measure", "bucket": "k_bucket", "tickets": "a_tickets"},
        )


def build_backlog(ranges: Ranges) -> None:
    created = _grouped(
        Ticket.objects.filter(in_ranges("created_at", ranges)),
        _ticket_dims("created_at") | {"k_source": Value(m.BacklogFlow.CREATED)},
        {"a_opened": Count("id"), "a_closed": Value(0)},
    )
    closed_to = Q(to_status__in=CLOSED_STATES)
    closed_from = Q(from_status__in=CLOSED_STATES)
    transitions = _grouped(
        StatusChange.objects.filter(in_ranges("at", ranges)).filter(closed_to ^ closed_from),
        _ticket_dims("at", "ticket__") | {"k_source": Value(m.BacklogFlow.TRANSITION)},
        {
            "a_opened": Count("id", filter=closed_from & ~closed_to),
            "a_closed": Count("id", filter=closed_to & ~closed_from),
        },
    )
    # Tickets closed without any recorded transition into a closed state (imports): they leave
    # the backlog at their resolution time (or creation, when even that is missing).
    untracked = _grouped(
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


def build_invitations(ranges: Ranges) -> None:
    qs = Invitation.objects.filter(in_ranges("sent_at", ranges), sent_at__isnull=False).exclude(
        status__in=[Invitation.Status.SUPPRESSED, Invitation.Status.PENDING]
    )
    dims = {
        "k_day": day_of("sent_at"),
        "k_tp": F("survey__touchpoint_id"),
        "k_ch": _nonzero(F("channel_id")),
        "k_persona": _nonzero(F("customer__persona_id")),
        "k_lang": F("language"),
    }
    aggs = {"a_sent": Count("id"), "a_responded": Count("response")}
    insert_select(
        m.InvitationDaily,
        _grouped(qs, dims, aggs),
        RESPONSE_COLUMNS | {"sent": "a_sent", "responded": "a_responded"},
    )


def build_customers(ranges: Ranges) -> None:
    for kind, field in (
        (m.CustomerFlow.JOINED, "active_since"),
        (m.CustomerFlow.CHURNED, "churned_at"),
    ):
        qs = _grouped(
            Customer.objects.filter(in_ranges(field, ranges), **{f"{field}__isnull": False}),
            {"k_day": day_of(field), "k_persona": _nonzero(F("persona_id")), "k_kind": Value(kind)},
            {"a_customers": Count("id")},
        )
        insert_select(
            m.CustomerFlow,
            qs,
            {
                "day": "k_day",
                "persona_id": "k_persona",
                "kind": "k_kind",
                "customers": "a_customers",
            },
        )


def build_events(ranges: Ranges) -> None:
    base = JourneyEvent.objects.filter(in_ranges("occurred_at", ranges))
    dims = {
        "k_day": day_of("occurred_at"),
        "k_journey": F("journey_id"),
        "k_stage": F("stage_id"),
        "k_tp": F("touchpoint_id"),
        "k_ch": F("channel_id"),
        "k_persona": _nonzero(F("customer__persona_id")),
        "k_type": F("type"),
    }
    insert_select(
        m.EventDaily,
        _grouped(base, dims, {"a_events": Count("id")}),
        {
            "day": "k_day",
            "journey_id": "k_journey",
            "stage_id": "k_stage",
            "touchpoint_id": "k_tp",
            "channel_id": "k_ch",
            "persona_id": "k_persona",
            "type": "k_type",
            "events": "a_events",
        },
    )
    stage_dims = {
        "k_customer": F("customer_id"),
        "k_journey": F("journey_id"),
        "k_stage": F("stage_id"),
        "k_persona": _nonzero(F("customer__persona_id")),
        "k_day": day_of("occurred_at"),
    }
    insert_select(
        m.StageDay,
        _grouped(base, stage_dims, {"a_first": Min("occurred_at"), "a_last": Max("occurred_at")}),
        {
            "customer_id": "k_customer",
            "journey_id": "k_journey",
            "stage_id": "k_stage",
            "persona_id": "k_persona",
            "day": "k_day",
            "first_at": "a_first",
            "last_at": "a_last",
        },
    )


# Per-day row counts of every time field, for incremental runs (metrics.models.SourceDayCount).
DAY_FIELDS: list[tuple[str, type, str]] = [
    ("response.submitted_at", Response, "submitted_at"),
    ("ticket.created_at", Ticket, "created_at"),
    ("ticket.resolved_at", Ticket, "resolved_at"),
    ("statuschange.at", StatusChange, "at"),
    ("invitation.sent_at", Invitation, "sent_at"),
    ("customer.active_since", Customer, "active_since"),
    ("customer.churned_at", Customer, "churned_at"),
    ("event.occurred_at", JourneyEvent, "occurred_at"),
]


def day_counts(model, ts_field: str, ranges: Ranges = None) -> QuerySet:
    return _grouped(
        model.objects.filter(in_ranges(ts_field, ranges), **{f"{ts_field}__isnull": False}),
        {"k_day": day_of(ts_field)},
        {"a_rows": Count("id")},
    )


def build_day_counts(ranges: Ranges) -> None:
    for key, model, ts_field in DAY_FIELDS:
        qs = day_counts(model, ts_field, ranges).annotate(k_field=Value(key))
        insert_select(m.SourceDayCount, qs, {"field": "k_field", "day": "k_day", "rows": "a_rows"})


# Order matters only for readability; each builder is independent.
BUILDERS: list[tuple[str, Callable[[Ranges], None]]] = [
    ("responses", build_responses),
    ("followups", build_followups),
    ("answers", build_answers),
    ("multi_choice_answers", build_multi_choice_answers),
    ("tickets_created", build_tickets_created),
    ("tickets_resolved", build_tickets_resolved),
    ("histograms", build_histograms),
    ("backlog", build_backlog),
    ("invitations", build_invitations),
    ("customers", build_customers),
    ("events", build_events),
    ("day_counts", build_day_counts),
]

ROLLUP_MODELS = [
    m.ResponseDaily,
    m.FollowUpDaily,
    m.AnswerDaily,
    m.TicketDaily,
    m.ResolutionDaily,
    m.TimeHistogram,
    m.BacklogFlow,
    m.InvitationDaily,
    m.CustomerFlow,
    m.EventDaily,
    m.StageDay,
    m.SourceDayCount,
]
