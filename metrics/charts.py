"""Plotly figures for the dashboards: pure functions from KPI points to go.Figure, no queries.

Every text that reaches Plotly (titles, legend names, tick labels, hover text) is HTML-escaped
first: Plotly renders a subset of HTML (<b>, <br>, <a href>) in those strings, so a touchpoint
called "<a href=javascript:…>" must arrive as literal text. The only markup is the <br> and
<b> added here. Drill-down links travel in `customdata`; static/metrics/dashboards.js follows
them only when they are same-site paths.
"""

from __future__ import annotations

import html
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date

import plotly.graph_objects as go

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
    "score": "NPS (−100 to +100)",
    "percent": "%",
    "mean": "mean score",
    "hours": "hours",
    "count": "count",
}


def esc(text: object) -> str:
    """Text for Plotly: HTML-escaped so tags and entities show literally."""
    return html.escape(str(text), quote=True)


def colour_for(key: str) -> str:
    return KPI_COLOURS.get(key, "#2446a8")


def fmt(value: float | None, unit: str, decimals: int = 1) -> str:
    if value is None:
        return "–"
    if unit == "count":
        return f"{value:,.0f}"
    text = f"{value:,.{decimals}f}"
    if unit == "percent":
        return f"{text}%"
    if unit == "hours":
        return f"{text} h"
    return text


def _rgba(hex_colour: str, alpha: float) -> str:
    hex_colour = hex_colour.lstrip("#")
    red, green, blue = (int(hex_colour[i : i + 2], 16) for i in (0, 2, 4))
    return f"rgba({red},{green},{blue},{alpha})"


# Where a KPI's values can lie: an interval band never pokes outside (a t interval on three
# CES answers can reach below 1).
KEY_BOUNDS = {"ces": (1.0, 7.0), "csat_mean": (1.0, 7.0)}
UNIT_BOUNDS = {"percent": (0.0, 100.0), "score": (-100.0, 100.0)}


def value_bounds(key: str, unit: str) -> tuple[float, float] | None:
    return KEY_BOUNDS.get(key) or UNIT_BOUNDS.get(unit)


def is_small(point: KpiPoint, unit: str, min_n: int = MIN_SAMPLE) -> bool:
    """Greyed out: a sampled value on too few answers. Counts are not samples."""
    return unit != "count" and point.value is not None and point.n < min_n


def _band_traces(
    points: Sequence[KpiPoint], *, colour: str, bounds: tuple[float, float] | None
) -> list[go.Scatter]:
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
            go.Scatter(
                x=x + x[::-1],
                y=highs + lows[::-1],
                fill="toself",
                fillcolor=_rgba(colour, 0.16),
                line={"width": 0 if len(run) > 1 else 6, "color": _rgba(colour, 0.16)},
                mode="lines",
                hoverinfo="skip",
                name="95% interval",
                legendgroup="interval",
                showlegend=not traces,
            )
        )
    return traces


def _period_label(day: date, granularity: str) -> str:
    if granularity == "month":
        return day.strftime("%b %Y")
    if granularity == "week":
        return f"week of {day.isoformat()}"
    return day.isoformat()


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
        lines.append("no data")
    else:
        lines.append(esc(fmt(point.value, unit, decimals)))
        if point.ci_low is not None and point.ci_high is not None:
            lines.append(
                "95% interval "
                + esc(fmt(point.ci_low, unit, decimals))
                + " to "
                + esc(fmt(point.ci_high, unit, decimals))
            )
        if point.median is not None:
            lines.append(
                "median "
                + esc(fmt(point.median, unit, decimals))
                + ", p90 "
                + esc(fmt(point.p90, unit, decimals))
            )
    lines.append(f"n = {point.n:,}")
    if is_small(point, unit, min_n):
        lines.append("n too small")
    return "<br>".join(lines)


