"""The overview's batched read (selectors.kpi_board) against the single-KPI reads it replaces."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from metrics import charts, selectors
from metrics.types import KpiFilters
from metrics.views.overview import TILE_KPIS
from tests.dashboards.factories import seeded_org

pytestmark = pytest.mark.django_db


def _single_reads(keys, filters_for, start, end, compare, previous):
    return {
        key: (
            selectors.kpi_summary(
                key=key,
                start=start,
                end=end,
                filters=filters_for[key],
                compare=compare,
                previous=previous,
            ),
            selectors.kpi_series(
                key=key, start=start, end=end, granularity="week", filters=filters_for[key]
            ),
        )
        for key in keys
    }


@pytest.mark.parametrize("compare", ["previous", "last_year", "custom"])
@pytest.mark.parametrize("by_touchpoint", [False, True])
def test_the_board_equals_a_summary_and_a_series_per_kpi(compare, by_touchpoint):
    org = seeded_org()
    end = timezone.localdate()
    start = end - timedelta(days=41)
    previous = None
    if compare == "custom":
        compare, previous = "previous", (start - timedelta(days=20), start - timedelta(days=1))
    slug = org.touchpoints[0].slug if by_touchpoint else None
    filters_for = {
        key: KpiFilters(touchpoint=None if key == "churn_rate" else slug) for key in TILE_KPIS
    }
    board = selectors.kpi_board(
        keys=list(TILE_KPIS),
        filters_for=filters_for,
        start=start,
        end=end,
        granularity="week",
        compare=compare,
        previous=previous,
    )
    expected = _single_reads(TILE_KPIS, filters_for, start, end, compare, previous)
    assert list(board) == list(TILE_KPIS)
    for key in TILE_KPIS:
        assert board[key] == expected[key], key
    assert any(summary.current.n for summary, _series in board.values())


def test_the_board_refuses_what_the_single_reads_refuse():
    today = timezone.localdate()
    with pytest.raises(ValueError):
        selectors.kpi_board(
            keys=["nps"],
            filters_for={"nps": KpiFilters()},
            start=today,
            end=today,
            granularity="fortnight",
        )
    with pytest.raises(ValueError):
        selectors.kpi_board(
            keys=["nps"],
            filters_for={"nps": KpiFilters(touchpoint="nowhere")},
            start=today - timedelta(days=7),
            end=today,
        )


def test_figure_json_leaves_out_the_template_and_unset_properties():
    figure = charts.figure_json(charts.sparkline_figure([], key="nps"))
    assert figure["data"][0]["type"] == "scatter"
    assert "template" not in figure["layout"]  # once per page: test_pages_carry_the_template_once
    assert "data" in charts.plotly_template() and "layout" in charts.plotly_template()
    bars = charts.figure_json(
        charts.grouped_bar_figure(["a"], [("mean", [1.0])], unit="hours", title="")
    )
    assert "customdata" not in bars["data"][0]
    assert "title" not in bars["layout"]


def test_without_quantiles_the_board_keeps_values_and_drops_only_median_and_p90():
    seeded_org()
    end = timezone.localdate()
    start = end - timedelta(days=41)
    filters_for = {key: KpiFilters() for key in TILE_KPIS}
    arguments = {"keys": list(TILE_KPIS), "filters_for": filters_for, "start": start, "end": end}
    full = selectors.kpi_board(**arguments)
    lean = selectors.kpi_board(**arguments, quantiles=False)
    assert any(summary.current.median is not None for summary, _series in full.values())
    for key in TILE_KPIS:
        (summary, series), (lean_summary, lean_series) = full[key], lean[key]
        for value, lean_value in [
            (summary.current, lean_summary.current),
            (summary.previous, lean_summary.previous),
            *zip(series.points, lean_series.points, strict=True),
        ]:
            assert lean_value.median is None and lean_value.p90 is None
            assert (value.value, value.n, value.ci_low, value.ci_high) == (
                lean_value.value,
                lean_value.n,
                lean_value.ci_low,
                lean_value.ci_high,
            )
        assert (summary.change, summary.p_value) == (lean_summary.change, lean_summary.p_value)
