"""Several KPIs' summaries and series in one pass (the overview's tiles, a touchpoint's trends):
one query per rollup table and filter set for both windows and the periods of the series."""

from __future__ import annotations

from datetime import date, timedelta

from metrics import stats
from metrics.kpis import KpiDefinition, get_kpi
from metrics.rollups import read
from metrics.selectors import (
    _check_range,
    _compute,
    kpi_series,
    kpi_summary,
    periods,
    previous_range,
    sums,
)
from metrics.types import GRANULARITIES, KpiFilters, KpiPoint, KpiSeries, KpiSummary, KpiValue

ONE_DAY = timedelta(days=1)


def kpi_board(
    *,
    keys: list[str],
    filters_for: dict[str, KpiFilters],
    start: date,
    end: date,
    granularity: str = "week",
    compare: str = "previous",
    previous: tuple[date, date] | None = None,
    quantiles: bool = True,
) -> dict[str, tuple[KpiSummary, KpiSeries]]:
    """kpi_summary and kpi_series (no group_by) for several KPIs at once, equal to calling both for
    each key. KPIs of one simple rollup under the same filters share one query (their value
    columns by day over both windows, added up into the windows and periods), plus one per
    histogram with a filtered sum per window and period; level and stage KPIs fall back to the
    single-KPI reads.

    quantiles=False skips the histograms: time KPIs then carry no median and p90 (the tiles show
    means and intervals only, and the histograms are the largest rollup read)."""
    if granularity not in GRANULARITIES:
        raise ValueError(f"granularity must be one of: {', '.join(GRANULARITIES)}.")
    _check_range(start, end)
    previous_start, previous_end = previous or previous_range(start, end, compare)
    _check_range(previous_start, previous_end)
    # Adjacent windows (the standard comparison) are read as one span; last year's as two.
    spans = sorted([(start, end), (previous_start, previous_end)])
    if spans[1][0] <= spans[0][1] + timedelta(days=1):
        spans = [(spans[0][0], max(spans[0][1], spans[1][1]))]
    period_list = periods(start, end, granularity)
    definitions = {key: get_kpi(key) for key in keys}
    batches: dict[tuple, list[KpiDefinition]] = {}
    result: dict[str, tuple[KpiSummary, KpiSeries]] = {}
    for key, definition in definitions.items():
        if definition.rollup in ("backlog", "customers") and previous_end + ONE_DAY == start:
            result[key] = _level_entry(
                definition,
                (previous_start, previous_end),
                period_list,
                filters_for[key],
                granularity,
            )
            continue
        if definition.rollup in ("backlog", "customers", "stages", "events"):
            summary = kpi_summary(
                key=key,
                start=start,
                end=end,
                filters=filters_for[key],
                compare=compare,
                previous=previous,
            )
            series = kpi_series(
                key=key, start=start, end=end, granularity=granularity, filters=filters_for[key]
            )
            result[key] = (summary, series)
            continue
        batches.setdefault((definition.rollup, filters_for[key]), []).append(definition)
    # Current window, comparison window, then each period of the series.
    windows = [(start, end), (previous_start, previous_end)]
    windows += [(first, last) for _p, first, last in period_list]
    for (_rollup, filters), batch in batches.items():
        current, comparison, by_period = sums.split_parts(
            batch, windows[0], windows[1], filters, granularity
        )
        totals = [current, comparison]
        parts = totals + [by_period.get(p_start, {}) for p_start, _f, _l in period_list]
        for definition in batch:
            buckets = [{} for _window in windows]
            if quantiles and definition.histogram_measure is not None:
                buckets = read.histogram_windows(definition, windows, spans, filters)
            result[definition.key] = _board_entry(
                definition, parts, buckets, windows, granularity, period_list
            )
    return {key: result[key] for key in keys}


