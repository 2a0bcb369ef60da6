from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from journeys.models import Customer
from tests import factories
from tests.tickets.factories import TIMING_FIELDS, at, make_ticket
from tickets import services, signals
from tickets.models import Message, StatusChange, Ticket

pytestmark = pytest.mark.django_db

HOUR = 3600.0


def test_created_ticket_gets_a_reference_from_its_id_and_an_opening_customer_message():
    ticket = make_ticket(body="Where is my parcel?")
    assert ticket.reference == f"T-{ticket.pk:06d}"
    message = ticket.messages.get()
    assert message.kind == Message.Kind.CUSTOMER
    assert ticket.status == Ticket.Status.NEW


def test_department_defaults_to_the_touchpoints_department():
    department = factories.make_department()
    touchpoint = factories.make_touchpoint(department=department)
    ticket = make_ticket(touchpoint=touchpoint)
    assert ticket.department == department


def test_first_response_ignores_auto_acks_and_internal_notes():
    agent = factories.make_agent()
    ticket = make_ticket(created_at=at(0, 10))
    services.message_add(ticket=ticket, kind="auto", body="We got it", created_at=at(0, 10, 1))
    services.message_add(
        ticket=ticket, kind="note", body="check stock", author=agent, created_at=at(0, 11)
    )
    services.message_add(
        ticket=ticket, kind="reply", body="On its way", author=agent, created_at=at(0, 12)
    )
    ticket.refresh_from_db()
    assert ticket.first_response_at == at(0, 12)
    assert ticket.frt_seconds == 2 * HOUR
    assert ticket.frt_business_seconds == 2 * HOUR
    assert ticket.public_reply_count == 1
    assert ticket.status == Ticket.Status.OPEN


def test_frt_business_hours_skip_the_night():
    agent = factories.make_agent()
    ticket = make_ticket(created_at=at(0, 16))
    services.message_add(
        ticket=ticket, kind="reply", body="Hello", author=agent, created_at=at(1, 10)
    )
    ticket.refresh_from_db()
    assert ticket.frt_seconds == 18 * HOUR
    assert ticket.frt_business_seconds == 2 * HOUR


def test_an_agents_opening_message_is_not_the_first_response():
    agent = factories.make_agent()
    ticket = make_ticket(
        created_at=at(0, 10),
        body="We called you about your order",
        opened_by_agent=True,
        actor=agent,
    )
    assert ticket.messages.get().is_opening
    ticket.refresh_from_db()
    assert ticket.first_response_at is None
    assert ticket.public_reply_count == 0
    services.message_add(ticket=ticket, kind="customer", body="thanks", created_at=at(0, 11))
    services.message_add(
        ticket=ticket, kind="reply", body="Done", author=agent, created_at=at(0, 13)
    )
    ticket.refresh_from_db()
    assert ticket.first_response_at == at(0, 13)
    assert ticket.frt_seconds == 3 * HOUR


def test_reopen_then_resolve_moves_the_resolution_time():
    agent = factories.make_agent()
    ticket = make_ticket(created_at=at(0, 10))
    services.message_add(
        ticket=ticket, kind="reply", body="Fixed", author=agent, created_at=at(0, 11)
    )
    services.ticket_transition(ticket=ticket, status="resolved", actor=agent, at=at(0, 12))
    ticket.refresh_from_db()
    assert ticket.resolved_at == at(0, 12)
    assert ticket.resolution_seconds == 2 * HOUR
    assert ticket.resolved_by == agent
    assert ticket.is_fcr
    services.ticket_transition(ticket=ticket, status="open", actor=agent, at=at(1, 9))
    ticket.refresh_from_db()
    assert ticket.resolved_at is None
    assert ticket.reopened_count == 1
    assert not ticket.is_fcr
    services.ticket_transition(ticket=ticket, status="resolved", actor=agent, at=at(1, 10))
    ticket.refresh_from_db()
    assert ticket.resolved_at == at(1, 10)
    assert ticket.resolution_seconds == 24 * HOUR
    assert ticket.resolution_business_seconds == 8 * HOUR
    assert ticket.reopened_count == 1
    assert not ticket.is_fcr