def trend_figure(
    points: Sequence[KpiPoint],
    *,
    label: str,
    unit: str,
    key: str = "",
    granularity: str = "week",
    decimals: int = 1,
    min_n: int = MIN_SAMPLE,
    link: Callable[[KpiPoint], str] | None = None,
    title: str = "",
    height: int = 320,
) -> go.Figure:
    """A KPI over time with its 95% interval as a band; small samples in grey, not hidden."""
    colour = colour_for(key)
    x = [point.period_start.isoformat() for point in points]
    fig = go.Figure()
    for trace in _band_traces(points, colour=colour, bounds=value_bounds(key, unit)):
        fig.add_trace(trace)
    small = [is_small(point, unit, min_n) for point in points]
    fig.add_trace(
        go.Scatter(
            x=x,
            y=[point.value for point in points],
            mode="lines+markers",
            name=esc(label),
            line={"color": colour, "width": 2.5},
            marker={
                "size": [7 if is_small else 8 for is_small in small],
                "color": [SMALL_N_COLOUR if is_small else colour for is_small in small],
                "line": {"width": 1, "color": "#ffffff"},
            },
            connectgaps=False,
            hovertext=[
                _hover(
                    point,
                    label=label,
                    unit=unit,
                    decimals=decimals,
                    granularity=granularity,
                    min_n=min_n,
                )
                for point in points
            ],
            hoverinfo="text",
            customdata=[link(point) if link else "" for point in points],
        )
    )
    layout = _base_layout(title=title, y_title=UNIT_AXIS.get(unit, unit), height=height, unit=unit)
    if any(small):
        layout["annotations"] = [
            {
                "text": "grey points: n too small",
                "xref": "paper",
                "yref": "paper",
                "x": 1,
                "y": 1.02,
                "xanchor": "right",
                "yanchor": "bottom",
                "showarrow": False,
                "font": {"size": 12, "color": "#566072"},
            }
        ]
    fig.update_layout(**layout)
    return fig


def sparkline_figure(points: Sequence[KpiPoint], *, key: str = "") -> go.Figure:
    """A tiny trend for a KPI tile: no axes, no hover, just the shape."""
    colour = colour_for(key)
    fig = go.Figure(
        go.Scatter(
            x=[point.period_start.isoformat() for point in points],
            y=[point.value for point in points],
            mode="lines",
            line={"color": colour, "width": 2},
            hoverinfo="skip",
            connectgaps=True,
        )
    )
    fig.update_layout(
        height=48,
        margin={"l": 0, "r": 0, "t": 2, "b": 2},
        xaxis={"visible": False, "fixedrange": True},
        yaxis={"visible": False, "fixedrange": True},
        showlegend=False,
        paper_bgcolor="rgba(0,0,0,0)",
        plot_bgcolor="rgba(0,0,0,0)",
    )
    return fig


def nps_mix_figure(
    points: Sequence[KpiPoint],
    *,
    granularity: str = "week",
    link: Callable[[KpiPoint, str], str] | None = None,
    title: str = "",
) -> go.Figure:
    """Promoters, passives and detractors as stacked shares of each period's answers."""
    x = [point.period_start.isoformat() for point in points]
    fig = go.Figure()
    names = {"detractors": "Detractors (0–6)", "passives": "Passives (7–8)"}
    names["promoters"] = "Promoters (9–10)"
    for group in ("detractors", "passives", "promoters"):
        shares = []
        hovers = []
        for point in points:
            count = int(point.extra.get(group, 0) or 0)
            share = 100 * count / point.n if point.n else None
            shares.append(share)
            hovers.append(
                f"<b>{esc(names[group])}</b> · "
                f"{esc(_period_label(point.period_start, granularity))}<br>"
                + (f"{share:.1f}% ({count:,} of {point.n:,})" if share is not None else "no data")
            )
        fig.add_trace(
            go.Bar(
                x=x,
                y=shares,
                name=esc(names[group]),
                marker={"color": NPS_COLOURS[group]},
                hovertext=hovers,
                hoverinfo="text",
                customdata=[link(point, group) if link else "" for point in points],
            )
        )
    layout = _base_layout(title=title, y_title="% of answers", unit="percent")
    layout["barmode"] = "stack"
    layout["yaxis"]["range"] = [0, 100]
    fig.update_layout(**layout)
    return fig


@dataclass(frozen=True)
class HeatmapRow:
    key: str
    label: str
    points: list[KpiPoint]


