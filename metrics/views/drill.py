"""Drill-down lists (the responses and tickets behind a number) and the CSV downloads."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from metrics.drilldown import (
    NPS_GROUPS,
    TICKET_DATE_FIELDS,
    TICKET_FLAGS,
    ResponseDrill,
    TicketDrill,
    category_options,
    response_list,
    ticket_list,
)
from metrics.exports import csv_response
from metrics.filters import FilterError, load_options, parse_filters
from metrics.views.base import Dash, bad_filter, dashboard_view, filter_bar_context, no_access

PAGE_SIZE = 50
SEARCH_MAX = 100


def _choice(request, name: str, allowed, message) -> str | None:
    value = (request.GET.get(name) or "").strip()
    if not value:
        return None
    if value not in allowed:
        raise FilterError(name, message)
    return value


@dashboard_view
def responses(request, dash: Dash):
    from metrics.views.survey_pages import survey_options

    surveys = survey_options()
    try:
        group = _choice(
            request, "group", NPS_GROUPS, _("Choose promoters, passives or detractors.")
        )
        survey = _choice(request, "survey", surveys, _("Unknown survey."))
        comments = _choice(request, "comments", ("1",), _("Use comments=1 or leave it out."))
    except FilterError as error:
        return bad_filter(request, error)
    search = (request.GET.get("q") or "").strip().replace("\x00", "")[:SEARCH_MAX]
    drill = ResponseDrill(
        filters=dash.filters,
        group=group,
        survey=survey,
        comments_only=bool(comments),
        search=search,
    )
    page = Paginator(response_list(drill), PAGE_SIZE).get_page(request.GET.get("page"))
    keep = {
        name: value
        for name, value in (("group", group), ("survey", survey), ("comments", comments))
        if value
    }
    context = {
        "page_name": "responses",
        "show_last_computed": False,
        "page": page,
        "group": group,
        "survey": survey,
        "surveys": surveys,
        "comments_only": bool(comments),
        "q": search,
        "groups": {
            "promoters": _("Promoters (9–10)"),
            "passives": _("Passives (7–8)"),
            "detractors": _("Detractors (0–6)"),
        },
        **filter_bar_context(request, dash, keep=keep),
    }
    return render(request, "metrics/responses.html", context)


@dashboard_view
def tickets(request, dash: Dash):
    categories = category_options()
    try:
        date_field = (
            _choice(request, "date", TICKET_DATE_FIELDS, _("Use created or resolved.")) or "created"
        )
        category = _choice(request, "category", categories, _("Unknown category."))
        flag = _choice(request, "flag", TICKET_FLAGS, _("Unknown ticket filter."))
    except FilterError as error:
        return bad_filter(request, error)
    drill = TicketDrill(filters=dash.filters, date_field=date_field, category=category, flag=flag)
    page = Paginator(ticket_list(drill, user=request.user), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    keep = {
        name: value
        for name, value in (("date", date_field), ("category", category), ("flag", flag))
        if value and not (name == "date" and value == "created")
    }
    context = {
        "page_name": "tickets",
        "show_last_computed": False,
        "page": page,
        "date_field": date_field,
        "category": category,
        "categories": categories,
        "flag": flag,
        **filter_bar_context(request, dash, keep=keep),
    }
    return render(request, "metrics/ticket_list.html", context)


def _export_table(request, dash: Dash, page: str, table: str):
    """The table of a page, computed by the same code that draws the page (so they match)."""
    from metrics.views import people, survey_pages, ticket_pages
    from metrics.views.base import cached_page
    from metrics.views.overview import build_overview
    from metrics.views.touchpoints import build_touchpoint_detail, build_touchpoints, rank_kpi

    filters = dash.filters
    if page == "overview":
        data = cached_page("overview", dash, lambda: build_overview(dash))
    elif page == "touchpoints":
        key = rank_kpi(request)
        data = cached_page("touchpoints", dash, lambda: build_touchpoints(dash, key), extra=key)
    elif page == "touchpoint":
        if not filters.touchpoint:
            raise FilterError("touchpoint", _("Choose a touchpoint."))
        data = cached_page("touchpoint", dash, lambda: build_touchpoint_detail(dash))
    elif page == "surveys":
        survey = survey_pages.chosen_survey(request, survey_pages.survey_options())
        data = cached_page(
            "surveys", dash, lambda: survey_pages.build_surveys(dash, survey), extra=survey or ""
        )
    elif page == "tickets":
        basis = ticket_pages.hours_basis(request)
        data = cached_page(
            "tickets", dash, lambda: ticket_pages.build_tickets(dash, basis), extra=basis
        )
    elif page == "journeys":
        slug = people.chosen_journey(request, people.journey_options(request.user))
        if slug is None:
            raise Http404
        data = cached_page("journeys", dash, lambda: people.build_journeys(dash, slug), extra=slug)
    elif page == "customers":
        if table == "at_risk":
            return people.at_risk_table(dash)
        data = cached_page("customers", dash, lambda: people.build_customers(dash))
    else:
        raise Http404
    if table not in data.tables:
        raise Http404
    return data.tables[table]


@login_required
def export(request, page: str, table: str):
    if not request.user.has_perm("metrics.view_dashboards"):
        return no_access(request)
    if not request.user.has_perm("metrics.export_data"):
        return render(request, "metrics/no_access.html", status=403)
    options = load_options()
    try:
        filters = parse_filters(request.GET, today=timezone.localdate(), options=options)
        result = _export_table(request, Dash(filters=filters, options=options), page, table)
    except FilterError as error:
        return bad_filter(request, error)
    stamp = f"{filters.start.isoformat()}_{filters.end.isoformat()}"
    return csv_response(result, filename=f"cxhub-{page}-{table}-{stamp}.csv")
