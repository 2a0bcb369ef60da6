"""The agent workspace: the queue, a ticket's page with its conversation and controls, and the
new-ticket form. Parse the request, call a selector or service, render."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from journeys.timeline import customer_timeline
from tickets import services
from tickets.business_time import CalendarSpec, business_duration
from tickets.calendars import default_calendar_spec, sla_targets
from tickets.forms import (
    AssignForm,
    MessageForm,
    QueueFilterForm,
    StatusForm,
    TicketCreateForm,
    TriageForm,
)
from tickets.models import Message, Ticket
from tickets.selectors import QueueFilters, message_list, ticket_list, ticket_queue
from tickets.timing import ALLOWED_TRANSITIONS

QUEUE_PAGE_SIZE = 25


@dataclass(frozen=True)
class SlaClock:
    label: str
    due: datetime | None
    met_at: datetime | None
    breached: bool
    paused: bool
    # Open time left (negative: overdue by), in the policy's hours; None once met.
    remaining_seconds: float | None
    business_hours: bool


def _sla_clocks(ticket: Ticket, now: datetime) -> list[SlaClock]:
    if ticket.sla_policy is None:
        return []
    targets = sla_targets(ticket.sla_policy, default_calendar_spec())
    spec: CalendarSpec | None = targets.spec if targets else None
    clocks = []
    for label, due, met_at, breached in (
        (
            _("First response"),
            ticket.sla_first_response_due,
            ticket.first_response_at,
            ticket.sla_first_response_breached,
        ),
        (
            _("Resolution"),
            ticket.sla_resolution_due,
            ticket.resolved_at,
            ticket.sla_resolution_breached,
        ),
    ):
        remaining = None
        if met_at is None and due is not None and ticket.is_open:
            if due >= now:
                remaining = business_duration(now, due, spec).total_seconds()
            else:
                remaining = -business_duration(due, now, spec).total_seconds()
        clocks.append(
            SlaClock(
                label=label,
                due=due,
                met_at=met_at,
                breached=breached,
                paused=due is None and met_at is None and ticket.is_open,
                remaining_seconds=remaining,
                business_hours=spec is not None,
            )
        )
    return clocks


@login_required
@permission_required("tickets.view_ticket", raise_exception=True)
def queue(request: HttpRequest) -> HttpResponse:
    params = request.GET.copy()
    if not any(key in params for key in ("status", "q", "mine", "at_risk", "assignee")):
        params["status"] = "active"
    form = QueueFilterForm(params)
    filters = form.filters() if form.is_valid() else QueueFilters(status="active")
    page = Paginator(ticket_queue(user=request.user, filters=filters), QUEUE_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "tickets/queue.html",
        {"form": form, "page": page, "filters": filters, "now": timezone.now()},
    )


@login_required
@permission_required("tickets.view_ticket", raise_exception=True)
def ticket_detail(request: HttpRequest, pk: int) -> HttpResponse:
    ticket = get_object_or_404(ticket_list(user=request.user), pk=pk)
    now = timezone.now()
    can_work = request.user.has_perm("tickets.change_ticket")
    statuses = [
        (value, label)
        for value, label in Ticket.Status.choices
        if value in ALLOWED_TRANSITIONS[ticket.status]
    ]
    context = {
        "ticket": ticket,
        "conversation": message_list(ticket=ticket, user=request.user),
        "history": ticket.status_changes.select_related("actor"),
        "clocks": _sla_clocks(ticket, now),
        "timeline": customer_timeline(customer=ticket.customer, user=request.user, limit=30),
        "can_work": can_work,
        "can_reply": request.user.has_perm("tickets.add_message"),
        "message_form": MessageForm(),
        "statuses": statuses,
        "assign_form": AssignForm(initial={"assignee": ticket.assignee_id or ""}),
        "triage_form": TriageForm(
            initial={
                "priority": ticket.priority,
                "category": ticket.category.slug if ticket.category else "",
            }
        ),
        "now": now,
    }
    return render(request, "tickets/ticket_detail.html", context)


def _scoped_ticket(request: HttpRequest, pk: int) -> Ticket:
    return get_object_or_404(ticket_list(user=request.user), pk=pk)


def _report(request: HttpRequest, error: ValidationError) -> None:
    for text in error.messages:
        messages.error(request, text)


def _back_to_ticket(request: HttpRequest, ticket: Ticket, *errors: str) -> HttpResponse:
    for text in errors:
        messages.error(request, text)
    return redirect("tickets:detail", pk=ticket.pk)


def _act_on_ticket(
    request: HttpRequest,
    ticket: Ticket,
    action: Callable[[], object],
    success: Callable[[object], str],
) -> HttpResponse:
    """Run one action of the ticket page. The service's validation errors and the success note
    become flash messages; the user is back on the ticket either way."""
    try:
        result = action()
    except ValidationError as error:
        _report(request, error)
    else:
        messages.success(request, success(result))
    return redirect("tickets:detail", pk=ticket.pk)


@login_required
@permission_required(["tickets.view_ticket", "tickets.add_message"], raise_exception=True)
@require_POST
def ticket_reply(request: HttpRequest, pk: int) -> HttpResponse:
    ticket = _scoped_ticket(request, pk)
    form = MessageForm(request.POST)
    if not form.is_valid():
        return _back_to_ticket(
            request, ticket, *[text for errors in form.errors.values() for text in errors]
        )
    kind = form.cleaned_data["kind"]
    if kind == Message.Kind.NOTE and not request.user.has_perm("tickets.change_ticket"):
        return _back_to_ticket(request, ticket, _("You may not write internal notes."))
    then_status = form.cleaned_data["then_status"]
    if then_status and not request.user.has_perm("tickets.change_ticket"):
        return _back_to_ticket(request, ticket, _("You may not change the status."))
    done = _("Internal note added.") if kind == Message.Kind.NOTE else _("Reply sent.")
    return _act_on_ticket(
        request,
        ticket,
        lambda: services.ticket_reply(
            ticket=ticket,
            kind=kind,
            body=form.cleaned_data["body"],
            author=request.user,
            then_status=then_status,
        ),
        lambda _result: done,
    )


@login_required
@permission_required(["tickets.view_ticket", "tickets.change_ticket"], raise_exception=True)
@require_POST
def ticket_status(request: HttpRequest, pk: int) -> HttpResponse:
    ticket = _scoped_ticket(request, pk)
    form = StatusForm(request.POST)
    if not form.is_valid():
        return _back_to_ticket(request, ticket, _("Choose a valid status."))
    return _act_on_ticket(
        request,
        ticket,
        lambda: services.ticket_transition(
            ticket=ticket, status=form.cleaned_data["status"], actor=request.user
        ),
        lambda changed: (
            _("Status changed to %(status)s.") % {"status": changed.get_status_display()}
        ),
    )


@login_required
@permission_required(["tickets.view_ticket", "tickets.change_ticket"], raise_exception=True)
@require_POST
def ticket_assign(request: HttpRequest, pk: int) -> HttpResponse:
    ticket = _scoped_ticket(request, pk)
    if request.POST.get("assignee") == "me":
        assignee = request.user
    else:
        form = AssignForm(request.POST)
        if not form.is_valid():
            return _back_to_ticket(request, ticket, _("Choose someone who may work tickets."))
        chosen = form.cleaned_data["assignee"]
        assignee = get_user_model().objects.get(pk=chosen) if chosen else None
    return _act_on_ticket(
        request,
        ticket,
        lambda: services.ticket_assign(ticket=ticket, assignee=assignee, actor=request.user),
        lambda _result: _("Assignment saved."),
    )


@login_required
@permission_required(["tickets.view_ticket", "tickets.change_ticket"], raise_exception=True)
@require_POST
def ticket_triage(request: HttpRequest, pk: int) -> HttpResponse:
    ticket = _scoped_ticket(request, pk)
    form = TriageForm(request.POST)
    if not form.is_valid():
        return _back_to_ticket(request, ticket, _("Choose a valid priority and category."))
    return _act_on_ticket(
        request,
        ticket,
        lambda: services.ticket_update(
            ticket=ticket,
            priority=form.cleaned_data["priority"],
            category=form.cleaned_data["category"],
        ),
        lambda _result: _("Priority and category saved."),
    )


@login_required
@permission_required(["tickets.view_ticket", "tickets.add_ticket"], raise_exception=True)
def ticket_new(request: HttpRequest) -> HttpResponse:
    form = TicketCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            ticket = services.ticket_create_for_customer_id(
                customer_external_id=data["customer"].strip(),
                subject=data["subject"],
                channel=data["channel"],
                touchpoint=data["touchpoint"],
                category=data["category"],
                priority=data["priority"],
                actor=request.user,
                body=data["body"],
                opened_by_agent=data["opened_by_agent"],
            )
        except ValidationError as error:
            for field, errors in error.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(
                request, _("Ticket %(reference)s created.") % {"reference": ticket.reference}
            )
            if ticket_list(user=request.user).filter(pk=ticket.pk).exists():
                return redirect("tickets:detail", pk=ticket.pk)
            return redirect("tickets:queue")
    return render(request, "tickets/ticket_new.html", {"form": form})
