"""Ingestion through the HTTP API: concurrent clients POST survey responses to a local gunicorn,
one response per request or lists of `batch` (the list form of POST …/responses/, all or none).

Loopback only, bounded by a count and a time limit. The bench's integration user holds
surveys.add_response, so it is an integration, not the public throttled caller. The server gets a
private var/ directory and the embedded broker: the tasks it queues (follow-ups) never reach the
user's own queue.
"""

from __future__ import annotations

import http.client
import json
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings

HOST = "127.0.0.1"


@dataclass
class IngestResult:
    sent: int = 0  # requests
    created: int = 0  # responses stored
    seconds: float = 0.0
    latencies_ms: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return self.created / self.seconds if self.seconds else 0.0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def _request(port: int, method: str, path: str, body: bytes | None, headers: dict):
    connection = http.client.HTTPConnection(HOST, port, timeout=30)
    try:
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def _gunicorn(port: int, workers: int | None, database_url: str, var_dir: str) -> subprocess.Popen:
    env = dict(
        os.environ,
        DATABASE_URL=database_url,
        CX_VAR_DIR=var_dir,
        CELERY_BROKER_URL="filesystem://",
        REDIS_URL="",
        DJANGO_DEBUG="0",
        DJANGO_ALLOWED_HOSTS=HOST,
    )
    # The project's gunicorn.conf.py (worker class, threads) applies; only the workers can be
    # overridden, so the figure measures the server as deployed.
    command = [
        sys.executable, "-m", "gunicorn", "cxhub.wsgi",
        "--config", str(Path(settings.BASE_DIR) / "gunicorn.conf.py"),
        "--bind", f"{HOST}:{port}",
        "--log-level", "warning",
    ]  # fmt: skip
    if workers:
        command += ["--workers", str(workers)]
    return subprocess.Popen(
        command,
        cwd=settings.BASE_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        # A file, not a pipe: a worker logging tracebacks never blocks on a full pipe.
        stderr=open(Path(var_dir) / "gunicorn.log", "w"),
    )


def _wait_ready(process: subprocess.Popen, port: int, log: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited early: {log.read_text()[-2000:]}")
        try:
            status, _ = _request(port, "GET", "/healthz/", None, {})
            if status < 500:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError("gunicorn did not answer /healthz/ within 60 s")


def _response(rng: random.Random, customers: int) -> dict:
    """One response object: a realistic mix of scores, CES on half of them."""
    score = rng.choice([10, 10, 9, 9, 9, 8, 8, 7, 6, 5, 3])
    answers = {"nps": score, "csat": max(1, min(5, (score + 1) // 2))}
    if rng.random() < 0.5:
        answers["ces"] = max(1, min(7, score * 6 // 10 + 1))
    return {
        "answers": answers,
        "customer": f"BC{rng.randrange(customers) + 1:07d}",
        "channel": "web",
    }


def _requests(
    rng: random.Random, surveys: list[str], customers: int, count: int, batch: int
) -> list[tuple[str, bytes, int]]:
    """(path, JSON body, responses in it) for `count` responses: single objects (batch 1) or
    lists of `batch`, each request to one random survey."""
    requests = []
    for start in range(0, count, batch):
        path = f"/api/v1/surveys/{rng.choice(surveys)}/responses/"
        if batch <= 1:
            requests.append((path, json.dumps(_response(rng, customers)).encode(), 1))
            continue
        size = min(batch, count - start)
        items = [_response(rng, customers) for _ in range(size)]
        requests.append((path, json.dumps(items).encode(), size))
    return requests


def _drive(port: int, headers: dict, work: list, clients: int, seconds: float) -> IngestResult:
    """`clients` threads send `work` until it runs out or `seconds` pass."""
    result = IngestResult()
    lock = threading.Lock()
    cursor = iter(range(len(work)))
    deadline = time.monotonic() + seconds

    def client() -> None:
        while time.monotonic() < deadline:
            with lock:
                index = next(cursor, None)
            if index is None:
                return
            path, body, size = work[index]
            started = time.perf_counter()
            try:
                status, payload = _request(port, "POST", path, body, headers)
            except OSError as error:
                with lock:
                    result.errors.append(str(error))
                continue
            elapsed = (time.perf_counter() - started) * 1000
            with lock:
                result.sent += 1
                result.statuses[status] = result.statuses.get(status, 0) + 1
                if status == 201:
                    result.created += size
                    result.latencies_ms.append(elapsed)
                elif len(result.errors) < 5:
                    result.errors.append(f"{status}: {payload[:300]!r}")

    threads = [threading.Thread(target=client) for _ in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    result.seconds = time.perf_counter() - started
    return result


def run(
    *,
    database_url: str,
    token: str,
    surveys: list[str],
    customers: int,
    plan: list[tuple[int, int]],
    seconds: float,
    clients: int,
    workers: int | None,
    seed: int = 11,
) -> dict[int, IngestResult]:
    """One gunicorn, then for each (batch size, responses) of `plan` that many responses sent by
    `clients` threads (or as many as fit in `seconds`); the result per batch size."""
    port = _free_port()
    var_dir = tempfile.mkdtemp(prefix="cxhub-bench-")
    process = _gunicorn(port, workers, database_url, var_dir)
    try:
        _wait_ready(process, port, Path(var_dir) / "gunicorn.log")
        headers = {"Authorization": f"Token {token}", "Content-Type": "application/json"}
        rng = random.Random(seed)
        # Warm every worker and thread (imports, connections) before any clock starts.
        warm = _requests(rng, surveys, customers, clients * 8, 1)
        _drive(port, headers, warm, clients, seconds)
        results = {}
        for batch, count in plan:
            work = _requests(rng, surveys, customers, count, batch)
            results[batch] = _drive(port, headers, work, clients, seconds)
        return results
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        shutil.rmtree(var_dir, ignore_errors=True)
