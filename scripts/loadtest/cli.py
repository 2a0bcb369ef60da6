"""Command line: prepare the database and environment, then run the chosen scenario."""

from __future__ import annotations

import argparse
import os
import sys
import uuid
from pathlib import Path

from . import __doc__ as package_doc
from .client import HOST, free_port
from .environment import ROOT, ensure_database, prepare


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=package_doc.splitlines()[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=package_doc,
    )
    parser.add_argument("--scenario", choices=["standard", "soak"], default="standard")
    parser.add_argument("--responses", type=int, default=100_000)
    parser.add_argument("--seconds", type=float, default=15.0, help="per scenario (standard)")
    parser.add_argument("--db-name", default="cxhub_loadtest")
    parser.add_argument(
        "--pg", default=os.environ.get("LOADTEST_PG", "postgres://postgres@127.0.0.1:5432")
    )
    parser.add_argument(
        "--redis",
        default=os.environ.get("LOADTEST_REDIS", "redis://127.0.0.1:6379/10"),
        help="standard only; the soak starts a private redis-server",
    )
    parser.add_argument(
        "--report", type=Path, help="JSON report (default var/loadtest.json, var/soak.json)"
    )
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    soak = parser.add_argument_group("soak (F10)")
    soak.add_argument("--minutes", type=float, default=30.0)
    soak.add_argument("--sample-every", type=float, default=60.0, help="seconds between samples")
    soak.add_argument("--warmup", type=float, default=60.0, help="seconds before the baseline")
    soak.add_argument("--ingest-rate", type=float, default=20.0, help="responses/s, paced")
    soak.add_argument("--dashboard-users", type=int, default=4, help="one page per second each")
    soak.add_argument("--series-clients", type=int, default=2, help="one call per 2 s each")
    soak.add_argument("--recompute-every", type=int, default=60, help="beat interval, seconds")
    soak.add_argument("--max-rss-growth", type=float, default=0.10, help="gunicorn, fraction")
    soak.add_argument("--max-worker-rss-growth", type=float, default=0.25, help="Celery")
    soak.add_argument("--max-latency-drift", type=float, default=0.5, help="median, fraction")
    soak.add_argument("--max-fd-growth", type=int, default=20, help="per process")
    soak.add_argument("--max-redis-growth-mb", type=float, default=5.0)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse(argv)
    if args.report is None:
        name = "soak.json" if args.scenario == "soak" else "loadtest.json"
        args.report = ROOT / "var" / name
    sys.path.insert(0, str(ROOT))
    database_url = f"{args.pg}/{args.db_name}"
    ensure_database(database_url)
    redis = None
    if args.scenario == "soak":
        from .environment import Redis

        redis = Redis()
        broker = redis.url
    else:
        broker = args.redis
    try:
        os.environ.update(
            DJANGO_SETTINGS_MODULE="cxhub.settings",
            DATABASE_URL=database_url,
            CELERY_BROKER_URL=broker,
            REDIS_URL=broker,
            CX_CACHE_PREFIX=f"loadtest-{uuid.uuid4().hex[:8]}",
            CX_RECOMPUTE_EVERY=str(args.recompute_every),
        )
        print(f"Preparing {args.responses:,} responses in {args.db_name} ...", flush=True)
        ctx = prepare(args.responses)
        print(
            f"data set: {ctx['responses']:,} responses "
            f"(generated or reused in {ctx['generated_seconds']} s), "
            f"full recompute {ctx['recompute_full_seconds']} s",
            flush=True,
        )
        env = dict(
            os.environ,
            DJANGO_DEBUG="0",
            DJANGO_ALLOWED_HOSTS=HOST,
            # Capacity and soak measure the server, not the per-token KPI budget (C7 tests it).
            CX_KPI_RATE="1000000/min",
            CX_LOG_LEVEL="ERROR",
        )
        port = free_port()
        if args.scenario == "soak":
            from . import soak

            soak.run(args, ctx, env, port, redis)
        else:
            from . import standard

            standard.run(args, ctx, env, port)
    finally:
        if redis is not None:
            redis.stop()
