"""Celery entry points for the KPI recompute (cxhub/celery.py schedules them). Thin: JSON
arguments, the work lives in metrics.services; acks-late and time limits come from settings."""

from __future__ import annotations

import logging
from datetime import date

from celery import shared_task
from django.core.cache import cache
from django.db import OperationalError

from metrics import alerts, services

logger = logging.getLogger(__name__)

# reject_on_worker_lost puts a task whose worker died back on the queue. A recompute that kills
# its worker every time (out of memory) would then come back for ever; past this many deliveries
# of one attempt it is dropped with an error, and the next scheduled run recomputes from the
# database watermarks instead (RELIABILITY E11).
MAX_DELIVERIES = 3


def _delivery_allowed(task) -> bool:
    request = task.request
    if not request.id:
        return True
    key = f"task-deliveries:{request.id}:{request.retries}"
    try:
        cache.add(key, 0, 24 * 3600)
        count = cache.incr(key)
    except Exception:  # no cache: run it; the recompute lock makes a repeat harmless
        logger.warning("no delivery count for task %s; running it", request.id)
        return True
    if count > MAX_DELIVERIES:
        logger.error(
            "task %s (%s) delivered %d times, each ending its worker: dropped",
            task.name,
            request.id,
            count,
        )
        return False
    return True


@shared_task(
    bind=True,
    name="metrics.tasks.recompute_kpis",
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=3,
)
def recompute_kpis(self, since_iso: str | None = None) -> dict:
    """Incremental recompute (days touched since the last run). Safe to run twice."""
    if not _delivery_allowed(self):
        return {"dropped": True}
    since = date.fromisoformat(since_iso) if since_iso else None
    result = services.recompute(since=since)
    alerts.alerts_evaluate()
    return {"full": result.full, "days": len(result.days), "seconds": round(result.seconds, 3)}


@shared_task(
    bind=True,
    name="metrics.tasks.recompute_kpis_full",
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=3,
)
def recompute_kpis_full(self) -> dict:
    """Nightly reconcile: rebuild every rollup from the raw rows."""
    if not _delivery_allowed(self):
        return {"dropped": True}
    result = services.recompute(full=True)
    alerts.alerts_evaluate()
    return {"full": True, "days": len(result.days), "seconds": round(result.seconds, 3)}
