"""A full rebuild on PostgreSQL spread over several connections, swapped in at the end.

The serial rebuild runs every builder one after the other in the recompute's transaction, on one
core, with the rollup tables truncated (so dashboards wait for its commit). Here each rollup table
gets a fresh copy, "<table>__next", that the builders fill from worker threads, each with its own
connection and transaction, heaviest ready task first (metrics.rollups.scheduler); each copy
gets its indexes and planner statistics as soon as the builders writing it are done. The
recompute's transaction finally drops the live tables and
renames the copies (indexes, constraints and sequence included) to the migrated names: a few
milliseconds under the lock, so readers see the old rows until the commit and are only held up
for the swap.

Falls back to the serial path (metrics.rollups.replace) inside an outer transaction (the tests'
transactions: worker connections would not see their rows), with one worker, on other databases,
or when a rollup table cannot be swapped by this role (another owner, a view on it).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable

from django.conf import settings
from django.db import connection, transaction

from metrics.rollups import build, sql
from metrics.rollups.scheduler import Scheduler

SUFFIX = "__next"
# Seconds each builder took at the bench's million responses: only the order of the work depends
# on them (heaviest ready task first), never the result.
BUILDER_WEIGHTS = {
    "histograms": 6.5,
    "backlog": 3.6,
    "responses": 3.4,
    "invitations": 2.2,
    "tickets_created": 2.0,
    "tickets_resolved": 1.6,
    "answers": 0.3,
    "multi_choice_answers": 0.2,
    "followups": 0.2,
    "events": 0.1,
    "customers": 0.1,
}
# day_counts runs last: it sums rollups the others wrote.
LAST = "day_counts"
# The rollup tables each builder writes: a table's indexes are built once its writers are done.
WRITES = {
    "responses": ("ResponseDaily",),
    "followups": ("FollowUpDaily",),
    "answers": ("AnswerDaily",),
    "multi_choice_answers": ("AnswerDaily",),
    "tickets_created": ("TicketDaily",),
    "tickets_resolved": ("ResolutionDaily",),
    "histograms": ("TimeHistogram",),
    "backlog": ("BacklogFlow",),
    "invitations": ("InvitationDaily",),
    "customers": ("CustomerFlow",),
    "events": ("EventDaily", "StageDay"),
    "day_counts": ("SourceDayCount",),
}
# An index build's weight per megabyte of table (about 4 s for the 160 MB histogram).
INDEX_SECONDS_PER_MB = 0.03

Progress = Callable[[str], None] | None


def workers() -> int:
    configured = getattr(settings, "CX_RECOMPUTE_WORKERS", None)
    if configured:
        return max(1, int(configured))
    return max(1, min(4, os.cpu_count() or 1))


def _tables() -> list[str]:
    return [model._meta.db_table for model in build.ROLLUP_MODELS]


def shadow_name(table: str) -> str:
    return table + SUFFIX


def _temp_name(name: str) -> str:
    # PostgreSQL cuts identifiers at 63 bytes; migrated names are far shorter.
    return name[: 63 - len(SUFFIX)] + SUFFIX


def applies(days) -> bool:
    """Whether a rebuild of `days` (None: everything) takes the parallel path."""
    return (
        days is None
        and connection.vendor == "postgresql"
        and workers() > 1
        # Only the recompute's own transaction is open: worker connections see committed rows.
        and len(connection.atomic_blocks) <= 1
        and _swappable()
    )


def _swappable() -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT count(*) FROM pg_class t
            WHERE t.relname = ANY(%s) AND t.relnamespace = current_schema()::regnamespace
              AND (NOT pg_has_role(t.relowner, 'USAGE')
                   OR EXISTS (SELECT 1 FROM pg_depend d
                              WHERE d.refobjid = t.oid AND d.classid = 'pg_rewrite'::regclass))
            """,
            [_tables()],
        )
        return cursor.fetchone()[0] == 0


