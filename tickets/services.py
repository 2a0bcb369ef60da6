"""Writes for tickets. Every change to messages or status goes through here and ends in
ticket_timing_refresh, the one place the timing figures are derived (PRODUCT.md definitions)."""

from __future__ import annotations

from datetime import datetime
from uuid import uuid4

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import CharField, Value
from django.db.models.functions import Cast, Concat, LPad
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from journeys.models import Channel, Customer, Department, Touchpoint
from journeys.services import customer_resolve
from tickets import signals
from tickets.calendars import active_policies, default_calendar_spec, sla_targets
from tickets.models import Category, Message, Priority, StatusChange, Ticket
from tickets.timing import (
    ACTIVE,
    ALLOWED_TRANSITIONS,
    DONE,
    ChangeRow,
    MessageRow,
    compute_timing,
    status_at,
)

UNKNOWN_STATUS = _("Unknown status '{value}'.")
TRANSITION_NOT_ALLOWED = _("A {current} ticket cannot become {wanted}.")
UNKNOWN_KIND = _("Unknown message kind '{value}'.")
UNKNOWN_PRIORITY = _("Unknown priority '{value}'.")
EMPTY_BODY = _("A message needs a body.")
NUL_NOT_ALLOWED = _("Null characters are not allowed.")
BEFORE_CREATION = _("This time is before the ticket was created.")
ASSIGNEE_NOT_AGENT = _("Tickets can only be assigned to people who may work tickets.")
REFERENCE_FORMAT = "T-{number:06d}"

DERIVED_FIELDS = [
    "status",
    "first_response_at",
    "frt_seconds",
    "frt_business_seconds",
    "resolved_at",
    "resolved_by",
    "resolution_seconds",
    "resolution_business_seconds",
    "public_reply_count",
    "reopened_count",
    "is_fcr",
    "sla_policy",
    "sla_first_response_due",
    "sla_resolution_due",
    "sla_first_response_breached",
    "sla_resolution_breached",
    "updated_at",
]


def _refuse_nul(field: str, value: str) -> None:
    if "\x00" in value:
        raise ValidationError({field: NUL_NOT_ALLOWED})


def reference_for(number: int) -> str:
    return REFERENCE_FORMAT.format(number=number)


def temporary_reference() -> str:
    """A unique placeholder until the row has its id (20 chars, the column's size)."""
    return f"tmp-{uuid4().hex[:16]}"


def references_assign() -> int:
    """Give every ticket still holding a placeholder its "T-000123" reference, from its id.

    Derived from the primary key, so parallel creations can never pick the same number.
    """
    return Ticket.objects.filter(reference__startswith="tmp-").update(
        reference=Concat(Value("T-"), LPad(Cast("id", CharField()), 6, Value("0")))
    )


@transaction.atomic
def ticket_create(
    *,
    subject: str,
    customer: Customer,
    channel: Channel,
    touchpoint: Touchpoint,
    category: Category | None = None,
    priority: str = "normal",
    department: Department | None = None,
    created_at: datetime | None = None,
    actor=None,
    body: str = "",
    opened_by_agent: bool = False,
    external_id: str | None = None,
) -> Ticket:
    """Open a ticket; `body` is its opening message (a public reply when an agent opened it)."""
    _refuse_nul("subject", subject)
    _refuse_nul("body", body)
    if priority not in Priority.values:
        raise ValidationError({"priority": UNKNOWN_PRIORITY.format(value=priority)})
    ticket = Ticket(
        reference=temporary_reference(),
        external_id=external_id or None,
        subject=subject.strip(),
        customer=customer,
        channel=channel,
        touchpoint=touchpoint,
        category=category,
        priority=priority,
        department=department if department is not None else touchpoint.department,
        created_at=created_at or timezone.now(),
        opened_by_agent=opened_by_agent,
    )
    ticket.full_clean(exclude=["reference"])
    ticket.save()
    ticket.reference = reference_for(ticket.pk)
    Ticket.objects.filter(pk=ticket.pk).update(reference=ticket.reference)
    if body.strip():
        Message.objects.create(
            ticket=ticket,
            kind=Message.Kind.REPLY if opened_by_agent else Message.Kind.CUSTOMER,
            author=actor if opened_by_agent else None,
            body=body,
            created_at=ticket.created_at,
            is_opening=opened_by_agent,
        )
    return ticket_timing_refresh(ticket=ticket)


