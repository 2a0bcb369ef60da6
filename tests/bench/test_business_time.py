"""The generator's integer business-time arithmetic agrees with tickets.business_time (the one
definition the tickets services use) for the default calendar, across nights, weekends and DST."""

from __future__ import annotations

import random
from datetime import UTC, datetime

import pytest
from django.conf import settings

from metrics.bench.calendar import Clock, add_business_seconds, business_seconds
from tickets.business_time import add_business_seconds as reference_add
from tickets.business_time import business_seconds_between, weekday_spec

ZONES = ["UTC", "Europe/Rome", "Asia/Jakarta"]


def _instants(rng: random.Random, count: int) -> list[int]:
    base = int(datetime(2026, 1, 1, tzinfo=UTC).timestamp())
    return [base + rng.randrange(365 * 86_400) for _ in range(count)]


@pytest.mark.parametrize("zone", ZONES)
def test_business_seconds_between_match_the_tickets_module(zone):
    clock, spec, rng = Clock(zone), weekday_spec(zone), random.Random(zone)
    for start in _instants(rng, 300):
        end = start + rng.randrange(14 * 86_400)
        expected = business_seconds_between(
            datetime.fromtimestamp(start, tz=UTC), datetime.fromtimestamp(end, tz=UTC), spec
        )
        assert business_seconds(clock.wall(start), clock.wall(end)) == pytest.approx(expected)


@pytest.mark.parametrize("zone", ZONES)
def test_adding_business_seconds_matches_the_tickets_module_even_at_closing_time(zone):
    clock, spec, rng = Clock(zone), weekday_spec(zone), random.Random(zone)
    amounts = [60, 3600, 8 * 3600, 3 * 8 * 3600 + 17, 16 * 3600]
    for start in _instants(rng, 200):
        amount = rng.choice(amounts)
        expected = reference_add(datetime.fromtimestamp(start, tz=UTC), amount, spec)
        got = clock.utc(add_business_seconds(clock.wall(start), amount))
        assert datetime.fromtimestamp(got, tz=UTC) == expected


@pytest.mark.parametrize("zone", [*ZONES, settings.TIME_ZONE])
def test_the_clock_converts_both_ways_around_daylight_saving_changes(zone):
    clock = Clock(zone)
    # Every hour of the weeks around the 2026 European changes (29 March, 25 October).
    for first in (datetime(2026, 3, 27, tzinfo=UTC), datetime(2026, 10, 23, tzinfo=UTC)):
        start = int(first.timestamp())
        for moment in range(start, start + 5 * 86_400, 1800):
            local = datetime.fromtimestamp(moment, tz=UTC).astimezone(clock.zone)
            assert clock.wall(moment) - moment == local.utcoffset().total_seconds()
            if local.fold == 0:  # the second pass through a repeated hour maps to the first
                assert clock.utc(clock.wall(moment)) == moment
