"""The SQL building blocks of the rollup builders: range filters, local-day bucketing and
INSERT … SELECT around an ORM queryset, so no row ever travels through Python."""

from __future__ import annotations

import threading
from datetime import datetime

from django.conf import settings
from django.db import connection
from django.db.models import FloatField, IntegerField, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce, TruncDate

from metrics.rollups import org_zone

Ranges = list[tuple[datetime, datetime]] | None
CLOSED_STATES = ("resolved", "closed")
# Where builders write instead of a rollup's own table: the incremental merge's staging tables,
# or a parallel full rebuild's fresh copies. Per thread, like Django's connections: each worker of
# a parallel rebuild (metrics.rollups.parallel) writes through its own connection and redirect.
_TARGETS = threading.local()


def target_table(model) -> str:
    """The quoted table a builder inserts into (or reads back) for `model`."""
    table = model._meta.db_table
    return connection.ops.quote_name(getattr(_TARGETS, "tables", {}).get(table, table))


def redirect(targets: dict[str, str]) -> None:
    """Send this thread's builders' inserts for {rollup table: other table} there; an empty dict
    resets."""
    _TARGETS.tables = dict(targets)


def tune_session(cursor) -> None:
    """Settings of a recompute transaction on PostgreSQL (this transaction only)."""
    # Big GROUP BYs spill to disk at the default 4 MB, and below ~512 MB the planner sorts the
    # million-group ones (responses, answers) where a hash aggregate takes half the time
    # (INSERT … SELECT runs without parallel workers).
    work_mem = str(getattr(settings, "CX_RECOMPUTE_WORK_MEM", "512MB"))
    cursor.execute("SELECT set_config('work_mem', %s, true)", [work_mem])
    # The rollup statements are planned as expensive, so JIT would compile every one of them
    # (tens of statements per run) for scans that finish before the compile pays off.
    cursor.execute("SELECT set_config('jit', 'off', true)")


def in_ranges(field: str, ranges: Ranges) -> Q:
    if ranges is None:
        return Q()
    q = Q(pk__in=[])
    for start, end in ranges:
        q |= Q(**{f"{field}__gte": start, f"{field}__lt": end})
    return q


def day_of(field: str):
    return TruncDate(field, tzinfo=org_zone())


def insert_select(model, qs: QuerySet, columns: dict[str, str]) -> None:
    """INSERT INTO model (column, …) SELECT alias, … FROM (qs) — columns maps column -> alias."""
    sql, params = qs.query.sql_with_params()
    qn = connection.ops.quote_name
    cols = ", ".join(qn(c) for c in columns)
    values = ", ".join(f"sub.{qn(alias)}" for alias in columns.values())
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {target_table(model)} ({cols}) SELECT {values} FROM ({sql}) sub",
            params,
        )


def grouped(qs: QuerySet, dims: dict, aggs: dict) -> QuerySet:
    return qs.annotate(**dims).values(*dims).annotate(**aggs).order_by()


def nonzero(expression) -> Coalesce:
    return Coalesce(expression, Value(0), output_field=IntegerField())


def fsum(expression) -> Coalesce:
    return Coalesce(
        Sum(expression, output_field=FloatField()), Value(0.0), output_field=FloatField()
    )
