"""Builders for tickets tests, on top of tests/factories.py."""

from __future__ import annotations

from datetime import UTC, datetime

from journeys.models import Department
from tests import factories
from tickets import services
from tickets.models import Category, Ticket

# What the services derive from a ticket's history; tests compare these before and after.
TIMING_FIELDS = [
    "status",
    "first_response_at",
    "frt_seconds",
    "frt_business_seconds",
    "resolved_at",
    "resolution_seconds",
    "resolution_business_seconds",
    "public_reply_count",
    "reopened_count",
    "is_fcr",
    "sla_first_response_due",
    "sla_resolution_due",
    "sla_first_response_breached",
    "sla_resolution_breached",
]

# A Monday in a week without daylight-saving changes; tests in UTC use it as their clock origin.
MONDAY = datetime(2026, 3, 2, tzinfo=UTC)


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """A moment in the week of MONDAY (day 0 = Monday), UTC."""
    return MONDAY.replace(day=MONDAY.day + day, hour=hour, minute=minute)


def make_category(**overrides) -> Category:
    number = factories._n()
    data = {"slug": f"category-{number}", "name": f"Category {number}"}
    data.update(overrides)
    return Category.objects.create(**data)


def make_ticket(
    *,
    department: Department | None = None,
    created_at: datetime | None = None,
    **overrides,
) -> Ticket:
    touchpoint = overrides.pop("touchpoint", None) or factories.make_touchpoint(
        department=department
    )
    data = {
        "subject": "Parcel never arrived",
        "customer": overrides.pop("customer", None) or factories.make_customer(),
        "channel": touchpoint.channel,
        "touchpoint": touchpoint,
        "created_at": created_at or MONDAY.replace(hour=10),
        "department": department,
    }
    data.update(overrides)
    return services.ticket_create(**data)
