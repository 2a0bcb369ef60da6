from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tickets.business_time import (
    CalendarSpec,
    add_business_seconds,
    add_business_time,
    business_duration,
    business_seconds_between,
    weekday_spec,
)

ROME = ZoneInfo("Europe/Rome")
HOUR = 3600.0
OFFICE = weekday_spec("UTC", time(9), time(17))
ROME_OFFICE = weekday_spec("Europe/Rome", time(9), time(17))
# Monday 2 March 2026 (UTC calendar) and the Rome DST weekends of 2026.
MON = date(2026, 3, 2)


def utc(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=UTC)


def rome(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=ROME)


def d(offset: int) -> date:
    return MON + timedelta(days=offset)


def test_within_one_day():
    assert business_seconds_between(utc(MON, 10), utc(MON, 12, 30), OFFICE) == 2.5 * HOUR


def test_overnight_counts_only_opening_hours():
    assert business_seconds_between(utc(MON, 16), utc(d(1), 10), OFFICE) == 2 * HOUR


def test_arrival_at_night_starts_at_the_next_opening():
    assert business_seconds_between(utc(MON, 2), utc(MON, 9, 30), OFFICE) == 0.5 * HOUR


def test_weekend_is_skipped():
    friday, monday = d(4), d(7)
    assert business_seconds_between(utc(friday, 16), utc(monday, 10), OFFICE) == 2 * HOUR
    assert business_seconds_between(utc(d(5), 10), utc(d(6), 20), OFFICE) == 0


def test_holiday_is_skipped():
    spec = weekday_spec("UTC", holidays=[d(1)])
    assert business_seconds_between(utc(MON, 16), utc(d(2), 10), spec) == 2 * HOUR


def test_lunch_break_between_two_windows():
    spec = CalendarSpec(
        "UTC",
        windows=tuple(
            window
            for day in range(5)
            for window in ((day, time(9), time(12)), (day, time(13), time(17)))
        ),
    )
    assert business_seconds_between(utc(MON, 11), utc(MON, 14), spec) == 2 * HOUR
    assert add_business_seconds(utc(MON, 11), 2 * HOUR, spec) == utc(MON, 14)
    # Exactly the morning's remainder lands on the closing instant, not after lunch.
    assert add_business_seconds(utc(MON, 11), HOUR, spec) == utc(MON, 12)


def test_deadline_landing_on_closing_time_is_that_closing_instant():
    assert add_business_seconds(utc(MON, 9), 8 * HOUR, OFFICE) == utc(MON, 17)
    assert add_business_seconds(utc(MON, 16), 2 * HOUR, OFFICE) == utc(d(1), 10)
    assert add_business_seconds(utc(d(4), 16), HOUR, OFFICE) == utc(d(4), 17)
    assert add_business_seconds(utc(d(4), 16), HOUR + 1, OFFICE) == utc(d(7), 9) + timedelta(
        seconds=1
    )


def test_adding_from_the_night_starts_at_the_next_opening():
    assert add_business_seconds(utc(d(5), 22), HOUR, OFFICE) == utc(d(7), 10)


def test_dst_spring_forward_in_rome_keeps_local_opening_hours():
    # Sunday 29 March 2026 Rome goes from UTC+1 to UTC+2.
    friday, monday = date(2026, 3, 27), date(2026, 3, 30)
    assert business_seconds_between(rome(friday, 16), rome(monday, 10), ROME_OFFICE) == 2 * HOUR
    assert rome(monday, 9).astimezone(UTC) == utc(monday, 7)
    assert add_business_seconds(rome(friday, 16), 2 * HOUR, ROME_OFFICE) == utc(monday, 8)


def test_dst_autumn_back_in_rome():
    # Sunday 25 October 2026 Rome goes from UTC+2 to UTC+1.
    friday, monday = date(2026, 10, 23), date(2026, 10, 26)
    assert business_seconds_between(rome(friday, 16), rome(monday, 10), ROME_OFFICE) == 2 * HOUR
    assert add_business_seconds(rome(friday, 16, 30), HOUR, ROME_OFFICE) == utc(monday, 8, 30)


def test_a_window_across_the_dst_change_counts_real_elapsed_time():
    night = CalendarSpec("Europe/Rome", windows=((6, time(0), time(4)),))
    spring, autumn = date(2026, 3, 29), date(2026, 10, 25)
    assert business_seconds_between(rome(spring, 0), rome(spring, 5), night) == 3 * HOUR
    assert business_seconds_between(rome(autumn, 0), rome(autumn, 5), night) == 5 * HOUR


