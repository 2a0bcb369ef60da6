"""KPI tables owned by metrics: targets and alerts (rollups are added by the metrics engine)."""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from journeys.models import Touchpoint


class KpiTarget(models.Model):
    """A target and an alert threshold for one KPI, optionally for one touchpoint."""

    kpi_key = models.CharField(max_length=40)
    touchpoint = models.ForeignKey(
        Touchpoint, null=True, blank=True, on_delete=models.CASCADE, related_name="kpi_targets"
    )
    target = models.FloatField()
    alert_threshold = models.FloatField(null=True, blank=True)
    consecutive_periods = models.PositiveSmallIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        permissions = [
            ("view_dashboards", "Can view CX dashboards"),
            ("view_kpis", "Can read KPIs through the API"),
            ("export_data", "Can export dashboard data as CSV"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["kpi_key", "touchpoint"], name="one_target_per_kpi_touchpoint"
            ),
            models.UniqueConstraint(
                fields=["kpi_key"],
                condition=models.Q(touchpoint__isnull=True),
                name="one_org_target_per_kpi",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kpi_key} target {self.target}"
