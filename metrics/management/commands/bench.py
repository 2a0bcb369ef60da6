"""bench: the performance benchmark of PRODUCT.md "Performance targets" (issue 8).

Generates (or reuses) a data set in a dedicated PostgreSQL database, measures every figure as the
median of several runs beside a raw SQL baseline, prints a table and optionally writes JSON.
"""

from __future__ import annotations

import io
import os
import sys

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.test.utils import override_settings
from tqdm import tqdm

from metrics.bench import database, generate, measures, report, writes
from metrics.bench.harness import Figure, Target
from metrics.bench.params import DatasetParams

GROUPS = ("api", "pages", "recompute", "incremental", "memory", "ingest", "bulk", "scaling")
DEFAULT_SIZES = DatasetParams()
SCALING_SIZES = (100_000, 300_000, 1_000_000)


def _positive(value: str) -> int:
    number = int(value)
    if number < 1:
        raise ValueError(value)
    return number


class Command(BaseCommand):
    help = (
        "Benchmark CX Hub on PostgreSQL at PRODUCT.md's sizes in a dedicated database "
        "(default cxhub_bench on DATABASE_URL's server)."
    )

    def add_arguments(self, parser) -> None:
        sizes = parser.add_argument_group("data set (defaults: PRODUCT.md)")
        for name in ("responses", "tickets", "messages", "customers", "days", "touchpoints"):
            sizes.add_argument(f"--{name}", type=_positive, default=getattr(DEFAULT_SIZES, name))
        sizes.add_argument("--seed", type=int, default=DEFAULT_SIZES.seed)
        reuse = parser.add_mutually_exclusive_group()
        reuse.add_argument(
            "--reuse",
            dest="regenerate",
            action="store_false",
            default=False,
            help="reuse the data set when it has the same parameters (default)",
        )
        reuse.add_argument(
            "--regenerate",
            dest="regenerate",
            action="store_true",
            help="always generate the data set again",
        )
        parser.add_argument(
            "--runs", type=_positive, default=7, help="runs per figure (the median is reported)"
        )
        parser.add_argument(
            "--only",
            default=",".join(g for g in GROUPS if g != "scaling"),
            help=f"comma-separated groups: {', '.join(GROUPS)}",
        )
        parser.add_argument(
            "--scaling",
            action="store_true",
            help="also measure reads at 100k, 300k and 1M responses",
        )
        parser.add_argument("--scaling-sizes", default=",".join(map(str, SCALING_SIZES)))
        parser.add_argument("--json", dest="json_path", help="write the results as JSON here")
        parser.add_argument(
            "--db-name",
            default="cxhub_bench",
            help="the bench database on DATABASE_URL's server (created if missing)",
        )
        parser.add_argument(
            "--ingest-count", type=_positive, default=3000, help="responses POSTed one at a time"
        )
        parser.add_argument(
            "--ingest-batch", type=_positive, default=100, help="responses per list POST"
        )
        parser.add_argument(
            "--ingest-batch-count",
            type=_positive,
            default=20_000,
            help="responses POSTed in lists",
        )
        parser.add_argument(
            "--ingest-seconds", type=_positive, default=30, help="time limit of each mode"
        )
        parser.add_argument("--ingest-clients", type=_positive, default=8)
        parser.add_argument(
            "--ingest-workers",
            type=_positive,
            default=None,
            help="gunicorn workers (default: gunicorn.conf.py's)",
        )
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args, **options) -> None:
        if connection.vendor != "postgresql":
            raise CommandError(
                "bench measures PostgreSQL (COPY, the planner, the targets of PRODUCT.md); this "
                "database is " + connection.vendor + ". Run it with "
                "DATABASE_URL=postgres://user@host:5432/anydb — the bench creates and uses its own "
                "database (--db-name, default cxhub_bench) on that server."
            )
        params = DatasetParams(
            **{
                name: options[name]
                for name in (
                    "responses",
                    "tickets",
                    "messages",
                    "customers",
                    "days",
                    "touchpoints",
                    "seed",
                )
            }
        )
        if problems := params.validate():
            raise CommandError("; ".join(problems))
        groups = {g.strip() for g in options["only"].split(",") if g.strip()}
        if options["scaling"]:
            groups.add("scaling")
        if unknown := groups - set(GROUPS):
            raise CommandError(f"--only: unknown group(s) {', '.join(sorted(unknown))}")
        try:
            sizes = sorted({int(s) for s in options["scaling_sizes"].split(",") if s.strip()})
        except ValueError:
            raise CommandError("--scaling-sizes takes comma-separated response counts") from None

        self.quiet = options["no_progress"] or not sys.stderr.isatty()
        self.runs = options["runs"]
        self.use_database(options["db_name"])
        locmem = {
            "default": {
                "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                "LOCATION": "cxhub-bench",
            }
        }
        # A private cache: clearing it between timed requests never flushes a shared Redis.
        with override_settings(
            CACHES=locmem, DEBUG=False, ALLOWED_HOSTS=["testserver", "127.0.0.1", "localhost"]
        ):
            dataset = self.prepare(params, options["regenerate"])
            figures = self.measure(dataset, groups, options)
            if "scaling" in groups:
                figures += self.scaling(params, sizes, options)
        self.stdout.write("")
        self.stdout.write(report.table(figures))
        load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
        self.stdout.write(
            f"{params.responses:,} responses, {params.tickets:,} tickets, "
            f"{params.messages:,} messages, {params.customers:,} customers, {params.days} days, "
            f"{params.touchpoints} touchpoints; {os.cpu_count()} CPUs, load average {load}."
        )
        if options["json_path"]:
            payload = report.document(
                figures,
                dataset={
                    "database": options["db_name"],
                    "reused": dataset.reused,
                    "params": params.as_dict(),
                    "stats": dataset.stats,
                },
                options={
                    k: options[k]
                    for k in (
                        "runs",
                        "only",
                        "scaling",
                        "ingest_count",
                        "ingest_batch",
                        "ingest_batch_count",
                        "ingest_seconds",
                        "ingest_clients",
                        "ingest_workers",
                    )
                },
                extra={},
            )
            report.write_json(options["json_path"], payload)
            self.stdout.write(f"JSON written to {options['json_path']}")

    # --- database and data set -------------------------------------------------------------

    def use_database(self, name: str) -> None:
        try:
            if connection.settings_dict["NAME"] != name:
                created = database.ensure_database(name)
                database.switch_to(name)
                if created:
                    self.stderr.write(f"Created database {name}.")
            database.migrate()
            database.guard_not_user_data()
        except database.BenchDatabaseError as error:
            raise CommandError(str(error)) from None

    def progress(self, total: int, desc: str):
        return tqdm(
            total=total,
            desc=f"{desc:>12}",
            unit=" rows",
            unit_scale=True,
            disable=self.quiet,
            leave=False,
            file=sys.stderr,
        )

    def prepare(self, params: DatasetParams, regenerate: bool) -> generate.Dataset:
        dataset = generate.prepare(params, regenerate=regenerate, progress=self.progress)
        db = connection.settings_dict["NAME"]
        if dataset.reused:
            self.stderr.write(f"Reusing the data set in {db} ({params.responses:,} responses).")
        else:
            total = dataset.stats["timings"]["total_seconds"]
            self.stderr.write(f"Generated the data set in {db} in {total:.0f} s.")
        return dataset

    # --- measurements ----------------------------------------------------------------------

    def attempt(self, figures: list[Figure], key: str, label: str, fn) -> None:
        """Run one measurement; a failure becomes an ERROR row instead of ending the bench."""
        self.stderr.write(f"Measuring {label}…")
        try:
            result = fn()
        except Exception as error:
            figures.append(Figure(key, label, "", error=f"{type(error).__name__}: {error}"))
            return
        figures.extend(result if isinstance(result, list) else [result])

    def measure(self, dataset: generate.Dataset, groups: set[str], options: dict) -> list[Figure]:
        figures: list[Figure] = []
        runs = self.runs
        heavy_runs = max(1, min(runs, 3))
        if "recompute" in groups:
            self.attempt(
                figures,
                "recompute_full",
                "full recompute",
                lambda: writes.recompute_full(heavy_runs),
            )
        else:
            # Reads need rollups that match the raw rows, whatever an earlier run left behind
            # (the first recompute of a database is a full one).
            call_command("recompute_kpis", stdout=io.StringIO())
        reads = measures.Reads(dataset, runs)
        if "api" in groups:
            self.attempt(figures, "api_series", "KPI API series", reads.series)
            self.attempt(figures, "api_summary", "KPI API summary", reads.summary)
            self.attempt(figures, "api_series_365d", "KPI API series 365 d", reads.series_year)
        if "pages" in groups:
            self.attempt(figures, "overview_page", "overview page", reads.overview)
            self.attempt(figures, "touchpoint_page", "touchpoint page", reads.touchpoint)
        if "memory" in groups and "recompute" not in groups:
            self.attempt(
                figures, "recompute_peak_rss", "recompute peak memory", writes.recompute_peak_rss
            )
        if "incremental" in groups:
            self.attempt(
                figures,
                "recompute_incremental",
                "incremental recompute",
                lambda: writes.recompute_incremental(heavy_runs),
            )
        if "ingest" in groups:
            self.attempt(
                figures,
                "ingest_rate",
                "HTTP ingestion",
                lambda: writes.ingestion(
                    dataset,
                    count=options["ingest_count"],
                    batch=options["ingest_batch"],
                    batch_count=options["ingest_batch_count"],
                    seconds=options["ingest_seconds"],
                    clients=options["ingest_clients"],
                    workers=options["ingest_workers"],
                ),
            )
        if "bulk" in groups:
            self.attempt(figures, "bulk_import", "bulk import", lambda: writes.bulk_import(dataset))
        return figures

    def scaling(self, base: DatasetParams, sizes: list[int], options: dict) -> list[Figure]:
        """The series call at several raw-row counts, each in its own reusable database.

        Samples are taken round-robin (one request per size per round), so a burst of other work
        on the machine lands on every size alike instead of skewing one of them.
        """
        main = connection.settings_dict["NAME"]
        prepared: list[tuple[int, str, measures.Reads, Figure]] = []
        failed: list[Figure] = []
        for size in sizes:
            name = main if size == base.responses else f"{main}_r{size}"
            label = f"Series @ {size:,} responses"
            try:
                self.use_database(name)
                params = base.scaled_to(size)
                dataset = self.prepare(params, options["regenerate"] and name != main)
                call_command("recompute_kpis", stdout=io.StringIO())
                figure = Figure(f"api_series_at_{size}", label, "ms")
                figure.notes["database"] = name
                prepared.append((size, name, measures.Reads(dataset, self.runs), figure))
            except Exception as error:
                failed.append(
                    Figure(
                        f"api_series_at_{size}", label, "", error=f"{type(error).__name__}: {error}"
                    )
                )
        self.stderr.write("Measuring the series call at each size, round-robin…")
        try:
            for _ in range(self.runs):
                for _size, name, reads, figure in prepared:
                    database.switch_to(name)
                    reads.series_sample(figure)
            for _size, name, reads, figure in prepared:
                database.switch_to(name)
                reads.series_baseline(figure)
        except Exception as error:
            failed.append(
                Figure(
                    "api_series_scaling",
                    "Series at each size",
                    "",
                    error=f"{type(error).__name__}: {error}",
                )
            )
        finally:
            database.switch_to(main)
        measured = [figure for *_rest, figure in prepared if figure.median is not None]
        verdict = Figure(
            "read_scaling",
            "Read cost, largest vs smallest data set",
            "×",
            target=Target("within", 0.25),
        )
        if len(measured) >= 2:
            verdict.value = measured[-1].median / measured[0].median
            verdict.notes["sizes"] = {f.key: f.median for f in measured}
        else:
            verdict.error = "needs two measured sizes"
        return [*measured, *failed, verdict]
