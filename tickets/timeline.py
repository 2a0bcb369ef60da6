"""The tickets provider for journeys' customer timeline: the customer's tickets and what they
wrote in them, on every channel, for users who may see those tickets."""

from __future__ import annotations

from django.urls import reverse
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from journeys.timeline import TimelineEntry
from tickets.models import Message
from tickets.selectors import ticket_list


def ticket_entries(*, customer, user, limit: int) -> list[TimelineEntry]:
    if not user.has_perm("tickets.view_ticket"):
        return []
    tickets = ticket_list(user=user).filter(customer=customer)
    entries = []
    for ticket in tickets.order_by("-created_at")[:limit]:
        tone = ""
        if ticket.sla_breached or ticket.reopened_count:
            tone = "bad"
        elif ticket.resolved_at is not None:
            tone = "good"
        entries.append(
            TimelineEntry(
                at=ticket.created_at,
                kind="ticket",
                title=_("Ticket %(reference)s: %(subject)s")
                % {"reference": ticket.reference, "subject": ticket.subject},
                channel=ticket.channel.name,
                touchpoint=ticket.touchpoint.name,
                url=reverse("tickets:detail", args=[ticket.pk]),
                detail=str(ticket.get_status_display()),
                tone=tone,
                extra={"ticket_id": ticket.pk},
            )
        )
    said = (
        Message.objects.filter(ticket__in=tickets.values("pk"), kind=Message.Kind.CUSTOMER)
        .select_related("ticket__channel", "ticket__touchpoint")
        .order_by("-created_at")[:limit]
    )
    for message in said:
        entries.append(
            TimelineEntry(
                at=message.created_at,
                kind="ticket_message",
                title=_("Wrote in %(reference)s") % {"reference": message.ticket.reference},
                channel=message.ticket.channel.name,
                touchpoint=message.ticket.touchpoint.name,
                url=reverse("tickets:detail", args=[message.ticket_id]),
                detail=Truncator(message.body).chars(160),
                extra={"ticket_id": message.ticket_id},
            )
        )
    return entries
