"""The write figures: full and incremental recompute (with peak memory), HTTP ingestion through
gunicorn, and bulk import."""

from __future__ import annotations

import io
import os
import random
import subprocess
import sys
import time
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from metrics.bench import copy as c
from metrics.bench import database, ingest
from metrics.bench.gen_catalogue import BENCH_INTEGRATION, bench_users
from metrics.bench.generate import Dataset
from metrics.bench.harness import Figure, Target, sample, sample_within
from surveys.models import Question, Response, Survey

HEAVY_BUDGET_SECONDS = 120


def _reset_peak_rss() -> bool:
    """Linux: writing 5 to clear_refs resets this process's peak RSS (VmHWM)."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def _backend_status() -> Path | None:
    """/proc status of this connection's PostgreSQL backend with its peak RSS reset, when the
    server runs on this machine and we may reset it; None otherwise."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    proc = Path(f"/proc/{pid}")
    try:
        if "postgres" not in (proc / "comm").read_text():
            return None
        (proc / "clear_refs").write_text("5")
    except OSError:
        return None
    return proc / "status"


def _peak_rss_mb(status: Path = Path("/proc/self/status")) -> float:
    for line in status.read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise OSError("no VmHWM in /proc/self/status")


def recompute_full(runs: int) -> list[Figure]:
    """Full recompute timings, and the peak RSS of the process during the first run."""
    figure = Figure(
        "recompute_full", "Full KPI recompute (recompute_kpis --full)", "s", target=Target("<", 20)
    )
    memory = Figure("recompute_peak_rss", "Peak RSS during a full recompute", "MB")

    def run() -> None:
        call_command("recompute_kpis", "--full", stdout=io.StringIO())

    if _reset_peak_rss():
        backend = _backend_status()
        started = time.perf_counter()
        run()
        figure.samples.append(time.perf_counter() - started)
        memory.value = _peak_rss_mb()
        memory.samples = [memory.value]
        memory.notes["how"] = "VmHWM of the bench process (Django included), reset before the run"
        if backend is not None:
            # The aggregation itself runs in PostgreSQL: its backend's peak, when it is local.
            memory.notes["postgres_backend_peak_mb"] = _peak_rss_mb(backend)
    else:
        memory = recompute_peak_rss()
    if sum(figure.samples) < HEAVY_BUDGET_SECONDS:
        figure.samples += sample_within(
            run, runs - len(figure.samples), HEAVY_BUDGET_SECONDS - sum(figure.samples)
        )
    figure.notes["runs"] = len(figure.samples)
    return [figure, memory]


