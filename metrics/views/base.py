"""What every dashboard page shares: access rules, the filter bar, KPI reads, caching, links."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from functools import wraps
from pathlib import Path
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from metrics import charts
from metrics.charts.base import number
from metrics.exports import Table
from metrics.filters import (
    COMPARE_LABELS,
    GRANULARITY_LABELS,
    PRESET_LABELS,
    DashboardFilters,
    FilterError,
    FilterOptions,
    load_options,
    parse_filters,
)
from metrics.types import KpiFilters, KpiSummary, KpiValue

PAGE_CACHE_SECONDS = 6 * 3600


def page_cache_seconds() -> int:
    """How long a page's figures stay cached. An entry is dead once the next recompute moves
    the stamp in its key, so it need not outlive two intervals: kept for hours, every recompute
    left its predecessor's entries behind in the Redis that also carries the Celery queue
    (with noeviction), and the F10 soak watched Redis grow without levelling off."""
    return min(PAGE_CACHE_SECONDS, 2 * int(settings.CX_RECOMPUTE_EVERY) + 60)


def _code_stamp() -> str:
    """A digest of the code that builds cached pages, so a deploy never serves figures that
    older code drew (the cache outlives processes: Redis in production, files locally)."""
    package = Path(__file__).resolve().parents[1]
    digest = hashlib.sha256()
    for path in sorted(
        [*package.glob("views/*.py"), *package.glob("charts/*.py"), *package.glob("selectors/*.py")]
    ):
        digest.update(path.read_bytes())
    for name in ("filters.py", "drilldown.py", "kpis.py", "rollups/read.py"):
        digest.update((package / name).read_bytes())
    return digest.hexdigest()[:16]


CODE_STAMP = _code_stamp()


@dataclass
class Dash:
    """One request's dashboard state: validated filters and the filter bar's options."""

    filters: DashboardFilters
    options: FilterOptions


@dataclass
class PageData:
    """What a page shows: figures (as JSON data), tables (shown and exported), other values.

    Built once per filters × last recompute and cached, so a page costs a fixed handful of
    queries on a cache hit and a bounded number on a miss."""

    figures: dict[str, dict] = field(default_factory=dict)
    tables: dict[str, Table] = field(default_factory=dict)
    values: dict[str, object] = field(default_factory=dict)


def no_access(request):
    # Agents have no dashboards: their start page is the ticket queue.
    if request.user.has_perm("tickets.view_ticket"):
        try:
            return redirect(reverse("tickets:queue"))
        except NoReverseMatch:
            pass
    return render(request, "metrics/no_access.html", status=403)


def bad_filter(request, error: FilterError):
    return render(
        request,
        "metrics/bad_filter.html",
        {"field": error.field, "message": error.message},
        status=400,
    )


def dashboard_view(view: Callable) -> Callable:
    """login + metrics.view_dashboards + a validated filter bar, passed to the view as `dash`."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.has_perm("metrics.view_dashboards"):
            return no_access(request)
        options = load_options()
        try:
            filters = parse_filters(request.GET, today=timezone.localdate(), options=options)
        except FilterError as error:
            return bad_filter(request, error)
        return view(request, Dash(filters=filters, options=options), *args, **kwargs)

    return wrapper


def filter_bar_context(
    request, dash: Dash, *, keep: dict[str, str] | None = None, lock_touchpoint: bool = False
):
    return {
        "filters": dash.filters,
        "options": dash.options,
        "preset_labels": PRESET_LABELS,
        "granularity_labels": GRANULARITY_LABELS,
        "compare_labels": COMPARE_LABELS,
        "keep": keep or {},
        "lock_touchpoint": lock_touchpoint,
        "querystring": dash.filters.querystring(),
    }


def cached_page(name: str, dash: Dash, build: Callable[[], PageData], *, extra: str = ""):
    """The page's data from the cache when nothing was recomputed since it was built.

    The key holds the filters and last_computed(): a recompute moves that time, so every
    cached figure is rebuilt from the new rollups on its next view."""
    from metrics.selectors import last_computed

    stamp = last_computed()
    raw = "|".join(
        [
            CODE_STAMP,
            name,
            extra,
            get_language() or "",
            dash.filters.cache_key(),
            stamp.isoformat() if stamp else "never",
        ]
    )
    key = "metrics:page:" + hashlib.sha256(raw.encode()).hexdigest()
    data = cache.get(key)
    if data is None:
        data = build()
        data.values["last_computed"] = stamp
        cache.set(key, data, page_cache_seconds())
    return data


def kpi_definition(key: str):
    from metrics.kpis import KPIS

    return KPIS[key]


def summary_for(key: str, filters: DashboardFilters) -> KpiSummary:
    """The KPI now vs the comparison period of the filter bar, tested exactly by the engine
    (also for "this month so far" against the same days of the previous month)."""
    from metrics import selectors

    custom = None if filters.standard_comparison else (filters.compare_start, filters.compare_end)
    return selectors.kpi_summary(
        key=key,
        start=filters.start,
        end=filters.end,
        filters=kpi_filters_for(key, filters),
        compare=filters.compare,
        previous=custom,
    )


