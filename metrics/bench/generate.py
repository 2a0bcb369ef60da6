"""Build (or reuse) the bench data set in the current database, and undo what measurements added."""

from __future__ import annotations

import random
import time
from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.db import connection
from django.utils import timezone

from metrics.bench import database
from metrics.bench.calendar import Clock
from metrics.bench.context import GenContext
from metrics.bench.gen_catalogue import seed_catalogue, seed_customers, truncate_generated
from metrics.bench.gen_surveys import seed_responses
from metrics.bench.gen_tickets import seed_tickets
from metrics.bench.params import DatasetParams

# Rows the measurements add (incremental recompute, HTTP ingestion) are removed at the next run
# so every run measures the same data set.
ADDED_ROWS_TABLES = (
    "surveys_response",
    "tickets_ticket",
    "surveys_invitation",
    "journeys_customer",
)
BIG_TABLES = (
    "journeys_customer",
    "surveys_invitation",
    "surveys_response",
    "surveys_answer",
    "tickets_ticket",
    "tickets_message",
    "tickets_statuschange",
)


@dataclass
class Dataset:
    params: DatasetParams
    reused: bool
    stats: dict

    @property
    def end(self) -> date:
        return date.fromisoformat(self.stats["end"])


def _matches(marker: database.Marker | None, fingerprint: str, params: DatasetParams) -> bool:
    if marker is None or not marker.complete or marker.fingerprint != fingerprint:
        return False
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM journeys_customer")
        customers = cursor.fetchone()[0]
        cursor.execute(
            "SELECT EXISTS (SELECT 1 FROM surveys_response WHERE id = %s)", [params.responses]
        )
        has_last_response = cursor.fetchone()[0]
    return customers == params.customers and has_last_response


def prepare(params: DatasetParams, *, regenerate: bool, progress) -> Dataset:
    database.ensure_marker_table()
    fingerprint = params.fingerprint()
    marker = database.read_marker()
    if not regenerate and _matches(marker, fingerprint, params):
        remove_added_rows(marker.stats["max_ids"])
        return Dataset(params=params, reused=True, stats=marker.stats)

    database.write_marker(
        fingerprint=fingerprint, params=params.as_dict(), stats={}, complete=False
    )
    started = time.perf_counter()
    truncate_generated()
    ctx = GenContext(
        params=params,
        rng=random.Random(params.seed),
        clock=Clock(settings.TIME_ZONE),
        # The last full day: every generated event lies in the past.
        end=timezone.localdate() - timedelta(days=1),
        progress=progress,
    )
    timings = {}
    step = time.perf_counter()
    seed_catalogue(ctx)
    seed_customers(ctx)
    timings["catalogue_and_customers_seconds"] = time.perf_counter() - step
    surveys = seed_responses(ctx)
    step = time.perf_counter()
    tickets = seed_tickets(ctx)
    timings["tickets_seconds"] = time.perf_counter() - step
    step = time.perf_counter()
    with connection.cursor() as cursor:
        for table in BIG_TABLES:
            # Fresh statistics and a visibility map: the planner (and the raw SQL baseline, which
            # gets index-only scans) see the data as a long-running database would.
            cursor.execute(f'VACUUM (ANALYZE) "{table}"')
        # And statistics for the small tables made through the ORM (questions, surveys,
        # touchpoints): without them the planner guesses one row and picks nested loops that
        # rescan a million responses (seen on the touchpoint page: 8 s instead of 0.2 s).
        cursor.execute("ANALYZE")
    timings["vacuum_analyze_seconds"] = time.perf_counter() - step
    timings["total_seconds"] = time.perf_counter() - started
    stats = {
        "end": ctx.end.isoformat(),
        "start": ctx.start.isoformat(),
        "now_epoch": ctx.now_utc,
        "counts": {**surveys, **tickets, "customers": params.customers},
        "timings": timings,
        "max_ids": _max_ids(),
        "touchpoints": [t["slug"] for t in ctx.touchpoints],
    }
    database.write_marker(
        fingerprint=fingerprint, params=params.as_dict(), stats=stats, complete=True
    )
    return Dataset(params=params, reused=False, stats=stats)


def _max_ids() -> dict[str, int]:
    result = {}
    with connection.cursor() as cursor:
        for table in ADDED_ROWS_TABLES:
            cursor.execute(f'SELECT COALESCE(max(id), 0) FROM "{table}"')
            result[table] = cursor.fetchone()[0]
    return result


def _referencing(table: str) -> list[tuple[str, str]]:
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT con.conrelid::regclass::text, att.attname
               FROM pg_constraint con
               JOIN pg_attribute att
                 ON att.attrelid = con.conrelid AND att.attnum = con.conkey[1]
               WHERE con.contype = 'f' AND con.confrelid = %s::regclass""",
            [table],
        )
        return [(child.strip('"'), column) for child, column in cursor.fetchall()]


def _delete_where(table: str, where: str, depth: int = 0) -> int:
    """Delete rows of `table` matching `where`, first whatever points at them (Django emulates
    ON DELETE CASCADE in Python, so the database would refuse otherwise)."""
    if depth > 6:
        raise database.BenchDatabaseError(f"foreign keys nest too deep below {table}")
    for child, column in _referencing(table):
        if child != table:
            _delete_where(
                child, f'"{column}" IN (SELECT id FROM "{table}" WHERE {where})', depth + 1
            )
    with connection.cursor() as cursor:
        cursor.execute(f'DELETE FROM "{table}" WHERE {where}')
        return cursor.rowcount


def remove_added_rows(max_ids: dict[str, int]) -> int:
    """Remove rows that earlier measurements added past the generated ids."""
    removed = 0
    for table in ADDED_ROWS_TABLES:
        limit = int(max_ids.get(table, 0))
        with connection.cursor() as cursor:
            cursor.execute(f'SELECT EXISTS (SELECT 1 FROM "{table}" WHERE id > %s)', [limit])
            if not cursor.fetchone()[0]:
                continue
        removed += _delete_where(table, f"id > {limit}")
    return removed
