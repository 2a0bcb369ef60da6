"""Celery entry points for the KPI recompute (cxhub/celery.py schedules them). Thin: JSON
arguments, the work lives in metrics.services; acks-late and time limits come from settings."""

from __future__ import annotations

from datetime import date

from celery import shared_task
from django.db import OperationalError

from metrics import alerts, services


@shared_task(
    name="metrics.tasks.recompute_kpis",
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=3,
)
def recompute_kpis(since_iso: str | None = None) -> dict:
    """Incremental recompute (days touched since the last run). Safe to run twice."""
    since = date.fromisoformat(since_iso) if since_iso else None
    result = services.recompute(since=since)
    alerts.alerts_evaluate()
    return {"full": result.full, "days": len(result.days), "seconds": round(result.seconds, 3)}


@shared_task(
    name="metrics.tasks.recompute_kpis_full",
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=3,
)
def recompute_kpis_full() -> dict:
    """Nightly reconcile: rebuild every rollup from the raw rows."""
    result = services.recompute(full=True)
    alerts.alerts_evaluate()
    return {"full": True, "days": len(result.days), "seconds": round(result.seconds, 3)}