def test_pending_pause_is_excluded():
    pauses = [(utc(MON, 11), utc(MON, 14))]
    assert business_seconds_between(utc(MON, 9), utc(MON, 17), OFFICE, pauses=pauses) == 5 * HOUR
    assert add_business_seconds(utc(MON, 9), 5 * HOUR, OFFICE, pauses=pauses) == utc(MON, 17)
    assert add_business_seconds(utc(MON, 9), 3 * HOUR, OFFICE, pauses=pauses) == utc(MON, 15)


def test_a_pause_still_running_stops_the_clock():
    pauses = [(utc(MON, 11), None)]
    assert business_seconds_between(utc(MON, 9), utc(d(3), 17), OFFICE, pauses=pauses) == 2 * HOUR
    assert add_business_seconds(utc(MON, 9), 3 * HOUR, OFFICE, pauses=pauses) is None
    assert add_business_seconds(utc(MON, 9), 2 * HOUR, OFFICE, pauses=pauses) == utc(MON, 11)


def test_overlapping_pauses_count_once_and_calendar_time_without_a_spec():
    pauses = [(utc(MON, 1), utc(MON, 3)), (utc(MON, 2), utc(MON, 4))]
    assert business_seconds_between(utc(MON, 0), utc(MON, 6), None, pauses=pauses) == 3 * HOUR
    assert add_business_seconds(utc(MON, 0), 2 * HOUR, None, pauses=pauses) == utc(MON, 5)


def test_never_negative_and_naive_times_refused():
    assert business_seconds_between(utc(d(1), 10), utc(MON, 10), OFFICE) == 0
    with pytest.raises(ValueError):
        business_seconds_between(datetime(2026, 3, 2, 10), utc(MON, 11), OFFICE)  # noqa: DTZ001
    with pytest.raises(ValueError):
        CalendarSpec("UTC", windows=((0, time(17), time(9)),))


def test_a_calendar_that_never_opens_gives_no_deadline():
    closed = CalendarSpec("UTC", windows=())
    assert add_business_seconds(utc(MON, 9), HOUR, closed) is None
    assert business_seconds_between(utc(MON, 9), utc(d(30), 9), closed) == 0


# Property tests: instants within a couple of months around both Rome DST changes.
moments = st.datetimes(
    min_value=datetime(2026, 3, 1),  # noqa: DTZ001
    max_value=datetime(2026, 11, 30),  # noqa: DTZ001
    timezones=st.just(UTC),
)
specs = st.sampled_from(
    [
        OFFICE,
        ROME_OFFICE,
        weekday_spec("Europe/Rome", time(8, 30), time(12), holidays=[date(2026, 4, 6)]),
        CalendarSpec(
            "America/New_York",
            windows=((0, time(9), time(12)), (0, time(13), time(18)), (5, time(10), time(14))),
        ),
        None,
    ]
)
pause_lists = st.lists(
    st.tuples(moments, st.integers(min_value=1, max_value=5 * 24 * 3600)), max_size=3
).map(lambda items: [(start, start + timedelta(seconds=length)) for start, length in items])


@settings(max_examples=150, deadline=None)
@given(a=moments, b=moments, c=moments, spec=specs, pauses=pause_lists)
def test_durations_add_up(a, b, c, spec, pauses):
    a, b, c = sorted([a, b, c])
    total = business_duration(a, c, spec, pauses=pauses)
    assert (
        business_duration(a, b, spec, pauses=pauses) + business_duration(b, c, spec, pauses=pauses)
        == total
    )
    assert total >= timedelta(0)
    assert total <= c - a


@settings(max_examples=150, deadline=None)
@given(
    start=moments,
    seconds=st.integers(min_value=0, max_value=200 * 3600),
    spec=specs,
    pauses=pause_lists,
)
def test_add_then_measure_round_trips(start, seconds, spec, pauses):
    amount = timedelta(seconds=seconds)
    due = add_business_time(start, amount, spec, pauses=pauses)
    assert due is not None
    assert due >= start
    assert business_duration(start, due, spec, pauses=pauses) == amount
    if seconds:
        # The deadline is the earliest such instant: a moment earlier, less has passed.
        assert (
            business_duration(start, due - timedelta(microseconds=1), spec, pauses=pauses) < amount
        )


@settings(max_examples=100, deadline=None)
@given(a=moments, b=moments, spec=specs)
def test_never_negative(a, b, spec):
    assert business_seconds_between(a, b, spec) >= 0
