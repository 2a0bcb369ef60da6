"""A few worker threads running weighted tasks, heaviest ready task first; a finished task may
make others ready. The parallel rebuild's builders and index builds run on it, so a big table's
indexes start as soon as its builder is done instead of after every builder."""

from __future__ import annotations

import heapq
import itertools
import threading
from collections.abc import Callable, Iterable

# A task returns the tasks it made ready: (weight, task) pairs.
Task = Callable[[], Iterable[tuple[float, "Task"]] | None]


class Scheduler:
    def __init__(self, size: int, wrap: Callable[[Task], Iterable | None], on_exit=None):
        """`wrap(task)` runs a task in a worker (its connection and transaction) and returns
        what the task returned; `on_exit()` runs in each worker thread as it ends."""
        self.size = size
        self.wrap = wrap
        self.on_exit = on_exit
        self._ready: list = []
        self._order = itertools.count()
        self._running = 0
        self._error: BaseException | None = None
        self._cond = threading.Condition()

    def _push(self, weight: float, task: Task) -> None:
        heapq.heappush(self._ready, (-weight, next(self._order), task))

    def run(self, tasks: Iterable[tuple[float, Task]]) -> None:
        """Runs the tasks and everything they make ready; raises the first task's error after
        the tasks already started have finished (no new one starts after an error)."""
        for weight, task in tasks:
            self._push(weight, task)
        threads = [
            threading.Thread(target=self._work, name=f"rollup-{i}", daemon=True)
            for i in range(self.size)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        if self._error is not None:
            raise self._error

    def _work(self) -> None:
        try:
            while True:
                with self._cond:
                    while not self._ready and self._running and self._error is None:
                        self._cond.wait()
                    if self._error is not None or not self._ready:
                        self._cond.notify_all()
                        return
                    _weight, _order, task = heapq.heappop(self._ready)
                    self._running += 1
                follow_ups: list = []
                try:
                    # Listed here, so a task returning something else fails as that task.
                    follow_ups = list(self.wrap(task) or ())
                except BaseException as error:
                    with self._cond:
                        self._error = self._error or error
                finally:
                    with self._cond:
                        self._running -= 1
                        for weight, next_task in follow_ups:
                            self._push(weight, next_task)
                        self._cond.notify_all()
        finally:
            if self.on_exit:
                self.on_exit()
