"""What the load runs against: the PostgreSQL data set, gunicorn, and for the soak a private
redis-server with a Celery worker and beat. Also the /proc readings the soak samples."""

from __future__ import annotations

import http.client
import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

from .client import HOST, free_port

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def ensure_database(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    admin_url = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')


class _Quiet:
    def update(self, *args) -> None:
        pass

    def close(self) -> None:
        pass


def prepare(responses: int) -> dict:
    """Migrate, generate (or reuse) the data set, recompute, and make the load's credentials."""
    import django

    django.setup()
    from django.contrib.auth import (
        BACKEND_SESSION_KEY,
        HASH_SESSION_KEY,
        SESSION_KEY,
        get_user_model,
    )
    from django.contrib.sessions.backends.db import SessionStore
    from django.core.management import call_command
    from django.utils import timezone
    from rest_framework.authtoken.models import Token

    from metrics.bench.generate import prepare as generate
    from metrics.bench.params import DatasetParams
    from metrics.services import recompute
    from surveys.models import Question
    from tests import factories

    call_command("migrate", verbosity=0)
    started = time.monotonic()
    dataset = generate(
        DatasetParams().scaled_to(responses),
        regenerate=False,
        progress=lambda *args, **kwargs: _Quiet(),
    )
    generated = time.monotonic() - started
    started = time.monotonic()
    recompute(full=True)
    recomputed = time.monotonic() - started

    users = get_user_model().objects
    manager = users.filter(username="loadtest-manager").first() or factories.make_manager(
        username="loadtest-manager"
    )
    importer = users.filter(username="loadtest-importer").first() or factories.make_admin(
        username="loadtest-importer"
    )
    session = SessionStore()
    session[SESSION_KEY] = str(manager.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = manager.get_session_auth_hash()
    session.create()
    question = (
        Question.objects.filter(type="nps", survey__is_active=True, survey__invitation_only=False)
        .select_related("survey")
        .order_by("survey_id")
        .first()
    )
    survey = question.survey
    required = list(survey.questions.filter(required=True).exclude(pk=question.pk))
    end = timezone.localdate()
    return {
        "manager_token": Token.objects.get_or_create(user=manager)[0].key,
        "importer_token": Token.objects.get_or_create(user=importer)[0].key,
        "session": session.session_key,
        "survey": survey.slug,
        "nps_key": question.key,
        "extra_required": [(q.key, q.type, q.scale) for q in required],
        "start": (end - timedelta(days=89)).isoformat(),
        "end": end.isoformat(),
        "responses": dataset.params.responses,
        "generated_seconds": round(generated, 1),
        "recompute_full_seconds": round(recomputed, 1),
    }


def response_count() -> int:
    from surveys.models import Response

    return Response.objects.count()


def pg_connections(db_name: str) -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = %s", [db_name])
        return cursor.fetchone()[0]


def _spawn(args: list[str], env: dict, log_name: str) -> subprocess.Popen:
    # A file, not a pipe: an unread pipe fills up and blocks the process mid-test.
    log = (ROOT / "var" / log_name).open("w")
    return subprocess.Popen(
        args, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )


def start_gunicorn(port: int, env: dict, workers: int, threads: int) -> subprocess.Popen:
    process = _spawn(
        [
            str(BIN / "gunicorn"),
            "cxhub.wsgi",
            "--bind", f"{HOST}:{port}",
            "--workers", str(workers),
            "--threads", str(threads),
            "--timeout", "30",
            "--graceful-timeout", "5",
            "--log-level", "warning",
        ],
        env,
        "loadtest-gunicorn.log",
    )  # fmt: skip
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection(HOST, port, timeout=2)
            conn.request("GET", "/healthz/")
            if conn.getresponse().status == 200:
                return process
        except OSError:
            time.sleep(0.2)
    stop(process)
    raise SystemExit("gunicorn did not start; see var/loadtest-gunicorn.log")


def stop(process: subprocess.Popen | None, timeout: float = 15) -> None:
    """SIGTERM the process group (each process here has its own session), then SIGKILL."""
    if process is None or process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


class Redis:
    """A private redis-server: its memory and queue length belong to this run alone."""

    def __init__(self) -> None:
        self.port = free_port()
        self.process = subprocess.Popen(
            [
                "redis-server", "--port", str(self.port), "--bind", HOST, "--save", "",
                "--appendonly", "no", "--maxmemory-policy", "noeviction",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )  # fmt: skip
        deadline = time.monotonic() + 10
        while self.cli("ping") != "PONG":
            if time.monotonic() > deadline:
                stop(self.process)
                raise SystemExit("private redis-server did not start")
            time.sleep(0.05)

    @property
    def url(self) -> str:
        return f"redis://{HOST}:{self.port}/0"

    def cli(self, *args: str) -> str:
        result = subprocess.run(
            ["redis-cli", "-p", str(self.port), *args], capture_output=True, text=True, timeout=5
        )
        return result.stdout.strip()

    def used_memory(self) -> int:
        for line in self.cli("info", "memory").splitlines():
            if line.startswith("used_memory:"):
                return int(line.split(":", 1)[1])
        return 0

    def queue_length(self, queue: str = "celery") -> int:
        value = self.cli("llen", queue)
        return int(value) if value.isdigit() else -1

    def stop(self) -> None:
        stop(self.process)


def start_celery(env: dict, role: str, *extra: str) -> subprocess.Popen:
    """`role` is "worker" or "beat"; logs go to var/loadtest-celery-<role>.log."""
    args = [str(BIN / "celery"), "-A", "cxhub", role, "--loglevel", "WARNING", *extra]
    return _spawn(args, env, f"loadtest-celery-{role}.log")


def children(pid: int) -> list[int]:
    found = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            text = Path(f"/proc/{pid}/task/{task}/children").read_text()
            found.extend(int(child) for child in text.split())
    except OSError:
        pass
    return found


def rss_bytes(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def open_fds(pid: int) -> int:
    try:
        return len(os.listdir(f"/proc/{pid}/fd"))
    except OSError:
        return 0
