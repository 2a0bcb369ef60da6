"""F10 soak: a paced mixed load (ingestion, dashboard users, KPI series) for --minutes, with a real
Celery worker and beat recomputing every --recompute-every seconds on a private Redis. Every
--sample-every seconds it records RSS and open file descriptors of the gunicorn workers, the Celery
worker (main and pool child) and beat, PostgreSQL connections, Redis memory, the Celery queue
length, and latency and errors per request kind. Fails when memory grows past a bound, latency
drifts, descriptors leak, requests fail, rows go missing or the queue does not drain."""

from __future__ import annotations

import json
import math
import statistics
import threading
import time
import uuid
from pathlib import Path

from .client import Group, percentile, run_clients
from .environment import (
    ROOT,
    children,
    open_fds,
    pg_connections,
    response_count,
    rss_bytes,
    start_celery,
    start_gunicorn,
    stop,
)
from .standard import public
from .traffic import build

MB = 1024 * 1024


class Recorder:
    """Answers since the last sample, by request kind; swapped out by the sampler."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.bucket: dict[str, list[tuple[float, int]]] = {}
        self.created = 0
        self.statuses: dict[int, int] = {}

    def record(self, kind: str, latency: float, status: int) -> None:
        with self.lock:
            self.bucket.setdefault(kind, []).append((latency, status))
            self.statuses[status] = self.statuses.get(status, 0) + 1
            if kind == "ingest" and status == 201:
                self.created += 1

    def take(self) -> dict[str, list[tuple[float, int]]]:
        with self.lock:
            bucket, self.bucket = self.bucket, {}
        return bucket


class Processes:
    def __init__(self, server, worker, beat) -> None:
        self.server, self.worker, self.beat = server, worker, beat

    def readings(self) -> dict:
        gunicorn = children(self.server.pid)
        pool = children(self.worker.pid)
        return {
            "gunicorn_workers": len(gunicorn),
            "gunicorn_rss_mb": round(sum(rss_bytes(pid) for pid in gunicorn) / MB, 1),
            "gunicorn_master_rss_mb": round(rss_bytes(self.server.pid) / MB, 1),
            "gunicorn_fds": max((open_fds(pid) for pid in gunicorn), default=0),
            "celery_rss_mb": round(
                (rss_bytes(self.worker.pid) + sum(rss_bytes(pid) for pid in pool)) / MB, 1
            ),
            "celery_fds": max([open_fds(self.worker.pid), *(open_fds(pid) for pid in pool)]),
            "beat_rss_mb": round(rss_bytes(self.beat.pid) / MB, 1),
            "beat_fds": open_fds(self.beat.pid),
        }


def latency_stats(bucket: dict[str, list[tuple[float, int]]]) -> dict:
    out = {}
    for kind, answers in sorted(bucket.items()):
        ordered = sorted(latency for latency, _ in answers)
        out[kind] = {
            "n": len(answers),
            "median_ms": round(statistics.median(ordered) * 1000, 1) if ordered else None,
            "p95_ms": round(percentile(ordered, 0.95) * 1000, 1),
            "errors": sum(1 for _, status in answers if status == 0 or status >= 500),
        }
    return out


def run(args, ctx: dict, env: dict, port: int, redis) -> None:
    traffic = build(ctx)
    name = f"soak-{uuid.uuid4().hex[:6]}"
    server = start_gunicorn(port, env, args.workers, args.threads)
    worker = start_celery(env, "worker", "--concurrency", "1", "--hostname", f"{name}@%h")
    beat = start_celery(env, "beat", "--schedule", str(ROOT / "var" / f"{name}-beat-schedule"))
    processes = Processes(server, worker, beat)
    recorder = Recorder()
    done = threading.Event()
    # One client per 5/s: a paced client falls behind when an answer takes longer than its slot.
    ingest_clients = max(1, math.ceil(args.ingest_rate / 5))
    groups = [
        Group(ingest_clients, traffic.ingest, "ingest", ingest_clients / args.ingest_rate),
        Group(args.dashboard_users, traffic.overview, "overview", 1.0),
        Group(args.series_clients, traffic.series, "series", 2.0),
    ]
    load = threading.Thread(
        target=run_clients, args=(port, groups, done.is_set, recorder.record), daemon=True
    )
    samples: list[dict] = []
    rows_before = response_count()
    started = time.monotonic()

    def sample(label: str) -> dict:
        entry = {
            "at_s": round(time.monotonic() - started),
            "label": label,
            **processes.readings(),
            "pg_connections": pg_connections(args.db_name),
            "redis_used_mb": round(redis.used_memory() / MB, 2),
            "queue_length": redis.queue_length(),
            "latency": latency_stats(recorder.take()),
        }
        print(json.dumps(entry), flush=True)
        return entry

    try:
        print(
            f"soak: {args.minutes} min after {args.warmup:.0f} s warm-up; ingest "
            f"{args.ingest_rate}/s, {args.dashboard_users} dashboard users, "
            f"{args.series_clients} series clients, recompute every {args.recompute_every} s",
            flush=True,
        )
        load.start()
        time.sleep(args.warmup)
        baseline = sample("baseline")
        count = max(1, round(args.minutes * 60 / args.sample_every))
        for index in range(count):
            time.sleep(max(0.0, started + args.warmup + (index + 1) * args.sample_every
                           - time.monotonic()))  # fmt: skip
            samples.append(sample(f"sample {index + 1}"))
        done.set()
        load.join(timeout=30)
        drained = None
        wait_started = time.monotonic()
        while time.monotonic() - wait_started < 120:
            if redis.queue_length() == 0:
                drained = round(time.monotonic() - wait_started, 1)
                break
            time.sleep(1)
        rows_added = response_count() - rows_before
        final = sample("after load")
    finally:
        done.set()
        for process in (beat, worker, server):
            stop(process, timeout=30)
    verdict = judge(args, baseline, samples, final, recorder, rows_added, drained)
    print(json.dumps(verdict, indent=2), flush=True)
    out = args.report
    out.write_text(
        json.dumps(
            {
                "context": public(ctx),
                "options": {
                    k: str(v) if isinstance(v, Path) else v
                    for k, v in vars(args).items()
                    if k not in ("pg", "redis")
                },
                "baseline": baseline,
                "samples": samples,
                "after_load": final,
                "verdict": verdict,
            },
            indent=2,
        )
    )
    print(f"written to {out}")
    if verdict["problems"]:
        raise SystemExit(1)


def _median_of(samples: list[dict], kinds: tuple[str, ...]) -> float | None:
    values = [
        s["latency"][kind]["median_ms"]
        for s in samples
        for kind in kinds
        if kind in s["latency"] and s["latency"][kind]["median_ms"] is not None
    ]
    return statistics.median(values) if values else None


def judge(args, baseline, samples, final, recorder, rows_added, drained) -> dict:
    last = samples[-1]
    third = max(1, len(samples) // 3)
    problems = []
    figures: dict[str, object] = {
        "requests": sum(recorder.statuses.values()),
        "statuses": {str(k): v for k, v in sorted(recorder.statuses.items())},
        "rows_added": rows_added,
        "ingest_201s": recorder.created,
        "queue_drained_after_s": drained,
    }
    errors = sum(n for status, n in recorder.statuses.items() if status == 0 or status >= 500)
    if errors:
        problems.append(f"{errors} requests failed or answered 5xx")
    if rows_added != recorder.created:
        problems.append(f"rows added {rows_added} != 201s {recorder.created}")
    if drained is None:
        problems.append("the Celery queue did not drain within 120 s")

    def growth(key: str) -> float:
        return last[key] / baseline[key] - 1 if baseline[key] else 0.0

    for key, bound in (
        ("gunicorn_rss_mb", args.max_rss_growth),
        ("celery_rss_mb", args.max_worker_rss_growth),
    ):
        figures[f"{key}_growth"] = round(growth(key), 3)
        if growth(key) > bound:
            problems.append(f"{key} grew {growth(key):.1%} (bound {bound:.0%})")
    for key in ("gunicorn_fds", "celery_fds", "beat_fds"):
        figures[f"{key}_growth"] = last[key] - baseline[key]
        if last[key] - baseline[key] > args.max_fd_growth:
            problems.append(f"{key} grew by {last[key] - baseline[key]}")
    figures["redis_growth_mb"] = round(final["redis_used_mb"] - baseline["redis_used_mb"], 2)
    if figures["redis_growth_mb"] > args.max_redis_growth_mb:
        problems.append(f"Redis memory grew {figures['redis_growth_mb']} MB")
    figures["pg_connections_max"] = max(s["pg_connections"] for s in samples)
    # Each gunicorn thread and the worker may hold one; more would mean connections leak.
    budget = args.workers * args.threads + 6
    if figures["pg_connections_max"] > budget:
        problems.append(f"{figures['pg_connections_max']} PostgreSQL connections (> {budget})")
    if last["gunicorn_workers"] != args.workers:
        problems.append(f"{last['gunicorn_workers']} gunicorn workers alive")
    kinds = ("overview", "series")
    first_median = _median_of(samples[:third], kinds)
    last_median = _median_of(samples[-third:], kinds)
    if first_median and last_median:
        drift = last_median / first_median - 1
        figures["dashboard_median_ms_first_third"] = first_median
        figures["dashboard_median_ms_last_third"] = last_median
        figures["latency_drift"] = round(drift, 3)
        if drift > args.max_latency_drift:
            problems.append(f"dashboard median drifted {drift:.0%}")
    return {"figures": figures, "problems": problems}
