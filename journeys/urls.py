from django.urls import path

from journeys import views
from journeys.views import maps

app_name = "journeys"
urlpatterns = [
    path("customers/", views.customer_list, name="customer_list"),
    path("customers/<str:external_id>/", views.customer_detail, name="customer_detail"),
    path("journeys/", maps.journey_list, name="journey_list"),
    path("journeys/new/", maps.journey_create, name="journey_create"),
    path("journeys/import/", maps.journey_import, name="journey_import"),
    path("journeys/<slug:slug>/", maps.journey_map, name="journey_map"),
    path("journeys/<slug:slug>/edit/", maps.journey_edit, name="journey_edit"),
    path("journeys/<slug:slug>/duplicate/", maps.journey_duplicate, name="journey_duplicate"),
    path("journeys/<slug:slug>/history/", maps.journey_history, name="journey_history"),
    path("journeys/<slug:slug>/history/restore/", maps.revision_restore, name="revision_restore"),
    path("journeys/<slug:slug>/history/publish/", maps.revision_publish, name="revision_publish"),
    path("journeys/<slug:slug>/export.json", maps.journey_export, name="journey_export"),
    path("journeys/<slug:slug>/stages/new/", maps.stage_add, name="stage_add"),
    path("journeys/<slug:slug>/stages/<slug:stage>/", maps.stage_edit, name="stage_edit"),
    path("journeys/<slug:slug>/stages/<slug:stage>/move/", maps.stage_move, name="stage_move"),
    path(
        "journeys/<slug:slug>/stages/<slug:stage>/remove/", maps.stage_remove, name="stage_remove"
    ),
    path(
        "journeys/<slug:slug>/stages/<slug:stage>/touchpoints/",
        maps.stage_touchpoint_add,
        name="stage_touchpoint_add",
    ),
    path(
        "journeys/<slug:slug>/stages/<slug:stage>/touchpoints/<int:link>/move/",
        maps.stage_touchpoint_move,
        name="stage_touchpoint_move",
    ),
    path(
        "journeys/<slug:slug>/stages/<slug:stage>/touchpoints/<int:link>/remove/",
        maps.stage_touchpoint_remove,
        name="stage_touchpoint_remove",
    ),
    path(
        "journeys/<slug:slug>/opportunities/new/",
        maps.opportunity_edit,
        name="opportunity_create",
    ),
    path(
        "journeys/<slug:slug>/opportunities/<int:pk>/",
        maps.opportunity_edit,
        name="opportunity_edit",
    ),
    path(
        "journeys/<slug:slug>/opportunities/<int:pk>/delete/",
        maps.opportunity_delete,
        name="opportunity_delete",
    ),
]