def _level_entry(definition, comparison, period_list, filters, granularity):
    """A level KPI (churn, backlog) whose comparison window ends the day before the current one:
    one running-sum read over the comparison window followed by the periods, instead of one per
    window and one for the series (the levels at each day are the same)."""
    marker = object()  # the comparison window's key among the period starts
    levels = read.level_parts(definition, [(marker, *comparison), *period_list], filters, None)
    parts = [levels.get((p_start, None), {}) for p_start, _first, _last in period_list]
    if definition.rollup == "backlog":  # the level at the end of the window
        current = dict(parts[-1])
    else:  # active at the window's start, churned over all of it
        current = {
            "active_start": parts[0].get("active_start", 0),
            "churned": sum(p.get("churned", 0) for p in parts),
        }
    totals = [current, levels.get((marker, None), {})]
    start, end = period_list[0][1], period_list[-1][2]
    windows = [(start, end), comparison] + [(first, last) for _p, first, last in period_list]
    return _board_entry(
        definition, totals + parts, [{} for _w in windows], windows, granularity, period_list
    )


def _board_entry(definition, parts, buckets, windows, granularity, period_list):
    computed = [_compute(definition, p, b) for p, b in zip(parts, buckets, strict=True)]
    current = KpiValue(start=windows[0][0], end=windows[0][1], **computed[0])
    previous = KpiValue(start=windows[1][0], end=windows[1][1], **computed[1])
    change = None
    if current.value is not None and previous.value is not None:
        change = round(current.value - previous.value, max(definition.decimals, 1) + 1)
    p_value = None
    if definition.p_value is not None and current.n and previous.n:
        p_value = definition.p_value(parts[0], parts[1])
    summary = KpiSummary(
        kpi=definition.key,
        current=current,
        previous=previous,
        change=change,
        significant=stats.significant(p_value),
        p_value=p_value,
    )
    points = [
        KpiPoint(period_start=p_start, **values)
        for (p_start, _first, _last), values in zip(period_list, computed[2:], strict=True)
    ]
    series = KpiSeries(
        kpi=definition.key,
        granularity=granularity,
        start=windows[0][0],
        end=windows[0][1],
        points=points,
    )
    return summary, series


def kpi_series_many(
    *,
    keys: list[str],
    filters_for: dict[str, KpiFilters],
    start: date,
    end: date,
    granularity: str = "week",
) -> dict[str, KpiSeries]:
    """kpi_series (no group_by) for several KPIs, equal to one call per key: KPIs of one simple
    rollup under the same filters share one query (a touchpoint page's three survey trends, its
    three ticket trends); time KPIs add their histogram read, other KPIs their own reads."""
    if granularity not in GRANULARITIES:
        raise ValueError(f"granularity must be one of: {', '.join(GRANULARITIES)}.")
    _check_range(start, end)
    period_list = periods(start, end, granularity)
    batches: dict[tuple, list[KpiDefinition]] = {}
    result: dict[str, KpiSeries] = {}
    for key in keys:
        definition = get_kpi(key)
        if sums.applies(definition):
            batches.setdefault((definition.rollup, filters_for[key]), []).append(definition)
        else:
            result[key] = kpi_series(
                key=key, start=start, end=end, granularity=granularity, filters=filters_for[key]
            )
    for (_rollup, filters), batch in batches.items():
        parts = sums.period_parts(batch, start, end, filters, granularity, None)
        for definition in batch:
            histograms: dict = {}
            if definition.histogram_measure is not None:
                histograms = sums.histogram_parts(
                    definition, start, end, filters, granularity, None
                )
            points = [
                KpiPoint(
                    period_start=p_start,
                    **_compute(
                        definition, parts.get((p_start, None)), histograms.get((p_start, None))
                    ),
                )
                for p_start, _first, _last in period_list
            ]
            result[definition.key] = KpiSeries(
                kpi=definition.key,
                granularity=granularity,
                start=start,
                end=end,
                points=points,
            )
    return {key: result[key] for key in keys}
