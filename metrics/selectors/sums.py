"""The hot read path of simple KPIs: sums of one rollup table per period and group in one
aggregate query (the KPI API, the overview's tiles and movers, the touchpoint pages).

Equal to metrics.rollups.read.simple_parts (same rows, same filters, same source table), but
cheaper where the profile of the 1M-response bench showed the time going:
- on PostgreSQL the week and month of a date are computed with date arithmetic: DATE_TRUNC on a
  date casts every row to timestamptz first (a time-zone lookup per row), twice the cost of the
  whole query on the day × touchpoint table;
- NPS sums three class counts (promoters, passives, detractors) instead of eleven answer points
  (metrics.kpi_values.nps_parts reads either form): a quarter of the aggregates to compute,
  decode and turn into a value;
- the overview's tiles read each rollup once by day over both windows (split_parts). Two
  windows summed apart are two plain aggregates: one scan with a CASE per window and row costs
  more on PostgreSQL than the second round trip.
"""

from __future__ import annotations

from datetime import date

from django.core.exceptions import EmptyResultSet
from django.db import connection

from metrics.kpis import KpiDefinition
from metrics.models import NPS_POINTS, TimeHistogram
from metrics.rollups import read
from metrics.types import KpiFilters

Key = tuple[date | None, int | None]

# KPI key -> {part name: the rollup columns it adds up}; other KPIs sum their columns one by one.
COMPACT_PARTS = {
    "nps": {
        "responses": ["responses"],
        "promoters": ["nps_9", "nps_10"],
        "passives": ["nps_7", "nps_8"],
        "detractors": [f"nps_{p}" for p in NPS_POINTS if p <= 6],
    },
}
# KPI key -> the columns its value and significance test read (metrics.kpi_values), where that
# is fewer than its rollup's: a fine ticket rollup's tiles then sum three columns, not eight.
VALUE_COLUMNS = {
    "frt": ["frt_n", "frt_sum", "frt_sumsq"],
    "frt_business": ["frtb_n", "frtb_sum", "frtb_sumsq"],
    "fcr": ["created", "fcr"],
    "sla_breach_rate": ["sla_total", "sla_breached"],
    "ticket_volume": ["created"],
    "resolution_time": ["res_n", "res_sum", "res_sumsq"],
    "resolution_time_business": ["resb_n", "resb_sum", "resb_sumsq"],
    "reopen_rate": ["resolved", "reopened"],
}
# The first day of a day's period: plain date arithmetic (see the module docstring).
PERIODS = {
    "postgresql": {
        # Days since a Monday (1 January of year 1), modulo 7: integer arithmetic, where
        # EXTRACT(ISODOW …) computes a numeric per row (20 % of the weekly series' query).
        "week": 'd."day" - ((d."day" - DATE \'0001-01-01\') %% 7)',
        "month": 'd."day" - (EXTRACT(DAY FROM d."day")::integer - 1)',
    },
    "sqlite": {
        "week": "date(d.\"day\", '-' || ((CAST(strftime('%%w', d.\"day\") AS integer) + 6) %% 7)"
        " || ' days')",
        "month": "date(d.\"day\", 'start of month')",
    },
}


def applies(definition: KpiDefinition) -> bool:
    """Simple rollups (not events, levels or stages) on PostgreSQL or SQLite are summed here."""
    return definition.rollup in read.SIMPLE and connection.vendor in PERIODS


def part_columns(definitions: list[KpiDefinition], narrow: bool = False) -> dict[str, list[str]]:
    """Part name -> rollup columns for the union of several KPIs of one rollup. narrow=True sums
    only the columns the KPIs' values and tests read (VALUE_COLUMNS): right for totals, but not
    for breakdowns, where a group shows when any column of its rollup has data."""
    parts: dict[str, list[str]] = {}
    for definition in definitions:
        compact = COMPACT_PARTS.get(definition.key)
        if compact is None:
            names = VALUE_COLUMNS.get(definition.key) if narrow else None
            compact = {name: [name] for name in names or read.simple_fields(definition)}
        for name, columns in compact.items():
            parts.setdefault(name, columns)
    return parts


def _day(value: date):
    return connection.ops.adapt_datefield_value(value)


def _as_date(value) -> date:
    return date.fromisoformat(value) if isinstance(value, str) else value


def _sum(model, columns: list[str]) -> str:
    """SUM of the columns' total. Counts are cast back to bigint: PostgreSQL's SUM(bigint) is
    numeric, and decoding Decimals costs more than the query. Float sums (durations) stay floats."""
    qn = connection.ops.quote_name
    sql = "SUM(" + " + ".join(f"d.{qn(column)}" for column in columns) + ")"
    if model._meta.get_field(columns[0]).get_internal_type() == "BigIntegerField":
        sql = f"CAST({sql} AS bigint)"
    return sql


def _where(definition: KpiDefinition, filters: KpiFilters, model) -> tuple[str, list]:
    """The rollup-row filter of read.filter_q (slugs checked there), compiled to SQL."""
    query = model.objects.filter(read.filter_q(definition, filters)).query
    if not query.where.children:
        return "", []
    try:
        sql, params = query.get_compiler(connection=connection).compile(query.where)
    except EmptyResultSet:  # e.g. a journey without touchpoints: no row matches
        return "1 = 0", []
    return sql.replace(connection.ops.quote_name(model._meta.db_table) + ".", "d."), list(params)


