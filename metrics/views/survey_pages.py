"""The surveys dashboard: answers over time, response rate, distributions and latest comments."""

from __future__ import annotations

from django.shortcuts import render
from django.utils.translation import gettext as _

from metrics import charts
from metrics.drilldown import latest_comments
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
    export_url,
    filter_bar_context,
    kpi_definition,
    kpi_filters_for,
    page_url,
    small_sample,
    summary_for,
)
from metrics.views.trend_table import add_trend

ANSWER_KPIS = ("nps", "csat", "ces")


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
    add_trend(data, "response_rate", filters, rate)

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
