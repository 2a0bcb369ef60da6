"""Real processes for the fault tests: a private redis-server on a free loopback port (so stopping,
restarting or flushing it never touches the Redis other tests share) and Celery workers with a
prefork pool of one child, so the child running a task can be SIGKILLed."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from metrics.models import FillState
from metrics.rollups import build
from tests.conftest import _database_url_for_subprocess

ROOT = Path(__file__).resolve().parents[2]

needs_redis_and_postgres = pytest.mark.skipif(
    not (settings.IS_POSTGRES and settings.CELERY_BROKER_URL.startswith("redis")),
    reason="fault tests need PostgreSQL and CELERY_BROKER_URL=redis://... (real worker, locks)",
)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class PrivateRedis:
    """A redis-server of our own. `persist=True` keeps data across restarts (append-only file),
    as the production compose file does."""

    def __init__(self, directory: Path, persist: bool = True) -> None:
        self.port = _free_port()
        self.directory = directory
        self.persist = persist
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        args = [
            "redis-server",
            "--port", str(self.port),
            "--bind", "127.0.0.1",
            "--dir", str(self.directory),
            "--save", "",
            "--appendonly", "yes" if self.persist else "no",
            "--appendfsync", "always",
            "--maxmemory-policy", "noeviction",
        ]  # fmt: skip
        self.process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.cli("ping") == "PONG":
                return
            time.sleep(0.05)
        raise RuntimeError("private redis-server did not start")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()  # SIGTERM: a clean shutdown that writes the AOF
            self.process.wait(timeout=10)
        self.process = None

    def restart(self) -> None:
        self.stop()
        self.start()

    def cli(self, *args: str) -> str:
        result = subprocess.run(
            ["redis-cli", "-p", str(self.port), *args], capture_output=True, text=True, timeout=5
        )
        return result.stdout.strip()


@pytest.fixture
def private_redis(tmp_path):
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed")
    redis = PrivateRedis(tmp_path)
    redis.start()
    yield redis
    redis.stop()


class Worker:
    def __init__(self, process: subprocess.Popen, name: str, log: Path) -> None:
        self.process = process
        self.name = name
        self.log = log

    def children(self) -> list[int]:
        path = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        try:
            return [int(pid) for pid in path.read_text().split()]
        except FileNotFoundError:
            return []

    def kill_child(self) -> int:
        children = self.children()
        assert children, "the worker has no pool child"
        os.kill(children[0], signal.SIGKILL)
        return children[0]

    def kill_all(self) -> None:
        """SIGKILL the main process and its child at once: nothing gets to ack or reject."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)

    def output(self) -> str:
        return self.log.read_text(errors="ignore") if self.log.exists() else ""


