"""One KPI trend on a dashboard: its chart (each point drilling to the rows behind it) and the
same points as an exportable table."""

from __future__ import annotations

from metrics import charts
from metrics.drilldown import period_end
from metrics.exports import Table
from metrics.views.base import (
    PageData,
    drill_url,
    kpi_definition,
)


def add_trend(data: PageData, key: str, filters, series, *, height: int = 300) -> None:
    definition = kpi_definition(key)
    data.figures[key] = charts.figure_json(
        charts.trend_figure(
            series.points,
            label=str(definition.label),
            unit=definition.unit,
            key=key,
            granularity=filters.granularity,
            decimals=definition.decimals,
            height=height,
            link=lambda point: drill_url(
                definition,
                filters,
                point.period_start,
                period_end(point.period_start, filters.granularity, filters.end),
            ),
        )
    )
    data.tables[key] = Table(
        name=key,
        title=str(definition.label),
        columns=["period_start", "value", "n", "ci_low", "ci_high", "median", "p90"],
        rows=[
            [p.period_start, p.value, p.n, p.ci_low, p.ci_high, p.median, p.p90]
            for p in series.points
        ],
    )
