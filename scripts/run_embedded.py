"""Runs the embedded product: gunicorn and one Celery worker with beat, until Ctrl-C.

A shell `trap 'kill 0'` signals every process of the group at once, so Celery's pool children die
under their parent and the worker hangs in its shutdown. Here each service gets its own process
group; Ctrl-C asks each main process to stop (SIGTERM: warm shutdown), waits, then kills stragglers.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
GRACE_SECONDS = 20


def start(command: list[str]) -> subprocess.Popen:
    return subprocess.Popen(command, cwd=ROOT, start_new_session=True)


def stop(processes: list[subprocess.Popen]) -> None:
    for process in processes:
        if process.poll() is None:
            process.terminate()
    deadline = time.monotonic() + GRACE_SECONDS
    for process in processes:
        remaining = max(0.1, deadline - time.monotonic())
        try:
            process.wait(timeout=remaining)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


def main() -> int:
    host = os.environ.get("HOST", "127.0.0.1")
    port = os.environ.get("PORT", "8000")
    processes = [
        start(
            [
                str(BIN / "celery"),
                "-A",
                "cxhub",
                "worker",
                "-B",
                "--loglevel=INFO",
                "--concurrency=2",
            ]
        ),
        start(
            [
                str(BIN / "gunicorn"),
                "cxhub.wsgi",
                "--config",
                "gunicorn.conf.py",
                "--bind",
                f"{host}:{port}",
                "--workers",
                "2",
                "--threads",
                "4",
            ]
        ),
    ]
    # Ctrl-C even when started from a script (which starts children with SIGINT ignored), and
    # SIGTERM from a process manager, both mean: stop everything cleanly.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        while all(process.poll() is None for process in processes):
            time.sleep(0.5)
        print("A service stopped on its own; stopping the others.", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\nStopping web, worker and beat ...", file=sys.stderr)
        return 0
    finally:
        stop(processes)


if __name__ == "__main__":
    sys.exit(main())
