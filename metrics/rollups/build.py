"""Set-based builders: one `INSERT INTO rollup SELECT … GROUP BY` per source and rollup.

Each builder takes the UTC ranges to rebuild (None = everything) and writes that data's rows; the
caller has deleted those days first, inside the same transaction (services.rollups_refresh).
Querysets are built with the ORM so the same code runs on PostgreSQL and SQLite, then wrapped in an
INSERT … SELECT (metrics.rollups.sql). Survey and ticket builders live in rollups.surveys and
rollups.tickets; this module holds the rest and the registry the recompute walks.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db import connection
from django.db.models import Count, Exists, F, Max, Min, OuterRef, QuerySet, UniqueConstraint, Value

from journeys.models import Customer, JourneyEvent
from metrics import models as m
from metrics.rollups import org_zone, sql
from metrics.rollups.sql import (  # noqa: F401 - builders' helpers, importable from here as before
    CLOSED_STATES,
    Ranges,
    day_of,
    grouped,
    in_ranges,
    insert_select,
    nonzero,
)
from metrics.rollups.surveys import (
    BUSINESS_DAY_SECONDS_DEFAULT,  # noqa: F401
    RESPONSE_COLUMNS,
    build_answers,
    build_followups,
    build_multi_choice_answers,
    build_responses,
    closed_loop_limit_seconds,  # noqa: F401
)
from metrics.rollups.tickets import (
    HISTOGRAMS,  # noqa: F401
    build_backlog,
    build_histograms,
    build_tickets_created,
    build_tickets_resolved,
)
from surveys.models import Invitation, Response
from tickets.models import StatusChange, Ticket


def build_invitations(ranges: Ranges) -> None:
    qs = Invitation.objects.filter(in_ranges("sent_at", ranges), sent_at__isnull=False).exclude(
        status__in=[Invitation.Status.SUPPRESSED, Invitation.Status.PENDING]
    )
    dims = {
        "k_day": day_of("sent_at"),
        "k_tp": F("survey__touchpoint_id"),
        "k_ch": nonzero(F("channel_id")),
        "k_persona": nonzero(F("customer__persona_id")),
        "k_lang": F("language"),
    }
    # A response per invitation at most (one-to-one). For a few days a probe per invitation beats
    # the join, which walks the whole response.invitation_id index; for everything the join wins.
    responded = (
        Count("response")
        if ranges is None
        else Count("id", filter=Exists(Response.objects.filter(invitation_id=OuterRef("pk"))))
    )
    aggs = {"a_sent": Count("id"), "a_responded": responded}
    insert_select(
        m.InvitationDaily,
        grouped(qs, dims, aggs),
        RESPONSE_COLUMNS | {"sent": "a_sent", "responded": "a_responded"},
    )


def build_customers(ranges: Ranges) -> None:
    for kind, field in (
        (m.CustomerFlow.JOINED, "active_since"),
        (m.CustomerFlow.CHURNED, "churned_at"),
    ):
        qs = grouped(
            Customer.objects.filter(in_ranges(field, ranges), **{f"{field}__isnull": False}),
            {"k_day": day_of(field), "k_persona": nonzero(F("persona_id")), "k_kind": Value(kind)},
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
        "k_persona": nonzero(F("customer__persona_id")),
        "k_type": F("type"),
    }
    insert_select(
        m.EventDaily,
        grouped(base, dims, {"a_events": Count("id")}),
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
        "k_persona": nonzero(F("customer__persona_id")),
        "k_day": day_of("occurred_at"),
    }
    insert_select(
        m.StageDay,
        grouped(base, stage_dims, {"a_first": Min("occurred_at"), "a_last": Max("occurred_at")}),
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
    return grouped(
        model.objects.filter(in_ranges(ts_field, ranges), **{f"{ts_field}__isnull": False}),
        {"k_day": day_of(ts_field)},
        {"a_rows": Count("id")},
    )


# Day counts that the rollups written just before already hold (summed over their other keys):
# no second scan of the source table. Each rollup counts every row of its source by that day.
DERIVED_DAY_COUNTS: dict[str, tuple[type, str, str]] = {
    "response.submitted_at": (m.ResponseDaily, "responses", ""),
    "ticket.created_at": (m.TicketDaily, "created", ""),
    "customer.active_since": (m.CustomerFlow, "customers", f"kind = {m.CustomerFlow.JOINED}"),
    "customer.churned_at": (m.CustomerFlow, "customers", f"kind = {m.CustomerFlow.CHURNED}"),
    "event.occurred_at": (m.EventDaily, "events", ""),
}


def build_day_counts(ranges: Ranges) -> None:
    """Per-day row counts of every time field; runs after the other builders (BUILDERS order)."""
    qn = connection.ops.quote_name
    for key, model, ts_field in DAY_FIELDS:
        derived = DERIVED_DAY_COUNTS.get(key)
        if derived is None:
            qs = day_counts(model, ts_field, ranges).annotate(k_field=Value(key))
            insert_select(
                m.SourceDayCount, qs, {"field": "k_field", "day": "k_day", "rows": "a_rows"}
            )
            continue
        rollup, column, where = derived
        conditions, params = [where] if where else [], [key]
        if ranges is not None:
            # The local days the ranges cover (each range runs from one local midnight to another).
            zone = org_zone()
            spans = [(a.astimezone(zone).date(), b.astimezone(zone).date()) for a, b in ranges]
            conditions.append("(" + " OR ".join("(day >= %s AND day < %s)" for _ in spans) + ")")
            params += [bound for span in spans for bound in span]
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {sql.target_table(m.SourceDayCount)} (field, day, {qn('rows')}) "
                f"SELECT %s, day, SUM({qn(column)}) FROM {sql.target_table(rollup)}"
                + (f" WHERE {' AND '.join(conditions)}" if conditions else "")
                + " GROUP BY day",
                params,
            )


# Each builder is independent but the last: day_counts sums some rollups written before it.
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


def unique_key(model) -> list[str]:
    """The columns of a rollup's unique key: its dimensions."""
    for constraint in model._meta.constraints:
        if isinstance(constraint, UniqueConstraint) and constraint.condition is None:
            return [model._meta.get_field(name).column for name in constraint.fields]
    raise LookupError(f"{model.__name__} has no unique key")


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
