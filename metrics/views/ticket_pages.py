"""The tickets and SLA dashboard: volumes, first response and resolution times in business or
calendar hours, SLA breaches, backlog, reopens and first contact resolution."""

from __future__ import annotations

from dataclasses import replace

from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from metrics import charts
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
    small_sample,
    summary_for,
)
from metrics.views.trend_table import add_trend

HOURS_BASES = ("business", "calendar")
TICKET_TRENDS = ("fcr", "backlog", "sla_breach_rate", "reopen_rate")
EMPTY_TEXT = {
    "sla_breach_rate": gettext_lazy(
        "No ticket with an SLA in this period — an administrator sets SLA policies per priority."
    ),
    "reopen_rate": gettext_lazy("No resolved tickets in this period."),
}


def hours_basis(request) -> str:
    basis = (request.GET.get("hours") or "").strip() or "business"
    if basis not in HOURS_BASES:
        raise FilterError("hours", _("Choose business or calendar hours."))
    return basis


def build_tickets(dash: Dash, basis: str) -> PageData:
    from metrics import selectors

    filters = dash.filters
    data = PageData()
    volume = kpi_definition("ticket_volume")
    for group_by in ("channel", "category"):
        breakdown = sorted(
            selectors.kpi_breakdown(
                key="ticket_volume",
                start=filters.start,
                end=filters.end,
                group_by=group_by,
                filters=kpi_filters_for("ticket_volume", filters),
            ),
            key=lambda item: -(item[2].value or 0),
        )
        name = f"volume_{group_by}"
        data.tables[name] = Table(
            name=name,
            title=str(volume.label),
            columns=[group_by, "label", "tickets"],
            rows=[[slug, label, value.value] for slug, label, value in breakdown],
        )
        if breakdown:
            bars = []
            for slug, label, value in breakdown:
                target = replace(filters, channel=slug) if group_by == "channel" else filters
                extra = {"category": slug} if group_by == "category" else {}
                bars.append(
                    charts.Bar(
                        label=label,
                        value=value.value,
                        link=drill_url(volume, target, filters.start, filters.end, **extra),
                    )
                )
            data.figures[name] = charts.figure_json(
                charts.bar_figure(bars, label=str(volume.label), unit="count", key="ticket_volume")
            )
    suffix = "_business" if basis == "business" else ""
    for base in ("frt", "resolution_time"):
        key = f"{base}{suffix}"
        definition = kpi_definition(key)
        breakdown = selectors.kpi_breakdown(
            key=key,
            start=filters.start,
            end=filters.end,
            group_by="channel",
            filters=kpi_filters_for(key, filters),
        )
        data.tables[base] = Table(
            name=base,
            title=str(definition.label),
            columns=["channel", "label", "mean_hours", "median_hours", "p90_hours", "n"],
            rows=[
                [slug, label, value.value, value.median, value.p90, value.n]
                for slug, label, value in breakdown
            ],
        )
        if breakdown:
            data.figures[base] = charts.figure_json(
                charts.grouped_bar_figure(
                    [label for _slug, label, _value in breakdown],
                    [
                        (_("Mean"), [value.value for _s, _l, value in breakdown]),
                        (_("Median"), [value.median for _s, _l, value in breakdown]),
                        (_("90th percentile"), [value.p90 for _s, _l, value in breakdown]),
                    ],
                    unit="hours",
                    ns=[value.n for _s, _l, value in breakdown],
                    links=[
                        drill_url(
                            definition, replace(filters, channel=slug), filters.start, filters.end
                        )
                        for slug, _l, _v in breakdown
                    ],
                )
            )
    for key in TICKET_TRENDS:
        series = selectors.kpi_series(
            key=key,
            start=filters.start,
            end=filters.end,
            granularity=filters.granularity,
            filters=kpi_filters_for(key, filters),
        )
        add_trend(data, key, filters, series, height=260)
    headline = []
    for key in TICKET_TRENDS:
        definition = kpi_definition(key)
        summary = summary_for(key, filters)
        headline.append(
            {
                "label": str(definition.label),
                "value": charts.fmt(summary.current.value, definition.unit, definition.decimals),
                "n": summary.current.n,
                "interval": interval_text(summary.current, definition.unit, definition.decimals),
                "change": change_text(
                    summary.change, unit=definition.unit, is_rate=definition.is_rate
                ),
                "has_change": summary.change is not None,
                "good": change_is_good(summary.change, definition.higher_is_better),
                "significant": summary.significant,
                "small": small_sample(summary.current, definition.unit),
            }
        )
    data.values["headline"] = headline
    return data


@dashboard_view
def tickets_sla(request, dash: Dash):
    try:
        basis = hours_basis(request)
    except FilterError as error:
        return bad_filter(request, error)
    filters = dash.filters
    data = cached_page("tickets", dash, lambda: build_tickets(dash, basis), extra=basis)
    keep = {"hours": basis} if basis != "business" else {}
    basis_label = _("business hours") if basis == "business" else _("calendar hours")
    context = {
        "page": "tickets",
        "basis": basis,
        "headline": data.values["headline"],
        "volume_channel": chart(
            data,
            "volume_channel",
            _("Tickets by channel"),
            csv=export_url("tickets", "volume_channel", filters, **keep),
            empty=_("No tickets in this period."),
        ),
        "volume_category": chart(
            data,
            "volume_category",
            _("Tickets by category"),
            csv=export_url("tickets", "volume_category", filters, **keep),
            empty=_("No tickets in this period."),
        ),
        "frt": chart(
            data,
            "frt",
            _("First response time by channel (%(basis)s)") % {"basis": basis_label},
            csv=export_url("tickets", "frt", filters, **keep),
            empty=_("No first responses in this period."),
        ),
        "resolution": chart(
            data,
            "resolution_time",
            _("Resolution time by channel (%(basis)s)") % {"basis": basis_label},
            csv=export_url("tickets", "resolution_time", filters, **keep),
            empty=_("No resolved tickets in this period."),
        ),
        "trends": [
            chart(
                data,
                key,
                str(kpi_definition(key).label),
                csv=export_url("tickets", key, filters, **keep),
                empty=EMPTY_TEXT.get(key, ""),
            )
            for key in TICKET_TRENDS
        ],
        "last_computed": data.values.get("last_computed"),
        **filter_bar_context(request, dash, keep=keep),
    }
    return render(request, "metrics/tickets.html", context)
