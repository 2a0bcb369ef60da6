"""Replacing rollup rows for some days (or all) inside the caller's transaction.

A full rebuild on PostgreSQL truncates and rebuilds the tables with their indexes built once at
the end; an incremental one merges (only changed rows are written); elsewhere the days are
deleted and inserted again. The caller (metrics.services) holds the recompute lock.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from django.conf import settings
from django.db import connection
from django.db.models import Q

from metrics.models import TimeHistogram
from metrics.rollups import build, day_runs, parallel, sql, utc_ranges
from metrics.rollups.coarse import COARSE, refresh_coarse


def _delete_days(days: list[date] | None) -> None:
    if days is None and connection.vendor == "postgresql":
        # A full rebuild empties the tables with TRUNCATE (transactional in PostgreSQL): deleted
        # rows would otherwise stay in the unique indexes and every re-inserted key would visit
        # them, which doubles the rebuild. Readers wait for the commit instead of seeing half.
        tables = ", ".join(connection.ops.quote_name(m._meta.db_table) for m in build.ROLLUP_MODELS)
        with connection.cursor() as cursor:
            cursor.execute(f"TRUNCATE {tables}")
        return
    for model in build.ROLLUP_MODELS:
        qs = model.objects.all()
        if model is TimeHistogram:  # its key starts with the measure: name them all to use it
            qs = qs.filter(measure__in=[m for m, *_ in build.HISTOGRAMS])
        if days is not None:
            q = Q(pk__in=[])
            for first, last in day_runs(days):
                q |= Q(day__gte=first, day__lte=last)
            qs = qs.filter(q)
        qs._raw_delete(qs.db)


def _rollup_indexes() -> list[tuple[str, str, str]]:
    """(table, drop statement, create statement) for every secondary index of the rollup tables,
    unique constraints included, read from the catalogue so they come back exactly as migrated."""
    tables = [model._meta.db_table for model in build.ROLLUP_MODELS]
    qn = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT t.relname, i.relname, c.conname, pg_get_constraintdef(c.oid),
                   pg_get_indexdef(x.indexrelid)
            FROM pg_index x
            JOIN pg_class t ON t.oid = x.indrelid
            JOIN pg_class i ON i.oid = x.indexrelid
            LEFT JOIN pg_constraint c ON c.conindid = x.indexrelid AND c.conrelid = t.oid
            WHERE t.relname = ANY(%s) AND t.relnamespace = current_schema()::regnamespace
              AND NOT x.indisprimary
            ORDER BY t.relname, i.relname
            """,
            [tables],
        )
        rows = cursor.fetchall()
    result = []
    for table, index, constraint, constraint_def, index_def in rows:
        if constraint:
            result.append(
                (
                    table,
                    f"ALTER TABLE {qn(table)} DROP CONSTRAINT {qn(constraint)}",
                    f"ALTER TABLE {qn(table)} ADD CONSTRAINT {qn(constraint)} {constraint_def}",
                )
            )
        else:
            result.append((table, f"DROP INDEX {qn(index)}", index_def))
    return result


def _run_builders(ranges, progress: Callable[[str], None] | None) -> None:
    for name, builder in build.BUILDERS:
        if progress:
            progress(name)
        builder(ranges)


def rebuild(days: list[date] | None, progress: Callable[[str], None] | None = None) -> None:
    fine_analyzed = parallel.applies(days)
    if fine_analyzed:
        parallel.rebuild_all(progress)
    else:
        _replace_fine(days, progress)
    # The day × touchpoint sums come from the fine rows just written, in the same transaction.
    refresh_coarse(days)
    if days is None and connection.vendor == "postgresql":
        _analyze(progress, fine=not fine_analyzed)


def _analyze(progress: Callable[[str], None] | None, *, fine: bool = True) -> None:
    """Fresh planner statistics for the tables a full rebuild rewrote. Until autovacuum gets to
    them the planner would keep the old (or empty) tables' numbers and estimate a quarter of
    touchpoint rows as one, choosing nested loops for the dashboards' reads. (The parallel
    rebuild has analysed its fine tables already.)"""
    if progress:
        progress("statistics")
    tables = [model._meta.db_table for model in build.ROLLUP_MODELS] if fine else []
    tables += [model._meta.db_table for model in COARSE.values()]
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE " + ", ".join(connection.ops.quote_name(t) for t in tables))