def _index_plan(cursor, table: str) -> list[tuple[str, str | None, str]]:
    """(index name, constraint definition or None, index definition) of every index of `table`,
    primary key and unique constraints included, as the migrations made them."""
    cursor.execute(
        """
        SELECT i.relname, c.conname, pg_get_constraintdef(c.oid), pg_get_indexdef(x.indexrelid)
        FROM pg_index x
        JOIN pg_class t ON t.oid = x.indrelid
        JOIN pg_class i ON i.oid = x.indexrelid
        LEFT JOIN pg_constraint c ON c.conindid = x.indexrelid AND c.conrelid = t.oid
        WHERE t.relname = %s AND t.relnamespace = current_schema()::regnamespace
        ORDER BY i.relname
        """,
        [table],
    )
    return [
        (index, constraint_def if constraint else None, index_def)
        for index, constraint, constraint_def, index_def in cursor.fetchall()
    ]


def _create_shadows(plans: dict[str, list]) -> None:
    qn = connection.ops.quote_name
    with connection.cursor() as cursor:
        for table in plans:
            shadow = qn(shadow_name(table))
            # Everything but the indexes, which are built once the rows are in.
            cursor.execute(
                f"DROP TABLE IF EXISTS {shadow}; "
                f"CREATE TABLE {shadow} (LIKE {qn(table)} INCLUDING DEFAULTS INCLUDING IDENTITY "
                "INCLUDING CONSTRAINTS INCLUDING GENERATED INCLUDING STORAGE)"
            )
            _copy_grants(cursor, table, shadow)


def _copy_grants(cursor, table: str, shadow: str) -> None:
    """Privileges granted on the live table to other roles (a read-only reporting role, say)."""
    cursor.execute(
        """
        SELECT a.privilege_type,
               CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE quote_ident(r.rolname) END
        FROM pg_class t CROSS JOIN LATERAL aclexplode(t.relacl) a
        LEFT JOIN pg_roles r ON r.oid = a.grantee
        WHERE t.relname = %s AND t.relnamespace = current_schema()::regnamespace
          AND a.grantee <> t.relowner
        """,
        [table],
    )
    for privilege, grantee in cursor.fetchall():
        cursor.execute(f"GRANT {privilege} ON {shadow} TO {grantee}")


def _drop_shadows(tables: list[str]) -> None:
    qn = connection.ops.quote_name
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"DROP TABLE IF EXISTS {qn(shadow_name(table))}")


def _index_shadow(table: str, plan: list, key: list[str]) -> None:
    """The live table's indexes on the copy (under temporary names), then its statistics.
    Constraints are built as plain unique indexes first and attached with USING INDEX: ADD
    CONSTRAINT alone would lock the copy against day_counts' reads for the whole build."""
    qn = connection.ops.quote_name
    shadow = qn(shadow_name(table))
    maintenance = str(getattr(settings, "CX_RECOMPUTE_MAINTENANCE_WORK_MEM", "256MB"))
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config('maintenance_work_mem', %s, true)", [maintenance])
        for index, constraint_def, index_def in plan:
            temp = qn(_temp_name(index))
            # "CREATE [UNIQUE] INDEX name ON schema.table USING …": same method, columns and
            # condition on the copy.
            unique = "UNIQUE " if index_def.startswith("CREATE UNIQUE") else ""
            method = index_def.split(" USING ", 1)[1]
            cursor.execute(f"CREATE {unique}INDEX {temp} ON {shadow} USING {method}")
            if constraint_def is not None:
                kind = "PRIMARY KEY" if constraint_def.startswith("PRIMARY KEY") else "UNIQUE"
                cursor.execute(
                    f"ALTER TABLE {shadow} ADD CONSTRAINT {temp} {kind} USING INDEX {temp}"
                )
        # Statistics of the key columns only: reads filter and group on those and only add up
        # the rest, and the dozens of count columns of a wide rollup were most of the ANALYZE.
        cursor.execute(f"ANALYZE {shadow} ({', '.join(qn(column) for column in key)})")


