"""Rollup tables: building them from raw rows (build) and summing them for any period (read).

Day bucketing: every rollup row's `day` is the local date in settings.TIME_ZONE of its source
timestamp, computed in the database (`TruncDate(ts, tzinfo=zone)`: on PostgreSQL
`(ts AT TIME ZONE zone)::date`, on SQLite Django's zone-aware date cast). Filters on a set of days
use the exact UTC instants of local midnights, so a day's rows are the same however it is chosen.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings


def org_zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def local_midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=org_zone())


def day_runs(days: Iterable[date]) -> list[tuple[date, date]]:
    """Contiguous runs [first, last] of the given days, in order."""
    runs: list[tuple[date, date]] = []
    for day in sorted(set(days)):
        if runs and runs[-1][1] + timedelta(days=1) == day:
            runs[-1] = (runs[-1][0], day)
        else:
            runs.append((day, day))
    return runs


def utc_ranges(days: Iterable[date]) -> list[tuple[datetime, datetime]]:
    """Half-open instants [local midnight of first, local midnight after last) per run."""
    return [
        (local_midnight(first), local_midnight(last + timedelta(days=1)))
        for first, last in day_runs(days)
    ]
