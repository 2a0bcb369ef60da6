"""The capacity scenarios (F1-F3, F8, F9): each runs for --seconds against one gunicorn."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time

from .client import HOST, Result, drive
from .environment import ROOT, pg_connections, response_count, start_gunicorn, stop
from .traffic import build

COLUMNS = ["requests", "rps", "median_ms", "p95_ms", "max_ms", "2xx/3xx", "429/503",
           "other 4xx", "5xx", "failed"]  # fmt: skip


def run(args, ctx: dict, env: dict, port: int) -> None:
    server = start_gunicorn(port, env, args.workers, args.threads)
    recompute_loop: subprocess.Popen | None = None
    results: list[Result] = []
    t = build(ctx)
    try:
        # Warm-up: first requests build caches and connections.
        drive("warm-up", port, [(2, t.series), (2, t.overview)], 3)

        # One client alone: latency close to server time (no queueing behind other clients).
        results.append(
            drive("KPI series, 1 client (server time)", port, [(1, t.series)], args.seconds / 2)
        )
        results.append(
            drive(
                "overview page, 1 client (server time)", port, [(1, t.overview)], args.seconds / 2
            )
        )
        results.append(
            drive(
                "F1 KPI series (90 d, weekly, group_by=touchpoint)",
                port,
                [(20, t.series)],
                args.seconds,
            )
        )
        results.append(
            drive("F2 overview page (90 d), 20 users", port, [(20, t.overview)], args.seconds)
        )
        before = response_count()
        ingest_result = drive(
            "F3 ingestion POST responses, 8 clients", port, [(8, t.ingest)], args.seconds
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
        done = threading.Event()

        def watch_connections():
            while not done.is_set():
                peak["connections"] = max(peak["connections"], pg_connections(args.db_name))
                time.sleep(0.5)

        watcher = threading.Thread(target=watch_connections)
        watcher.start()
        mixed_dash = drive(
            "F8 mixed: overview users while ingesting + recompute",
            port,
            [(10, t.overview), (4, t.ingest)],
            args.seconds,
        )
        done.set()
        watcher.join()
        mixed_dash.notes["peak_pg_connections"] = peak["connections"]
        results.append(mixed_dash)
        stop(recompute_loop, timeout=30)
        recompute_loop = None

        overload = drive(
            "F9 overload: 16 anonymous clients on the public endpoint",
            port,
            [(16, t.anonymous_ingest)],
            args.seconds,
        )
        results.append(overload)
        recovered = None
        started = time.monotonic()
        while time.monotonic() - started < 10:
            check = drive("recovery", port, [(1, t.series)], 0.2)
            if check.statuses.get(200):
                recovered = round(time.monotonic() - started, 2)
                break
        overload.notes["recovered_within_s"] = recovered
    finally:
        stop(recompute_loop)
        stop(server)
    report(args, ctx, port, results)


def report(args, ctx: dict, port: int, results: list[Result]) -> None:
    print()
    print(
        f"gunicorn: {args.workers} workers x {args.threads} threads on {HOST}:{port}, "
        f"PostgreSQL {args.db_name}, {ctx['responses']:,} responses, {args.seconds:.0f} s each"
    )
    print(f"{'scenario':58} " + " ".join(f"{c:>9}" for c in COLUMNS))
    summaries = []
    for result in results:
        summary = result.summary()
        summaries.append(summary)
        print(f"{summary['scenario'][:58]:58} " + " ".join(f"{summary[c]!s:>9}" for c in COLUMNS))
        extra = {k: v for k, v in summary.items() if k not in COLUMNS and k != "scenario"}
        if extra:
            print(f"{'':58} {extra}")
    out = args.report
    out.write_text(json.dumps({"context": public(ctx), "results": summaries}, indent=2))
    print(f"\nwritten to {out}")
    problems = [s["scenario"] for s in summaries if s["5xx"] or s["failed"]]
    if problems:
        print("5xx or failed requests in: " + ", ".join(problems))
        raise SystemExit(1)


def public(ctx: dict) -> dict:
    """The context minus credentials, for the JSON report."""
    return {k: v for k, v in ctx.items() if "token" not in k and k != "session"}
