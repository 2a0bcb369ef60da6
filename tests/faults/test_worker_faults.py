"""RELIABILITY E1–E3, E5–E7, E10, E12 with real Celery workers on a real Redis: kill the worker
mid-recompute, deliver a message twice, run two recomputes at once, restart or flush Redis, cut
the worker's database connection, hit the soft time limit. The KPI rollup tables must always end
equal to a clean run, with nothing lost and nothing counted twice."""

from __future__ import annotations

import time

import pytest
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

from metrics.models import FillState, ResponseDaily, TicketDaily
from metrics.services import recompute
from surveys.models import Response
from tests.faults.conftest import (
    HeldRecomputeLock,
    generate_data,
    last_computed,
    last_full,
    lock_waiters,
    needs_redis_and_postgres,
    rollup_snapshot,
    wait_for,
)
from tests.surveys.factories import make_survey

pytestmark = [
    needs_redis_and_postgres,
    pytest.mark.worker,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

FULL = "metrics.tasks.recompute_kpis_full"
INCREMENTAL = "metrics.tasks.recompute_kpis"


def _clean_run() -> tuple[dict, float]:
    started = time.monotonic()
    recompute(full=True)
    return rollup_snapshot(), time.monotonic() - started


def _spoil_rollups() -> None:
    """Wrong numbers in the tables, so only a completed rebuild can make them right again."""
    ResponseDaily.objects.all().delete()
    TicketDaily.objects.update(created=999)


def _wait_running(workers) -> None:
    wait_for(lambda: lock_waiters() >= 1, 60, "the recompute to start", workers)


def test_sigkill_of_the_worker_child_mid_recompute_redelivers_and_ends_equal_to_a_clean_run(
    celery_on,
):
    generate_data(30_000)
    clean, seconds = _clean_run()
    _spoil_rollups()
    celery = celery_on(_broker())
    worker = celery.start_worker()
    before = last_full()
    with HeldRecomputeLock() as lock:
        celery.send(FULL)
        _wait_running([worker])
        lock.release()
    time.sleep(max(0.2, seconds / 3))  # halfway through its writes
    assert last_full() == before, "the recompute finished before it could be killed"
    killed = worker.kill_child()
    wait_for(lambda: last_full() != before, 180, "the redelivered recompute", [worker])
    assert rollup_snapshot() == clean
    log = worker.output()
    assert f"{killed}" in log or "WorkerLostError" in log or "signal 9" in log


def test_whole_worker_killed_mid_recompute_the_next_worker_gets_it_after_the_visibility_timeout(
    celery_on,
):
    """Nothing acks or rejects the message: Redis hands it out again after visibility_timeout
    (10 s here; production keeps it above the longest task, see tests/core/test_settings.py)."""
    generate_data(10_000)
    clean, _seconds = _clean_run()
    _spoil_rollups()
    celery = celery_on(_broker())
    first = celery.start_worker(CX_VISIBILITY_TIMEOUT="10")
    before = last_full()
    with HeldRecomputeLock():
        celery.send(FULL)
        _wait_running([first])
        first.kill_all()
    assert last_full() == before
    second = celery.start_worker(CX_VISIBILITY_TIMEOUT="10")
    wait_for(lambda: last_full() != before, 120, "the restored message to run", [second])
    assert rollup_snapshot() == clean


def test_the_same_incremental_message_delivered_twice_gives_the_same_tables(celery_on):
    generate_data(5_000)
    recompute(full=True)
    _add_responses(25)
    expected_rows = Response.objects.count()
    celery = celery_on(_broker())
    worker = celery.start_worker()
    before = last_computed()
    task_id = "duplicate-delivery-1"
    celery.send(INCREMENTAL, task_id=task_id)
    celery.send(INCREMENTAL, task_id=task_id)
    wait_for(lambda: last_computed() != before, 60, "the first delivery", [worker])
    time.sleep(3)  # the second delivery
    wait_for(lambda: _idle(worker), 60, "both deliveries", [worker])
    after_both = rollup_snapshot()
    state = FillState.objects.get(source="response")
    assert state.row_count == expected_rows
    _, _seconds = _clean_run()
    assert after_both == rollup_snapshot()
    assert sum(ResponseDaily.objects.values_list("responses", flat=True)) == expected_rows


def test_two_full_recomputes_at_once_wait_for_each_other_and_end_equal(celery_on):
    generate_data(10_000)
    clean, _seconds = _clean_run()
    _spoil_rollups()
    celery = celery_on(_broker())
    workers = [celery.start_worker(), celery.start_worker()]
    with HeldRecomputeLock():
        started = timezone.now()
        celery.send(FULL)
        celery.send(FULL)
        wait_for(lambda: lock_waiters() >= 2, 60, "two recomputes waiting on the lock", workers)
    wait_for(lambda: all(_idle(w) for w in workers) and last_full() > started, 120, "both", workers)
    assert rollup_snapshot() == clean
    for worker in workers:
        assert "deadlock" not in worker.output().lower()
        assert "succeeded" in worker.output()


def test_a_restarted_redis_idle_and_mid_task_the_worker_reconnects_and_nothing_is_lost(
    celery_on, private_redis
):
    generate_data(5_000)
    clean, _seconds = _clean_run()
    celery = celery_on(private_redis.url)
    worker = celery.start_worker(CX_VISIBILITY_TIMEOUT="10")
    # Idle restart: the next task is taken within 30 s.
    private_redis.restart()
    before = last_computed()
    celery.send(INCREMENTAL)
    wait_for(lambda: last_computed() != before, 30, "a task after an idle restart", [worker])
    # Mid-task restart: the running recompute is cancelled or finishes; either way a full
    # recompute completes and the tables are right.
    _spoil_rollups()
    before = last_full()
    with HeldRecomputeLock():
        celery.send(FULL)
        _wait_running([worker])
        private_redis.restart()
    wait_for(lambda: last_full() != before, 120, "the recompute after a restart", [worker])
    assert rollup_snapshot() == clean
    before = last_computed()
    celery.send(INCREMENTAL)
    wait_for(lambda: last_computed() != before, 30, "a task after a mid-task restart", [worker])


def test_redis_down_while_a_response_is_submitted_it_is_stored_and_counted_at_the_next_run(
    celery_on, private_redis, settings
):
    survey = make_survey()
    recompute(full=True)
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": private_redis.url,
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
    private_redis.stop()
    reply = APIClient().post(
        f"/api/v1/surveys/{survey.slug}/responses/", {"answers": {"nps": 10}}, format="json"
    )
    assert reply.status_code == 201
    assert Response.objects.filter(survey=survey).count() == 1
    private_redis.start()
    celery = celery_on(private_redis.url)
    worker = celery.start_worker()
    before = last_computed()
    celery.send(INCREMENTAL)  # what the next scheduled run sends
    wait_for(lambda: last_computed() != before, 60, "the next scheduled recompute", [worker])
    assert sum(ResponseDaily.objects.values_list("nps_10", flat=True)) == 1
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}