def _swap(plans: dict[str, list]) -> None:
    """In the caller's transaction: each copy takes its live table's place and names."""
    qn = connection.ops.quote_name
    with connection.cursor() as cursor:
        for table, plan in plans.items():
            shadow = shadow_name(table)
            cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [qn(shadow)])
            sequence = cursor.fetchone()[0]
            cursor.execute(f"DROP TABLE {qn(table)}")
            cursor.execute(f"ALTER TABLE {qn(shadow)} RENAME TO {qn(table)}")
            for index, constraint_def, _index_def in plan:
                temp = qn(_temp_name(index))
                if constraint_def is not None:
                    cursor.execute(
                        f"ALTER TABLE {qn(table)} RENAME CONSTRAINT {temp} TO {qn(index)}"
                    )
                else:
                    cursor.execute(f"ALTER INDEX {temp} RENAME TO {qn(index)}")
            if sequence:
                cursor.execute(f"ALTER SEQUENCE {sequence} RENAME TO {qn(table + '_id_seq')}")


def _in_worker(shadows: dict[str, str]):
    def wrap(task):
        sql.redirect(shadows)
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                sql.tune_session(cursor)
                return task()
        finally:
            sql.redirect({})

    return wrap


def _close_worker_connection() -> None:
    # Looked up in the worker thread: Django's connection is per thread.
    connection.close()


def _run(tasks, shadows: dict[str, str], size: int = 1) -> None:
    Scheduler(size, _in_worker(shadows), on_exit=_close_worker_connection).run(tasks)


def rebuild_all(progress: Progress = None) -> None:
    """Every rollup table built anew from all raw rows and swapped in, in the caller's
    transaction (which holds the recompute lock)."""
    tables = _tables()
    with connection.cursor() as cursor:
        plans = {table: _index_plan(cursor, table) for table in tables}
    shadows = {table: shadow_name(table) for table in tables}
    built = False
    try:
        _run([(0, lambda: _create_shadows(plans))], shadows)
        _run(_Plan(plans, progress).first_tasks(), shadows, workers())
        built = True
        _swap(plans)
    finally:
        # After a failed swap the caller's transaction still holds the copies' locks until it
        # rolls back: the next rebuild drops them instead.
        if not built:
            _run([(0, lambda: _drop_shadows(tables))], shadows)


class _Plan:
    """Which task a finished one makes ready: a table's index build once every builder that
    writes it is done, day_counts once all the other builders are."""

    def __init__(self, plans: dict[str, list], progress: Progress):
        self.plans = plans
        self.progress = progress
        self.builders = dict(build.BUILDERS)
        tables = {model.__name__: model._meta.db_table for model in build.ROLLUP_MODELS}
        self.keys = {model._meta.db_table: build.unique_key(model) for model in build.ROLLUP_MODELS}
        self.writers: dict[str, set[str]] = {table: set() for table in plans}
        for name in self.builders:
            for model_name in WRITES.get(name, ()):
                self.writers[tables[model_name]].add(name)
        self.others = {name for name in self.builders if name != LAST}
        self.lock = threading.Lock()

    def first_tasks(self) -> list:
        tasks = [(BUILDER_WEIGHTS.get(name, 1.0), self._builder(name)) for name in self.others]
        # A table no builder writes (none today) is indexed empty, at once.
        tasks += [(0, self._indexer(t)) for t, names in self.writers.items() if not names]
        return tasks

    def _builder(self, name: str):
        def task():
            if self.progress:
                self.progress(name)
            self.builders[name](None)
            return self._done(name)

        return task

    def _done(self, name: str) -> list:
        ready = []
        with self.lock:
            for table, names in self.writers.items():
                if name in names:
                    names.discard(name)
                    if not names:
                        ready.append(table)
            self.others.discard(name)
            last_ready = name != LAST and not self.others and LAST in self.builders
        tasks = [(_index_weight(table), self._indexer(table)) for table in ready]
        if last_ready:
            tasks.append((1.0, self._builder(LAST)))
        return tasks

    def _indexer(self, table: str):
        def task():
            if self.progress:
                self.progress(f"indexes of {table}")
            _index_shadow(table, self.plans[table], self.keys[table])

        return task


def _index_weight(table: str) -> float:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_relation_size(%s::regclass)",
            [connection.ops.quote_name(shadow_name(table))],
        )
        return cursor.fetchone()[0] / 1e6 * INDEX_SECONDS_PER_MB
