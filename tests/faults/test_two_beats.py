"""RELIABILITY E8 with real processes: two `celery beat` side by side (plus a worker with two pool
children, so duplicate ticks could run at once) on a private Redis, a recompute every 2 s, and
responses arriving all the while. Duplicate ticks collapse (cxhub.celery.SingleTickScheduler),
recompute runs never overlap, an operator's `manage.py recompute_kpis` meanwhile waits its turn
(E2), and the KPI tables end equal to a clean run with every response counted once. Then the beat
that sends is killed: the other takes over within an interval, and a restarted one does not
double the ticks."""

from __future__ import annotations

import itertools
import os
import re
import signal
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

import pytest

from metrics.models import ResponseDaily
from metrics.services import recompute
from surveys.models import Response
from tests import factories
from tests.conftest import _database_url_for_subprocess
from tests.faults.conftest import (
    ROOT,
    generate_data,
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

EVERY = 2  # seconds; CX_RECOMPUTE_EVERY is an integer
STAMP = r"\[(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}): \w+/[\w-]+\]"
SENT = re.compile(STAMP + r" Scheduler: Sending due task recompute-kpis ")
SKIPPED = "recompute-kpis was sent by another beat this interval; skipped"
DONE = re.compile(STAMP + r" Task metrics\.tasks\.recompute_kpis\[[\w-]+\] succeeded in ([\d.]+)s")


def _when(stamp: str) -> float:
    return datetime.strptime(stamp, "%Y-%m-%d %H:%M:%S,%f").timestamp()  # noqa: DTZ007


class Beat:
    def __init__(self, broker: str, queue: str, tmp_path: Path, name: str) -> None:
        self.log = tmp_path / f"{name}.log"
        env = dict(
            os.environ,
            DATABASE_URL=_database_url_for_subprocess(),
            CELERY_BROKER_URL=broker,
            REDIS_URL=broker,
            CELERY_RESULT_BACKEND="",
            CX_CELERY_DEFAULT_QUEUE=queue,
            CX_RECOMPUTE_EVERY=str(EVERY),
        )
        self.process = subprocess.Popen(
            [
                sys.executable, "-m", "celery", "-A", "cxhub", "beat", "--loglevel=INFO",
                "--schedule", str(tmp_path / f"{name}-schedule"),
            ],
            cwd=ROOT,
            env=env,
            stdout=self.log.open("w"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip

    def output(self) -> str:
        return self.log.read_text(errors="ignore") if self.log.exists() else ""

    def sends(self) -> list[float]:
        return [_when(m.group(1)) for m in SENT.finditer(self.output())]

    def kill(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)


@pytest.fixture
def beats(celery_on, private_redis, tmp_path):
    celery = celery_on(private_redis.url)
    worker = celery.start_worker(concurrency=2)
    started: list[Beat] = []

    def start(name: str) -> Beat:
        beat = Beat(private_redis.url, celery.queue, tmp_path, name)
        started.append(beat)
        return beat

    yield worker, start
    for beat in started:
        beat.kill()


def _feed(seconds: float, add) -> None:
    """Responses arrive while the beats run, so each recompute has new rows to count."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        add()
        time.sleep(0.25)


def _runs(worker) -> list[tuple[float, float]]:
    return sorted(
        (_when(m.group(1)) - float(m.group(2)), _when(m.group(1)))
        for m in DONE.finditer(worker.output())
    )


def _gaps(times: list[float]) -> list[float]:
    ordered = sorted(times)
    return [b - a for a, b in itertools.pairwise(ordered)]


def test_two_beats_at_once_send_each_tick_once_and_count_every_response_once(beats):
    generate_data(3_000)
    recompute(full=True)
    survey = make_survey()
    client = factories.api_client(factories.make_admin())
    counter = iter(range(10**6))

    def add() -> None:
        reply = client.post(
            f"/api/v1/surveys/{survey.slug}/responses/",
            {"answers": {"nps": next(counter) % 11}},
            format="json",
        )
        assert reply.status_code == 201, reply.content

    worker, start = beats
    first, second = start("beat-a"), start("beat-b")
    wait_for(lambda: first.sends() or second.sends(), 60, "a first tick", [worker])
    # E2's other pairing: an operator's `manage.py recompute_kpis` while the beats' runs go on.
    command = subprocess.Popen(
        [sys.executable, "manage.py", "recompute_kpis"],
        cwd=ROOT,
        env=dict(os.environ, DATABASE_URL=_database_url_for_subprocess()),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    _feed(16, add)
    output, _ = command.communicate(timeout=60)
    assert command.returncode == 0, output
    sends = first.sends() + second.sends()
    # Each beat alone would tick about 8 times in 16 s; together, without the claim, about 16.
    assert SKIPPED in first.output() + second.output(), (first.output(), second.output())
    assert min(_gaps(sends)) >= EVERY * 0.9 - 0.05, sorted(sends)

    # The beat that sends dies (SIGKILL: no clean shutdown); the other one takes over.
    sender, other = (first, second) if first.sends() else (second, first)
    sender.kill()
    killed_at = time.time()
    wait_for(
        lambda: any(t > killed_at for t in other.sends()), EVERY * 3, "the other beat", [worker]
    )
    # And a beat started again next to it does not double the ticks either.
    again = start("beat-a-again")
    _feed(8, add)
    late = [t for t in other.sends() + again.sends() if t > killed_at]
    assert min(_gaps(late)) >= EVERY * 0.9 - 0.05, sorted(late)
    for beat in (other, again):
        beat.kill()

    # Drain: the queued ticks run, then a last incremental run sees every response.
    wait_for(lambda: len(_runs(worker)) >= len(sends), 60, "the queued recomputes", [worker])
    time.sleep(EVERY)
    recompute()
    runs = _runs(worker)
    for (_start, end), (next_start, _end) in itertools.pairwise(runs):
        assert next_start >= end - 0.01, f"recompute runs overlap: {runs}"
    assert "Traceback" not in worker.output()

    after = rollup_snapshot()
    counted = sum(ResponseDaily.objects.values_list("responses", flat=True))
    assert counted == Response.objects.count()
    recompute(full=True)
    assert after == rollup_snapshot()
