"""Plotly figures for the dashboards: pure functions from KPI points to figure dicts, no queries.

Every text that reaches Plotly (titles, legend names, tick labels, hover text) is HTML-escaped
first: Plotly renders a subset of HTML (<b>, <br>, <a href>) in those strings, so a touchpoint
called "<a href=javascript:…>" must arrive as literal text. The only markup is the <br> and
<b> added here. Drill-down links travel in `customdata`; static/metrics/dashboards.js follows
them only when they are same-site paths.
"""

from metrics.charts.bars import (
    Bar,
    FunnelStage,
    bar_figure,
    distribution_figure,
    funnel_figure,
    grouped_bar_figure,
)
from metrics.charts.base import (
    KPI_COLOURS,
    MIN_SAMPLE,
    NPS_COLOURS,
    PALETTE,
    SMALL_N_COLOUR,
    UNIT_AXIS,
    colour_for,
    esc,
    figure_json,
    fmt,
    is_small,
    plotly_template,
    value_bounds,
)
from metrics.charts.trends import (
    HeatmapRow,
    heatmap_figure,
    multi_trend_figure,
    nps_mix_figure,
    sparkline_figure,
    trend_figure,
)

__all__ = [
    "KPI_COLOURS",
    "MIN_SAMPLE",
    "NPS_COLOURS",
    "PALETTE",
    "SMALL_N_COLOUR",
    "UNIT_AXIS",
    "Bar",
    "FunnelStage",
    "HeatmapRow",
    "bar_figure",
    "colour_for",
    "distribution_figure",
    "esc",
    "figure_json",
    "fmt",
    "funnel_figure",
    "grouped_bar_figure",
    "heatmap_figure",
    "is_small",
    "multi_trend_figure",
    "nps_mix_figure",
    "plotly_template",
    "sparkline_figure",
    "trend_figure",
    "value_bounds",
]
