"""Load test for CX Hub (RELIABILITY F1-F3, F8, F9): gunicorn on 127.0.0.1 over PostgreSQL, a
generated organisation, and scenarios bounded in time. Loopback only; nothing leaves the machine.

    .venv/bin/python scripts/loadtest.py [--responses 100000] [--seconds 15]

Prints requests/s, error counts and median/p95 latency (measured at the client on loopback, so it
includes the HTTP round trip) for: KPI series, the overview page, ingestion, the mixed scenario
(ingestion + dashboard users + recompute running) and the overload case (quick 429, never a hang,
never a 500). The data set lives in its own database (--db-name, default cxhub_loadtest) and is
reused when its size matches; the numbers are also written to var/loadtest.json.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
HOST = "127.0.0.1"


@dataclass
class Result:
    name: str
    seconds: float
    latencies: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    notes: dict[str, object] = field(default_factory=dict)

    @property
    def count(self) -> int:
        return len(self.latencies)

    def share(self, predicate: Callable[[int], bool]) -> int:
        return sum(n for status, n in self.statuses.items() if predicate(status))

    def summary(self) -> dict:
        ordered = sorted(self.latencies)

        def pct(q: float) -> float:
            if not ordered:
                return 0.0
            return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000

        return {
            "scenario": self.name,
            "requests": self.count,
            "rps": round(self.count / self.seconds, 1) if self.seconds else 0.0,
            "median_ms": round(statistics.median(ordered) * 1000, 1) if ordered else 0.0,
            "p95_ms": round(pct(0.95), 1),
            "max_ms": round(ordered[-1] * 1000, 1) if ordered else 0.0,
            "2xx/3xx": self.share(lambda s: 200 <= s < 400),
            "429/503": self.share(lambda s: s in (429, 503)),
            "other 4xx": self.share(lambda s: 400 <= s < 500 and s != 429),
            "5xx": self.share(lambda s: s >= 500),
            "failed": self.share(lambda s: s == 0),
            **self.notes,
        }


Request = Callable[[], tuple[str, str, bytes | None, dict[str, str]]]


def drive(name: str, port: int, groups: list[tuple[int, Request]], seconds: float) -> Result:
    """Run every group's `count` clients, each looping on its request until the time is up."""
    result = Result(name=name, seconds=seconds)
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def client(make: Request) -> None:
        conn = http.client.HTTPConnection(HOST, port, timeout=15)
        latencies, statuses = [], {}
        while time.monotonic() < deadline:
            method, path, body, headers = make()
            started = time.monotonic()
            try:
                conn.request(method, path, body=body, headers=headers)
                response = conn.getresponse()
                response.read()
                status = response.status
                if response.getheader("Connection", "").lower() == "close":
                    conn.close()
                    conn = http.client.HTTPConnection(HOST, port, timeout=15)
            except (OSError, http.client.HTTPException):
                status = 0
                conn.close()
                conn = http.client.HTTPConnection(HOST, port, timeout=15)
            latencies.append(time.monotonic() - started)
            statuses[status] = statuses.get(status, 0) + 1
        conn.close()
        with lock:
            result.latencies.extend(latencies)
            for status, n in statuses.items():
                result.statuses[status] = result.statuses.get(status, 0) + n

    threads = [
        threading.Thread(target=client, args=(make,))
        for count, make in groups
        for _ in range(count)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return result


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


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
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.core.management import call_command
    from django.utils import timezone
    from rest_framework.authtoken.models import Token

    from metrics.bench.generate import prepare as generate
    from metrics.bench.params import DatasetParams
    from metrics.services import recompute
    from surveys.models import Question, Survey
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
    from django.contrib.auth import get_user_model

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
    survey: Survey = question.survey
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


def start_gunicorn(port: int, env: dict, workers: int, threads: int) -> subprocess.Popen:
    # A file, not a pipe: an unread pipe fills up and blocks the server mid-test.
    log = (ROOT / "var" / "loadtest-gunicorn.log").open("w")
    process = subprocess.Popen(
        [
            str(Path(sys.executable).with_name("gunicorn")),
            "cxhub.wsgi",
            "--bind", f"{HOST}:{port}",
            "--workers", str(workers),
            "--threads", str(threads),
            "--timeout", "30",
            "--graceful-timeout", "5",
            "--log-level", "warning",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
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
    process.kill()
    raise SystemExit("gunicorn did not start; see var/loadtest-gunicorn.log")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--responses", type=int, default=100_000)
    parser.add_argument("--seconds", type=float, default=15.0, help="per scenario")
    parser.add_argument("--db-name", default="cxhub_loadtest")
    parser.add_argument(
        "--pg", default=os.environ.get("LOADTEST_PG", "postgres://postgres@127.0.0.1:5432")
    )
    parser.add_argument(
        "--redis", default=os.environ.get("LOADTEST_REDIS", "redis://127.0.0.1:6379/10")
    )
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    args = parser.parse_args()

    database_url = f"{args.pg}/{args.db_name}"
    ensure_database(database_url)
    prefix = f"loadtest-{uuid.uuid4().hex[:8]}"
    os.environ.update(
        DJANGO_SETTINGS_MODULE="cxhub.settings",
        DATABASE_URL=database_url,
        CELERY_BROKER_URL=args.redis,
        REDIS_URL=args.redis,
        CX_CACHE_PREFIX=prefix,
    )
    print(f"Preparing {args.responses:,} responses in {args.db_name} ...", flush=True)
    ctx = prepare(args.responses)
    print(
        f"data set: {ctx['responses']:,} responses "
        f"(generated or reused in {ctx['generated_seconds']} s), "
        f"full recompute {ctx['recompute_full_seconds']} s",
        flush=True,
    )
    port = free_port()
    env = dict(
        os.environ,
        DJANGO_DEBUG="0",
        DJANGO_ALLOWED_HOSTS=HOST,
        # F1-F3 measure capacity, not the per-token KPI budget (C7 tests that separately).
        CX_KPI_RATE="1000000/min",
        CX_LOG_LEVEL="ERROR",
    )
    server = start_gunicorn(port, env, args.workers, args.threads)
    recompute_loop: subprocess.Popen | None = None
    results: list[Result] = []
    try:
        auth = {"Authorization": f"Token {ctx['manager_token']}"}
        series_path = (
            f"/api/v1/kpis/nps/series/?start={ctx['start']}&end={ctx['end']}"
            "&granularity=week&group_by=touchpoint"
        )
        cookie = {"Cookie": f"sessionid={ctx['session']}"}
        answers = {ctx["nps_key"]: 9}
        for key, qtype, scale in ctx["extra_required"]:
            answers[key] = {"yes_no": True, "text": "fine"}.get(qtype, 1 if scale else 5)
        body = json.dumps({"answers": answers}).encode()
        ingest_headers = {
            "Authorization": f"Token {ctx['importer_token']}",
            "Content-Type": "application/json",
        }
        anonymous_headers = {"Content-Type": "application/json"}
        ingest_path = f"/api/v1/surveys/{ctx['survey']}/responses/"

        def series():
            return ("GET", series_path, None, auth)

        def overview():
            return ("GET", "/", None, cookie)

        def ingest():
            return ("POST", ingest_path, body, ingest_headers)

        def anonymous_ingest():
            return ("POST", ingest_path, body, anonymous_headers)

        # Warm-up: first requests build caches and connections.
        drive("warm-up", port, [(2, series), (2, overview)], 3)

        # One client alone: latency close to server time (no queueing behind other clients).
        results.append(
            drive("KPI series, 1 client (server time)", port, [(1, series)], args.seconds / 2)
        )
        results.append(
            drive("overview page, 1 client (server time)", port, [(1, overview)], args.seconds / 2)
        )
        results.append(
            drive(
                "F1 KPI series (90 d, weekly, group_by=touchpoint)",
                port,
                [(20, series)],
                args.seconds,
            )
        )
        results.append(
            drive("F2 overview page (90 d), 20 users", port, [(20, overview)], args.seconds)
        )
        before = response_count()
        ingest_result = drive(
            "F3 ingestion POST responses, 8 clients", port, [(8, ingest)], args.seconds
        )
        created = ingest_result.statuses.get(201, 0)
        ingest_result.notes["rows_added"] = response_count() - before
        ingest_result.notes["rows_equal_201s"] = ingest_result.notes["rows_added"] == created
        results.append(ingest_result)

        recompute_loop = subprocess.Popen(
            [
                sys.executable, "-c",
                "import django, time; django.setup()\n"
                "from metrics.services import recompute\n"
                "while True:\n    recompute(); time.sleep(1)",
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )  # fmt: skip
        peak = {"connections": 0}
        stop = threading.Event()

        def watch_connections():
            while not stop.is_set():
                peak["connections"] = max(peak["connections"], pg_connections(args.db_name))
                time.sleep(0.5)

        watcher = threading.Thread(target=watch_connections)
        watcher.start()
        mixed_dash = drive(
            "F8 mixed: overview users while ingesting + recompute",
            port,
            [(10, overview), (4, ingest)],
            args.seconds,
        )
        stop.set()
        watcher.join()
        mixed_dash.notes["peak_pg_connections"] = peak["connections"]
        results.append(mixed_dash)
        recompute_loop.send_signal(signal.SIGTERM)
        recompute_loop.wait(timeout=30)
        recompute_loop = None

        overload = drive(
            "F9 overload: 16 anonymous clients on the public endpoint",
            port,
            [(16, anonymous_ingest)],
            args.seconds,
        )
        results.append(overload)
        recovered = None
        started = time.monotonic()
        while time.monotonic() - started < 10:
            check = drive("recovery", port, [(1, series)], 0.2)
            if check.statuses.get(200):
                recovered = round(time.monotonic() - started, 2)
                break
        overload.notes["recovered_within_s"] = recovered
    finally:
        if recompute_loop is not None:
            recompute_loop.kill()
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)

    print()
    print(
        f"gunicorn: {args.workers} workers x {args.threads} threads on {HOST}:{port}, "
        f"PostgreSQL {args.db_name}, {ctx['responses']:,} responses, {args.seconds:.0f} s each"
    )
    columns = ["requests", "rps", "median_ms", "p95_ms", "max_ms", "2xx/3xx", "429/503",
               "other 4xx", "5xx", "failed"]  # fmt: skip
    print(f"{'scenario':58} " + " ".join(f"{c:>9}" for c in columns))
    summaries = []
    for result in results:
        summary = result.summary()
        summaries.append(summary)
        print(f"{summary['scenario'][:58]:58} " + " ".join(f"{summary[c]!s:>9}" for c in columns))
        extra = {k: v for k, v in summary.items() if k not in columns and k != "scenario"}
        if extra:
            print(f"{'':58} {extra}")
    out = ROOT / "var" / "loadtest.json"
    out.write_text(
        json.dumps(
            {
                "context": {k: v for k, v in ctx.items() if "token" not in k and k != "session"},
                "results": summaries,
            },
            indent=2,
        )
    )
    print(f"\nwritten to {out}")
    problems = [s["scenario"] for s in summaries if s["5xx"] or s["failed"]]
    if problems:
        print("5xx or failed requests in: " + ", ".join(problems))
        raise SystemExit(1)


if __name__ == "__main__":
    main()
