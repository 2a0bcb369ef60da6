"""Reads of tickets, with each user's scope applied in one place."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Case, DateTimeField, F, IntegerField, Q, QuerySet, Value, When
from django.utils import timezone

from tickets.business_time import CalendarSpec, add_business_time
from tickets.calendars import default_calendar_spec
from tickets.models import Message, Ticket
from tickets.timing import DONE

__all__ = [
    "QueueFilters",
    "default_calendar_spec",
    "message_list",
    "ticket_list",
    "ticket_queue",
]


def sees_all_tickets(user) -> bool:
    return user.is_superuser or user.has_perm("metrics.view_dashboards")


def ticket_list(*, user) -> QuerySet[Ticket]:
    """Tickets `user` may see: everything for administrators and managers; for agents, their
    departments' tickets, tickets assigned to them, and tickets of no department."""
    tickets = Ticket.objects.select_related(
        "customer", "channel", "touchpoint", "category", "assignee", "department", "sla_policy"
    )
    if not user.is_authenticated or not user.has_perm("tickets.view_ticket"):
        return tickets.none()
    if sees_all_tickets(user):
        return tickets
    return tickets.filter(
        Q(department__in=user.cx_departments.values("pk"))
        | Q(assignee=user)
        | Q(department__isnull=True)
    )


def message_list(*, ticket: Ticket, user) -> QuerySet[Message]:
    """A ticket's conversation; internal notes only for people who work tickets."""
    messages = ticket.messages.select_related("author").order_by("created_at", "id")
    if not user.has_perm("tickets.change_ticket"):
        messages = messages.exclude(kind=Message.Kind.NOTE)
    return messages


@dataclass(frozen=True)
class QueueFilters:
    """A queue view: every value already checked against its allowlist (forms.QueueFilterForm)."""

    status: str = ""  # a Ticket.Status, "active" (not resolved/closed) or "" for all
    channel: str = ""
    touchpoint: str = ""
    category: str = ""
    priority: str = ""
    assignee: str = ""  # a user id, "none" or ""
    mine: bool = False
    at_risk: bool = False
    search: str = ""
    sort: str = "newest"


PRIORITY_RANK = Case(
    When(priority="urgent", then=Value(0)),
    When(priority="high", then=Value(1)),
    When(priority="normal", then=Value(2)),
    default=Value(3),
    output_field=IntegerField(),
)
# The due time that matters now: first response until there is one, then resolution.
NEXT_DUE = Case(
    When(first_response_at__isnull=True, then=F("sla_first_response_due")),
    default=F("sla_resolution_due"),
    output_field=DateTimeField(),
)
SORTS: dict[str, tuple] = {
    "newest": ("-created_at", "-id"),
    "oldest": ("created_at", "id"),
    "priority": (PRIORITY_RANK.asc(), "created_at", "id"),
    "due": (F("next_due").asc(nulls_last=True), "created_at", "id"),
    "updated": ("-updated_at", "-id"),
}
AT_RISK_WITHIN = timedelta(hours=1)


def at_risk_q(*, now: datetime, spec: CalendarSpec) -> Q:
    """Open tickets already breached, or due within one business hour from `now`."""
    horizon = add_business_time(now, AT_RISK_WITHIN, spec) or now + AT_RISK_WITHIN
    return ~Q(status__in=DONE) & (
        Q(sla_first_response_breached=True)
        | Q(sla_resolution_breached=True)
        | Q(first_response_at__isnull=True, sla_first_response_due__lte=horizon)
        | Q(sla_resolution_due__lte=horizon)
    )


def ticket_queue(*, user, filters: QueueFilters, now: datetime | None = None) -> QuerySet[Ticket]:
    tickets = ticket_list(user=user).annotate(next_due=NEXT_DUE)
    if filters.status == "active":
        tickets = tickets.exclude(status__in=DONE)
    elif filters.status:
        tickets = tickets.filter(status=filters.status)
    if filters.channel:
        tickets = tickets.filter(channel__slug=filters.channel)
    if filters.touchpoint:
        tickets = tickets.filter(touchpoint__slug=filters.touchpoint)
    if filters.category:
        tickets = tickets.filter(category__slug=filters.category)
    if filters.priority:
        tickets = tickets.filter(priority=filters.priority)
    if filters.assignee == "none":
        tickets = tickets.filter(assignee__isnull=True)
    elif filters.assignee:
        tickets = tickets.filter(assignee_id=int(filters.assignee))
    if filters.mine:
        tickets = tickets.filter(assignee=user)
    if filters.at_risk:
        tickets = tickets.filter(at_risk_q(now=now or timezone.now(), spec=default_calendar_spec()))
    if filters.search:
        tickets = tickets.filter(
            Q(reference__iexact=filters.search)
            | Q(subject__icontains=filters.search)
            | Q(customer__external_id__iexact=filters.search)
            | Q(customer__name__icontains=filters.search)
        )
    return tickets.order_by(*SORTS.get(filters.sort, SORTS["newest"]))


def customer_tickets(*, customer, user, limit: int = 50) -> QuerySet[Ticket]:
    return ticket_list(user=user).filter(customer=customer).order_by("-created_at")[:limit]