def recompute_peak_rss() -> Figure:
    """Peak resident memory of a whole `recompute_kpis --full` process (Django included)."""
    figure = Figure("recompute_peak_rss", "Peak RSS of a full recompute process", "MB")
    env = dict(os.environ, DATABASE_URL=database.database_url())
    process = subprocess.Popen(
        [sys.executable, "manage.py", "recompute_kpis", "--full", "--verbosity", "0"],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode:
        figure.error = (
            f"recompute_kpis exited {process.returncode}: {process.stderr.read()[-500:]!r}"
        )
        return figure
    figure.value = usage.ru_maxrss / 1024  # Linux reports kilobytes
    figure.samples = [figure.value]
    return figure


def insert_responses(count: int, *, seed: int) -> None:
    """`count` new responses (with answers) submitted over the last two days, stamped now — what
    an incremental recompute finds through its updated_at watermark."""
    rng = random.Random(seed)
    surveys = list(Survey.objects.values_list("id", "touchpoint_id"))
    questions = {
        (survey_id, key): qid
        for qid, survey_id, key in Question.objects.filter(key__in=("nps", "csat")).values_list(
            "id", "survey_id", "key"
        )
    }
    with connection.cursor() as cursor:
        cursor.execute("SELECT max(id) FROM journeys_customer")
        customers = cursor.fetchone()[0]
        cursor.execute("SELECT COALESCE(max(id), 0) FROM surveys_response")
        first_id = cursor.fetchone()[0] + 1
        cursor.execute("SELECT COALESCE(max(id), 0) FROM surveys_answer")
        first_answer = cursor.fetchone()[0] + 1
    now = int(timezone.now().timestamp())
    rows, answers = [], []
    for offset in range(count):
        survey, touchpoint = rng.choice(surveys)
        score = rng.randrange(11)
        csat = max(1, min(5, (score + 1) // 2))
        rid = first_id + offset
        rows.append(
            f"{rid}\t{survey}\t{rng.randrange(customers) + 1}\t{touchpoint}\ten\t"
            f"{c.ts(now - rng.randrange(2 * 86_400))}\t{score}\t{csat}\t5\tf\t"
            f"{c.ts(now)}\t{c.ts(now)}"
        )
        for key, value in (("nps", score), ("csat", csat)):
            answers.append(
                f"{first_answer + len(answers)}\t{rid}\t{questions[(survey, key)]}\t{value}\t"
            )
    columns = [
        "id",
        "survey_id",
        "customer_id",
        "touchpoint_id",
        "language",
        "submitted_at",
        "nps_score",
        "csat_score",
        "csat_scale",
        "has_comment",
        "created_at",
        "updated_at",
    ]
    with c.bulk_load(["surveys_response", "surveys_answer"]):
        c.copy_lines("surveys_response", columns, rows, extra=c.missing_columns(Response, columns))
        c.copy_lines(
            "surveys_answer", ["id", "response_id", "question_id", "number", "text"], answers
        )
    c.reset_sequence("surveys_response")
    c.reset_sequence("surveys_answer")


def recompute_incremental(runs: int) -> Figure:
    figure = Figure(
        "recompute_incremental",
        "Incremental recompute after 1,000 new responses",
        "s",
        target=Target("<", 1),
    )
    call_command("recompute_kpis", stdout=io.StringIO())  # settle the watermarks first
    for run in range(runs):
        insert_responses(1000, seed=1000 + run)
        figure.samples += sample(
            lambda: call_command("recompute_kpis", stdout=io.StringIO()), 1, scale=1.0
        )
        if sum(figure.samples) > HEAVY_BUDGET_SECONDS:
            break
    return figure


def _ingest_figure(key: str, label: str, result: ingest.IngestResult, **notes) -> Figure:
    figure = Figure(key, label, "/s", target=Target(">=", 500) if key == "ingest_rate" else None)
    figure.value = result.rate
    latencies = sorted(result.latencies_ms)
    figure.notes.update(
        created=result.created,
        requests=result.sent,
        seconds=result.seconds,
        statuses=result.statuses,
        errors=result.errors[:5],
        latency_median_ms=latencies[len(latencies) // 2] if latencies else None,
        latency_p90_ms=latencies[int(len(latencies) * 0.9)] if latencies else None,
        **notes,
    )
    if result.created == 0:
        figure.error = f"no response was accepted: {result.errors[:2]}"
    return figure


def ingestion(
    dataset: Dataset,
    *,
    count: int,
    batch: int,
    batch_count: int,
    seconds: float,
    clients: int,
    workers: int | None,
) -> list[Figure]:
    """Responses per second through gunicorn: in lists of `batch` (the headline: how an
    integration pushes volume, judged against the target) and one per request."""
    token = bench_users()["tokens"][BENCH_INTEGRATION]
    results = ingest.run(
        database_url=database.database_url(),
        token=token,
        surveys=list(Survey.objects.values_list("slug", flat=True)),
        customers=dataset.params.customers,
        plan=[(batch, batch_count), (1, count)],
        seconds=seconds,
        clients=clients,
        workers=workers,
    )
    common = {"clients": clients, "workers": workers or "gunicorn.conf.py"}
    return [
        _ingest_figure(
            "ingest_rate",
            f"HTTP ingestion, lists of {batch} (gunicorn)",
            results[batch],
            batch=batch,
            **common,
        ),
        _ingest_figure(
            "ingest_rate_single",
            "HTTP ingestion, one response per POST",
            results[1],
            batch=1,
            **common,
        ),
    ]


def bulk_import(dataset: Dataset) -> Figure:
    counts = dataset.stats["counts"]
    responses = counts["responses"]
    # PRODUCT.md: a million responses in under 60 s, i.e. at least 16,667 per second.
    figure = Figure(
        "bulk_import",
        f"Bulk import (COPY) of {responses:,} responses + answers",
        "s",
        target=Target("<", round(60 * responses / 1_000_000, 2)),
    )
    figure.value = counts["bulk_import_seconds"]
    figure.samples = [figure.value]
    figure.notes.update(
        responses=responses,
        answers=counts["answers"],
        invitations=counts["invitations"],
        responses_per_second=responses / figure.value,
        how="COPY of ready files (made up beforehand) in one transaction with the session's "
        "bulk settings; foreign keys checked set-wise at the end; every index kept",
        measured="when the data set was generated" + (" (reused now)" if dataset.reused else ""),
    )
    return figure
