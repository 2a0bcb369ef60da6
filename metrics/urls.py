from django.urls import path

from metrics import views

app_name = "metrics"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("dashboards/touchpoints/", views.touchpoints, name="touchpoints"),
    path(
        "dashboards/touchpoints/<slug:slug>/",
        views.touchpoint_detail,
        name="touchpoint_detail",
    ),
    path("dashboards/surveys/", views.surveys, name="surveys"),
    path("dashboards/tickets/", views.tickets_sla, name="tickets_sla"),
    path("dashboards/journeys/", views.journeys, name="journeys"),
    path("dashboards/customers/", views.customers, name="customers"),
    path("dashboards/responses/", views.responses, name="responses"),
    path("dashboards/ticket-list/", views.tickets, name="tickets"),
    path("dashboards/export/<slug:page>/<slug:table>.csv", views.export, name="export"),
]
