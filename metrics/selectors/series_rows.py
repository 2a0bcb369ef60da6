"""The KPI API's series rows built straight from the aggregate query's rows (simple KPIs).

The general path (metrics.selectors.kpi_series, then metrics.api's _point) makes a parts dict per
query row, a KpiPoint per (period, group) and then a response dict per point: on the 1M-response
bench (nps, 90 days, weekly, by touchpoint: 520 points) that was about 9 ms of a 25–35 ms request,
more than the query. Here each query row becomes its response dict in one step, every period
without data shares one precomputed empty row, and period starts are ISO strings (what the JSON
renderer would print for the date), so the renderer never calls back into Python for them.

Applies to KPIs summed by metrics.selectors.sums without a duration histogram; the others go the
general way. tests/metrics/test_series_rows.py checks both give the same JSON for every KPI,
granularity and group_by.
"""

from __future__ import annotations

from datetime import date

from metrics import stats
from metrics.kpi_values import nps_value
from metrics.kpis import KpiDefinition
from metrics.selectors import sums
from metrics.types import KpiFilters


def applies(definition: KpiDefinition) -> bool:
    return definition.histogram_measure is None and sums.applies(definition)


def _row_maker(definition: KpiDefinition):
    """_compute's rounding and empty-period rule (metrics.selectors) and api._point's layout, as
    one function of (period start, value_from result) to the API row."""
    digits = max(definition.decimals, 1) + 1
    hours = definition.unit == "hours"  # api._point adds median and p90 for time KPIs

    def row(period: str, computed) -> dict:
        value, n, low, high, extra = computed
        if n == 0:  # no backlog here (a level, kept at zero): simple rollups only
            value = low = high = None
        data = {
            "period_start": period,
            "value": None if value is None else round(value, digits),
            "n": int(n),
            "ci_low": None if low is None else round(low, digits),
            "ci_high": None if high is None else round(high, digits),
        }
        if hours:
            data["median"] = data["p90"] = None  # no histogram on this path
        if extra:
            data["extra"] = {
                k: (round(v, digits) if isinstance(v, float) else v) for k, v in extra.items()
            }
        return data

    return row


def _nps_row_maker(definition: KpiDefinition, names: list[str]):
    """NPS rows from the three class sums of the query row, without a parts dict: nps_value and
    _compute in one step (stats.nps, the same rounding and extra), 40 % of the Python cost of a
    520-point series. None for any other KPI or column layout."""
    if definition.value_from is not nps_value or names != [
        "responses",
        "promoters",
        "passives",
        "detractors",
    ]:
        return None
    digits = max(definition.decimals, 1) + 1

    def row(period: str, values) -> dict:
        p, pa, d = int(values[1] or 0), int(values[2] or 0), int(values[3] or 0)
        extra = {"promoters": p, "passives": pa, "detractors": d}
        if not p + pa + d:
            value = low = high = None
        else:
            value, low, high = stats.nps(p, pa, d)
            value, low, high = round(value, digits), round(low, digits), round(high, digits)
        return {
            "period_start": period,
            "value": value,
            "n": p + pa + d,
            "ci_low": low,
            "ci_high": high,
            "extra": extra,
        }

    return row


def series_rows(
    definition: KpiDefinition,
    start: date,
    end: date,
    filters: KpiFilters,
    granularity: str,
    group_by: str | None,
) -> tuple[list[dict] | None, list[dict] | None]:
    """(points, None) without group_by, else (None, groups): the API's `points` or `groups`,
    equal to what it builds from kpi_series (and its ValueErrors). Callers check applies()."""
    from metrics.selectors import (
        GRANULARITIES,
        _check_group_by,
        _check_range,
        _group_labels,
        periods,
    )

    if granularity not in GRANULARITIES:
        raise ValueError(f"granularity must be one of: {', '.join(GRANULARITIES)}.")
    _check_group_by(definition, group_by)
    _check_range(start, end)
    period_list = [p_start for p_start, _first, _last in periods(start, end, granularity)]
    columns = sums.part_columns([definition])
    names = list(columns)
    keys = [sums.PERIODS[sums.connection.vendor].get(granularity, 'd."day"')]
    if group_by is not None:
        keys.append("d." + sums.connection.ops.quote_name(sums.read.GROUP_COLUMNS[group_by]))
    rows = sums._run([definition], filters, group_by, [(start, end)], keys, list(columns.values()))
    value_from = definition.value_from
    make_row = _row_maker(definition)
    row_from = _nps_row_maker(definition, names)
    if row_from is None:

        def row_from(period: str, values) -> dict:
            parts = {name: value or 0 for name, value in zip(names, values, strict=True)}
            return make_row(period, value_from(parts))

    iso = [p.isoformat() for p in period_list]
    # Period starts as ISO text, whether the driver returns dates (PostgreSQL) or text (SQLite).
    period_text = dict(zip(period_list, iso, strict=True)) | {text: text for text in iso}
    # A period without rows: one shared row per period (the renderer only reads them).
    empty = value_from({})
    empty_rows = {text: make_row(text, empty) for text in iso}
    width = len(keys)
    found: dict[int | None, dict] = {}
    with_data = set()
    for row in rows:
        values = row[width:]
        group = row[1] if group_by is not None else None
        if any(values):  # kpi_series lists a group with any non-zero column in any period
            with_data.add(group)
        period = period_text[row[0]]
        found.setdefault(group, {})[period] = row_from(period, values)

    def points(group) -> list[dict]:
        rows_by_period = found.get(group, {})
        return [rows_by_period.get(text) or empty_rows[text] for text in iso]

    if group_by is None:
        return points(None), None
    group_ids = sorted(g for g in with_data if g is not None)
    labels = _group_labels(group_by, group_ids)
    groups = []
    for g in group_ids:
        key, label = labels.get(g, (str(g), str(g)))
        groups.append({"key": key, "label": label, "points": points(g)})
    groups.sort(key=lambda group: group["label"].lower())
    return None, groups
