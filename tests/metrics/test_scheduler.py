"""The rebuild's task scheduler: heaviest ready task first, follow-ups run, errors stop it."""

from __future__ import annotations

import threading

import pytest

from metrics.rollups.scheduler import Scheduler


def _direct(task):
    return task()


def test_one_worker_runs_the_heaviest_ready_task_first_and_then_what_it_made_ready():
    ran: list[str] = []

    def task(name, follow_ups=()):
        def run():
            ran.append(name)
            return follow_ups

        return run

    Scheduler(1, _direct).run(
        [
            (1.0, task("light")),
            (5.0, task("heavy", [(0.5, task("after heavy")), (9.0, task("urgent"))])),
            (2.0, task("middle")),
        ]
    )
    assert ran == ["heavy", "urgent", "middle", "light", "after heavy"]


def test_workers_run_side_by_side():
    both = threading.Barrier(2, timeout=5)

    def meet() -> None:
        both.wait()  # breaks (and raises) if the two never run at once

    Scheduler(2, _direct).run([(1.0, meet), (1.0, meet)])


def test_a_task_returning_something_else_than_tasks_fails_the_run():
    with pytest.raises(TypeError):
        Scheduler(2, _direct).run([(1.0, lambda: 7), (0.5, lambda: None)])


def test_an_error_stops_new_tasks_and_is_raised_after_the_running_ones_finish():
    ran: list[str] = []

    def boom():
        raise RuntimeError("builder failed")

    def later():
        ran.append("later")

    exits: list[str] = []
    scheduler = Scheduler(1, _direct, on_exit=lambda: exits.append("closed"))
    with pytest.raises(RuntimeError, match="builder failed"):
        scheduler.run([(2.0, boom), (1.0, later)])
    assert ran == []
    assert exits == ["closed"]
