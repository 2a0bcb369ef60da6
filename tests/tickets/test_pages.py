from __future__ import annotations

import pytest
from django.urls import reverse

from journeys.models import Customer
from tests import factories
from tests.tickets.factories import at, make_category, make_ticket
from tickets import services
from tickets.models import Message, Ticket

pytestmark = pytest.mark.django_db

XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'


@pytest.fixture
def team():
    department = factories.make_department()
    agent = factories.make_agent(departments=[department])
    return department, agent


def test_queue_needs_login_and_permission(client):
    response = client.get(reverse("tickets:queue"))
    assert response.status_code == 302
    client.force_login(factories.make_survey_admin())
    assert client.get(reverse("tickets:queue")).status_code == 403


def test_queue_shows_only_the_agents_scope_and_filters(client, team):
    department, agent = team
    other = factories.make_department()
    mine = make_ticket(department=department, subject="Mine urgent", priority="urgent")
    make_ticket(department=department, subject="Ours low", priority="low")
    make_ticket(department=other, subject="Foreign ticket")
    services.ticket_assign(ticket=mine, assignee=agent)
    client.force_login(agent)
    page = client.get(reverse("tickets:queue")).content.decode()
    assert "Mine urgent" in page and "Ours low" in page
    assert "Foreign ticket" not in page
    page = client.get(reverse("tickets:queue"), {"priority": "urgent"}).content.decode()
    assert "Mine urgent" in page and "Ours low" not in page
    page = client.get(reverse("tickets:queue"), {"mine": "on"}).content.decode()
    assert "Mine urgent" in page and "Ours low" not in page


def test_queue_rejects_unknown_filter_values_without_error(client, team):
    _, agent = team
    client.force_login(agent)
    response = client.get(reverse("tickets:queue"), {"sort": "customer__email", "channel": "<x>"})
    assert response.status_code == 200
    assert "Some filters were not valid" in response.content.decode()


def test_queue_at_risk_lists_breached_and_soon_due_open_tickets(client, team):
    department, agent = team
    breached = make_ticket(department=department, subject="Old breached", priority="urgent")
    done = make_ticket(department=department, subject="Resolved old")
    services.ticket_transition(ticket=done, status="resolved", at=at(0, 11))
    client.force_login(agent)
    page = client.get(reverse("tickets:queue"), {"at_risk": "on"}).content.decode()
    assert breached.subject in page
    assert "Resolved old" not in page


def test_queue_paginates(client, team):
    department, agent = team
    customer = factories.make_customer()
    touchpoint = factories.make_touchpoint(department=department)
    for number in range(30):
        make_ticket(touchpoint=touchpoint, customer=customer, subject=f"Ticket number {number}")
    client.force_login(agent)
    first = client.get(reverse("tickets:queue")).content.decode()
    assert "Page 1 of 2" in first
    second = client.get(reverse("tickets:queue"), {"page": 2}).content.decode()
    assert second.count("Ticket number") == 5


def test_ticket_page_escapes_subject_and_bodies(client, team):
    department, agent = team
    customer = factories.make_customer(name=XSS)
    ticket = make_ticket(department=department, subject=XSS, body=XSS, customer=customer)
    services.message_add(ticket=ticket, kind="note", body=XSS, author=agent)
    client.force_login(agent)
    page = client.get(reverse("tickets:detail", args=[ticket.pk])).content.decode()
    assert "<script>alert" not in page
    assert "<img src=x" not in page
    assert "&lt;script&gt;alert" in page
    queue = client.get(reverse("tickets:queue")).content.decode()
    assert "<script>alert" not in queue


def test_ticket_page_shows_conversation_timing_and_customer_timeline(client, team):
    department, agent = team
    ticket = make_ticket(department=department, created_at=at(0, 16), body="My parcel is late")
    services.message_add(ticket=ticket, kind="auto", body="We received your message")
    services.message_add(ticket=ticket, kind="note", body="Courier says Thursday", author=agent)
    other = make_ticket(department=department, customer=ticket.customer, subject="Earlier chat")
    client.force_login(agent)
    page = client.get(reverse("tickets:detail", args=[ticket.pk])).content.decode()
    assert "Internal note — not visible to the customer" in page
    assert "msg-auto" in page
    assert "First response time" in page
    assert other.subject in page  # the customer's other ticket on the timeline
    assert "My parcel is late" in page


def test_agent_cannot_open_another_departments_ticket(client, team):
    _, agent = team
    foreign = make_ticket(department=factories.make_department())
    client.force_login(agent)
    assert client.get(reverse("tickets:detail", args=[foreign.pk])).status_code == 404
    response = client.post(
        reverse("tickets:reply", args=[foreign.pk]), {"kind": "reply", "body": "hi"}
    )
    assert response.status_code == 404
    assert not Message.objects.filter(ticket=foreign).exists()