class Celery:
    """Starts workers and sends tasks, all on one broker and one private queue."""

    def __init__(self, broker: str, tmp_path: Path) -> None:
        from celery import Celery as CeleryApp

        self.broker = broker
        self.queue = f"faults-{uuid.uuid4().hex[:10]}"
        self.tmp_path = tmp_path
        self.workers: list[Worker] = []
        self.app = CeleryApp("cxhub-faults", broker=broker)
        self.app.conf.update(
            task_serializer="json",
            accept_content=["json"],
            broker_connection_retry_on_startup=True,
            broker_connection_max_retries=3,
            broker_transport_options={"visibility_timeout": 3600},
        )

    def start_worker(self, concurrency: int = 1, **env_extra: str) -> Worker:
        name = f"{self.queue}-{len(self.workers)}"
        log = self.tmp_path / f"{name}.log"
        env = dict(
            os.environ,
            DATABASE_URL=_database_url_for_subprocess(),
            CELERY_BROKER_URL=self.broker,
            REDIS_URL=self.broker,
            CELERY_RESULT_BACKEND="",
            CX_CELERY_DEFAULT_QUEUE=self.queue,
            **env_extra,
        )
        process = subprocess.Popen(
            [
                sys.executable, "-m", "celery", "-A", "cxhub", "worker",
                "--pool=prefork", "-c", str(concurrency), "-Q", self.queue,
                "--loglevel=INFO", "--without-gossip", "--without-mingle", "--without-heartbeat",
                "-n", f"{name}@%h",
            ],
            cwd=ROOT,
            env=env,
            stdout=log.open("w"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
        worker = Worker(process, name, log)
        self.workers.append(worker)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if process.poll() is not None:
                pytest.fail(f"worker exited early:\n{worker.output()}")
            if "ready." in worker.output() and len(worker.children()) >= concurrency:
                return worker
            time.sleep(0.1)
        pytest.fail(f"worker not ready within 60 s:\n{worker.output()}")

    def send(self, task: str, *args, task_id: str | None = None) -> str:
        # An explicit connection: Celery prefers the CELERY_BROKER_URL environment variable (the
        # shared Redis) over the app's own broker setting.
        with self.app.connection_for_write(url=self.broker) as conn:
            result = self.app.send_task(
                task, args=args, queue=self.queue, task_id=task_id, connection=conn
            )
        return result.id

    def stop_all(self) -> None:
        for worker in self.workers:
            worker.stop()
        self.app.close()
        # The private queue's keys would otherwise stay behind in the broker's database.
        import redis

        try:
            client = redis.Redis.from_url(self.broker, socket_connect_timeout=1)
            keys = [self.queue, f"_kombu.binding.{self.queue}"]
            keys += list(client.scan_iter(match=f"*{self.queue}*", count=1000))
            client.delete(*keys)
        except redis.RedisError:
            pass  # the private server may already be gone


@pytest.fixture
def celery_on(tmp_path):
    """celery_on(broker_url) -> a Celery helper; every worker it starts is stopped afterwards."""
    made: list[Celery] = []

    def factory(broker: str) -> Celery:
        helper = Celery(broker, tmp_path)
        made.append(helper)
        return helper

    yield factory
    for helper in made:
        helper.stop_all()


# --- database helpers -----------------------------------------------------------------------------


def rollup_snapshot() -> dict[str, list[tuple]]:
    """Every rollup table's rows, without ids, sorted: equal snapshots mean equal KPIs."""
    snapshot = {}
    for model in build.ROLLUP_MODELS:
        fields = [f.attname for f in model._meta.concrete_fields if f.attname != "id"]
        rows = model.objects.values_list(*fields)
        snapshot[model.__name__] = sorted(rows, key=repr)
    return snapshot


def last_full():
    state = FillState.objects.filter(source="all").first()
    return state.last_full if state else None


def last_computed():
    state = FillState.objects.filter(source="all").first()
    return state.last_computed if state else None


def wait_for(predicate, timeout: float, what: str, worker_logs=()) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    logs = "\n".join(w.output()[-3000:] for w in worker_logs)
    pytest.fail(f"timed out after {timeout} s waiting for {what}\n{logs}")


def lock_waiters() -> int:
    """Backends waiting on the recompute's advisory lock (a recompute has started)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted")
        return cursor.fetchone()[0]


class HeldRecomputeLock:
    """Holds the recompute's advisory lock from a connection of its own, so a recompute that
    starts waits at its first statement: the test then knows the task is running."""

    def __init__(self) -> None:
        import psycopg

        from metrics.services import LOCK_KEY

        db = settings.DATABASES["default"]
        self.connection = psycopg.connect(
            host=db.get("HOST") or "127.0.0.1",
            port=db.get("PORT") or 5432,
            user=db.get("USER") or "postgres",
            password=db.get("PASSWORD") or None,
            dbname=db["NAME"],
            autocommit=True,
        )
        self.key = LOCK_KEY

    def __enter__(self):
        self.connection.execute("SELECT pg_advisory_lock(%s)", [self.key])
        return self

    def release(self) -> None:
        if not self.connection.closed:
            self.connection.execute("SELECT pg_advisory_unlock(%s)", [self.key])
            self.connection.close()

    def __exit__(self, *exc):
        self.release()


class _NoProgress:
    def update(self, *args) -> None:
        pass

    def close(self) -> None:
        pass


def generate_data(responses: int = 30_000) -> None:
    """A realistic organisation at a chosen size, through the bench's COPY generator."""
    from metrics.bench.generate import prepare
    from metrics.bench.params import DatasetParams

    prepare(
        DatasetParams().scaled_to(responses),
        regenerate=True,
        progress=lambda *args, **kwargs: _NoProgress(),
    )