def _replace_fine(days: list[date] | None, progress: Callable[[str], None] | None) -> None:
    if days is not None and connection.vendor == "postgresql":
        _merge_days(days, progress)
        return
    _delete_days(days)
    ranges = None if days is None else utc_ranges(days)
    # A full rebuild on PostgreSQL has emptied the tables with TRUNCATE, so nobody sees them
    # until the commit: their secondary indexes are dropped and built again after the inserts
    # (one sort per index instead of a B-tree descent per row, which was most of the rebuild).
    # The unique constraints are checked in full when they come back, so a duplicate key still
    # fails the whole transaction.
    indexes = _rollup_indexes() if days is None and connection.vendor == "postgresql" else []
    with connection.cursor() as cursor:
        for _table, drop, _create in indexes:
            cursor.execute(drop)
    _run_builders(ranges, progress)
    if indexes:
        if progress:
            progress("indexes")
        with connection.cursor() as cursor:
            maintenance = str(getattr(settings, "CX_RECOMPUTE_MAINTENANCE_WORK_MEM", "256MB"))
            cursor.execute("SELECT set_config('maintenance_work_mem', %s, true)", [maintenance])
            for _table, _drop, create in indexes:
                cursor.execute(create)


def _merge_days(days: list[date], progress: Callable[[str], None] | None) -> None:
    """Redo some days on PostgreSQL by writing only what changed: the builders fill temporary
    copies, then each rollup loses the rows of those days that are no longer produced, gains the
    new keys and updates the rows whose parts differ. The result is the same as delete + insert
    (the tests compare every table with a full rebuild), but the rows a run does not change are
    not rewritten: redoing today every few minutes no longer piles dead versions of the same keys
    into the unique indexes, which every later insert of those keys had to step over."""
    qn = connection.ops.quote_name
    tables = [model._meta.db_table for model in build.ROLLUP_MODELS]
    staging = {table: f"merge_{table}" for table in tables}
    with connection.cursor() as cursor:
        for table, temp in staging.items():
            # Dropped after the merge as well: inside an outer transaction (tests, a caller's
            # atomic block) ON COMMIT comes too late for the next run.
            cursor.execute(
                f"DROP TABLE IF EXISTS {qn(temp)}; "
                f"CREATE TEMP TABLE {qn(temp)} (LIKE {qn(table)}) ON COMMIT DROP; "
                f"ALTER TABLE {qn(temp)} DROP COLUMN id"
            )
    sql.redirect(staging)
    try:
        _run_builders(utc_ranges(days), progress)
    finally:
        sql.redirect({})
    runs = day_runs(days)
    in_days = " OR ".join("(t.day >= %s AND t.day <= %s)" for _ in runs)
    day_params = [bound for run in runs for bound in run]
    with connection.cursor() as cursor:
        for model in build.ROLLUP_MODELS:
            table, temp = qn(model._meta.db_table), qn(staging[model._meta.db_table])
            key = [qn(c) for c in build.unique_key(model)]
            values = [
                qn(f.column)
                for f in model._meta.concrete_fields
                if f.column != "id" and qn(f.column) not in key
            ]
            columns = ", ".join(key + values)
            measures = ""
            if model is TimeHistogram:  # its key starts with the measure: name them all to use it
                names = ", ".join(str(int(m)) for m, *_ in build.HISTOGRAMS)
                measures = f"t.measure IN ({names}) AND "
            # NOT EXISTS (a hash anti-join) rather than a row-value NOT IN: the key columns are
            # never NULL, so both keep the same rows, and the anti-join does not hash whole rows.
            same_key = " AND ".join(f"s.{c} = t.{c}" for c in key)
            cursor.execute(
                f"DELETE FROM {table} t WHERE {measures}({in_days}) "
                f"AND NOT EXISTS (SELECT 1 FROM {temp} s WHERE {same_key})",
                day_params,
            )
            changed = " OR ".join(f"t.{c} IS DISTINCT FROM EXCLUDED.{c}" for c in values)
            cursor.execute(
                f"INSERT INTO {table} AS t ({columns}) SELECT {columns} FROM {temp} "
                f"ON CONFLICT ({', '.join(key)}) DO UPDATE SET "
                + ", ".join(f"{c} = EXCLUDED.{c}" for c in values)
                + f" WHERE {changed}"
            )
            cursor.execute(f"DROP TABLE {temp}")
