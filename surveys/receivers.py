"""Listeners for what tickets announces (connected in SurveysConfig.ready)."""

from __future__ import annotations

import logging

from django.utils import timezone

from surveys.services import invitation_for_resolved_ticket, invitations_cancel_for_ticket

logger = logging.getLogger(__name__)


def on_ticket_resolved(sender, *, ticket_id: int, resolved_by_id=None, at=None, **kwargs) -> None:
    invitation_for_resolved_ticket(ticket_id=ticket_id, at=at or timezone.now())


def on_ticket_reopened(sender, *, ticket_id: int, at=None, **kwargs) -> None:
    invitations_cancel_for_ticket(ticket_id=ticket_id)