def heatmap_figure(
    rows: Sequence[HeatmapRow],
    *,
    label: str,
    unit: str,
    higher_is_better: bool = True,
    decimals: int = 1,
    granularity: str = "week",
    min_n: int = MIN_SAMPLE,
    link: Callable[[HeatmapRow, KpiPoint], str] | None = None,
    title: str = "",
) -> go.Figure:
    """Touchpoint × period; cells with too small a sample drawn in grey with their value."""
    if not rows:
        return go.Figure(layout=_base_layout(title=title))
    x = [point.period_start.isoformat() for point in rows[0].points]
    y = [esc(row.label) for row in rows]
    main_z, grey_z, texts, hovers, links = [], [], [], [], []
    for row in rows:
        main_row, grey_row, text_row, hover_row, link_row = [], [], [], [], []
        for point in row.points:
            small = is_small(point, unit, min_n)
            main_row.append(None if small else point.value)
            grey_row.append(1 if small else None)
            text_row.append("" if point.value is None else fmt(point.value, unit, 0))
            hover_row.append(
                _hover(
                    point,
                    label=row.label,
                    unit=unit,
                    decimals=decimals,
                    granularity=granularity,
                    min_n=min_n,
                )
            )
            link_row.append(link(row, point) if link else "")
        main_z.append(main_row)
        grey_z.append(grey_row)
        texts.append(text_row)
        hovers.append(hover_row)
        links.append(link_row)
    scale = "RdYlGn" if higher_is_better else "RdYlGn_r"
    fig = go.Figure()
    fig.add_trace(
        go.Heatmap(
            x=x,
            y=y,
            z=main_z,
            text=texts,
            texttemplate="%{text}",
            hovertext=hovers,
            hoverinfo="text",
            colorscale=scale,
            colorbar={"title": {"text": esc(UNIT_AXIS.get(unit, unit))}, "thickness": 12},
            customdata=links,
            xgap=2,
            ygap=2,
            name=esc(label),
        )
    )
    fig.add_trace(
        go.Heatmap(
            x=x,
            y=y,
            z=grey_z,
            text=texts,
            texttemplate="%{text}",
            hovertext=hovers,
            hoverinfo="text",
            colorscale=[[0, "#e4e7ec"], [1, "#e4e7ec"]],
            showscale=False,
            customdata=links,
            xgap=2,
            ygap=2,
            name="n too small",
        )
    )
    layout = _base_layout(title=title, height=max(260, 60 + 30 * len(rows)))
    layout["yaxis"] = {"automargin": True, "autorange": "reversed"}
    layout["xaxis"] = {"automargin": True, "side": "bottom"}
    fig.update_layout(**layout)
    return fig


@dataclass(frozen=True)
class Bar:
    label: str
    value: float | None
    n: int | None = None
    link: str = ""
    extra: str = ""


def bar_figure(
    bars: Sequence[Bar],
    *,
    label: str,
    unit: str,
    key: str = "",
    decimals: int = 1,
    horizontal: bool = True,
    title: str = "",
) -> go.Figure:
    """One value per category (volume by channel, top ticket categories)."""
    colour = colour_for(key)
    names = [esc(bar.label) for bar in bars]
    values = [bar.value for bar in bars]
    hovers = [
        f"<b>{esc(bar.label)}</b><br>{esc(label)}: {esc(fmt(bar.value, unit, decimals))}"
        + (f"<br>n = {bar.n:,}" if bar.n is not None else "")
        + (f"<br>{esc(bar.extra)}" if bar.extra else "")
        for bar in bars
    ]
    trace = go.Bar(
        x=values if horizontal else names,
        y=names if horizontal else values,
        orientation="h" if horizontal else "v",
        marker={"color": colour},
        hovertext=hovers,
        hoverinfo="text",
        customdata=[bar.link for bar in bars],
        name=esc(label),
    )
    layout = _base_layout(title=title, height=max(220, 50 + 28 * len(bars)) if horizontal else 320)
    axis = {"title": {"text": esc(UNIT_AXIS.get(unit, unit))}, "gridcolor": GRID_COLOUR}
    if unit == "percent":
        axis["ticksuffix"] = "%"
    if horizontal:
        layout["xaxis"] = axis
        layout["yaxis"] = {"automargin": True, "autorange": "reversed"}
    else:
        layout["yaxis"] = axis
    fig = go.Figure(trace)
    fig.update_layout(**layout)
    return fig