@transaction.atomic
def ticket_create_for_customer_id(
    *, customer_external_id: str, created_at: datetime | None = None, **fields
) -> Ticket:
    """ticket_create for the customer with this external id, who is created (active since the
    ticket) when new. One transaction: a ticket that fails validation leaves no new customer."""
    customer = customer_resolve(external_id=customer_external_id, seen_at=created_at)
    return ticket_create(customer=customer, created_at=created_at, **fields)


def _locked(ticket: Ticket) -> Ticket:
    return Ticket.objects.select_for_update().get(pk=ticket.pk)


def _history(ticket: Ticket) -> list[ChangeRow]:
    return [
        ChangeRow(to_status=to_status, at=at, id=pk, actor_id=actor_id)
        for pk, to_status, at, actor_id in ticket.status_changes.values_list(
            "id", "to_status", "at", "actor_id"
        )
    ]


def _check_time(ticket: Ticket, moment: datetime, field: str) -> None:
    if moment < ticket.created_at:
        raise ValidationError({field: BEFORE_CREATION})


@transaction.atomic
def message_add(
    *,
    ticket: Ticket,
    kind: str,
    body: str,
    author=None,
    created_at: datetime | None = None,
) -> Message:
    """Add a message. An agent's reply opens a new ticket; a customer's answer ends pending."""
    if kind not in Message.Kind.values:
        raise ValidationError({"kind": UNKNOWN_KIND.format(value=kind)})
    _refuse_nul("body", body)
    if not body.strip():
        raise ValidationError({"body": EMPTY_BODY})
    ticket = _locked(ticket)
    created_at = created_at or timezone.now()
    _check_time(ticket, created_at, "created_at")
    message = Message(ticket=ticket, kind=kind, body=body, author=author, created_at=created_at)
    message.full_clean()
    message.save()

    history = _history(ticket)
    latest = max((change.at for change in history), default=ticket.created_at)
    # Only a message at the end of the history moves the status: an imported old message must
    # not rewrite what happened after it.
    if created_at >= latest:
        current = status_at(history, created_at)
        agent_picks_up = kind == Message.Kind.REPLY and current == Ticket.Status.NEW
        customer_answers = kind == Message.Kind.CUSTOMER and current == Ticket.Status.PENDING
        if agent_picks_up or customer_answers:
            StatusChange.objects.create(
                ticket=ticket,
                from_status=current,
                to_status=Ticket.Status.OPEN,
                at=created_at,
                actor=author,
            )
    ticket_timing_refresh(ticket=ticket)
    if kind == Message.Kind.REPLY:
        signals.send_on_commit(
            signals.ticket_replied, ticket_id=ticket.pk, message_id=message.pk, at=created_at
        )
    return message


@transaction.atomic
def ticket_transition(
    *, ticket: Ticket, status: str, actor=None, at: datetime | None = None
) -> Ticket:
    """Move a ticket along the allowed status graph, recording who did it and when."""
    if status not in Ticket.Status.values:
        raise ValidationError({"status": UNKNOWN_STATUS.format(value=status)})
    # The lock makes a concurrent resolve and reopen run one after the other, each seeing the
    # other's result, so neither update is lost and the history stays a valid chain.
    ticket = _locked(ticket)
    at = at or timezone.now()
    _check_time(ticket, at, "at")
    history = _history(ticket)
    current = status_at(history, at)
    if status not in ALLOWED_TRANSITIONS[current]:
        raise ValidationError(
            {
                "status": TRANSITION_NOT_ALLOWED.format(
                    current=Ticket.Status(current).label, wanted=Ticket.Status(status).label
                )
            }
        )
    StatusChange.objects.create(
        ticket=ticket, from_status=current, to_status=status, at=at, actor=actor
    )
    ticket = ticket_timing_refresh(ticket=ticket)
    if current in ACTIVE and status in DONE:
        signals.send_on_commit(
            signals.ticket_resolved,
            ticket_id=ticket.pk,
            resolved_by_id=actor.pk if actor is not None else None,
            at=at,
        )
    elif current in DONE and status in ACTIVE:
        signals.send_on_commit(signals.ticket_reopened, ticket_id=ticket.pk, at=at)
    return ticket


