"""Customers at risk: active customers with unhappy signals in the dashboard's range and filters,
each with a score and the reasons behind it.

Signals (weight): detractor answers (3), low satisfaction (2), high effort (1), reopened tickets
(2), tickets past their SLA (1), tickets still unresolved (2), journeys left part-way (1).
Three grouped queries whatever the data size, each capped to the most troubled customers, so the
page and its CSV read the same list and never loop over raw rows."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Count, Max, Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from journeys.models import Customer, JourneyEvent
from metrics.drilldown import day_bounds
from metrics.filters import DashboardFilters
from surveys.models import Response
from tickets.models import Ticket

UNHAPPY_ANSWER = Q(nps_score__lte=6) | Q(csat_score__lte=2) | Q(ces_score__lte=2)
BREACHED = Q(sla_first_response_breached=True) | Q(sla_resolution_breached=True)
UNRESOLVED = ~Q(status__in=["resolved", "closed"])
WEIGHTS = {
    "detractor": 3,
    "low_csat": 2,
    "high_effort": 1,
    "reopened": 2,
    "breached": 1,
    "unresolved": 2,
    "abandoned": 1,
}


@dataclass
class AtRisk:
    customer: Customer
    reasons: list[str] = field(default_factory=list)
    score: int = 0
    last_at: datetime | None = None
    signals: dict[str, int] = field(default_factory=dict)


def _reason(key: str, count: int) -> str:
    # Literal msgids per signal so makemessages finds them.
    texts = {
        "detractor": lambda: ngettext(
            "%(count)d detractor answer", "%(count)d detractor answers", count
        ),
        "low_csat": lambda: ngettext(
            "%(count)d low satisfaction answer", "%(count)d low satisfaction answers", count
        ),
        "high_effort": lambda: ngettext(
            "%(count)d high-effort answer", "%(count)d high-effort answers", count
        ),
        "reopened": lambda: ngettext(
            "%(count)d reopened ticket", "%(count)d reopened tickets", count
        ),
        "breached": lambda: ngettext(
            "%(count)d ticket past its SLA", "%(count)d tickets past their SLA", count
        ),
    }
    if key == "unresolved":
        return ngettext("%(n)d unresolved ticket", "%(n)d unresolved tickets", count) % {"n": count}
    if key == "abandoned":
        return _("left a journey (%(n)d drop-offs)") % {"n": count}
    return texts[key]() % {"count": count}


def _filtered(qs: QuerySet, filters: DashboardFilters) -> QuerySet:
    if filters.touchpoint:
        qs = qs.filter(touchpoint__slug=filters.touchpoint)
    if filters.channel:
        qs = qs.filter(channel__slug=filters.channel)
    if filters.persona:
        qs = qs.filter(customer__persona__slug=filters.persona)
    return qs


def _signal_rows(filters: DashboardFilters, cap: int) -> list[dict]:
    low, high = day_bounds(filters.start, filters.end)
    active = {"customer__isnull": False, "customer__churned_at__isnull": True}
    responses = _filtered(
        Response.objects.filter(submitted_at__gte=low, submitted_at__lt=high, **active).filter(
            UNHAPPY_ANSWER
        ),
        filters,
    )
    tickets = _filtered(
        Ticket.objects.filter(created_at__gte=low, created_at__lt=high, **active).filter(
            Q(reopened_count__gt=0) | BREACHED | UNRESOLVED
        ),
        filters,
    )
    events = _filtered(
        JourneyEvent.objects.filter(
            occurred_at__gte=low, occurred_at__lt=high, type="abandoned", **active
        ),
        filters,
    )
    return [
        *responses.values("customer_id")
        .annotate(
            detractor=Count("id", filter=Q(nps_score__lte=6)),
            low_csat=Count("id", filter=Q(csat_score__lte=2)),
            high_effort=Count("id", filter=Q(ces_score__lte=2)),
            last=Max("submitted_at"),
        )
        .order_by("-detractor", "-low_csat", "-last")[:cap],
        *tickets.values("customer_id")
        .annotate(
            reopened=Count("id", filter=Q(reopened_count__gt=0)),
            breached=Count("id", filter=BREACHED),
            unresolved=Count("id", filter=UNRESOLVED),
            last=Max("created_at"),
        )
        .order_by("-reopened", "-unresolved", "-breached", "-last")[:cap],
        *events.values("customer_id")
        .annotate(abandoned=Count("id"), last=Max("occurred_at"))
        .order_by("-abandoned", "-last")[:cap],
    ]


def at_risk_customers(filters: DashboardFilters, *, limit: int = 25) -> list[AtRisk]:
    """The most troubled active customers in the filtered range, highest score first."""
    limit = max(1, min(int(limit), 500))
    merged: dict[int, dict] = {}
    for row in _signal_rows(filters, cap=limit * 4):
        entry = merged.setdefault(row["customer_id"], {"last": row["last"]})
        entry["last"] = max(entry["last"], row["last"])
        for key in WEIGHTS:
            if key in row:
                entry[key] = row[key]
    customers = Customer.objects.select_related("persona").in_bulk(list(merged))
    results = []
    for customer_id, signals in merged.items():
        customer = customers.get(customer_id)
        if customer is None:
            continue
        counts = {key: signals[key] for key in WEIGHTS if signals.get(key)}
        results.append(
            AtRisk(
                customer=customer,
                reasons=[_reason(key, count) for key, count in counts.items()],
                score=sum(WEIGHTS[key] * count for key, count in counts.items()),
                last_at=signals["last"],
                signals=counts,
            )
        )
    results.sort(key=lambda item: (-item.score, -item.last_at.timestamp(), item.customer.pk))
    return results[:limit]


__all__ = ["WEIGHTS", "AtRisk", "at_risk_customers"]
