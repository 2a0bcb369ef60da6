"""A KPI by group now against a comparison period: the overview's movers and the touchpoint
ranking both show it, from one grouped aggregate per period and one label query."""

from __future__ import annotations

from datetime import date

from metrics.kpis import get_kpi
from metrics.selectors import (
    _check_group_by,
    _check_range,
    _compute,
    _group_labels,
    _has_data,
    kpi_breakdown,
    sums,
)
from metrics.types import KpiFilters, KpiValue

Row = tuple[str, str, KpiValue, KpiValue | None]


def kpi_breakdown_change(
    *,
    key: str,
    start: date,
    end: date,
    compare_start: date,
    compare_end: date,
    group_by: str,
    filters: KpiFilters = KpiFilters(),  # noqa: B008 - frozen dataclass, never mutated
    quantiles: bool = True,
) -> list[Row]:
    """kpi_breakdown over start..end, each row with the same group's value over
    compare_start..compare_end (None when the group has no data then): equal to two
    kpi_breakdown calls. quantiles=False leaves time KPIs without median and p90, and saves the
    histogram reads (a ranking shows means)."""
    definition = get_kpi(key)
    if group_by is None:
        raise ValueError("group_by is required.")
    _check_group_by(definition, group_by)
    _check_range(start, end)
    _check_range(compare_start, compare_end)
    if not sums.applies(definition):
        now = kpi_breakdown(key=key, start=start, end=end, group_by=group_by, filters=filters)
        before = kpi_breakdown(
            key=key, start=compare_start, end=compare_end, group_by=group_by, filters=filters
        )
        return _pair(now, before)
    windows = [(start, end), (compare_start, compare_end)]
    # One plain grouped aggregate per window: on PostgreSQL cheaper than one scan with a CASE
    # per window and row.
    by_window = [
        sums.period_parts([definition], first, last, filters, None, group_by)
        for first, last in windows
    ]
    by_group = {
        group: [window.get((None, group), {}) for window in by_window]
        for window in by_window
        for (_period, group) in window
    }
    histograms: list[dict] = [{}, {}]
    if quantiles and definition.histogram_measure is not None:
        histograms = [
            sums.histogram_parts(definition, first, last, filters, None, group_by)
            for first, last in windows
        ]
    labels = _group_labels(group_by, list(by_group))
    lists: list[list[tuple[str, str, KpiValue]]] = [[], []]
    for index, (first, last) in enumerate(windows):
        for group, parts in by_group.items():
            if not _has_data(parts[index]):
                continue
            computed = _compute(definition, parts[index], histograms[index].get((None, group)))
            if computed["n"] == 0:
                continue
            slug, label = labels.get(group, (str(group), str(group)))
            lists[index].append((slug, label, KpiValue(start=first, end=last, **computed)))
    lists[0].sort(key=lambda row: (row[2].value is None, -(row[2].value or 0), row[1]))
    return _pair(*lists)


def _pair(now: list, before: list) -> list[Row]:
    previous = {slug: value for slug, _label, value in before}
    return [(slug, label, value, previous.get(slug)) for slug, label, value in now]


def change(value: KpiValue, previous: KpiValue | None) -> float | None:
    """Now minus then, when both have a value."""
    if previous is None or value.value is None or previous.value is None:
        return None
    return value.value - previous.value
