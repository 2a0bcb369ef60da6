"""Two recomputes at once never double count: the second waits for the first's lock."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection, connections, transaction

from metrics import services
from metrics.models import ResponseDaily
from tests import factories
from tests.metrics import factories as mf


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_recompute_waits_for_the_one_holding_the_lock_and_counts_once():
    if connection.vendor != "postgresql":
        pytest.skip("the advisory lock is PostgreSQL's; SQLite serialises writers by itself")
    survey = mf.make_survey(factories.make_touchpoint(slug="checkout"))
    for score in (9, 10, 3):
        mf.make_response(survey, mf.at("2026-01-05"), nps=score)
    services.recompute(full=True)
    finished: list[float] = []

    def second_run() -> None:
        try:
            services.recompute(full=True)
            finished.append(time.monotonic())
        finally:
            connections.close_all()

    with transaction.atomic():
        services._lock()  # a first recompute in progress holds the lock
        worker = threading.Thread(target=second_run)
        worker.start()
        time.sleep(0.5)
        assert finished == []  # still waiting
        released = time.monotonic()
    worker.join(timeout=30)
    assert finished and finished[0] >= released
    row = ResponseDaily.objects.get()
    assert (row.responses, row.nps_9, row.nps_10, row.nps_3) == (3, 1, 1, 1)
