from django.urls import path
from rest_framework.routers import DefaultRouter

from metrics import api

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("kpi-alerts", api.KpiAlertViewSet, basename="kpi-alert")

urlpatterns = [
    path("kpis/", api.KpiListApi.as_view(), name="kpi-list"),
    path("kpis/<str:key>/series/", api.KpiSeriesApi.as_view(), name="kpi-series"),
    path("kpis/<str:key>/summary/", api.KpiSummaryApi.as_view(), name="kpi-summary"),
    *router.urls,
]
