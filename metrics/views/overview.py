"""The overview at "/": KPI tiles, the two headline trends and where CSAT moved most."""

from __future__ import annotations

from django.shortcuts import render
from django.utils.translation import gettext as _

from metrics import charts
from metrics.drilldown import period_end
from metrics.exports import Table
from metrics.views.base import (
    Dash,
    PageData,
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
    small_sample,
    target_status,
)

TILE_KPIS = (
    "nps",
    "csat",
    "ces",
    "frt",
    "resolution_time",
    "fcr",
    "sla_breach_rate",
    "churn_rate",
    "response_rate",
)
TREND_KPIS = ("nps", "csat")
MOVERS_KPI = "csat"


def _targets(filters) -> dict[str, float]:
    """Organisation targets, overridden by the touchpoint's own when one is filtered."""
    from metrics.models import KpiTarget

    rows = KpiTarget.objects.filter(touchpoint__isnull=True).values_list("kpi_key", "target")
    targets = dict(rows)
    if filters.touchpoint:
        targets.update(
            KpiTarget.objects.filter(touchpoint__slug=filters.touchpoint).values_list(
                "kpi_key", "target"
            )
        )
    return targets


def open_alerts(filters, *, limit: int = 10) -> list[dict]:
    """Open KPI alerts (one query), the filtered touchpoint's and the organisation's."""
    from django.db.models import Q

    from metrics.models import KpiAlert

    alerts = KpiAlert.objects.filter(resolved_at__isnull=True).select_related("target__touchpoint")
    if filters.touchpoint:
        alerts = alerts.filter(
            Q(target__touchpoint__isnull=True) | Q(target__touchpoint__slug=filters.touchpoint)
        )
    return [
        {
            "message": alert.text,  # in the reader's language (stored key + params)
            "kind": alert.get_kind_display(),
            "is_drop": alert.kind == KpiAlert.Kind.DROP,
            "period_start": alert.period_start,
            "period_end": alert.period_end,
            "touchpoint": alert.target.touchpoint.name if alert.target.touchpoint else "",
            "url": page_url(
                "metrics:touchpoint_detail",
                filters,
                alert.target.touchpoint.slug,
                touchpoint=None,
            )
            if alert.target.touchpoint
            else "",
        }
        for alert in alerts.order_by("-created_at")[:limit]
    ]


def build_overview(dash: Dash) -> PageData:
    from metrics import selectors

    filters = dash.filters
    data = PageData()
    targets = _targets(filters)
    tiles = []
    tile_rows = []
    # Every tile's summary and sparkline in a handful of queries (one per rollup table), not two
    # or three reads per tile; no time histograms, as no tile shows a median.
    board = selectors.kpi_board(
        keys=list(TILE_KPIS),
        filters_for={key: kpi_filters_for(key, filters) for key in TILE_KPIS},
        start=filters.start,
        end=filters.end,
        granularity=filters.granularity,
        compare=filters.compare,
        previous=None
        if filters.standard_comparison
        else (filters.compare_start, filters.compare_end),
        quantiles=False,
    )
    for key in TILE_KPIS:
        definition = kpi_definition(key)
        unit, decimals = definition.unit, definition.decimals
        summary, series = board[key]
        current = summary.current
        target = targets.get(key)
        status = target_status(target, current.value, definition.higher_is_better)
        data.figures[f"spark_{key}"] = charts.figure_json(
            charts.sparkline_figure(series.points, key=key)
        )
        tile = {
            "key": key,
            "label": str(definition.label),
            "description": str(definition.description),
            "unit": unit,
            "value": charts.fmt(current.value, unit, decimals),
            "raw_value": current.value,
            "n": current.n,
            "interval": interval_text(current, unit, decimals),
            "previous": charts.fmt(summary.previous.value, unit, decimals),
            "change": change_text(
                summary.change, unit=unit, is_rate=definition.is_rate, decimals=decimals
            ),
            "has_change": summary.change is not None,
            "good": change_is_good(summary.change, definition.higher_is_better),
            "significant": summary.significant,
            "target": charts.fmt(target, unit, decimals) if target is not None else "",
            "target_status": status,
            "small": small_sample(current, unit),
            "colour": charts.colour_for(key),
            "link": drill_url(definition, filters, filters.start, filters.end),
        }
        tiles.append(tile)
        tile_rows.append(
            [
                key,
                str(definition.label),
                current.value,
                current.n,
                current.ci_low,
                current.ci_high,
                summary.previous.value,
                summary.change,
                "yes" if summary.significant else "no",
                target,
                status or "",
            ]
        )
        if key in TREND_KPIS:
            data.figures[f"trend_{key}"] = charts.figure_json(
                charts.trend_figure(
                    series.points,
                    label=str(definition.label),
                    unit=unit,
                    key=key,
                    granularity=filters.granularity,
                    decimals=decimals,
                    link=lambda point, definition=definition: drill_url(
                        definition,
                        filters,
                        point.period_start,
                        period_end(point.period_start, filters.granularity, filters.end),
                    ),
                )
            )
            data.tables[f"trend_{key}"] = Table(
                name=f"trend_{key}",
                title=str(definition.label),
                columns=["period_start", "value", "n", "ci_low", "ci_high"],
                rows=[[p.period_start, p.value, p.n, p.ci_low, p.ci_high] for p in series.points],
            )
    data.values["tiles"] = tiles
    data.tables["tiles"] = Table(
        name="tiles",
        title=_("KPI tiles"),
        columns=[
            "kpi",
            "label",
            "value",
            "n",
            "ci_low",
            "ci_high",
            "comparison_value",
            "change",
            "significant",
            "target",
            "target_status",
        ],
        rows=tile_rows,
    )
    data.tables["movers"] = _movers(filters)
    return data


