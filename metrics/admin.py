from django.contrib import admin

from metrics import models


@admin.register(models.KpiTarget)
class KpiTargetAdmin(admin.ModelAdmin):
    list_display = ["kpi_key", "touchpoint", "target", "alert_threshold", "consecutive_periods"]
