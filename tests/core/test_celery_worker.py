from __future__ import annotations

import pytest

pytestmark = pytest.mark.worker


def test_a_real_worker_runs_a_task_and_returns_its_result(celery_worker):
    assert celery_worker.call("cxhub.ping", "hello from the test") == "hello from the test"
