"""Journeys (funnel and hand-off gaps per journey) and customers (churn, retention, at risk)."""

from __future__ import annotations

from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from metrics import charts
from metrics.exports import Table
from metrics.filters import FilterError
from metrics.risk import at_risk_customers
from metrics.views.base import (
    Dash,
    PageData,
    bad_filter,
    cached_page,
    chart,
    dashboard_view,
    export_url,
    filter_bar_context,
    ignored_filters,
    kpi_definition,
    kpi_filters_for,
)

CUSTOMER_KPIS = ("churn_rate", "retention_rate")
GAP_KIND_LABELS = {
    "channel": gettext_lazy("Channel"),
    "device": gettext_lazy("Device"),
    "department": gettext_lazy("Department"),
}


def journey_options(user) -> dict[str, str]:
    from journeys.selectors.maps import journey_list

    return dict(journey_list(user=user).values_list("slug", "name"))


def chosen_journey(request, options: dict[str, str]) -> str | None:
    slug = (request.GET.get("journey") or "").strip()
    if not slug:
        return next(iter(options), None)
    if slug not in options:
        raise FilterError("journey", _("Unknown journey."))
    return slug


def map_url(slug: str) -> str:
    for name in ("journeys:journey_map", "journeys:journey_detail", "journeys:map"):
        try:
            return reverse(name, args=[slug])
        except NoReverseMatch:
            continue
    return ""


def build_journeys(dash: Dash, slug: str) -> PageData:
    from journeys.models import Journey
    from journeys.selectors.funnels import journey_funnel, journey_gaps

    filters = dash.filters
    data = PageData()
    journey = Journey.objects.get(slug=slug)
    stages = journey_funnel(journey=journey, start=filters.start, end=filters.end)
    data.tables["funnel"] = Table(
        name="funnel",
        title=_("Funnel"),
        columns=["stage", "label", "customers", "converted", "conversion_pct", "drop_off_pct"],
        rows=[[s.slug, s.name, s.reached, s.converted, s.conversion, s.drop_off] for s in stages],
    )
    if any(stage.reached for stage in stages):
        data.figures["funnel"] = charts.figure_json(
            charts.funnel_figure(
                [
                    charts.FunnelStage(
                        label=stage.name, customers=stage.reached, conversion=stage.conversion
                    )
                    for stage in stages
                ]
            )
        )
    gaps = journey_gaps(journey=journey, start=filters.start, end=filters.end, limit=20)
    data.tables["gaps"] = Table(
        name="gaps",
        title=_("Hand-off gaps"),
        columns=["kind", "from", "to", "handoffs", "customers", "dropped", "drop_off_pct"],
        rows=[
            [g.kind, g.source_label, g.target_label, g.handoffs, g.customers, g.dropped, g.drop_off]
            for g in gaps
        ],
    )
    return data


@dashboard_view
def journeys(request, dash: Dash):
    options = journey_options(request.user)
    try:
        slug = chosen_journey(request, options)
    except FilterError as error:
        return bad_filter(request, error)
    filters = dash.filters
    context = {
        "page": "journeys",
        "journey": slug,
        "journey_name": options.get(slug or "", ""),
        "journey_options": options,
        "map_url": map_url(slug) if slug else "",
        "journey_links": [
            {"name": name, "url": map_url(journey_slug)} for journey_slug, name in options.items()
        ],
        **filter_bar_context(request, dash, keep={"journey": slug} if slug else {}),
    }
    if slug:
        data = cached_page("journeys", dash, lambda: build_journeys(dash, slug), extra=slug)
        funnel_rows = [
            {
                "label": row[1],
                "customers": row[2],
                "conversion": charts.fmt(row[4], "percent"),
                "drop_off": charts.fmt(row[5], "percent"),
                "small": row[2] < charts.MIN_SAMPLE,
            }
            for row in data.tables["funnel"].rows
        ]
        context.update(
            {
                "funnel": chart(
                    data,
                    "funnel",
                    _("Customers reaching each stage"),
                    csv=export_url("journeys", "funnel", filters, journey=slug),
                    empty=_("No journey events in this period. Events arrive through the API."),
                ),
                "funnel_rows": funnel_rows,
                "gaps": [
                    {
                        "kind": GAP_KIND_LABELS.get(row[0], row[0]),
                        "source": row[1],
                        "target": row[2],
                        "customers": row[4],
                        "dropped": row[5],
                        "drop_off": charts.fmt(row[6], "percent"),
                    }
                    for row in data.tables["gaps"].rows
                ],
                "gaps_csv": export_url("journeys", "gaps", filters, journey=slug),
                "last_computed": data.values.get("last_computed"),
            }
        )
    return render(request, "metrics/journeys.html", context)


def build_customers(dash: Dash) -> PageData:
    from metrics import selectors

    filters = dash.filters
    data = PageData()
    series = []
    for key in CUSTOMER_KPIS:
        definition = kpi_definition(key)
        points = selectors.kpi_series(
            key=key,
            start=filters.start,
            end=filters.end,
            granularity=filters.granularity,
            filters=kpi_filters_for(key, filters),
        ).points
        series.append((str(definition.label), points))
        data.figures[key] = charts.figure_json(
            charts.trend_figure(
                points,
                label=str(definition.label),
                unit=definition.unit,
                key=key,
                granularity=filters.granularity,
                decimals=definition.decimals,
                height=280,
            )
        )
        data.tables[key] = Table(
            name=key,
            title=str(definition.label),
            columns=["period_start", "value", "customers_at_start", "ci_low", "ci_high"],
            rows=[[p.period_start, p.value, p.n, p.ci_low, p.ci_high] for p in points],
        )
    return data


@dashboard_view
def customers(request, dash: Dash):
    filters = dash.filters
    data = cached_page("customers", dash, lambda: build_customers(dash))
    at_risk = at_risk_customers(filters)
    context = {
        "page": "customers",
        "trends": [
            chart(
                data,
                key,
                str(kpi_definition(key).label),
                csv=export_url("customers", key, filters),
                note=_note(key, filters),
            )
            for key in CUSTOMER_KPIS
        ],
        "at_risk": [
            {
                "name": entry.customer.name or entry.customer.external_id,
                "external_id": entry.customer.external_id,
                "persona": entry.customer.persona.name if entry.customer.persona else "",
                "reasons": entry.reasons,
                "last_at": entry.last_at,
                "url": reverse("journeys:customer_detail", args=[entry.customer.external_id]),
            }
            for entry in at_risk
        ],
        "at_risk_csv": export_url("customers", "at_risk", filters),
        "last_computed": data.values.get("last_computed"),
        **filter_bar_context(request, dash),
    }
    return render(request, "metrics/customers.html", context)


def _note(key: str, filters) -> str:
    note = _("Share of the customers active at the start of each period.")
    ignored = ignored_filters(key, filters)
    if ignored:
        note += " " + _("Not filtered by: %(names)s.") % {"names": ", ".join(ignored)}
    return note


def at_risk_table(dash: Dash) -> Table:
    return Table(
        name="at_risk",
        title=_("Customers at risk"),
        columns=["external_id", "name", "persona", "reasons", "last_signal"],
        rows=[
            [
                entry.customer.external_id,
                entry.customer.name,
                entry.customer.persona.name if entry.customer.persona else "",
                entry.reasons,
                entry.last_at,
            ]
            for entry in at_risk_customers(dash.filters)
        ],
    )
