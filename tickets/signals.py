"""What tickets announces to the apps above it (surveys listens). Sent with transaction.on_commit,
so a listener never sees a ticket state that was rolled back.

Receivers get keyword arguments only:
- ticket_resolved: ticket_id: int, resolved_by_id: int | None, at: datetime
- ticket_reopened: ticket_id: int, at: datetime
- ticket_replied:  ticket_id: int, message_id: int, at: datetime  (a public reply by a human agent)
"""

from __future__ import annotations

from django.db import transaction
from django.dispatch import Signal

ticket_resolved = Signal()
ticket_reopened = Signal()
ticket_replied = Signal()


def send_on_commit(signal: Signal, **kwargs) -> None:
    transaction.on_commit(lambda: signal.send(sender="tickets", **kwargs))
