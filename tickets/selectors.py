"""Reads of tickets, with each user's scope applied in one place."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from tickets.calendars import default_calendar_spec
from tickets.models import Message, Ticket

__all__ = ["default_calendar_spec", "message_list", "ticket_list"]


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