@transaction.atomic
def ticket_reply(
    *, ticket: Ticket, kind: str, body: str, author=None, then_status: str = ""
) -> Message:
    """A message and, when then_status is given, a status change: both happen or neither does."""
    message = message_add(ticket=ticket, kind=kind, body=body, author=author)
    if then_status:
        ticket_transition(ticket=ticket, status=then_status, actor=author)
    return message


@transaction.atomic
def ticket_assign(*, ticket: Ticket, assignee, actor=None) -> Ticket:
    """Assign (or, with None, unassign) a ticket to someone who may work tickets."""
    if assignee is not None and not (
        assignee.is_active and assignee.has_perm("tickets.change_ticket")
    ):
        raise ValidationError({"assignee": ASSIGNEE_NOT_AGENT})
    ticket = _locked(ticket)
    ticket.assignee = assignee
    ticket.save(update_fields=["assignee", "updated_at"])
    return ticket


@transaction.atomic
def ticket_update(
    *,
    ticket: Ticket,
    priority: str | None = None,
    category: Category | None = None,
    department: Department | None = None,
) -> Ticket:
    """Change the triage fields; a new priority moves the SLA targets."""
    ticket = _locked(ticket)
    if priority is not None:
        if priority not in Priority.values:
            raise ValidationError({"priority": UNKNOWN_PRIORITY.format(value=priority)})
        ticket.priority = priority
    if category is not None:
        ticket.category = category
    if department is not None:
        ticket.department = department
    ticket.full_clean()
    ticket.save()
    return ticket_timing_refresh(ticket=ticket)


def ticket_timing_refresh(*, ticket: Ticket, now: datetime | None = None) -> Ticket:
    """Re-derive status, first response, resolution, FCR and SLA from all of the ticket's rows.

    Rows are sorted by time here, so history imported out of order gives the same figures as
    history recorded live; stored `from_status` values are re-chained to match.
    """
    messages = [
        MessageRow(kind=kind, created_at=created_at, id=pk, is_opening=is_opening)
        for pk, kind, created_at, is_opening in ticket.messages.values_list(
            "id", "kind", "created_at", "is_opening"
        )
    ]
    history = _history(ticket)
    policy = active_policies().get(ticket.priority)
    default_spec = default_calendar_spec()
    timing = compute_timing(
        created_at=ticket.created_at,
        messages=messages,
        changes=history,
        business_spec=default_spec,
        sla=sla_targets(policy, default_spec),
        now=now or timezone.now(),
    )
    ticket.status = timing.status
    ticket.first_response_at = timing.first_response_at
    ticket.frt_seconds = timing.frt_seconds
    ticket.frt_business_seconds = timing.frt_business_seconds
    ticket.resolved_at = timing.resolved_at
    ticket.resolved_by_id = timing.resolved_by_id
    ticket.resolution_seconds = timing.resolution_seconds
    ticket.resolution_business_seconds = timing.resolution_business_seconds
    ticket.public_reply_count = timing.public_reply_count
    ticket.reopened_count = timing.reopened_count
    ticket.is_fcr = timing.is_fcr
    ticket.sla_policy = policy
    ticket.sla_first_response_due = timing.sla_first_response_due
    ticket.sla_resolution_due = timing.sla_resolution_due
    ticket.sla_first_response_breached = timing.sla_first_response_breached
    ticket.sla_resolution_breached = timing.sla_resolution_breached
    ticket.save(update_fields=DERIVED_FIELDS)
    stale = [
        StatusChange(pk=pk, from_status=from_status)
        for pk, from_status in timing.from_statuses.items()
    ]
    stored = dict(ticket.status_changes.values_list("id", "from_status"))
    stale = [change for change in stale if stored.get(change.pk) != change.from_status]
    if stale:
        StatusChange.objects.bulk_update(stale, ["from_status"])
    return ticket


def sla_breach_sweep(*, now: datetime | None = None) -> int:
    """Flag open tickets whose SLA due time has passed (a clock that runs out while nobody
    touches the ticket changes no row otherwise). Returns how many tickets were flagged."""
    now = now or timezone.now()
    open_tickets = Ticket.objects.exclude(status__in=DONE)
    flagged = open_tickets.filter(
        first_response_at__isnull=True,
        sla_first_response_breached=False,
        sla_first_response_due__lt=now,
    ).update(sla_first_response_breached=True, updated_at=now)
    flagged += open_tickets.filter(
        sla_resolution_breached=False, sla_resolution_due__lt=now
    ).update(sla_resolution_breached=True, updated_at=now)
    return flagged
