"""The dashboards' filter bar: parsed from the URL so every view can be bookmarked and shared.

Every value comes from an allowlist (presets, granularities, slugs known to the database); a bad
value raises FilterError naming the field, and the view answers 400 without echoing the value.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from urllib.parse import urlencode

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from metrics.types import GRANULARITIES, KpiFilters

PRESETS = ("7d", "30d", "90d", "mtd", "quarter", "ytd", "custom")
PRESET_LABELS = {
    "7d": _("Last 7 days"),
    "30d": _("Last 30 days"),
    "90d": _("Last 90 days"),
    "mtd": _("This month so far"),
    "quarter": _("This quarter"),
    "ytd": _("Year to date"),
    "custom": _("Custom range"),
}
GRANULARITY_LABELS = {"day": _("Day"), "week": _("Week"), "month": _("Month")}
COMPARES = ("previous", "last_year")
COMPARE_LABELS = {"previous": _("Previous period"), "last_year": _("Same period last year")}
DEFAULT_PRESET = "90d"
DEFAULT_GRANULARITY = "week"
DEFAULT_COMPARE = "previous"
MAX_RANGE_DAYS = 3 * 366
# A day-by-day chart over years draws thousands of points nobody can read.
MAX_DAY_POINTS = 186
MAX_WEEK_POINTS = 160
FILTER_FIELDS = (
    "range",
    "start",
    "end",
    "granularity",
    "compare",
    "touchpoint",
    "channel",
    "persona",
    "language",
)


class FilterError(ValueError):
    """A filter value outside its allowlist; `field` names the parameter, never its value."""

    def __init__(self, field_name: str, message: str) -> None:
        super().__init__(message)
        self.field = field_name
        self.message = message


@dataclass(frozen=True)
class FilterOptions:
    """The values the bar may take, loaded once per request (slug -> label)."""

    touchpoints: dict[str, str] = field(default_factory=dict)
    channels: dict[str, str] = field(default_factory=dict)
    personas: dict[str, str] = field(default_factory=dict)
    languages: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class DashboardFilters:
    preset: str
    start: date
    end: date
    granularity: str
    compare: str
    compare_start: date
    compare_end: date
    touchpoint: str | None = None
    channel: str | None = None
    persona: str | None = None
    language: str | None = None

    @property
    def kpi_filters(self) -> KpiFilters:
        return KpiFilters(
            touchpoint=self.touchpoint,
            channel=self.channel,
            persona=self.persona,
            language=self.language,
        )

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def standard_comparison(self) -> bool:
        """True when the comparison is the one kpi_summary computes itself."""
        if self.compare == "last_year":
            return True
        return self.compare_end == self.start - timedelta(days=1) and (
            self.compare_end - self.compare_start
        ) == (self.end - self.start)

    def params(self, **overrides) -> dict[str, str]:
        """The URL parameters of these filters (defaults left out), with overrides applied."""
        values: dict[str, str | None] = {
            "range": self.preset if self.preset != DEFAULT_PRESET else None,
            "start": self.start.isoformat() if self.preset == "custom" else None,
            "end": self.end.isoformat() if self.preset == "custom" else None,
            "granularity": self.granularity if self.granularity != DEFAULT_GRANULARITY else None,
            "compare": self.compare if self.compare != DEFAULT_COMPARE else None,
            "touchpoint": self.touchpoint,
            "channel": self.channel,
            "persona": self.persona,
            "language": self.language,
        }
        for key, value in overrides.items():
            values[key] = None if value is None else str(value)
        return {key: value for key, value in values.items() if value}

    def querystring(self, **overrides) -> str:
        return urlencode(self.params(**overrides))

    def period_params(self, start: date, end: date, **overrides) -> dict[str, str]:
        """Parameters naming one exact period (a chart point), keeping the other filters."""
        return self.params(
            range="custom", start=start.isoformat(), end=end.isoformat(), **overrides
        )

    def cache_key(self) -> str:
        return "|".join(
            str(part)
            for part in (
                self.start,
                self.end,
                self.granularity,
                self.compare_start,
                self.compare_end,
                self.touchpoint,
                self.channel,
                self.persona,
                self.language,
            )
        )


def _quarter_start(today: date) -> date:
    return date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)


def _one_year_earlier(day: date) -> date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


def preset_range(preset: str, today: date) -> tuple[date, date]:
    if preset == "7d":
        return today - timedelta(days=6), today
    if preset == "30d":
        return today - timedelta(days=29), today
    if preset == "90d":
        return today - timedelta(days=89), today
    if preset == "mtd":
        return today.replace(day=1), today
    if preset == "quarter":
        return _quarter_start(today), today
    if preset == "ytd":
        return date(today.year, 1, 1), today
    raise FilterError("range", _("Unknown date range."))


def comparison_range(preset: str, start: date, end: date, compare: str) -> tuple[date, date]:
    """The period the current one is compared with.

    "This month so far" is compared with the same number of days at the start of the previous
    month (1–22 October for 1–22 November), not with the whole previous month nor with the days
    just before the 1st: a fair comparison of equal, aligned spans.
    """
    if compare == "last_year":
        return _one_year_earlier(start), _one_year_earlier(end)
    if preset == "mtd" and start.day == 1:
        previous_month_end = start - timedelta(days=1)
        previous_start = previous_month_end.replace(day=1)
        previous_end = min(previous_start + (end - start), previous_month_end)
        return previous_start, previous_end
    length = end - start
    previous_end = start - timedelta(days=1)
    return previous_end - length, previous_end


def _parse_date(value: str, field_name: str) -> date:
    try:
        parsed = date.fromisoformat(value.strip())
    except ValueError:
        raise FilterError(field_name, _("Enter a date as YYYY-MM-DD.")) from None
    if not 2000 <= parsed.year <= 2100:
        raise FilterError(field_name, _("Enter a date between 2000 and 2100."))
    return parsed


def _slug(params, name: str, allowed: dict[str, str], message) -> str | None:
    value = (params.get(name) or "").strip()
    if not value:
        return None
    if value not in allowed:
        raise FilterError(name, message)
    return value


def parse_filters(params, *, today: date, options: FilterOptions) -> DashboardFilters:
    """Validate the filter bar's parameters (a QueryDict or dict) against allowlists."""
    preset = (params.get("range") or "").strip() or DEFAULT_PRESET
    if preset not in PRESETS:
        raise FilterError("range", _("Unknown date range."))
    has_dates = bool(params.get("start") or params.get("end"))
    if preset == "custom" or (has_dates and not params.get("range")):
        preset = "custom"
        if not params.get("start"):
            raise FilterError("start", _("A custom range needs a start date."))
        if not params.get("end"):
            raise FilterError("end", _("A custom range needs an end date."))
        start = _parse_date(params["start"], "start")
        end = _parse_date(params["end"], "end")
        if end < start:
            raise FilterError("end", _("The end date is before the start date."))
        if (end - start).days + 1 > MAX_RANGE_DAYS:
            raise FilterError("end", _("Choose a range of at most three years."))
    else:
        start, end = preset_range(preset, today)

    granularity = (params.get("granularity") or "").strip() or DEFAULT_GRANULARITY
    if granularity not in GRANULARITIES:
        raise FilterError("granularity", _("Choose day, week or month."))
    days = (end - start).days + 1
    if granularity == "day" and days > MAX_DAY_POINTS:
        raise FilterError("granularity", _("Daily points need a range of at most six months."))
    if granularity == "week" and days > MAX_WEEK_POINTS * 7:
        raise FilterError("granularity", _("Weekly points need a range of at most three years."))

    compare = (params.get("compare") or "").strip() or DEFAULT_COMPARE
    if compare not in COMPARES:
        raise FilterError("compare", _("Compare with the previous period or last year."))
    compare_start, compare_end = comparison_range(preset, start, end, compare)

    return DashboardFilters(
        preset=preset,
        start=start,
        end=end,
        granularity=granularity,
        compare=compare,
        compare_start=compare_start,
        compare_end=compare_end,
        touchpoint=_slug(params, "touchpoint", options.touchpoints, _("Unknown touchpoint.")),
        channel=_slug(params, "channel", options.channels, _("Unknown channel.")),
        persona=_slug(params, "persona", options.personas, _("Unknown persona.")),
        language=_slug(params, "language", options.languages, _("Unknown language.")),
    )


def load_options() -> FilterOptions:
    """The allowlists, read from the catalogue (three small queries)."""
    from journeys.models import Channel, Persona, Touchpoint

    return FilterOptions(
        touchpoints=dict(Touchpoint.objects.order_by("name").values_list("slug", "name")),
        channels=dict(Channel.objects.order_by("order", "slug").values_list("slug", "name")),
        personas=dict(Persona.objects.order_by("name").values_list("slug", "name")),
        languages={code: str(name) for code, name in settings.LANGUAGES},
    )


def with_touchpoint(filters: DashboardFilters, slug: str) -> DashboardFilters:
    return replace(filters, touchpoint=slug)
