"""Shared look and safety of every dashboard figure: colours per KPI and NPS group, units,
escaping, layouts, hover text and interval bands."""

from __future__ import annotations

import functools
import html
import json
from collections.abc import Sequence
from datetime import date

import plotly.graph_objects as go
import plotly.io as pio
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from plotly.utils import PlotlyJSONEncoder

from metrics.types import KpiPoint

MIN_SAMPLE = 30
SMALL_N_COLOUR = "#a3abb8"
GRID_COLOUR = "#e4e7ec"
TEXT_COLOUR = "#1d2330"
FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", sans-serif'
# One colour per KPI everywhere (tiles, trends, tables): a reader learns them once.
KPI_COLOURS = {
    "nps": "#2446a8",
    "csat": "#0f7b6c",
    "csat_mean": "#0f7b6c",
    "ces": "#7a4fb5",
    "response_rate": "#3b6e22",
    "closed_loop_rate": "#3b6e22",
    "frt": "#b45309",
    "frt_business": "#b45309",
    "resolution_time": "#9c2f6b",
    "resolution_time_business": "#9c2f6b",
    "fcr": "#1f6f9f",
    "sla_breach_rate": "#b3261e",
    "ticket_volume": "#44546a",
    "backlog": "#5b4a8a",
    "reopen_rate": "#a04a00",
    "churn_rate": "#7c3a1d",
    "retention_rate": "#17733d",
    "stage_conversion": "#2446a8",
    "drop_off": "#b3261e",
}
NPS_COLOURS = {"promoters": "#1a7f4b", "passives": "#8d98a8", "detractors": "#c2372f"}
# Several series in one chart (channels, touchpoints): a colour-blind-safe palette.
PALETTE = (
    "#2446a8",
    "#b45309",
    "#0f7b6c",
    "#9c2f6b",
    "#5b4a8a",
    "#1f6f9f",
    "#7c3a1d",
    "#44546a",
)
UNIT_AXIS = {
    "score": gettext_lazy("NPS (−100 to +100)"),
    "percent": "%",
    "mean": gettext_lazy("mean score"),
    "hours": gettext_lazy("hours"),
    "count": gettext_lazy("count"),
}


def esc(text: object) -> str:
    """Text for Plotly: HTML-escaped so tags and entities show literally."""
    return html.escape(str(text), quote=True)


def colour_for(key: str) -> str:
    return KPI_COLOURS.get(key, "#2446a8")


def number(value: float, decimals: int = 0) -> str:
    """A number as the reader's language writes it (1,234.5 / 1.234,5).

    Rounded here because Django's number_format cuts a float's decimals instead of rounding;
    + 0.0 turns -0.0 into 0.0 so a tiny negative never shows as "-0,0"."""
    rounded = round(float(value), decimals) + 0.0
    return formats.number_format(rounded, decimals, force_grouping=True)


def separators() -> str:
    """Plotly's layout.separators for the active language: decimal mark, then thousands."""
    return formats.get_format("DECIMAL_SEPARATOR") + formats.get_format("THOUSAND_SEPARATOR")


def fmt(value: float | None, unit: str, decimals: int = 1) -> str:
    if value is None:
        return "–"
    if unit == "count":
        return number(value, 0)
    text = number(value, decimals)
    if unit == "percent":
        return f"{text}%"
    if unit == "hours":
        return _("%(value)s h") % {"value": text}
    return text


def _rgba(hex_colour: str, alpha: float) -> str:
    hex_colour = hex_colour.lstrip("#")
    red, green, blue = (int(hex_colour[i : i + 2], 16) for i in (0, 2, 4))
    return f"rgba({red},{green},{blue},{alpha})"


# Where a KPI's values can lie: an interval band never pokes outside (a t interval on three
# CES answers can reach below 1).
KEY_BOUNDS = {"ces": (1.0, 7.0), "csat_mean": (1.0, 7.0)}
UNIT_BOUNDS = {
    "percent": (0.0, 100.0),
    "score": (-100.0, 100.0),
    "hours": (0.0, float("inf")),
    "count": (0.0, float("inf")),
}


def value_bounds(key: str, unit: str) -> tuple[float, float] | None:
    return KEY_BOUNDS.get(key) or UNIT_BOUNDS.get(unit)


def is_small(point: KpiPoint, unit: str, min_n: int = MIN_SAMPLE) -> bool:
    """Greyed out: a sampled value on too few answers. Counts are not samples."""
    return unit != "count" and point.value is not None and point.n < min_n