def test_fcr_needs_exactly_one_public_agent_reply():
    agent = factories.make_agent()
    none = make_ticket(created_at=at(0, 10))
    services.ticket_transition(ticket=none, status="resolved", at=at(0, 11))
    two = make_ticket(created_at=at(0, 10))
    for hour in (11, 12):
        services.message_add(
            ticket=two, kind="reply", body="x", author=agent, created_at=at(0, hour)
        )
    services.ticket_transition(ticket=two, status="resolved", at=at(0, 13))
    one_with_notes = make_ticket(created_at=at(0, 10))
    services.message_add(ticket=one_with_notes, kind="auto", body="ack", created_at=at(0, 10))
    services.message_add(ticket=one_with_notes, kind="note", body="n", created_at=at(0, 10, 5))
    services.message_add(
        ticket=one_with_notes, kind="reply", body="x", author=agent, created_at=at(0, 11)
    )
    services.ticket_transition(ticket=one_with_notes, status="resolved", at=at(0, 12))
    unresolved = make_ticket(created_at=at(0, 10))
    services.message_add(
        ticket=unresolved, kind="reply", body="x", author=agent, created_at=at(0, 11)
    )
    results = {
        t.pk: t.is_fcr
        for t in Ticket.objects.filter(pk__in=[none.pk, two.pk, one_with_notes.pk, unresolved.pk])
    }
    assert results == {none.pk: False, two.pk: False, one_with_notes.pk: True, unresolved.pk: False}


def test_resolving_a_closed_ticket_is_refused_and_changes_nothing():
    ticket = make_ticket(created_at=at(0, 10))
    services.ticket_transition(ticket=ticket, status="closed", at=at(0, 11))
    with pytest.raises(ValidationError) as error:
        services.ticket_transition(ticket=ticket, status="resolved", at=at(0, 12))
    assert "status" in error.value.message_dict
    ticket.refresh_from_db()
    assert ticket.status == "closed"
    assert ticket.status_changes.count() == 1


def test_unknown_status_is_refused():
    ticket = make_ticket()
    with pytest.raises(ValidationError) as error:
        services.ticket_transition(ticket=ticket, status="archived")
    assert "status" in error.value.message_dict
    assert not StatusChange.objects.exists()


def test_a_transition_before_creation_is_refused():
    ticket = make_ticket(created_at=at(1, 10))
    with pytest.raises(ValidationError) as error:
        services.ticket_transition(ticket=ticket, status="open", at=at(0, 10))
    assert "at" in error.value.message_dict


def test_nul_bytes_are_refused():
    with pytest.raises(ValidationError) as error:
        make_ticket(subject="bad\x00subject")
    assert "subject" in error.value.message_dict
    ticket = make_ticket()
    with pytest.raises(ValidationError) as error:
        services.message_add(ticket=ticket, kind="customer", body="a\x00b")
    assert "body" in error.value.message_dict
    assert ticket.messages.count() == 0


def test_every_transition_is_recorded_with_its_actor():
    agent = factories.make_agent()
    ticket = make_ticket(created_at=at(0, 10))
    services.ticket_transition(ticket=ticket, status="pending", actor=agent, at=at(0, 11))
    services.ticket_transition(ticket=ticket, status="open", actor=agent, at=at(0, 12))
    rows = list(ticket.status_changes.values_list("from_status", "to_status", "actor"))
    assert rows == [("new", "pending", agent.pk), ("pending", "open", agent.pk)]


def _timing(ticket: Ticket) -> dict:
    ticket.refresh_from_db()
    return {name: getattr(ticket, name) for name in TIMING_FIELDS}


def test_history_imported_out_of_order_gives_the_same_timing():
    admin = factories.make_admin()
    steps = [
        ("message", "customer", at(0, 10)),
        ("message", "reply", at(0, 12)),
        ("status", "pending", at(0, 13)),
        ("message", "customer", at(1, 9)),
        ("status", "resolved", at(1, 11)),
        ("status", "open", at(2, 10)),
        ("message", "reply", at(2, 11)),
        ("status", "resolved", at(2, 15)),
    ]

    def replay(order):
        ticket = make_ticket(created_at=at(0, 9, 30))
        for what, value, moment in order:
            if what == "message":
                services.message_add(
                    ticket=ticket, kind=value, body="b", author=admin, created_at=moment
                )
            else:
                services.ticket_transition(ticket=ticket, status=value, actor=admin, at=moment)
        return ticket

    live = replay(steps)
    # Import the very rows the live ticket has (its automatic status changes included), in a
    # scrambled order and with from_status values that do not chain.
    rows = [("message", m.kind, m.created_at) for m in live.messages.all()] + [
        ("status", c.to_status, c.at) for c in live.status_changes.all()
    ]
    rows.reverse()
    rows = rows[1::2] + rows[::2]
    imported = make_ticket(created_at=at(0, 9, 30))
    for what, value, moment in rows:
        if what == "message":
            Message.objects.create(
                ticket=imported, kind=value, body="b", author=admin, created_at=moment
            )
        else:
            StatusChange.objects.create(
                ticket=imported, from_status="new", to_status=value, at=moment, actor=admin
            )
    services.ticket_timing_refresh(ticket=imported)
    live_timing, imported_timing = _timing(live), _timing(imported)
    assert imported_timing == live_timing
    chain = list(imported.status_changes.values_list("from_status", "to_status"))
    assert chain == list(live.status_changes.values_list("from_status", "to_status"))
    assert chain[0] == ("new", "open")