def _movers(filters) -> Table:
    """Touchpoints ranked by how much CSAT moved against the comparison period."""
    from metrics import selectors
    from metrics.selectors.breakdown import change

    definition = kpi_definition(MOVERS_KPI)
    rows = [
        [
            slug,
            label,
            value.value,
            value.n,
            previous.value if previous else None,
            change(value, previous),
        ]
        for slug, label, value, previous in selectors.kpi_breakdown_change(
            key=MOVERS_KPI,
            start=filters.start,
            end=filters.end,
            compare_start=filters.compare_start,
            compare_end=filters.compare_end,
            group_by="touchpoint",
            filters=kpi_filters_for(MOVERS_KPI, filters),
            quantiles=False,
        )
    ]
    rows.sort(key=lambda row: (row[5] is None, row[5] if row[5] is not None else 0))
    return Table(
        name="movers",
        title=str(definition.label),
        columns=["touchpoint", "label", "value", "n", "comparison_value", "change"],
        rows=rows[:8],
    )


@dashboard_view
def overview(request, dash: Dash):
    data = cached_page("overview", dash, lambda: build_overview(dash))
    filters = dash.filters
    movers = [
        {
            "slug": row[0],
            "label": row[1],
            "value": charts.fmt(row[2], "percent"),
            "n": row[3],
            "small": row[3] < charts.MIN_SAMPLE,
            "previous": charts.fmt(row[4], "percent"),
            "change": change_text(row[5], unit="percent", is_rate=True),
            "good": None if row[5] is None or row[5] == 0 else row[5] > 0,
            "url": page_url("metrics:touchpoint_detail", filters, row[0], touchpoint=None),
        }
        for row in data.tables["movers"].rows
    ]
    tiles = [
        {**tile, "spark": data.figures[f"spark_{tile['key']}"], "spark_id": f"spark-{tile['key']}"}
        for tile in data.values["tiles"]
    ]
    charts_ctx = {
        key: chart(
            data,
            f"trend_{key}",
            str(kpi_definition(key).label),
            csv=export_url("overview", f"trend_{key}", filters),
            # xgettext:no-python-format (a literal percent sign, never %-formatted)
            note=_("Shaded band: 95% interval. Click a point for the responses behind it."),
        )
        for key in TREND_KPIS
    }
    context = {
        "page": "overview",
        "charts": charts_ctx,
        "tiles_csv": export_url("overview", "tiles", filters),
        "movers_csv": export_url("overview", "movers", filters),
        "data": data,
        "tiles": tiles,
        "movers": movers,
        "alerts": open_alerts(filters),
        "last_computed": data.values.get("last_computed"),
        **filter_bar_context(request, dash),
    }
    return render(request, "metrics/overview.html", context)
