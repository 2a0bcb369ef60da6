from __future__ import annotations

import pytest
from django.urls import reverse

from tests import factories
from tests.tickets.factories import at, make_ticket
from tickets.models import BusinessCalendar, SlaPolicy, Ticket

pytestmark = pytest.mark.django_db


def test_default_calendar_and_policies_exist():
    calendar = BusinessCalendar.objects.get(is_default=True)
    assert sorted(calendar.hours.values_list("weekday", flat=True)) == [0, 1, 2, 3, 4]
    policies = {
        p.priority: (p.first_response_minutes, p.resolution_minutes)
        for p in SlaPolicy.objects.filter(is_active=True)
    }
    assert policies == {
        "urgent": (60, 480),
        "high": (240, 1440),
        "normal": (480, 2400),
        "low": (960, 4800),
    }


def test_admin_pages_render_and_recompute_after_a_policy_change(client):
    ticket = make_ticket(created_at=at(0, 9), priority="urgent")
    client.force_login(factories.make_admin())
    for name in ["tickets_ticket", "tickets_slapolicy", "tickets_businesscalendar"]:
        assert client.get(reverse(f"admin:{name}_changelist")).status_code == 200
    assert client.get(reverse("admin:tickets_ticket_change", args=[ticket.pk])).status_code == 200
    SlaPolicy.objects.filter(priority="urgent").update(first_response_minutes=120)
    client.post(
        reverse("admin:tickets_ticket_changelist"),
        {"action": "recompute_timing", "_selected_action": [ticket.pk]},
    )
    assert Ticket.objects.get(pk=ticket.pk).sla_first_response_due == at(0, 11)


def test_unknown_time_zone_is_refused_in_the_admin(client):
    client.force_login(factories.make_admin())
    response = client.post(
        reverse("admin:tickets_businesscalendar_add"),
        {
            "name": "Rome",
            "time_zone": "Mars/Olympus",
            "hours-TOTAL_FORMS": 0,
            "hours-INITIAL_FORMS": 0,
            "holidays-TOTAL_FORMS": 0,
            "holidays-INITIAL_FORMS": 0,
        },
    )
    assert response.status_code == 200
    assert "IANA" in response.content.decode()
    assert not BusinessCalendar.objects.filter(name="Rome").exists()
