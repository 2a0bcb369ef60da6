"""Touchpoints: a ranked table and a heatmap for one KPI, and one touchpoint's detail page."""

from __future__ import annotations

from dataclasses import replace

from django.http import Http404
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _

from metrics import charts
from metrics.drilldown import latest_comments, period_end
from metrics.exports import Table
from metrics.filters import FilterError
from metrics.views.base import (
    Dash,
    PageData,
    bad_filter,
    cached_page,
    change_is_good,
    change_text,
    chart,
    dashboard_view,
    drill_url,
    export_url,
    filter_bar_context,
    interval_text,
    kpi_definition,
    kpi_filters_for,
    page_url,
)
from metrics.views.trend_table import add_trend

RANK_KPIS = (
    "csat",
    "nps",
    "ces",
    "response_rate",
    "frt",
    "frt_business",
    "resolution_time",
    "fcr",
    "sla_breach_rate",
    "reopen_rate",
    "ticket_volume",
)
DEFAULT_RANK_KPI = "csat"
SURVEY_TRENDS = ("nps", "csat", "ces")
TICKET_TRENDS = ("ticket_volume", "frt", "sla_breach_rate")


def rank_kpi(request) -> str:
    key = (request.GET.get("kpi") or "").strip() or DEFAULT_RANK_KPI
    if key not in RANK_KPIS:
        raise FilterError("kpi", _("Choose one of the listed KPIs."))
    return key


def _sort_key(value, higher_is_better: bool):
    if value is None:
        return (1, 0.0)
    return (0, -value if higher_is_better else value)


def build_touchpoints(dash: Dash, key: str) -> PageData:
    from metrics import selectors
    from metrics.selectors.breakdown import change

    filters = dash.filters
    definition = kpi_definition(key)
    unit, decimals = definition.unit, definition.decimals
    data = PageData()
    now = selectors.kpi_breakdown_change(
        key=key,
        start=filters.start,
        end=filters.end,
        compare_start=filters.compare_start,
        compare_end=filters.compare_end,
        group_by="touchpoint",
        filters=kpi_filters_for(key, filters),
        quantiles=False,
    )
    ranked = sorted(now, key=lambda item: _sort_key(item[2].value, definition.higher_is_better))
    rows = [
        [slug, label, value.value, value.n, value.ci_low, value.ci_high, change(value, previous)]
        for slug, label, value, previous in ranked
    ]
    data.tables["ranking"] = Table(
        name="ranking",
        title=str(definition.label),
        columns=["touchpoint", "label", "value", "n", "ci_low", "ci_high", "change"],
        rows=rows,
    )
    series = selectors.kpi_series(
        key=key,
        start=filters.start,
        end=filters.end,
        granularity=filters.granularity,
        filters=kpi_filters_for(key, filters),
        group_by="touchpoint",
    )
    order = {row[0]: position for position, row in enumerate(rows)}
    groups = sorted(series.groups or [], key=lambda group: order.get(group.key, len(order)))
    heat_rows = [
        charts.HeatmapRow(key=group.key, label=group.label, points=group.points) for group in groups
    ]
    if heat_rows:
        data.figures["heatmap"] = charts.figure_json(
            charts.heatmap_figure(
                heat_rows,
                label=str(definition.label),
                unit=unit,
                higher_is_better=definition.higher_is_better,
                decimals=decimals,
                granularity=filters.granularity,
                link=lambda row, point: drill_url(
                    definition,
                    replace(filters, touchpoint=row.key),
                    point.period_start,
                    period_end(point.period_start, filters.granularity, filters.end),
                ),
            )
        )
    data.tables["heatmap"] = Table(
        name="heatmap",
        title=str(definition.label),
        columns=["touchpoint", "label", "period_start", "value", "n", "ci_low", "ci_high"],
        rows=[
            [row.key, row.label, p.period_start, p.value, p.n, p.ci_low, p.ci_high]
            for row in heat_rows
            for p in row.points
        ],
    )
    return data


@dashboard_view
def touchpoints(request, dash: Dash):
    try:
        key = rank_kpi(request)
    except FilterError as error:
        return bad_filter(request, error)
    filters = dash.filters
    definition = kpi_definition(key)
    data = cached_page("touchpoints", dash, lambda: build_touchpoints(dash, key), extra=key)
    unit, decimals = definition.unit, definition.decimals
    rows = []
    for slug, label, value, n, ci_low, ci_high, change in data.tables["ranking"].rows:
        rows.append(
            {
                "label": label,
                "value": charts.fmt(value, unit, decimals),
                "n": n,
                "small": unit != "count" and value is not None and n < charts.MIN_SAMPLE,
                "interval": interval_text(
                    _Interval(ci_low, ci_high),
                    unit,
                    decimals,  # type: ignore[arg-type]
                ),
                "change": change_text(change, unit=unit, is_rate=definition.is_rate),
                "good": change_is_good(change, definition.higher_is_better),
                "detail": page_url("metrics:touchpoint_detail", filters, slug, touchpoint=None),
                "drill": drill_url(
                    definition, replace(filters, touchpoint=slug), filters.start, filters.end
                ),
            }
        )
    context = {
        "page": "touchpoints",
        "kpi": key,
        "kpi_label": str(definition.label),
        "kpi_choices": [(choice, str(kpi_definition(choice).label)) for choice in RANK_KPIS],
        "rows": rows,
        "ranking_csv": export_url("touchpoints", "ranking", filters, kpi=key),
        "heatmap": chart(
            data,
            "heatmap",
            _("%(kpi)s by touchpoint and period") % {"kpi": definition.label},
            csv=export_url("touchpoints", "heatmap", filters, kpi=key),
            note=_("Grey cells: n too small. Click a cell for the data behind it."),
            empty=_("No touchpoint has data for this KPI in the period."),
        ),
        "last_computed": data.values.get("last_computed"),
        **filter_bar_context(request, dash, keep={"kpi": key}),
    }
    return render(request, "metrics/touchpoints.html", context)