def test_agent_works_a_ticket_in_the_browser(client, team):
    department, agent = team
    ticket = make_ticket(department=department)
    client.force_login(agent)
    client.post(reverse("tickets:assign", args=[ticket.pk]), {"assignee": "me"})
    client.post(reverse("tickets:reply", args=[ticket.pk]), {"kind": "note", "body": "check"})
    client.post(reverse("tickets:reply", args=[ticket.pk]), {"kind": "reply", "body": "Done!"})
    client.post(reverse("tickets:triage", args=[ticket.pk]), {"priority": "high", "category": ""})
    response = client.post(reverse("tickets:status", args=[ticket.pk]), {"status": "resolved"})
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.assignee == agent
    assert ticket.status == "resolved"
    assert ticket.priority == "high"
    assert ticket.public_reply_count == 1
    assert ticket.is_fcr
    assert list(ticket.messages.values_list("kind", flat=True)) == ["note", "reply"]


def test_bad_status_from_the_page_changes_nothing(client, team):
    department, agent = team
    ticket = make_ticket(department=department)
    services.ticket_transition(ticket=ticket, status="closed")
    client.force_login(agent)
    response = client.post(
        reverse("tickets:status", args=[ticket.pk]), {"status": "resolved"}, follow=True
    )
    assert "cannot become" in response.content.decode()
    assert Ticket.objects.get(pk=ticket.pk).status == "closed"


def test_new_ticket_form_creates_the_customer_and_ticket(client, team):
    department, agent = team
    touchpoint = factories.make_touchpoint(department=department, slug="phone-line")
    make_category(slug="delivery")
    client.force_login(agent)
    assert client.get(reverse("tickets:new")).status_code == 200
    response = client.post(
        reverse("tickets:new"),
        {
            "customer": "NEW-1",
            "subject": "Called about a refund",
            "channel": "phone",
            "touchpoint": touchpoint.slug,
            "category": "delivery",
            "priority": "normal",
            "body": "We called the customer",
            "opened_by_agent": "on",
        },
    )
    ticket = Ticket.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("tickets:detail", args=[ticket.pk])
    assert ticket.customer == Customer.objects.get(external_id="NEW-1")
    assert ticket.messages.get().is_opening


def test_new_ticket_form_refuses_nul_and_unknown_touchpoint(client, team):
    _, agent = team
    client.force_login(agent)
    response = client.post(
        reverse("tickets:new"),
        {
            "customer": "X",
            "subject": "a\x00b",
            "channel": "web",
            "touchpoint": "nope",
            "priority": "normal",
        },
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert "subject" in form.errors and "touchpoint" in form.errors
    assert not Ticket.objects.exists()
    assert not Customer.objects.exists()


def test_at_risk_includes_tickets_due_within_one_business_hour():
    from tickets.selectors import QueueFilters, ticket_queue

    manager = factories.make_manager()
    soon = make_ticket(created_at=at(0, 9), priority="urgent", subject="soon")  # due 10:00
    make_ticket(created_at=at(0, 9), priority="normal", subject="later")  # due 17:00
    filters = QueueFilters(at_risk=True)
    Ticket.objects.update(sla_first_response_breached=False, sla_resolution_breached=False)
    found = set(ticket_queue(user=manager, filters=filters, now=at(0, 9, 30)))
    assert found == {soon}
    # Friday 16:30: an hour of business time reaches Monday 09:30, so a ticket due Monday
    # 09:20 (40 minutes used on Friday) is at risk, one due next Tuesday is not.
    friday = make_ticket(created_at=at(4, 16, 20), priority="urgent", subject="weekend")
    relaxed = make_ticket(created_at=at(4, 16, 20), priority="normal", subject="relaxed")
    Ticket.objects.update(sla_first_response_breached=False, sla_resolution_breached=False)
    found = set(ticket_queue(user=manager, filters=filters, now=at(4, 16, 30)))
    assert friday in found and relaxed not in found


def test_reply_and_resolve_in_one_go(client, team):
    department, agent = team
    ticket = make_ticket(department=department)
    client.force_login(agent)
    client.post(
        reverse("tickets:reply", args=[ticket.pk]),
        {"kind": "reply", "body": "Refund sent", "then_status": "resolved"},
    )
    ticket.refresh_from_db()
    assert ticket.status == "resolved" and ticket.is_fcr


def test_reply_with_an_impossible_status_writes_neither(client, team):
    department, agent = team
    ticket = make_ticket(department=department)
    services.ticket_transition(ticket=ticket, status="closed")
    client.force_login(agent)
    client.post(
        reverse("tickets:reply", args=[ticket.pk]),
        {"kind": "reply", "body": "Hello", "then_status": "resolved"},
    )
    assert not ticket.messages.exists()
    assert Ticket.objects.get(pk=ticket.pk).status == "closed"