def test_signals_are_sent_on_commit(django_capture_on_commit_callbacks):
    received = []

    def receiver(sender, **kwargs):
        received.append(kwargs)

    signals.ticket_resolved.connect(receiver)
    signals.ticket_reopened.connect(receiver)
    signals.ticket_replied.connect(receiver)
    try:
        agent = factories.make_agent()
        ticket = make_ticket(created_at=at(0, 9))
        with django_capture_on_commit_callbacks(execute=True):
            message = services.message_add(
                ticket=ticket, kind="reply", body="x", author=agent, created_at=at(0, 10)
            )
            services.ticket_transition(ticket=ticket, status="resolved", actor=agent, at=at(0, 11))
            services.ticket_transition(ticket=ticket, status="open", actor=agent, at=at(0, 12))
    finally:
        signals.ticket_resolved.disconnect(receiver)
        signals.ticket_reopened.disconnect(receiver)
        signals.ticket_replied.disconnect(receiver)
    assert received == [
        {
            "signal": signals.ticket_replied,
            "ticket_id": ticket.pk,
            "message_id": message.pk,
            "at": at(0, 10),
        },
        {
            "signal": signals.ticket_resolved,
            "ticket_id": ticket.pk,
            "resolved_by_id": agent.pk,
            "at": at(0, 11),
        },
        {"signal": signals.ticket_reopened, "ticket_id": ticket.pk, "at": at(0, 12)},
    ]


def test_assigning_to_someone_who_cannot_work_tickets_is_refused():
    ticket = make_ticket()
    outsider = factories.make_survey_admin()
    with pytest.raises(ValidationError) as error:
        services.ticket_assign(ticket=ticket, assignee=outsider)
    assert "assignee" in error.value.message_dict
    agent = factories.make_agent()
    assert services.ticket_assign(ticket=ticket, assignee=agent).assignee == agent


def test_a_reply_with_a_status_change_the_ticket_cannot_make_writes_neither():
    agent = factories.make_agent()
    ticket = make_ticket(created_at=timezone.now() - timedelta(hours=1))
    with pytest.raises(ValidationError) as error:
        services.ticket_reply(
            ticket=ticket, kind="reply", body="Sorted", author=agent, then_status="new"
        )
    assert "status" in error.value.message_dict
    assert ticket.messages.count() == 0
    assert StatusChange.objects.filter(ticket=ticket).count() == 0

    services.ticket_reply(
        ticket=ticket, kind="reply", body="Sorted", author=agent, then_status="resolved"
    )
    ticket.refresh_from_db()
    assert ticket.messages.get().body == "Sorted"
    assert ticket.status == Ticket.Status.RESOLVED


def test_a_ticket_for_a_new_customer_id_that_fails_validation_leaves_no_customer():
    touchpoint = factories.make_touchpoint()
    with pytest.raises(ValidationError) as error:
        services.ticket_create_for_customer_id(
            customer_external_id="brand-new",
            subject="Broken\x00",
            channel=touchpoint.channel,
            touchpoint=touchpoint,
        )
    assert "subject" in error.value.message_dict
    assert not Customer.objects.filter(external_id="brand-new").exists()
    assert Ticket.objects.count() == 0

    ticket = services.ticket_create_for_customer_id(
        customer_external_id="brand-new",
        subject="Fine",
        channel=touchpoint.channel,
        touchpoint=touchpoint,
    )
    assert ticket.customer.external_id == "brand-new"