class _Interval:
    """Just the interval bounds, for interval_text on a cached table row."""

    def __init__(self, ci_low, ci_high) -> None:
        self.ci_low = ci_low
        self.ci_high = ci_high


def build_touchpoint_detail(dash: Dash) -> PageData:
    from metrics import selectors

    filters = dash.filters
    data = PageData()
    keys = (*SURVEY_TRENDS, *TICKET_TRENDS)
    # One query per rollup table for the six trends, not one per trend.
    all_series = selectors.kpi_series_many(
        keys=list(keys),
        filters_for={key: kpi_filters_for(key, filters) for key in keys},
        start=filters.start,
        end=filters.end,
        granularity=filters.granularity,
    )
    for key in keys:
        definition = kpi_definition(key)
        series = all_series[key]
        add_trend(data, key, filters, series, height=280)
        if key in SURVEY_TRENDS and any(p.n for p in series.points):
            data.values["has_survey_data"] = True
        if key == "nps":
            data.figures["nps_mix"] = charts.figure_json(
                charts.nps_mix_figure(
                    series.points,
                    granularity=filters.granularity,
                    link=lambda point, group, definition=definition: drill_url(
                        definition,
                        filters,
                        point.period_start,
                        period_end(point.period_start, filters.granularity, filters.end),
                        group=group,
                    ),
                )
            )
            data.tables["nps_mix"] = Table(
                name="nps_mix",
                title=_("Promoters, passives and detractors"),
                columns=["period_start", "n", "promoters", "passives", "detractors"],
                rows=[
                    [
                        p.period_start,
                        p.n,
                        p.extra.get("promoters", 0),
                        p.extra.get("passives", 0),
                        p.extra.get("detractors", 0),
                    ]
                    for p in series.points
                ],
            )
    volume = kpi_definition("ticket_volume")
    categories = selectors.kpi_breakdown(
        key="ticket_volume",
        start=filters.start,
        end=filters.end,
        group_by="category",
        filters=kpi_filters_for("ticket_volume", filters),
    )
    categories = sorted(categories, key=lambda item: -(item[2].value or 0))[:10]
    data.tables["categories"] = Table(
        name="categories",
        title=_("Top ticket categories"),
        columns=["category", "label", "tickets"],
        rows=[[slug, label, value.value] for slug, label, value in categories],
    )
    if categories:
        data.figures["categories"] = charts.figure_json(
            charts.bar_figure(
                [
                    charts.Bar(
                        label=label,
                        value=value.value,
                        link=drill_url(volume, filters, filters.start, filters.end, category=slug),
                    )
                    for slug, label, value in categories
                ],
                label=str(volume.label),
                unit="count",
                key="ticket_volume",
            )
        )
    return data


@dashboard_view
def touchpoint_detail(request, dash: Dash, slug: str):
    from journeys.models import Touchpoint
    from surveys.models import Survey

    if slug not in dash.options.touchpoints:
        raise Http404
    touchpoint = Touchpoint.objects.select_related("channel", "department").get(slug=slug)
    dash = Dash(filters=replace(dash.filters, touchpoint=slug), options=dash.options)
    filters = dash.filters
    data = cached_page("touchpoint", dash, lambda: build_touchpoint_detail(dash))
    has_survey = Survey.objects.filter(touchpoint=touchpoint).exists()
    try:
        create_survey_url = reverse("surveys:survey_create")
    except NoReverseMatch:
        create_survey_url = ""

    def trend(key: str) -> dict:
        definition = kpi_definition(key)
        return chart(
            data,
            key,
            str(definition.label),
            csv=export_url("touchpoint", key, filters),
        )

    context = {
        "page": "touchpoints",
        "touchpoint": touchpoint,
        "has_survey": has_survey,
        "has_survey_data": data.values.get("has_survey_data", False),
        "create_survey_url": create_survey_url,
        "survey_trends": [trend(key) for key in SURVEY_TRENDS],
        "ticket_trends": [trend(key) for key in TICKET_TRENDS],
        "nps_mix": chart(
            data,
            "nps_mix",
            _("Promoters, passives and detractors"),
            csv=export_url("touchpoint", "nps_mix", filters),
            note=_("Share of NPS answers per period. Click a bar for those responses."),
        ),
        "categories": chart(
            data,
            "categories",
            _("Top ticket categories"),
            csv=export_url("touchpoint", "categories", filters),
            empty=_("No tickets on this touchpoint in the period."),
        ),
        "comments": latest_comments(filters, touchpoint_id=touchpoint.id),
        "comments_url": page_url("metrics:responses", filters, comments="1"),
        "tickets_url": page_url("metrics:tickets", filters),
        "last_computed": data.values.get("last_computed"),
        **filter_bar_context(request, dash, lock_touchpoint=True),
    }
    return render(request, "metrics/touchpoint_detail.html", context)