def _band_traces(
    points: Sequence[KpiPoint], *, colour: str, bounds: tuple[float, float] | None
) -> list[dict]:
    """The 95% interval as closed shapes, one per run of consecutive periods with an interval,
    so a period without data leaves a gap instead of a band sliding across it."""
    runs: list[list[KpiPoint]] = []
    current: list[KpiPoint] = []
    for point in points:
        if point.ci_low is not None and point.ci_high is not None:
            current.append(point)
        elif current:
            runs.append(current)
            current = []
    if current:
        runs.append(current)
    low_bound, high_bound = bounds or (float("-inf"), float("inf"))
    traces = []
    for run in runs:
        x = [point.period_start.isoformat() for point in run]
        highs = [min(point.ci_high, high_bound) for point in run]  # type: ignore[type-var]
        lows = [max(point.ci_low, low_bound) for point in run]  # type: ignore[type-var]
        if len(run) == 1:  # a lone period: a thin bar shows its interval
            x = [x[0], x[0]]
            highs, lows = highs * 2, lows * 2
        traces.append(
            plot_trace(
                "scatter",
                x=x + x[::-1],
                y=highs + lows[::-1],
                fill="toself",
                fillcolor=_rgba(colour, 0.16),
                line={"width": 0 if len(run) > 1 else 6, "color": _rgba(colour, 0.16)},
                mode="lines",
                hoverinfo="skip",
                # xgettext:no-python-format (a literal percent sign, never %-formatted)
                name=_("95% interval"),
                legendgroup="interval",
                showlegend=not traces,
            )
        )
    return traces


def _period_label(day: date, granularity: str) -> str:
    if granularity == "month":
        return formats.date_format(day, "YEAR_MONTH_FORMAT")
    if granularity == "week":
        return _("week of %(day)s") % {"day": formats.date_format(day, "DATE_FORMAT")}
    return formats.date_format(day, "DATE_FORMAT")


def _base_layout(*, title: str = "", y_title: str = "", height: int = 320, unit: str = "") -> dict:
    yaxis: dict = {
        "title": {"text": esc(y_title)},
        "gridcolor": GRID_COLOUR,
        "zeroline": False,
        "automargin": True,
    }
    if unit == "percent":
        yaxis["ticksuffix"] = "%"
    if unit == "score":
        yaxis["range"] = [-100, 100]
    return {
        "title": {"text": esc(title), "font": {"size": 15}, "x": 0, "xanchor": "left"}
        if title
        else None,
        "height": height,
        "separators": separators(),
        "margin": {"l": 60, "r": 20, "t": 40 if title else 16, "b": 48},
        "font": {"family": FONT, "size": 13, "color": TEXT_COLOUR},
        "paper_bgcolor": "#ffffff",
        "plot_bgcolor": "#ffffff",
        "hovermode": "closest",
        "hoverlabel": {"bgcolor": "#ffffff", "font": {"color": TEXT_COLOUR}},
        "xaxis": {"gridcolor": GRID_COLOUR, "automargin": True},
        "yaxis": yaxis,
        "legend": {"orientation": "h", "y": -0.2, "x": 0},
    }


def _hover(
    point: KpiPoint, *, label: str, unit: str, decimals: int, granularity: str, min_n: int
) -> str:
    lines = [f"<b>{esc(label)}</b> · {esc(_period_label(point.period_start, granularity))}"]
    if point.value is None:
        lines.append(_("no data"))
    else:
        lines.append(esc(fmt(point.value, unit, decimals)))
        if point.ci_low is not None and point.ci_high is not None:
            lines.append(
                # xgettext:no-python-format (a literal percent sign, never %-formatted)
                _("95% interval")
                + " "
                + esc(fmt(point.ci_low, unit, decimals))
                + " – "
                + esc(fmt(point.ci_high, unit, decimals))
            )
        if point.median is not None:
            lines.append(
                _("median")
                + " "
                + esc(fmt(point.median, unit, decimals))
                + ", "
                + _("90th percentile")
                + " "
                + esc(fmt(point.p90, unit, decimals))
            )
    lines.append(f"n = {number(point.n)}")
    if is_small(point, unit, min_n):
        lines.append(_("n too small"))
    return "<br>".join(lines)


def plot_trace(kind: str, **props) -> dict:
    """A Plotly trace as a plain dict: graph_objects validates every property on construction
    (about 20 ms a figure), and these figures are built from known-good values."""
    return {"type": kind, **props}


def plot_figure(data: Sequence[dict] = (), layout: dict | None = None) -> dict:
    return {"data": list(data), "layout": layout or {}}


def _without_none(value):
    """Plotly leaves a property set to None out of the figure; so do we (None inside a data
    array stays: it is a gap)."""
    if isinstance(value, dict):
        return {k: _without_none(v) for k, v in value.items() if v is not None}
    if isinstance(value, list | tuple):
        return [_without_none(v) if isinstance(v, dict) else v for v in value]
    return value


@functools.cache
def plotly_template() -> dict:
    """The default template plotly.graph_objects would embed in layout.template. Dashboard pages
    carry it once (templates/metrics/_layout.html) and dashboards.js gives it to every figure:
    embedded in each figure it was 7 KB of JSON eight times over on a touchpoint page."""
    return json.loads(pio.to_json(go.Figure(), validate=False))["layout"]["template"]


def figure_json(fig: dict) -> dict:
    """The figure as plain JSON data, ready for `json_script` (which escapes <, > and &): the
    same JSON as graph_objects' `to_json()`, less the template (plotly_template)."""
    layout = _without_none(fig.get("layout") or {})
    payload = {"data": [_without_none(t) for t in fig.get("data", [])], "layout": layout}
    return json.loads(json.dumps(payload, cls=PlotlyJSONEncoder))
