"""KPI tables owned by metrics: targets and alerts here, the rollup tables in models.rollups
(re-exported, so `metrics.models.ResponseDaily` and friends keep working)."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from journeys.models import Touchpoint
from metrics.models.coarse import (  # noqa: F401 - the app's models live in one namespace
    InvitationDayTouchpoint,
    ResolutionDayTouchpoint,
    ResponseDayTouchpoint,
    TicketDayTouchpoint,
)
from metrics.models.rollups import (  # noqa: F401 - the app's models live in one namespace
    CES_POINTS,
    CSAT5_POINTS,
    CSAT7_POINTS,
    NPS_POINTS,
    AnswerDaily,
    BacklogFlow,
    CustomerFlow,
    EventDaily,
    FillState,
    FollowUpDaily,
    InvitationDaily,
    ResolutionDaily,
    ResponseDaily,
    Rollup,
    ScoreQuestion,
    SourceDayCount,
    StageDay,
    TicketDaily,
    TicketDims,
    TimeHistogram,
)


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


class KpiAlert(models.Model):
    """A target breach or a significant drop, created once and resolved when the KPI recovers."""

    class Kind(models.TextChoices):
        BREACH = "breach", _("Target breached")
        DROP = "drop", _("Significant drop")

    target = models.ForeignKey(KpiTarget, on_delete=models.CASCADE, related_name="alerts")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    period_start = models.DateField()
    period_end = models.DateField()
    value = models.FloatField(null=True, blank=True)
    previous_value = models.FloatField(null=True, blank=True)
    message = models.CharField(max_length=300)
    # What the message says as data, so each reader gets it in their own language
    # (metrics.alerts.alert_text); `message` keeps the text as written when the alert opened,
    # for e-mail, the API and alerts from before these fields.
    message_key = models.CharField(max_length=20, blank=True, default="")
    message_params = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)
    notified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["target", "kind"],
                condition=models.Q(resolved_at__isnull=True),
                name="one_open_alert_per_target_kind",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.target}"

    @property
    def text(self) -> str:
        """The message in the active language."""
        from metrics.alerts import alert_text

        return alert_text(self)
