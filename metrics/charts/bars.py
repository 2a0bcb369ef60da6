"""Figures per category: bars, grouped statistics, funnels and answer distributions."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.translation import gettext as _

from metrics.charts.base import (
    GRID_COLOUR,
    PALETTE,
    UNIT_AXIS,
    _base_layout,
    colour_for,
    esc,
    fmt,
    number,
    plot_figure,
    plot_trace,
)


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
) -> dict:
    """One value per category (volume by channel, top ticket categories)."""
    colour = colour_for(key)
    names = [esc(bar.label) for bar in bars]
    values = [bar.value for bar in bars]
    hovers = [
        f"<b>{esc(bar.label)}</b><br>{esc(label)}: {esc(fmt(bar.value, unit, decimals))}"
        + (f"<br>n = {number(bar.n)}" if bar.n is not None else "")
        + (f"<br>{esc(bar.extra)}" if bar.extra else "")
        for bar in bars
    ]
    trace = plot_trace(
        "bar",
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
    return plot_figure(data=[trace], layout=layout)


def grouped_bar_figure(
    categories: Sequence[str],
    series: Sequence[tuple[str, Sequence[float | None]]],
    *,
    unit: str,
    ns: Sequence[int] | None = None,
    links: Sequence[str] | None = None,
    decimals: int = 1,
    title: str = "",
) -> dict:
    """Several statistics per category (mean, median, p90 of a time by channel)."""
    traces: list = []
    names = [esc(category) for category in categories]
    for index, (series_name, values) in enumerate(series):
        traces.append(
            plot_trace(
                "bar",
                x=names,
                y=list(values),
                name=esc(series_name),
                marker={"color": PALETTE[index % len(PALETTE)]},
                hovertext=[
                    f"<b>{esc(category)}</b><br>{esc(series_name)}: "
                    f"{esc(fmt(value, unit, decimals))}"
                    + (f"<br>n = {number(ns[position])}" if ns else "")
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
    # Above the plot: long category names tilt and would run into a legend below it.
    layout["legend"] = {"orientation": "h", "y": 1.02, "x": 0, "yanchor": "bottom"}
    layout["margin"]["t"] = 40
    return plot_figure(data=traces, layout=layout)


@dataclass(frozen=True)
class FunnelStage:
    label: str
    customers: int
    conversion: float | None  # share reaching the next stage, percent
    link: str = ""


def funnel_figure(stages: Sequence[FunnelStage], *, title: str = "") -> dict:
    """Customers per stage, with the conversion to the next stage in the hover."""
    hovers = []
    for stage in stages:
        text = f"<b>{esc(stage.label)}</b><br>" + _("%(count)s customers") % {
            "count": number(stage.customers)
        }
        if stage.conversion is not None:
            text += (
                "<br>"
                + _("%(share)s go on to the next stage")
                % {"share": number(stage.conversion, 1) + "%"}
                + "<br>"
                + _("%(share)s drop off") % {"share": number(100 - stage.conversion, 1) + "%"}
            )
        hovers.append(text)
    trace = plot_trace(
        "funnel",
        y=[esc(stage.label) for stage in stages],
        x=[stage.customers for stage in stages],
        textinfo="value+percent initial",
        marker={"color": PALETTE[0]},
        hovertext=hovers,
        hoverinfo="text",
        customdata=[stage.link for stage in stages],
    )
    layout = _base_layout(title=title, height=max(220, 70 + 50 * len(stages)))
    layout["yaxis"] = {"automargin": True}
    return plot_figure(data=[trace], layout=layout)


def distribution_figure(
    counts: dict[str, int], *, question: str, order: Sequence[str] | None = None
) -> dict:
    """How often each answer was given to one question."""
    keys = list(order) if order else sorted(counts, key=_answer_sort_key)
    total = sum(counts.values()) or 1
    bars = [
        Bar(
            label=key,
            value=counts.get(key, 0),
            extra=_("%(share)s of answers")
            % {"share": number(100 * counts.get(key, 0) / total, 1) + "%"},
        )
        for key in keys
    ]
    return bar_figure(
        bars, label=_("answers"), unit="count", horizontal=len(keys) > 11, title=question
    )


def _answer_sort_key(value: str) -> tuple[int, float, str]:
    try:
        return (0, float(value), "")
    except ValueError:
        return (1, 0.0, value)
