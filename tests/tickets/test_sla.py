"""SLA clocks of tickets in business hours: breaches, pauses while pending, priority changes,
reopens and the beat sweep."""

from __future__ import annotations

import pytest

from tests import factories
from tests.tickets.factories import at, make_ticket
from tickets import services
from tickets.models import SlaPolicy, Ticket

pytestmark = pytest.mark.django_db

HOUR = 3600.0


def test_sla_first_response_breach_with_business_hours():
    agent = factories.make_agent()
    # urgent: 1 business hour to respond, 8 to resolve
    late = make_ticket(created_at=at(0, 16, 30), priority="urgent")
    late.refresh_from_db()
    assert late.sla_first_response_due == at(1, 9, 30)
    services.message_add(ticket=late, kind="reply", body="x", author=agent, created_at=at(1, 9, 31))
    late.refresh_from_db()
    assert late.sla_first_response_breached
    assert late.sla_policy == SlaPolicy.objects.get(priority="urgent")

    on_time = make_ticket(created_at=at(0, 16, 30), priority="urgent")
    services.message_add(
        ticket=on_time, kind="reply", body="x", author=agent, created_at=at(1, 9, 30)
    )
    on_time.refresh_from_db()
    assert not on_time.sla_first_response_breached


def test_sla_clock_pauses_while_pending_on_the_customer():
    agent = factories.make_agent()
    ticket = make_ticket(created_at=at(0, 9), priority="urgent")  # resolve within 8 h
    services.message_add(ticket=ticket, kind="reply", body="x", author=agent, created_at=at(0, 10))
    services.ticket_transition(ticket=ticket, status="pending", at=at(0, 11))
    ticket.refresh_from_db()
    # Still pending: the clock is stopped, there is no due time and no breach.
    assert ticket.sla_resolution_due is None
    services.message_add(ticket=ticket, kind="customer", body="here", created_at=at(1, 11))
    ticket.refresh_from_db()
    assert ticket.status == "open"
    # 2 business hours used before the pause, 6 left from Tuesday 11:00.
    assert ticket.sla_resolution_due == at(1, 17)
    services.ticket_transition(ticket=ticket, status="resolved", at=at(1, 16))
    ticket.refresh_from_db()
    assert not ticket.sla_resolution_breached
    # The KPI resolution time never pauses.
    assert ticket.resolution_business_seconds == 15 * HOUR


def test_sla_resolution_breach_flag_for_a_late_resolution():
    ticket = make_ticket(created_at=at(0, 9), priority="urgent")
    services.ticket_transition(ticket=ticket, status="resolved", at=at(1, 9, 1))
    ticket.refresh_from_db()
    assert ticket.sla_resolution_due == at(0, 17)
    assert ticket.sla_resolution_breached


def test_sweep_flags_open_tickets_whose_clock_ran_out():
    ticket = make_ticket(created_at=at(0, 9), priority="urgent")
    # Created in the past, so creation already flagged it; the sweep must find it again.
    Ticket.objects.filter(pk=ticket.pk).update(
        sla_first_response_breached=False, sla_resolution_breached=False
    )
    assert services.sla_breach_sweep(now=at(0, 9, 30)) == 0
    assert services.sla_breach_sweep(now=at(0, 18)) == 2
    ticket.refresh_from_db()
    assert ticket.sla_first_response_breached and ticket.sla_resolution_breached


def test_changing_priority_moves_the_sla_due_time():
    ticket = make_ticket(created_at=at(0, 9), priority="low")
    ticket.refresh_from_db()
    low_due = ticket.sla_first_response_due
    ticket = services.ticket_update(ticket=ticket, priority="urgent")
    assert ticket.sla_first_response_due == at(0, 10)
    # 16 business hours from Monday 09:00 end exactly at Tuesday's closing time.
    assert low_due == at(1, 17)


def test_closing_a_resolved_ticket_does_not_move_its_sla_due_times():
    ticket = make_ticket(created_at=at(0, 9), priority="urgent")
    services.ticket_transition(ticket=ticket, status="resolved", at=at(0, 10))
    ticket.refresh_from_db()
    due = (ticket.sla_first_response_due, ticket.sla_resolution_due)
    assert due[1] == at(0, 17)
    services.ticket_transition(ticket=ticket, status="closed", at=at(0, 12))
    ticket.refresh_from_db()
    assert (ticket.sla_first_response_due, ticket.sla_resolution_due) == due


def test_time_spent_resolved_before_a_reopen_pauses_the_resolution_clock():
    ticket = make_ticket(created_at=at(0, 9), priority="urgent")  # 8 business hours
    services.ticket_transition(ticket=ticket, status="resolved", at=at(0, 11))
    services.ticket_transition(ticket=ticket, status="open", at=at(1, 11))
    ticket.refresh_from_db()
    # 2 hours used on Monday; the resolved day does not count; 6 left from Tuesday 11:00.
    assert ticket.sla_resolution_due == at(1, 17)
    assert ticket.reopened_count == 1
