"""RELIABILITY E4, E8, E9 (configuration side) and E11: the settings that make redelivery safe,
exactly one beat in the deploy files, and a cap on redelivering a task that kills its worker."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from tests.faults.conftest import (
    HeldRecomputeLock,
    last_full,
    needs_redis_and_postgres,
)

ROOT = Path(__file__).resolve().parents[2]


def test_celery_settings_make_redelivery_safe():
    assert settings.CELERY_TASK_ACKS_LATE is True
    assert settings.CELERY_TASK_REJECT_ON_WORKER_LOST is True
    assert settings.CELERY_WORKER_PREFETCH_MULTIPLIER == 1
    assert settings.CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS is True
    assert settings.CELERY_TASK_SOFT_TIME_LIMIT < settings.CELERY_TASK_TIME_LIMIT
    assert settings.CELERY_RESULT_EXPIRES, "results expire: Redis memory stays flat"


def test_the_visibility_timeout_outlives_the_longest_task_and_every_countdown(monkeypatch):
    import importlib

    import cxhub.settings as project_settings

    monkeypatch.setenv("CELERY_BROKER_URL", "redis://127.0.0.1:6379/0")
    reloaded = importlib.reload(project_settings)
    try:
        timeout = reloaded.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]
        assert timeout > reloaded.CELERY_TASK_TIME_LIMIT
        # The longest countdown any task uses: autoretry backoff tops out at 600 s (Celery's
        # default retry_backoff_max); the nightly reconcile has no countdown.
        assert timeout > 600
    finally:
        monkeypatch.undo()
        importlib.reload(project_settings)


def test_the_deploy_files_run_exactly_one_beat():
    compose = (ROOT / "docker-compose.yml").read_text()
    commands = re.findall(r"command:\s*\[(.*?)\]", compose)
    beats = [c for c in commands if '"beat"' in c or '"-B"' in c or "--beat" in c]
    assert len(beats) == 1, commands
    workers = [c for c in commands if '"worker"' in c]
    assert workers and not any('"-B"' in c or "--beat" in c for c in workers)


@needs_redis_and_postgres
@pytest.mark.worker
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_task_that_keeps_killing_its_worker_is_not_redelivered_forever(celery_on):
    """Simulated OOM: the child running the recompute dies every time. With
    reject_on_worker_lost the message returns to the queue each time; after a few deliveries it
    must be dropped (and logged), or one poisonous message occupies a worker for ever."""
    celery = celery_on(settings.CELERY_BROKER_URL)
    worker = celery.start_worker()
    before = last_full()
    kills = 0
    seen: set[int] = set()
    with HeldRecomputeLock():
        celery.send("metrics.tasks.recompute_kpis_full")
        for _ in range(6):
            deadline = time.monotonic() + 20
            fresh: set[int] = set()
            while time.monotonic() < deadline and not fresh:
                fresh = _waiting_backends() - seen
                time.sleep(0.1)
            if not fresh:
                break  # not delivered again: the cap worked
            worker.kill_child()
            kills += 1
            seen |= fresh
            # A backend blocked on a lock does not notice its client died: end it for the test.
            with connection.cursor() as cursor:
                for pid in fresh:
                    cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
    assert last_full() == before
    assert kills <= 4, f"delivered {kills} times and still coming back"


def _waiting_backends() -> set[int]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND NOT granted")
        return {row[0] for row in cursor.fetchall()}


class _Entry:
    def __init__(self, seconds: float) -> None:
        from celery.schedules import schedule

        self.name = "recompute-kpis"
        self.schedule = schedule(seconds)


def _scheduler(broker: str):
    """A SingleTickScheduler's claim logic without its schedule file."""
    from types import SimpleNamespace

    from cxhub.celery import SingleTickScheduler

    scheduler = SingleTickScheduler.__new__(SingleTickScheduler)
    scheduler.app = SimpleNamespace(
        conf=SimpleNamespace(broker_url=broker, task_default_queue="claim-test")
    )
    return scheduler


def test_beat_claims_collapse_duplicate_ticks_and_expire_within_the_interval(private_redis):
    first, second = _scheduler(private_redis.url), _scheduler(private_redis.url)
    entry = _Entry(0.5)
    assert first._claim(entry) is True
    assert second._claim(entry) is False  # the other beat's tick in the same interval
    time.sleep(0.5)
    assert second._claim(entry) is True  # the claim lasted 90% of the interval


def test_beat_claims_fail_open_without_redis():
    started = time.monotonic()
    assert _scheduler("redis://127.0.0.1:1/0")._claim(_Entry(60)) is True
    assert time.monotonic() - started < 5
    assert _scheduler("filesystem://")._claim(_Entry(60)) is True