def _run(
    definitions: list[KpiDefinition],
    filters: KpiFilters,
    group_by: str | None,
    days: list[tuple[date, date]],
    keys: list[str],
    sums: list[list[str]],
) -> list[tuple]:
    """SELECT keys..., one SUM per list of columns FROM the source rollup WHERE the filter and any
    of the day ranges GROUP BY the keys. Column and table names come from the models."""
    model = read.source_model(definitions[0], filters, group_by)
    select = keys + [_sum(model, columns) for columns in sums]
    where, where_params = _where(definitions[0], filters, model)
    ranges = " OR ".join('(d."day" >= %s AND d."day" <= %s)' for _range in days)
    range_params = [_day(bound) for first_last in days for bound in first_last]
    sql = (
        f"SELECT {', '.join(select)} FROM {connection.ops.quote_name(model._meta.db_table)} d "
        f"WHERE ({ranges})" + (f" AND ({where})" if where else "")
    )
    if keys:
        sql += " GROUP BY " + ", ".join(str(i + 1) for i in range(len(keys)))
    with connection.cursor() as cursor:
        cursor.execute(sql, range_params + where_params)
        return cursor.fetchall()


def period_parts(
    definitions: list[KpiDefinition],
    start: date,
    end: date,
    filters: KpiFilters,
    granularity: str | None,
    group_by: str | None,
) -> dict[Key, dict]:
    """Parts keyed by (period start or None, group id or None) over start..end, like
    read.simple_parts, for one or several KPIs of the same simple rollup."""
    keys = []
    if granularity is not None:
        keys.append(PERIODS[connection.vendor].get(granularity, 'd."day"'))
    if group_by is not None:
        keys.append("d." + connection.ops.quote_name(read.GROUP_COLUMNS[group_by]))
    columns = part_columns(definitions)
    rows = _run(
        definitions,
        filters,
        group_by,
        [(start, end)],
        keys,
        list(columns.values()),
    )
    names = list(columns)
    result: dict[Key, dict] = {}
    for row in rows:
        period = _as_date(row[0]) if granularity is not None else None
        group = row[len(keys) - 1] if group_by is not None else None
        values = row[len(keys) :]
        result[(period, group)] = {
            name: (value or 0) for name, value in zip(names, values, strict=True)
        }
    return result


def split_parts(
    definitions: list[KpiDefinition],
    current: tuple[date, date],
    comparison: tuple[date, date],
    filters: KpiFilters,
    granularity: str,
) -> tuple[dict, dict, dict[date, dict]]:
    """(current total, comparison total, current parts by period start) of several KPIs' values
    from one scan by day over both windows (a fine rollup is read once; grouping by day follows
    the (day, …) index, cheaper than grouping by an expression), added up here."""
    from metrics.selectors import period_start

    columns = part_columns(definitions, narrow=True)
    rows = _run(
        definitions,
        filters,
        None,
        [current, comparison],
        ['d."day"'],
        list(columns.values()),
    )
    names = list(columns)
    by_period: dict[date, dict] = {}
    totals: list[dict] = [{}, {}]
    for row in sorted(rows, key=lambda row: _as_date(row[0])):
        day = _as_date(row[0])
        targets = []
        if current[0] <= day <= current[1]:
            targets += [totals[0], by_period.setdefault(period_start(day, granularity), {})]
        if comparison[0] <= day <= comparison[1]:
            targets.append(totals[1])
        for name, value in zip(names, row[1:], strict=True):
            for target in targets:
                target[name] = target.get(name, 0) + (value or 0)
    return totals[0], totals[1], by_period


def histogram_parts(
    definition: KpiDefinition,
    start: date,
    end: date,
    filters: KpiFilters,
    granularity: str | None,
    group_by: str | None,
) -> dict[Key, dict[int, int]]:
    """read.histogram_parts (bucket counts of a time KPI by period and group), read with the
    period by date arithmetic and fetched as plain tuples. On the 1M-response bench a touchpoint's
    weekly first-response histogram (~900 rows) cost 45 ms through the ORM, half of it casting
    each row's week to timestamptz and parsing it back; here 25 ms, nearly all of it the scan.
    PostgreSQL and SQLite only (PERIODS), like the rest of this module."""
    qn = connection.ops.quote_name
    keys = ['d."bucket"']
    if granularity is not None:
        keys.append(PERIODS[connection.vendor].get(granularity, 'd."day"'))
    if group_by is not None:
        keys.append("d." + qn(read.GROUP_COLUMNS[group_by]))
    model = TimeHistogram
    where, params = _where(definition, filters, model)
    sql = (
        f"SELECT {', '.join(keys)}, {_sum(model, ['tickets'])} "
        f"FROM {qn(model._meta.db_table)} d "
        f'WHERE d."measure" = %s AND d."day" >= %s AND d."day" <= %s'
        + (f" AND ({where})" if where else "")
        + " GROUP BY "
        + ", ".join(str(i + 1) for i in range(len(keys)))
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [definition.histogram_measure, _day(start), _day(end), *params])
        rows = cursor.fetchall()
    result: dict[Key, dict[int, int]] = {}
    for row in rows:
        period = _as_date(row[1]) if granularity is not None else None
        group = row[len(keys) - 1] if group_by is not None else None
        result.setdefault((period, group), {})[row[0]] = row[-1]
    return result
