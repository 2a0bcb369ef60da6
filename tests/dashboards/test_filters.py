from __future__ import annotations

from datetime import date

import pytest

from metrics.filters import FilterError, FilterOptions, parse_filters

TODAY = date(2026, 11, 22)
OPTIONS = FilterOptions(
    touchpoints={"checkout": "Checkout"},
    channels={"web": "Web"},
    personas={"saver": "Saver"},
    languages={"en": "English"},
)


def parse(**params):
    return parse_filters(params, today=TODAY, options=OPTIONS)


def test_the_default_is_the_last_90_days_by_week_against_the_previous_period():
    filters = parse()
    assert (filters.start, filters.end) == (date(2026, 8, 25), TODAY)
    assert filters.granularity == "week"
    assert (filters.compare_start, filters.compare_end) == (date(2026, 5, 27), date(2026, 8, 24))
    assert filters.standard_comparison


@pytest.mark.parametrize(
    ("preset", "start"),
    [
        ("7d", date(2026, 11, 16)),
        ("30d", date(2026, 10, 24)),
        ("90d", date(2026, 8, 25)),
        ("quarter", date(2026, 10, 1)),
        ("ytd", date(2026, 1, 1)),
        ("mtd", date(2026, 11, 1)),
    ],
)
def test_presets_end_today(preset, start):
    filters = parse(range=preset, granularity="day" if preset in ("7d", "30d") else "week")
    assert (filters.start, filters.end) == (start, TODAY)


def test_this_month_so_far_is_compared_with_the_same_days_of_the_previous_month():
    filters = parse(range="mtd")
    assert (filters.compare_start, filters.compare_end) == (date(2026, 10, 1), date(2026, 10, 22))
    assert not filters.standard_comparison


def test_month_so_far_on_the_31st_is_clamped_to_a_shorter_previous_month():
    filters = parse_filters({"range": "mtd"}, today=date(2026, 12, 31), options=OPTIONS)
    assert (filters.compare_start, filters.compare_end) == (date(2026, 11, 1), date(2026, 11, 30))


def test_same_period_last_year_shifts_both_dates_by_a_year():
    filters = parse(range="custom", start="2024-02-29", end="2024-03-10", compare="last_year")
    assert (filters.compare_start, filters.compare_end) == (date(2023, 2, 28), date(2023, 3, 10))


def test_custom_range_is_kept_in_the_url_parameters():
    filters = parse(range="custom", start="2026-01-05", end="2026-02-01", touchpoint="checkout")
    assert filters.params() == {
        "range": "custom",
        "start": "2026-01-05",
        "end": "2026-02-01",
        "touchpoint": "checkout",
    }
    assert parse(**filters.params()) == filters


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"range": "forever"}, "range"),
        ({"range": "custom", "start": "2026-13-01", "end": "2026-12-01"}, "start"),
        ({"range": "custom", "start": "<script>", "end": "2026-12-01"}, "start"),
        ({"range": "custom", "start": "2026-02-01", "end": "2026-01-01"}, "end"),
        ({"range": "custom", "start": "2000-01-01", "end": "2026-01-01"}, "end"),
        ({"range": "custom", "start": "2026-01-01"}, "end"),
        ({"granularity": "day'; select pg_sleep(5)--"}, "granularity"),
        ({"granularity": "day", "range": "ytd"}, "granularity"),
        ({"compare": "yesterday"}, "compare"),
        ({"touchpoint": '"><svg onload=alert(1)>'}, "touchpoint"),
        ({"channel": "fax"}, "channel"),
        ({"persona": "customer__email"}, "persona"),
        ({"language": "xx"}, "language"),
    ],
)
def test_values_outside_the_allowlists_name_their_field(params, field):
    with pytest.raises(FilterError) as error:
        parse(**params)
    assert error.value.field == field
