"""Dashboard pages: parse the filter bar, read KPIs through metrics.selectors, render."""

from metrics.views.drill import export, responses, tickets
from metrics.views.overview import overview
from metrics.views.people import customers, journeys
from metrics.views.survey_pages import surveys
from metrics.views.ticket_pages import tickets_sla
from metrics.views.touchpoints import touchpoint_detail, touchpoints

__all__ = [
    "customers",
    "export",
    "journeys",
    "overview",
    "responses",
    "surveys",
    "tickets",
    "tickets_sla",
    "touchpoint_detail",
    "touchpoints",
]