def grouped_bar_figure(
    categories: Sequence[str],
    series: Sequence[tuple[str, Sequence[float | None]]],
    *,
    unit: str,
    ns: Sequence[int] | None = None,
    links: Sequence[str] | None = None,
    decimals: int = 1,
    title: str = "",
) -> go.Figure:
    """Several statistics per category (mean, median, p90 of a time by channel)."""
    fig = go.Figure()
    names = [esc(category) for category in categories]
    for index, (series_name, values) in enumerate(series):
        fig.add_trace(
            go.Bar(
                x=names,
                y=list(values),
                name=esc(series_name),
                marker={"color": PALETTE[index % len(PALETTE)]},
                hovertext=[
                    f"<b>{esc(category)}</b><br>{esc(series_name)}: "
                    f"{esc(fmt(value, unit, decimals))}"
                    + (f"<br>n = {ns[position]:,}" if ns else "")
                    for position, (category, value) in enumerate(
                        zip(categories, values, strict=True)
                    )
                ],
                hoverinfo="text",
                customdata=list(links) if links else None,
            )
        )
    layout = _base_layout(title=title, y_title=UNIT_AXIS.get(unit, unit), unit=unit)
    layout["barmode"] = "group"
    fig.update_layout(**layout)
    return fig


def multi_trend_figure(
    series: Sequence[tuple[str, Sequence[KpiPoint]]],
    *,
    unit: str,
    granularity: str = "week",
    decimals: int = 1,
    min_n: int = MIN_SAMPLE,
    title: str = "",
    bars: bool = False,
    colours: Sequence[str] | None = None,
) -> go.Figure:
    """Several series over time on one axis (responses per survey, churn and retention)."""
    fig = go.Figure()
    for index, (name, points) in enumerate(series):
        colour = (colours or PALETTE)[index % len(colours or PALETTE)]
        x = [point.period_start.isoformat() for point in points]
        hovers = [
            _hover(
                point,
                label=name,
                unit=unit,
                decimals=decimals,
                granularity=granularity,
                min_n=min_n,
            )
            for point in points
        ]
        if bars:
            trace = go.Bar(
                x=x,
                y=[point.value for point in points],
                name=esc(name),
                marker={"color": colour},
                hovertext=hovers,
                hoverinfo="text",
            )
        else:
            trace = go.Scatter(
                x=x,
                y=[point.value for point in points],
                name=esc(name),
                mode="lines+markers",
                line={"color": colour, "width": 2},
                hovertext=hovers,
                hoverinfo="text",
            )
        fig.add_trace(trace)
    layout = _base_layout(title=title, y_title=UNIT_AXIS.get(unit, unit), unit=unit)
    if bars:
        layout["barmode"] = "stack"
    fig.update_layout(**layout)
    return fig


@dataclass(frozen=True)
class FunnelStage:
    label: str
    customers: int
    conversion: float | None  # share reaching the next stage, percent
    link: str = ""


def funnel_figure(stages: Sequence[FunnelStage], *, title: str = "") -> go.Figure:
    """Customers per stage, with the conversion to the next stage in the hover."""
    hovers = []
    for stage in stages:
        text = f"<b>{esc(stage.label)}</b><br>{stage.customers:,} customers"
        if stage.conversion is not None:
            text += (
                f"<br>{stage.conversion:.1f}% go on to the next stage"
                f"<br>{100 - stage.conversion:.1f}% drop off"
            )
        hovers.append(text)
    fig = go.Figure(
        go.Funnel(
            y=[esc(stage.label) for stage in stages],
            x=[stage.customers for stage in stages],
            textinfo="value+percent initial",
            marker={"color": PALETTE[0]},
            hovertext=hovers,
            hoverinfo="text",
            customdata=[stage.link for stage in stages],
        )
    )
    layout = _base_layout(title=title, height=max(220, 70 + 50 * len(stages)))
    layout["yaxis"] = {"automargin": True}
    fig.update_layout(**layout)
    return fig


def distribution_figure(
    counts: dict[str, int], *, question: str, order: Sequence[str] | None = None
) -> go.Figure:
    """How often each answer was given to one question."""
    keys = list(order) if order else sorted(counts, key=_answer_sort_key)
    total = sum(counts.values()) or 1
    bars = [
        Bar(
            label=key,
            value=counts.get(key, 0),
            extra=f"{100 * counts.get(key, 0) / total:.1f}% of answers",
        )
        for key in keys
    ]
    return bar_figure(
        bars, label="answers", unit="count", horizontal=len(keys) > 11, title=question
    )


def _answer_sort_key(value: str) -> tuple[int, float, str]:
    try:
        return (0, float(value), "")
    except ValueError:
        return (1, 0.0, value)


def figure_json(fig: go.Figure) -> dict:
    """The figure as plain JSON data, ready for `json_script` (which escapes <, > and &)."""
    return json.loads(fig.to_json())
