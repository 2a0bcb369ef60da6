"""Celery tasks: thin wrappers around services (cxhub/celery.py schedules send_due_invitations)."""

from __future__ import annotations

from celery import shared_task
from django.db import OperationalError

from surveys.services import invitations_send_due


@shared_task(
    name="surveys.tasks.send_due_invitations",
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=3,
)
def send_due_invitations() -> int:
    """Send pending invitations whose send_after has passed. Safe to run twice."""
    return invitations_send_due()
