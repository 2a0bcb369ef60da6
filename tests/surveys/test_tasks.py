"""The scheduled e-mail task, run by a real Celery worker (needs the Redis broker)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from surveys.models import Invitation
from tests import factories
from tests.surveys.factories import make_invitation, make_survey


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_worker_sends_due_invitations_once(celery_worker):
    survey = make_survey()
    due = make_invitation(survey=survey)
    later = make_invitation(
        survey=survey,
        customer=factories.make_customer(email="later@example.com"),
        send_after=timezone.now() + timedelta(days=40),
    )
    assert celery_worker.call("surveys.tasks.send_due_invitations") == 1
    assert celery_worker.call("surveys.tasks.send_due_invitations") == 0
    due.refresh_from_db()
    later.refresh_from_db()
    assert due.status == Invitation.Status.SENT and due.sent_at is not None
    assert later.status == Invitation.Status.PENDING
