"""Celery tasks: thin wrappers around services (cxhub/celery.py schedules send_due_invitations)."""

from __future__ import annotations

from celery import shared_task
from django.db import OperationalError

from surveys.services import invitations_send_due
from surveys.services.followups import follow_up_for_response_id


@shared_task(
    name="surveys.tasks.send_due_invitations",
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=3,
)
def send_due_invitations() -> int:
    """Send pending invitations whose send_after has passed. Safe to run twice."""
    return invitations_send_due()


@shared_task(
    name="surveys.tasks.open_follow_up",
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=5,
)
def open_follow_up(response_id: int) -> int | None:
    """Open the closed-loop ticket of a response, queued when the response commits. Safe to run
    twice: a response has at most one follow-up. Returns the ticket's id, or None."""
    follow_up = follow_up_for_response_id(response_id=response_id)
    return follow_up.ticket_id if follow_up is not None else None
