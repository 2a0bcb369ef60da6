from django.urls import path

from surveys.views import manage, public

app_name = "surveys"
urlpatterns = [
    path("s/i/<str:token>/", public.invitation_open, name="invitation_open"),
    path("s/<slug:slug>/", public.survey_public, name="public"),
    path("s/<slug:slug>/thanks/", public.survey_thanks, name="thanks"),
    path("surveys/", manage.survey_list, name="survey_list"),
    path("surveys/new/", manage.survey_create, name="survey_create"),
    path("surveys/responses/", manage.response_list, name="response_list"),
    path("surveys/responses/<int:pk>/", manage.response_detail, name="response_detail"),
    path("surveys/<slug:slug>/", manage.survey_detail, name="survey_detail"),
    path("surveys/<slug:slug>/edit/", manage.survey_edit, name="survey_edit"),
    path("surveys/<slug:slug>/preview/", manage.survey_preview, name="survey_preview"),
    path("surveys/<slug:slug>/active/", manage.survey_toggle, name="survey_toggle"),
    path("surveys/<slug:slug>/invite/", manage.survey_invite, name="survey_invite"),
]
