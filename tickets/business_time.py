"""Business-time arithmetic: pure functions, no ORM, exact to the microsecond.

A CalendarSpec is an IANA zone, weekly opening windows (several per weekday allowed, e.g. a lunch
break) and holiday dates. Windows are wall-clock times: each local window is turned into a real
UTC interval through zoneinfo, so a day with a daylight-saving change is as long as it really was.

`spec=None` means the clock always runs (calendar time); the SLA clocks use it for policies that
count calendar hours. `pauses` are intervals (start, end or None = still running) cut out of the
open time, e.g. while a ticket is pending on the customer.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

Pause = tuple[datetime, datetime | None]
Interval = tuple[datetime, datetime | None]

# A calendar whose next opening is further away than this is treated as never open again
# (e.g. every weekday is a holiday), so the search cannot loop forever.
MAX_SEARCH_DAYS = 3 * 366
ZERO = timedelta(0)


@dataclass(frozen=True)
class CalendarSpec:
    time_zone: str
    # (weekday 0 = Monday, opens, closes), opens < closes, within one local day.
    windows: tuple[tuple[int, time, time], ...]
    holidays: frozenset[date] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        ZoneInfo(self.time_zone)  # raises for an unknown zone name
        for weekday, opens, closes in self.windows:
            if not 0 <= weekday <= 6:
                raise ValueError(f"weekday {weekday} is not 0..6")
            if not opens < closes:
                raise ValueError(f"window {opens}-{closes} must open before it closes")

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    def windows_on(self, weekday: int) -> list[tuple[time, time]]:
        return sorted((o, c) for d, o, c in self.windows if d == weekday)


def weekday_spec(
    time_zone: str,
    opens: time = time(9),
    closes: time = time(17),
    *,
    weekdays: Iterable[int] = range(5),
    holidays: Iterable[date] = (),
) -> CalendarSpec:
    """The common case: the same window on each of `weekdays` (default Monday to Friday)."""
    return CalendarSpec(
        time_zone=time_zone,
        windows=tuple((day, opens, closes) for day in weekdays),
        holidays=frozenset(holidays),
    )


def _aware(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("business time needs aware datetimes")
    return moment.astimezone(UTC)


def _local_window(
    day: date, opens: time, closes: time, zone: ZoneInfo
) -> tuple[datetime, datetime]:
    start = datetime.combine(day, opens).replace(tzinfo=zone).astimezone(UTC)
    end = datetime.combine(day, closes).replace(tzinfo=zone).astimezone(UTC)
    return start, end


def _calendar_intervals(start: datetime, spec: CalendarSpec | None) -> Iterator[Interval]:
    """Open intervals in UTC, in time order, ending after `start` (clipped to begin at it)."""
    if spec is None:
        yield start, None
        return
    zone = spec.zone
    by_weekday = {weekday: spec.windows_on(weekday) for weekday in range(7)}
    if not any(by_weekday.values()):
        return
    # A window is within one local day, so the local day of `start` (minus one for safety at
    # zone edges) is the first that can still be open.
    day = start.astimezone(zone).date() - timedelta(days=1)
    empty_days = 0
    while empty_days <= MAX_SEARCH_DAYS:
        found = False
        if day not in spec.holidays:
            for opens, closes in by_weekday[day.weekday()]:
                window_start, window_end = _local_window(day, opens, closes, zone)
                if window_end <= start:
                    continue
                found = True
                yield max(window_start, start), window_end
        empty_days = 0 if found else empty_days + 1
        day += timedelta(days=1)


def _merge_pauses(pauses: Iterable[Pause]) -> list[Interval]:
    cleaned = sorted(
        ((_aware(a), _aware(b) if b is not None else None) for a, b in pauses), key=lambda p: p[0]
    )
    merged: list[Interval] = []
    for begin, end in cleaned:
        if end is not None and end <= begin:
            continue
        if merged:
            last_begin, last_end = merged[-1]
            if last_end is None:
                break
            if begin <= last_end:
                merged[-1] = (last_begin, None if end is None else max(last_end, end))
                continue
        merged.append((begin, end))
    return merged


def _without_pauses(
    intervals: Iterable[Interval], pauses: Sequence[Interval]
) -> Iterator[Interval]:
    """Cut the (merged, sorted) pauses out of the intervals."""
    index = 0
    for begin, end in intervals:
        cursor: datetime = begin
        while True:
            while (
                index < len(pauses) and pauses[index][1] is not None and pauses[index][1] <= cursor
            ):
                index += 1
            if index == len(pauses):
                yield cursor, end
                break
            pause_begin, pause_end = pauses[index]
            if end is not None and pause_begin >= end:
                yield cursor, end
                break
            if pause_begin > cursor:
                yield cursor, pause_begin
            if pause_end is None:
                return  # paused for good: no more open time
            cursor = max(cursor, pause_end)
            if end is not None and cursor >= end:
                break


def _ends_by(pause: Interval, moment: datetime) -> bool:
    return pause[1] is not None and pause[1] <= moment


def _open_intervals(
    start: datetime, spec: CalendarSpec | None, pauses: Iterable[Pause]
) -> Iterator[Interval]:
    merged = _merge_pauses(pauses)
    intervals = _calendar_intervals(start, spec)
    return _without_pauses(intervals, merged) if merged else intervals


def business_duration(
    start: datetime,
    end: datetime,
    spec: CalendarSpec | None,
    *,
    pauses: Iterable[Pause] = (),
) -> timedelta:
    """Open time between two instants (zero when end is not after start)."""
    start, end = _aware(start), _aware(end)
    total = ZERO
    if end <= start:
        return total
    for begin, finish in _open_intervals(start, spec, pauses):
        if begin >= end:
            break
        total += min(end, finish if finish is not None else end) - begin
        if finish is None or finish >= end:
            break
    return total


def business_seconds_between(
    start: datetime,
    end: datetime,
    spec: CalendarSpec | None,
    *,
    pauses: Iterable[Pause] = (),
) -> float:
    return business_duration(start, end, spec, pauses=pauses).total_seconds()


def add_business_time(
    start: datetime,
    amount: timedelta,
    spec: CalendarSpec | None,
    *,
    pauses: Iterable[Pause] = (),
) -> datetime | None:
    """The instant when `amount` of open time has passed since `start`.

    A deadline that uses up a window exactly is that window's closing instant. None when the
    clock never reaches it (paused without end, or a calendar that never opens again).
    """
    start = _aware(start)
    if amount < ZERO:
        raise ValueError("cannot add a negative duration")
    if amount == ZERO:
        return start
    remaining = amount
    for begin, finish in _open_intervals(start, spec, pauses):
        if finish is None or finish - begin >= remaining:
            return begin + remaining
        remaining -= finish - begin
    return None


def add_business_seconds(
    start: datetime,
    seconds: float,
    spec: CalendarSpec | None,
    *,
    pauses: Iterable[Pause] = (),
) -> datetime | None:
    return add_business_time(start, timedelta(seconds=seconds), spec, pauses=pauses)