def test_flushall_loses_queued_messages_and_the_next_scheduled_run_repairs_the_kpis(
    celery_on, private_redis
):
    generate_data(5_000)
    recompute(full=True)
    _add_responses(10)
    celery = celery_on(private_redis.url)
    celery.send(INCREMENTAL)  # queued, no worker yet
    assert private_redis.cli("flushall") == "OK"
    worker = celery.start_worker()
    before = last_computed()
    celery.send(INCREMENTAL)  # the next beat tick
    wait_for(lambda: last_computed() != before, 60, "the next scheduled recompute", [worker])
    counted = sum(ResponseDaily.objects.values_list("responses", flat=True))
    assert counted == Response.objects.count()
    assert private_redis.cli("config", "get", "maxmemory-policy").split()[-1] == "noeviction"


def test_a_terminated_database_connection_does_not_break_the_next_task(celery_on):
    """A PostgreSQL restart, without restarting the shared server: the worker's backend is
    terminated while its task waits inside a transaction (pg_terminate_backend)."""
    survey = make_survey()
    celery = celery_on(_broker())
    worker = celery.start_worker()
    before = last_computed()
    with HeldRecomputeLock():
        celery.send(INCREMENTAL)
        _wait_running([worker])
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_locks "
                "WHERE locktype = 'advisory' AND NOT granted"
            )
            assert cursor.fetchone()[0] == 1
    APIClient().post(
        f"/api/v1/surveys/{survey.slug}/responses/", {"answers": {"nps": 9}}, format="json"
    )
    # The cut task is retried (autoretry on OperationalError) or the next one runs: either way
    # the worker is not stuck on a dead connection.
    celery.send(INCREMENTAL)
    wait_for(lambda: last_computed() != before, 60, "a task after the cut", [worker])
    wait_for(lambda: _idle(worker), 60, "the worker to settle", [worker])
    before = last_computed()
    celery.send(INCREMENTAL)
    wait_for(lambda: last_computed() != before, 60, "the next task", [worker])
    assert sum(ResponseDaily.objects.values_list("nps_9", flat=True)) == 1
    assert "terminating connection" in worker.output() or "OperationalError" in worker.output()


def test_the_soft_time_limit_rolls_back_a_half_done_recompute(celery_on):
    generate_data(30_000)
    clean, seconds = _clean_run()
    _spoil_rollups()
    spoiled = rollup_snapshot()
    celery = celery_on(_broker())
    worker = celery.start_worker(
        CX_TASK_SOFT_TIME_LIMIT=str(max(1, int(seconds / 3))), CX_TASK_TIME_LIMIT="120"
    )
    before = last_full()
    celery.send(FULL)
    wait_for(lambda: "SoftTimeLimitExceeded" in worker.output(), 120, "the soft limit", [worker])
    wait_for(lambda: _idle(worker), 60, "the task to end", [worker])
    assert last_full() == before
    assert rollup_snapshot() == spoiled, "a half-written recompute became visible"
    assert clean != spoiled


# --- helpers ------------------------------------------------------------------------------------


def _broker() -> str:
    from django.conf import settings

    return settings.CELERY_BROKER_URL


def _idle(worker) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid() AND state NOT IN ('idle')"
        )
        return cursor.fetchone()[0] == 0


def _add_responses(count: int) -> None:
    from tests import factories

    survey = make_survey()
    client = factories.api_client(factories.make_admin())
    for index in range(count):
        client.post(
            f"/api/v1/surveys/{survey.slug}/responses/",
            {"answers": {"nps": index % 11}},
            format="json",
        )
