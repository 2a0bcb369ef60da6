from django.urls import path

from journeys import views
from journeys.views import editor, maps

app_name = "journeys"
urlpatterns = [
    path("customers/", views.customer_list, name="customer_list"),
    path("customers/<str:external_id>/", views.customer_detail, name="customer_detail"),
    path("journeys/", maps.journey_list, name="journey_list"),
    path("journeys/new/", editor.journey_create, name="journey_create"),
    path("journeys/import/", maps.journey_import, name="journey_import"),
    path("journeys/<slug:slug>/", maps.journey_map, name="journey_map"),
    path("journeys/<slug:slug>/edit/", editor.journey_edit, name="journey_edit"),
    path("journeys/<slug:slug>/duplicate/", editor.journey_duplicate, name="journey_duplicate"),
    path("journeys/<slug:slug>/history/", maps.journey_history, name="journey_history"),
    path("journeys/<slug:slug>/history/restore/", editor.revision_restore, name="revision_restore"),
    path("journeys/<slug:slug>/history/publish/", editor.revision_publish, name="revision_publish"),
    path("journeys/<slug:slug>/export.json", maps.journey_export, name="journey_export"),
    path("journeys/<slug:slug>/stages/new/", editor.stage_add, name="stage_add"),
    path("journeys/<slug:slug>/stages/<slug:stage>/", editor.stage_edit, name="stage_edit"),
    path("journeys/<slug:slug>/stages/<slug:stage>/move/", editor.stage_move, name="stage_move"),
    path(
        "journeys/<slug:slug>/stages/<slug:stage>/remove/", editor.stage_remove, name="stage_remove"
    ),
    path(
        "journeys/<slug:slug>/stages/<slug:stage>/touchpoints/",
        editor.stage_touchpoint_add,
        name="stage_touchpoint_add",
    ),
    path(
        "journeys/<slug:slug>/stages/<slug:stage>/touchpoints/<int:link>/move/",
        editor.stage_touchpoint_move,
        name="stage_touchpoint_move",
    ),
    path(
        "journeys/<slug:slug>/stages/<slug:stage>/touchpoints/<int:link>/remove/",
        editor.stage_touchpoint_remove,
        name="stage_touchpoint_remove",
    ),
    path(
        "journeys/<slug:slug>/opportunities/new/",
        editor.opportunity_edit,
        name="opportunity_create",
    ),
    path(
        "journeys/<slug:slug>/opportunities/<int:pk>/",
        editor.opportunity_edit,
        name="opportunity_edit",
    ),
    path(
        "journeys/<slug:slug>/opportunities/<int:pk>/delete/",
        editor.opportunity_delete,
        name="opportunity_delete",
    ),
]
