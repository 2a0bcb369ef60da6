from __future__ import annotations

from celery import shared_task
from django.db import OperationalError

from tickets import services


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=3)
def sla_breach_sweep() -> int:
    """Flag open tickets whose SLA clock ran out since they last changed. Safe to run twice."""
    return services.sla_breach_sweep()
