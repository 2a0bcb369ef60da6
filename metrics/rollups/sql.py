"""The SQL building blocks of the rollup builders: range filters, local-day bucketing and
INSERT … SELECT around an ORM queryset, so no row ever travels through Python."""

from __future__ import annotations

from datetime import datetime

from django.db import connection
from django.db.models import FloatField, IntegerField, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce, TruncDate

from metrics.rollups import org_zone

Ranges = list[tuple[datetime, datetime]] | None
CLOSED_STATES = ("resolved", "closed")
# Where builders write instead of a rollup's own table (services' incremental merge stages rows).
_TARGETS: dict[str, str] = {}


def target_table(model) -> str:
    """The quoted table a builder inserts into for `model`."""
    table = model._meta.db_table
    return connection.ops.quote_name(_TARGETS.get(table, table))


def redirect(targets: dict[str, str]) -> None:
    """Send builders' inserts for {rollup table: other table} there; an empty dict resets."""
    _TARGETS.clear()
    _TARGETS.update(targets)


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
