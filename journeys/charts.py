"""Pure Plotly builders for the journey map (no queries). Labels are HTML-escaped because Plotly
renders a subset of HTML in tick labels, hover text and legends."""

from __future__ import annotations

import json
from dataclasses import dataclass
from html import escape

import plotly.graph_objects as go
from django.utils import formats
from django.utils.translation import gettext as _

DISAGREEMENT = 1.0  # designed vs measured emotion points apart before a stage is flagged


@dataclass(frozen=True)
class EmotionPoint:
    stage: str  # the stage name, as typed by an editor
    designed: int | None  # the lane's score, -2..+2
    measured: float | None  # from CSAT/CES answers mapped to -2..+2 (metrics' hook)

    @property
    def disagrees(self) -> bool:
        return (
            self.designed is not None
            and self.measured is not None
            and abs(self.designed - self.measured) >= DISAGREEMENT
        )


def _labels(points: list[EmotionPoint]) -> list[str]:
    # Two stages may share a name; the position keeps them apart on the axis.
    return [f"{index + 1}. {escape(point.stage)}" for index, point in enumerate(points)]


def emotion_figure(points: list[EmotionPoint]) -> go.Figure:
    """The designed emotion curve beside the measured one; disagreeing stages get a marker."""
    labels = _labels(points)
    figure = go.Figure()
    figure.add_trace(
        go.Scatter(
            x=labels,
            y=[p.designed for p in points],
            name=_("Designed"),
            mode="lines+markers",
            line={"shape": "spline", "color": "#2446a8", "width": 3},
            marker={"size": 10},
            connectgaps=True,
            hovertemplate="%{x}<br>" + escape(_("Designed")) + ": %{y}<extra></extra>",
        )
    )
    figure.add_trace(
        go.Scatter(
            x=labels,
            y=[p.measured for p in points],
            name=_("Measured"),
            mode="lines+markers",
            line={"shape": "spline", "color": "#17733d", "width": 3, "dash": "dot"},
            marker={"size": 10, "symbol": "diamond"},
            connectgaps=True,
            hovertemplate="%{x}<br>" + escape(_("Measured")) + ": %{y:.1f}<extra></extra>",
        )
    )
    flagged = [(label, p) for label, p in zip(labels, points, strict=True) if p.disagrees]
    if flagged:
        figure.add_trace(
            go.Scatter(
                x=[label for label, _p in flagged],
                y=[p.measured for _label, p in flagged],
                name=_("Design and measurement disagree"),
                mode="markers",
                marker={
                    "size": 20,
                    "color": "rgba(179,38,30,0.25)",
                    "line": {"color": "#b3261e", "width": 2},
                },
                hoverinfo="skip",
            )
        )
    figure.add_hline(y=0, line={"color": "#98a2b3", "width": 1})
    figure.update_layout(
        margin={"l": 40, "r": 10, "t": 10, "b": 40},
        height=260,
        yaxis={
            "range": [-2.4, 2.4],
            "tickvals": [-2, -1, 0, 1, 2],
            "title": {"text": escape(_("Emotion"))},
            "fixedrange": True,
        },
        xaxis={"fixedrange": True},
        legend={"orientation": "h", "y": -0.25},
        paper_bgcolor="rgba(0,0,0,0)",
        plot_bgcolor="#ffffff",
    )
    return figure


def funnel_figure(stages: list[tuple[str, int]]) -> go.Figure:
    """Customers at each stage, as a funnel (stage name, customers)."""
    labels = [f"{index + 1}. {escape(name)}" for index, (name, _n) in enumerate(stages)]
    figure = go.Figure(
        go.Funnel(
            y=labels,
            x=[count for _name, count in stages],
            textinfo="value+percent initial",
            marker={"color": "#2446a8"},
        )
    )
    figure.update_layout(
        margin={"l": 10, "r": 10, "t": 10, "b": 10},
        height=60 + 45 * max(len(stages), 1),
        paper_bgcolor="rgba(0,0,0,0)",
    )
    return figure


def figure_data(figure: go.Figure) -> dict:
    """A JSON-ready dict for json_script (numpy values become plain numbers), with the reader's
    decimal and thousands marks for the numbers Plotly writes itself (hovers, funnel values)."""
    data = json.loads(figure.to_json())
    data.setdefault("layout", {})["separators"] = formats.get_format(
        "DECIMAL_SEPARATOR"
    ) + formats.get_format("THOUSAND_SEPARATOR")
    return data
