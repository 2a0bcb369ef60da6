"""Figure builders with hand-made points: bands, greyed small samples, escaping, links."""

from __future__ import annotations

import json
from datetime import date, timedelta

from metrics import charts
from metrics.types import KpiPoint

PAYLOAD = '<a href="javascript:alert(1)">x</a><b>bold</b>'


def weekly(values, n=50, ci=5.0):
    start = date(2026, 1, 5)
    return [
        KpiPoint(
            period_start=start + timedelta(weeks=index),
            value=value,
            n=n if value is not None else 0,
            ci_low=None if value is None else value - ci,
            ci_high=None if value is None else value + ci,
        )
        for index, value in enumerate(values)
    ]


def test_trend_draws_the_interval_as_a_band_around_the_line():
    figure = charts.figure_json(
        charts.trend_figure(weekly([40, 42, 44]), label="CSAT", unit="percent", key="csat")
    )
    band, line = figure["data"]
    assert band["fill"] == "toself"
    assert band["y"] == [45, 47, 49, 39, 37, 35]
    assert line["y"] == [40, 42, 44]
    assert "95% interval 35.0% – 45.0%" in line["hovertext"][0]
    assert "n = 50" in line["hovertext"][0]


def test_a_gap_in_the_data_splits_the_band_instead_of_bridging_it():
    figure = charts.figure_json(
        charts.trend_figure(weekly([40, 41, None, 43, 44]), label="CSAT", unit="percent")
    )
    bands = [trace for trace in figure["data"] if trace.get("fill") == "toself"]
    assert len(bands) == 2
    assert [trace["showlegend"] for trace in bands] == [True, False]


def test_band_stays_inside_the_scale_of_the_kpi():
    figure = charts.figure_json(
        charts.trend_figure(weekly([2.0, 2.5], ci=3.0), label="CES", unit="mean", key="ces")
    )
    band = figure["data"][0]
    assert min(band["y"]) >= 1.0


def test_small_samples_are_greyed_and_labelled_not_hidden():
    points = [
        *weekly([40, 42]),
        KpiPoint(period_start=date(2026, 1, 19), value=90.0, n=4, ci_low=40.0, ci_high=99.0),
    ]
    figure = charts.figure_json(charts.trend_figure(points, label="CSAT", unit="percent"))
    line = figure["data"][-1]
    assert line["y"][-1] == 90.0
    assert line["marker"]["color"][-1] == charts.SMALL_N_COLOUR
    assert "n too small" in line["hovertext"][-1]
    assert "n too small" not in line["hovertext"][0]
    assert figure["layout"]["annotations"][0]["text"] == "grey points: n too small"


def test_counts_are_never_greyed_as_small_samples():
    points = [KpiPoint(period_start=date(2026, 1, 5), value=3.0, n=3)]
    figure = charts.figure_json(charts.trend_figure(points, label="Tickets", unit="count"))
    assert "n too small" not in figure["data"][-1]["hovertext"][0]


def test_labels_reach_plotly_as_escaped_text():
    points = weekly([10])
    figure = charts.figure_json(
        charts.trend_figure(points, label=PAYLOAD, unit="score", title=PAYLOAD)
    )
    text = json.dumps(figure)
    assert "<a href" not in text and "<b>bold" not in text
    assert "&lt;a href=&quot;javascript:alert(1)&quot;&gt;" in text
    heat = charts.figure_json(
        charts.heatmap_figure(
            [charts.HeatmapRow(key="x", label=PAYLOAD, points=points)], label="NPS", unit="score"
        )
    )
    assert heat["data"][0]["y"] == [charts.esc(PAYLOAD)]
    bars = charts.figure_json(
        charts.bar_figure([charts.Bar(label=PAYLOAD, value=3)], label="Tickets", unit="count")
    )
    assert bars["data"][0]["y"] == [charts.esc(PAYLOAD)]
    assert "<b>bold" not in json.dumps(bars)


def test_points_carry_their_drill_down_link():
    figure = charts.figure_json(
        charts.trend_figure(
            weekly([40, 41]),
            label="CSAT",
            unit="percent",
            link=lambda point: f"/dashboards/responses/?start={point.period_start}",
        )
    )
    assert figure["data"][-1]["customdata"] == [
        "/dashboards/responses/?start=2026-01-05",
        "/dashboards/responses/?start=2026-01-12",
    ]


def test_nps_mix_stacks_promoters_passives_and_detractors_as_shares():
    point = KpiPoint(
        period_start=date(2026, 1, 5),
        value=20.0,
        n=50,
        extra={"promoters": 20, "passives": 20, "detractors": 10},
    )
    figure = charts.figure_json(charts.nps_mix_figure([point]))
    shares = {trace["name"]: trace["y"][0] for trace in figure["data"]}
    assert shares == {"Detractors (0–6)": 20.0, "Passives (7–8)": 40.0, "Promoters (9–10)": 40.0}
    assert figure["layout"]["barmode"] == "stack"
    colours = [trace["marker"]["color"] for trace in figure["data"]]
    assert colours == [
        charts.NPS_COLOURS["detractors"],
        charts.NPS_COLOURS["passives"],
        charts.NPS_COLOURS["promoters"],
    ]


def test_heatmap_puts_small_cells_on_the_grey_layer_with_their_value():
    points = [
        KpiPoint(period_start=date(2026, 1, 5), value=70.0, n=80),
        KpiPoint(period_start=date(2026, 1, 12), value=20.0, n=3),
    ]
    figure = charts.figure_json(
        charts.heatmap_figure(
            [charts.HeatmapRow(key="a", label="A", points=points)], label="CSAT", unit="percent"
        )
    )
    main, grey = figure["data"]
    assert main["z"] == [[70.0, None]]
    assert grey["z"] == [[None, 1]]
    assert grey["text"] == [["70%", "20%"]]


def test_value_formatting_has_units():
    assert charts.fmt(31.74, "score") == "31.7"
    assert charts.fmt(55.0, "percent") == "55.0%"
    assert charts.fmt(3.25, "hours") == "3.2 h"
    assert charts.fmt(1200, "count") == "1,200"
    assert charts.fmt(None, "percent") == "–"
