"""Fast business-time arithmetic for the default calendar (Monday–Friday 09:00–17:00 in the
organisation's zone, no holidays — PRODUCT.md), on integer epoch seconds.

The generator derives hundreds of thousands of tickets' business-hours fields; working on
integers instead of aware datetimes keeps that to seconds. The smoke test checks these against
tickets.business_time when that module is present.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

DAY = 86_400
OPEN = 9 * 3600
CLOSE = 17 * 3600
WINDOW = CLOSE - OPEN


class Clock:
    """Converts between UTC epoch seconds and the zone's wall-clock seconds."""

    def __init__(self, zone: str) -> None:
        self.zone = ZoneInfo(zone)

    @lru_cache(maxsize=100_000)  # noqa: B019 - one Clock per generator run
    def _offset_of_utc_hour(self, hour: int) -> int:
        moment = datetime.fromtimestamp(hour * 3600, tz=UTC).astimezone(self.zone)
        return int(moment.utcoffset().total_seconds())

    @lru_cache(maxsize=100_000)  # noqa: B019
    def _offset_of_wall_hour(self, hour: int) -> int:
        # A naive datetime is read as wall time by ZoneInfo (the earlier one in a repeated hour).
        wall = datetime(1970, 1, 1) + timedelta(hours=hour)  # noqa: DTZ001 - wall clock on purpose
        return int(self.zone.utcoffset(wall).total_seconds())

    def offset(self, utc: int) -> int:
        return self._offset_of_utc_hour(utc // 3600)

    def wall(self, utc: int) -> int:
        return utc + self.offset(utc)

    def utc(self, wall: int) -> int:
        return wall - self._offset_of_wall_hour(wall // 3600)


def _is_workday(day: int) -> bool:
    # 1970-01-01 was a Thursday (weekday 3 with Monday = 0).
    return (day + 3) % 7 < 5


def business_seconds(start_wall: int, end_wall: int) -> int:
    """Opening-hours seconds between two wall-clock instants."""
    if end_wall <= start_wall:
        return 0
    total = 0
    day, last = start_wall // DAY, end_wall // DAY
    while day <= last:
        if _is_workday(day):
            low = max(start_wall, day * DAY + OPEN)
            high = min(end_wall, day * DAY + CLOSE)
            if high > low:
                total += high - low
        day += 1
    return total


def add_business_seconds(start_wall: int, seconds: int) -> int:
    """The wall instant `seconds` opening-hours seconds after `start_wall`; a deadline that lands
    exactly on a closing time is that closing instant."""
    remaining = seconds
    day = start_wall // DAY
    while True:
        if _is_workday(day):
            low = max(start_wall, day * DAY + OPEN)
            close = day * DAY + CLOSE
            if low <= close:
                available = close - low
                if remaining <= available:
                    return low + remaining
                remaining -= available
        day += 1
