"""Demo part of metrics (seed_demo runs it last): a few KPI targets, then a full recompute so the
dashboards open on numbers, and an alert check so the story's CSAT dip shows as an alert."""

from __future__ import annotations

from journeys.models import Touchpoint
from metrics import alerts, services

DEMO_TARGETS = [
    # kpi, touchpoint slug or None, target, alert threshold, consecutive weeks
    ("nps", None, 30.0, 20.0, 2),
    ("csat", None, 80.0, 75.0, 2),
    ("csat", "checkout", 80.0, 70.0, 2),
    ("frt", None, 8.0, 12.0, 2),
    ("sla_breach_rate", None, 10.0, 15.0, 2),
]


def seed(ctx) -> None:
    for key, touchpoint_slug, target, threshold, weeks in DEMO_TARGETS:
        touchpoint = None
        if touchpoint_slug:
            touchpoint = Touchpoint.objects.filter(slug=touchpoint_slug).first()
            if touchpoint is None:
                continue
        services.kpi_target_set(
            kpi_key=key,
            target=target,
            touchpoint=touchpoint,
            alert_threshold=threshold,
            consecutive_periods=weeks,
        )
    for _ in ctx.progress([None], desc="KPI rollups", total=1):
        result = services.recompute(full=True)
        alerts.alerts_evaluate(today=ctx.end)
    ctx.extra["metrics_recompute_seconds"] = result.seconds
