"""Surveys (answers over time, response rate, distributions, comments) and tickets/SLA pages."""

from __future__ import annotations

from dataclasses import replace

from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from metrics import charts
from metrics.drilldown import latest_comments, period_end
from metrics.exports import Table
from metrics.filters import FilterError
from metrics.types import KpiPoint
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
    small_sample,
    summary_for,
)

ANSWER_KPIS = ("nps", "csat", "ces")
HOURS_BASES = ("business", "calendar")
TICKET_TRENDS = ("fcr", "backlog", "sla_breach_rate", "reopen_rate")
EMPTY_TEXT = {
    "sla_breach_rate": gettext_lazy(
        "No ticket with an SLA in this period — an administrator sets SLA policies per priority."
    ),
    "reopen_rate": gettext_lazy("No resolved tickets in this period."),
}


def _trend(data: PageData, key: str, filters, series, *, height: int = 300) -> None:
    definition = kpi_definition(key)
    data.figures[key] = charts.figure_json(
        charts.trend_figure(
            series.points,
            label=str(definition.label),
            unit=definition.unit,
            key=key,
            granularity=filters.granularity,
            decimals=definition.decimals,
            height=height,
            link=lambda point: drill_url(
                definition,
                filters,
                point.period_start,
                period_end(point.period_start, filters.granularity, filters.end),
            ),
        )
    )
    data.tables[key] = Table(
        name=key,
        title=str(definition.label),
        columns=["period_start", "value", "n", "ci_low", "ci_high", "median", "p90"],
        rows=[
            [p.period_start, p.value, p.n, p.ci_low, p.ci_high, p.median, p.p90]
            for p in series.points
        ],
    )


# --- Surveys ---------------------------------------------------------------------------------


def survey_options() -> dict[str, str]:
    from surveys.models import Survey

    return dict(Survey.objects.order_by("name").values_list("slug", "name"))


def chosen_survey(request, options: dict[str, str]) -> str | None:
    slug = (request.GET.get("survey") or "").strip()
    if not slug:
        return None
    if slug not in options:
        raise FilterError("survey", _("Unknown survey."))
    return slug


def build_surveys(dash: Dash, survey: str | None) -> PageData:
    from metrics import selectors
    from surveys.models import Question

    filters = dash.filters
    data = PageData()
    counts: list[tuple[str, list[KpiPoint]]] = []
    for key in ANSWER_KPIS:
        series = selectors.kpi_series(
            key=key,
            start=filters.start,
            end=filters.end,
            granularity=filters.granularity,
            filters=kpi_filters_for(key, filters),
        )
        counts.append(
            (
                _("%(kpi)s answers") % {"kpi": key.upper()},
                [
                    KpiPoint(period_start=p.period_start, value=float(p.n), n=p.n)
                    for p in series.points
                ],
            )
        )
    data.figures["answers"] = charts.figure_json(
        charts.multi_trend_figure(
            counts,
            unit="count",
            granularity=filters.granularity,
            decimals=0,
            min_n=0,
            colours=[charts.colour_for(key) for key in ANSWER_KPIS],
        )
    )
    data.tables["answers"] = Table(
        name="answers",
        title=_("Answers received"),
        columns=["period_start", *(name for name, _points in counts)],
        rows=[
            [point.period_start, *(points[index].n for _name, points in counts)]
            for index, point in enumerate(counts[0][1])
        ],
    )
    rate = selectors.kpi_series(
        key="response_rate",
        start=filters.start,
        end=filters.end,
        granularity=filters.granularity,
        filters=kpi_filters_for("response_rate", filters),
    )
    _trend(data, "response_rate", filters, rate)

    distribution = selectors.answer_distribution(
        start=filters.start, end=filters.end, filters=filters.kpi_filters, survey=survey
    )
    questions: dict[str, str] = {}
    if survey:
        for question in Question.objects.filter(survey__slug=survey).order_by("order", "id"):
            text = question.text.get("en") or next(iter(question.text.values()), question.key)
            questions[question.key] = str(text)
    question_list = []
    rows = []
    for position, (question_key, answers) in enumerate(sorted(distribution.items())):
        name = f"question_{position}"
        title = questions.get(question_key, question_key)
        data.figures[name] = charts.figure_json(charts.distribution_figure(answers, question=""))
        question_list.append({"name": name, "key": question_key, "title": title})
        rows.extend([question_key, value, count] for value, count in answers.items())
    data.values["questions"] = question_list
    summary = summary_for("response_rate", filters)
    data.values["rate_summary"] = {
        "value": charts.fmt(summary.current.value, "percent"),
        "n": summary.current.n,
        "change": change_text(summary.change, unit="percent", is_rate=True),
        "good": change_is_good(summary.change, True),
        "significant": summary.significant,
        "small": small_sample(summary.current, "percent"),
    }
    data.tables["distribution"] = Table(
        name="distribution",
        title=_("Answer distribution"),
        columns=["question", "answer", "count"],
        rows=rows,
    )
    return data


@dashboard_view
def surveys(request, dash: Dash):
    options = survey_options()
    try:
        survey = chosen_survey(request, options)
    except FilterError as error:
        return bad_filter(request, error)
    filters = dash.filters
    data = cached_page("surveys", dash, lambda: build_surveys(dash, survey), extra=survey or "")
    keep = {"survey": survey} if survey else {}
    context = {
        "page": "surveys",
        "survey": survey,
        "survey_options": options,
        "answers": chart(
            data,
            "answers",
            _("Answers received over time"),
            csv=export_url("surveys", "answers", filters, **keep),
            note=_("Responses carrying an NPS, CSAT or effort answer, per period."),
        ),
        "response_rate": chart(
            data,
            "response_rate",
            str(kpi_definition("response_rate").label),
            csv=export_url("surveys", "response_rate", filters, **keep),
            # xgettext:no-python-format (a literal percent sign, never %-formatted)
            note=_("Responses per invitation sent; band: 95% interval."),
        ),
        "rate_summary": data.values["rate_summary"],
        "questions": [
            chart(data, question["name"], question["title"])
            for question in data.values["questions"]
        ],
        "distribution_csv": export_url("surveys", "distribution", filters, **keep),
        "comments": latest_comments(filters, limit=10),
        "comments_url": page_url("metrics:responses", filters, comments="1", survey=survey),
        "detractor_comments_url": page_url(
            "metrics:responses", filters, comments="1", group="detractors", survey=survey
        ),
        "last_computed": data.values.get("last_computed"),
        **filter_bar_context(request, dash, keep=keep),
    }
    return render(request, "metrics/surveys.html", context)


# --- Tickets / SLA ---------------------------------------------------------------------------


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
        _trend(data, key, filters, series, height=260)
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
