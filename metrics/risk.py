"""At-risk customers: a score from recent detractor answers, unresolved or reopened tickets and
journey drop-off, with the reasons, computed in one set-based query (correlated counts on the
customer-and-time indexes of responses, tickets and journey events), never a loop over rows."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from journeys.models import Customer, JourneyEvent
from surveys.models import Response
from tickets.models import Ticket

RECENT_DAYS = 90
WEIGHTS = {"detractors": 3, "open_tickets": 2, "reopened": 2, "abandoned": 1}


@dataclass(frozen=True)
class AtRiskCustomer:
    customer_id: int
    external_id: str
    name: str
    score: int
    detractors: int
    open_tickets: int
    reopened: int
    abandoned: int
    reasons: list[str] = field(default_factory=list)


def _count(qs: QuerySet) -> Coalesce:
    counted = qs.order_by().values("customer_id").annotate(c=Count("id")).values("c")
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def _scored(now: datetime | None = None) -> QuerySet:
    now = now or timezone.now()
    since = now - timedelta(days=RECENT_DAYS)
    mine = {"customer_id": OuterRef("pk")}
    qs = Customer.objects.filter(churned_at__isnull=True).annotate(
        detractors=_count(
            Response.objects.filter(**mine, submitted_at__gte=since, nps_score__lte=6)
        ),
        open_tickets=_count(
            Ticket.objects.filter(**mine).exclude(status__in=["resolved", "closed"])
        ),
        reopened=_count(Ticket.objects.filter(**mine, created_at__gte=since, reopened_count__gt=0)),
        abandoned=_count(
            JourneyEvent.objects.filter(**mine, occurred_at__gte=since, type="abandoned")
        ),
    )
    score = sum((WEIGHTS[name] * qs.query.annotations[name] for name in WEIGHTS), Value(0))
    return qs.annotate(score=score).filter(score__gt=0)


def _reasons(row) -> list[str]:
    reasons = []
    if row.detractors:
        reasons.append(
            ngettext("%(n)d detractor answer", "%(n)d detractor answers", row.detractors)
            % {"n": row.detractors}
        )
    if row.open_tickets:
        reasons.append(
            ngettext("%(n)d unresolved ticket", "%(n)d unresolved tickets", row.open_tickets)
            % {"n": row.open_tickets}
        )
    if row.reopened:
        reasons.append(
            ngettext("%(n)d reopened ticket", "%(n)d reopened tickets", row.reopened)
            % {"n": row.reopened}
        )
    if row.abandoned:
        reasons.append(_("left a journey (%(n)d drop-offs)") % {"n": row.abandoned})
    return reasons


def at_risk_customers(
    *, limit: int = 50, offset: int = 0, now: datetime | None = None
) -> list[AtRiskCustomer]:
    """Customers not churned with a positive risk score, highest first."""
    limit = max(0, min(int(limit), 500))
    offset = max(0, int(offset))
    rows = _scored(now).order_by("-score", "external_id")[offset : offset + limit]
    return [
        AtRiskCustomer(
            customer_id=row.pk,
            external_id=row.external_id,
            name=str(row),
            score=row.score,
            detractors=row.detractors,
            open_tickets=row.open_tickets,
            reopened=row.reopened,
            abandoned=row.abandoned,
            reasons=_reasons(row),
        )
        for row in rows
    ]


def at_risk_count(*, now: datetime | None = None) -> int:
    return _scored(now).count()


__all__ = ["AtRiskCustomer", "at_risk_count", "at_risk_customers"]
