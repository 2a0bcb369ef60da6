"""Figures over time: KPI trends with interval bands, sparklines, the NPS mix, heatmaps."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.utils.translation import gettext as _

from metrics.charts.base import (
    MIN_SAMPLE,
    NPS_COLOURS,
    PALETTE,
    SMALL_N_COLOUR,
    TEXT_COLOUR,
    UNIT_AXIS,
    _band_traces,
    _base_layout,
    _hover,
    _period_label,
    colour_for,
    esc,
    fmt,
    is_small,
    number,
    plot_figure,
    plot_trace,
    value_bounds,
)
from metrics.types import KpiPoint


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
) -> dict:
    """A KPI over time with its 95% interval as a band; small samples in grey, not hidden."""
    colour = colour_for(key)
    x = [point.period_start.isoformat() for point in points]
    traces: list = []
    for trace in _band_traces(points, colour=colour, bounds=value_bounds(key, unit)):
        traces.append(trace)
    small = [is_small(point, unit, min_n) for point in points]
    traces.append(
        plot_trace(
            "scatter",
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
                "text": _("grey points: n too small"),
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
    return plot_figure(data=traces, layout=layout)


def sparkline_figure(points: Sequence[KpiPoint], *, key: str = "") -> dict:
    """A tiny trend for a KPI tile: no axes, no hover, just the shape."""
    colour = colour_for(key)
    trace = plot_trace(
        "scatter",
        x=[point.period_start.isoformat() for point in points],
        y=[point.value for point in points],
        mode="lines",
        line={"color": colour, "width": 2},
        hoverinfo="skip",
        connectgaps=True,
    )
    layout = {
        "height": 48,
        "margin": {"l": 0, "r": 0, "t": 2, "b": 2},
        "xaxis": {"visible": False, "fixedrange": True},
        "yaxis": {"visible": False, "fixedrange": True},
        "showlegend": False,
        "paper_bgcolor": "rgba(0,0,0,0)",
        "plot_bgcolor": "rgba(0,0,0,0)",
    }
    return plot_figure(data=[trace], layout=layout)


def nps_mix_figure(
    points: Sequence[KpiPoint],
    *,
    granularity: str = "week",
    link: Callable[[KpiPoint, str], str] | None = None,
    title: str = "",
) -> dict:
    """Promoters, passives and detractors as stacked shares of each period's answers."""
    x = [point.period_start.isoformat() for point in points]
    traces: list = []
    names = {
        "detractors": _("Detractors (0–6)"),
        "passives": _("Passives (7–8)"),
        "promoters": _("Promoters (9–10)"),
    }
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
                + (
                    _("%(share)s%% (%(count)s of %(n)s)")
                    % {"share": number(share, 1), "count": number(count), "n": number(point.n)}
                    if share is not None
                    else _("no data")
                )
            )
        traces.append(
            plot_trace(
                "bar",
                x=x,
                y=shares,
                name=esc(names[group]),
                marker={"color": NPS_COLOURS[group]},
                hovertext=hovers,
                hoverinfo="text",
                customdata=[link(point, group) if link else "" for point in points],
            )
        )
    # xgettext:no-python-format (a literal percent sign, never %-formatted)
    layout = _base_layout(title=title, y_title=_("% of answers"), unit="percent")
    layout["barmode"] = "stack"
    layout["yaxis"]["range"] = [0, 100]
    return plot_figure(data=traces, layout=layout)


HEAT_GOOD_HIGH = [[0.0, "#e77f78"], [0.5, "#fbf0c8"], [1.0, "#6fbf8e"]]


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
) -> dict:
    """Touchpoint × period; cells with too small a sample drawn in grey with their value."""
    if not rows:
        return plot_figure(layout=_base_layout(title=title))
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
    # Soft ends: the cell values are printed in dark text, which must stay readable on every cell.
    scale = HEAT_GOOD_HIGH if higher_is_better else HEAT_GOOD_HIGH[::-1]
    if not higher_is_better:
        scale = [[1 - stop, colour] for stop, colour in scale]
    traces: list = []
    traces.append(
        plot_trace(
            "heatmap",
            x=x,
            y=y,
            z=main_z,
            text=texts,
            texttemplate="%{text}",
            textfont={"color": TEXT_COLOUR},
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
    traces.append(
        plot_trace(
            "heatmap",
            x=x,
            y=y,
            z=grey_z,
            text=texts,
            texttemplate="%{text}",
            hovertext=hovers,
            hoverinfo="text",
            colorscale=[[0, "#e4e7ec"], [1, "#e4e7ec"]],
            textfont={"color": "#566072"},
            showscale=False,
            customdata=links,
            xgap=2,
            ygap=2,
            name=_("n too small"),
        )
    )
    layout = _base_layout(title=title, height=max(260, 60 + 30 * len(rows)))
    layout["yaxis"] = {"automargin": True, "autorange": "reversed"}
    layout["xaxis"] = {"automargin": True, "side": "bottom"}
    return plot_figure(data=traces, layout=layout)


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
) -> dict:
    """Several series over time on one axis (responses per survey, churn and retention)."""
    traces: list = []
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
            trace = plot_trace(
                "bar",
                x=x,
                y=[point.value for point in points],
                name=esc(name),
                marker={"color": colour},
                hovertext=hovers,
                hoverinfo="text",
            )
        else:
            trace = plot_trace(
                "scatter",
                x=x,
                y=[point.value for point in points],
                name=esc(name),
                mode="lines+markers",
                line={"color": colour, "width": 2},
                hovertext=hovers,
                hoverinfo="text",
            )
        traces.append(trace)
    layout = _base_layout(title=title, y_title=UNIT_AXIS.get(unit, unit), unit=unit)
    if bars:
        layout["barmode"] = "stack"
    return plot_figure(data=traces, layout=layout)