def change_text(change: float | None, *, unit: str, is_rate: bool, decimals: int = 1) -> str:
    if change is None:
        return "–"
    sign = "+" if change > 0 else ("−" if change < 0 else "±")
    # Digits in the reader's language (1.234,5 in Italian); exports keep raw numbers.
    magnitude = number(abs(change), 0 if unit == "count" and not is_rate else decimals)
    if is_rate:
        # Rate KPIs change in percentage points; say so rather than print a bare "%".
        # Translators: a change of a rate KPI in percentage points, e.g. "+2.5 pts".
        return _("%(change)s pts") % {"change": f"{sign}{magnitude}"}
    if unit == "hours":
        return _("%(value)s h") % {"value": f"{sign}{magnitude}"}
    return f"{sign}{magnitude}"


def change_is_good(change: float | None, higher_is_better: bool) -> bool | None:
    if change is None or change == 0:
        return None
    return (change > 0) == higher_is_better


def interval_text(value: KpiValue, unit: str, decimals: int) -> str:
    if value.ci_low is None or value.ci_high is None:
        return ""
    return (
        f"{charts.fmt(value.ci_low, unit, decimals)} – {charts.fmt(value.ci_high, unit, decimals)}"
    )


def drill_url(
    definition, filters: DashboardFilters, start: date, end: date, **extra: str | None
) -> str:
    """Where the raw rows behind a KPI value over [start, end] are listed."""
    source = getattr(definition, "source", "")
    key = getattr(definition, "key", "")
    if source in ("surveys", "invitations"):
        name = "metrics:responses"
    elif source == "tickets":
        name = "metrics:tickets"
        if key in ("resolution_time", "resolution_time_business", "reopen_rate"):
            extra.setdefault("date", "resolved")
        if key == "sla_breach_rate":
            extra.setdefault("flag", "breached")
        if key == "backlog":
            extra.setdefault("flag", "open")
    elif source == "customers":
        name = "metrics:customers"
    else:
        return ""
    query = filters.period_params(start, end, **extra)
    return f"{_list_path(name)}?{urlencode(query)}"


_LIST_PATHS: dict[tuple, str] = {}


def _list_path(name: str) -> str:
    """reverse(name) of an argument-less list page, kept per URLconf and script prefix: a
    touchpoint page links each of its ~125 chart points and bars, and reverse() took 7 ms of it."""
    key = (name, get_urlconf() or settings.ROOT_URLCONF, get_script_prefix())
    path = _LIST_PATHS.get(key)
    if path is None:
        path = _LIST_PATHS[key] = reverse(name)
    return path


def page_url(name: str, filters: DashboardFilters, *args, **extra: str | None) -> str:
    query = filters.querystring(**extra)
    url = reverse(name, args=args)
    return f"{url}?{query}" if query else url


def target_status(target: float | None, value: float | None, higher_is_better: bool):
    if target is None or value is None:
        return None
    met = value >= target if higher_is_better else value <= target
    return "met" if met else "missed"


def small_sample(value: KpiValue | None, unit: str, min_n: int = charts.MIN_SAMPLE) -> bool:
    # Counts and hours have no sampling interval to grey out; scores and rates do.
    if value is None or value.value is None or unit in ("count",):
        return False
    return value.n < min_n


def export_url(page: str, table: str, filters: DashboardFilters, **extra: str | None) -> str:
    return page_url("metrics:export", filters, page, table, **extra)


def chart(
    data: PageData,
    name: str,
    title: str,
    *,
    csv: str = "",
    note: str = "",
    empty: str = "",
) -> dict:
    """A chart's template context: the cached figure, its element ids and CSV link.

    A figure without a single value shows the empty-state text instead of bare axes."""
    figure = data.figures.get(name)
    return {
        "id": f"chart-{name}",
        "data_id": f"chart-{name}-data",
        "title": title,
        "figure": figure or {},
        "csv": csv,
        "note": note,
        "empty": "" if figure and _has_values(figure) else (empty or _("No data in this period.")),
    }


def kpi_filters_for(key: str, filters: DashboardFilters) -> KpiFilters:
    """The filter bar narrowed to what this KPI can be filtered by.

    Churn has no touchpoint, tickets have no survey language: the engine refuses such filters,
    and the page says which filters each chart ignores."""
    from metrics.rollups.read import LANGUAGE_ROLLUPS

    definition = kpi_definition(key)
    allowed = set(definition.filters)
    base = filters.kpi_filters
    return KpiFilters(
        touchpoint=base.touchpoint if "touchpoint" in allowed else None,
        channel=base.channel if "channel" in allowed else None,
        persona=base.persona if "persona" in allowed else None,
        journey=base.journey if "journey" in allowed else None,
        language=base.language if definition.rollup in LANGUAGE_ROLLUPS else None,
    )


def ignored_filters(key: str, filters: DashboardFilters) -> list[str]:
    """Names of the active filters this KPI cannot use (shown next to its chart)."""
    narrowed = kpi_filters_for(key, filters)
    return [
        name
        for name in ("touchpoint", "channel", "persona", "language")
        if getattr(filters, name) and not getattr(narrowed, name)
    ]


def _has_values(figure: dict) -> bool:
    def values(items) -> bool:
        for item in items or []:
            if isinstance(item, list):
                if values(item):
                    return True
            elif item is not None:
                return True
        return False

    return any(values(trace.get("z") or trace.get("y")) for trace in figure.get("data", []))
