"""Turning the calendar and SLA tables into the pure specs business_time and timing work on."""

from __future__ import annotations

from datetime import time, timedelta

from django.conf import settings

from tickets.business_time import CalendarSpec, weekday_spec
from tickets.models import BusinessCalendar, SlaPolicy
from tickets.timing import SlaTargets


def calendar_spec(calendar: BusinessCalendar) -> CalendarSpec:
    return CalendarSpec(
        time_zone=calendar.time_zone,
        windows=tuple((hours.weekday, hours.opens, hours.closes) for hours in calendar.hours.all()),
        holidays=frozenset(holiday.date for holiday in calendar.holidays.all()),
    )


def default_calendar_spec() -> CalendarSpec:
    """The default calendar; PRODUCT.md's Mon-Fri 09:00-17:00 in CX_TIME_ZONE if none is set."""
    calendar = (
        BusinessCalendar.objects.filter(is_default=True)
        .prefetch_related("hours", "holidays")
        .first()
    )
    if calendar is None:
        return weekday_spec(settings.TIME_ZONE, time(9), time(17))
    return calendar_spec(calendar)


def active_policies() -> dict[str, SlaPolicy]:
    return {
        policy.priority: policy
        for policy in SlaPolicy.objects.filter(is_active=True).select_related("calendar")
    }


def sla_targets(policy: SlaPolicy | None, default_spec: CalendarSpec) -> SlaTargets | None:
    if policy is None:
        return None
    spec: CalendarSpec | None = None
    if policy.business_hours:
        spec = default_spec
        if policy.calendar_id is not None:
            spec = calendar_spec(policy.calendar)
    return SlaTargets(
        first_response=timedelta(minutes=policy.first_response_minutes),
        resolution=timedelta(minutes=policy.resolution_minutes),
        spec=spec,
    )
