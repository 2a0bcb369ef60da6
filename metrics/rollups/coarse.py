"""Coarse rollups: fine rollups summed per day × touchpoint.

The fine response and ticket rollups are keyed by day × touchpoint × channel × persona × language
(or category and priority), so their row count keeps growing with the data; the usual read (no
channel, persona, language or category filter, grouped by nothing or by touchpoint) only needs the
day × touchpoint sums. Those live in coarse tables refilled from the fine rows of the same days in
the recompute transaction, after the fine rows are replaced, so both always agree.
"""

from __future__ import annotations

from datetime import date

from django.db import connection

from metrics import models as m
from metrics.rollups import day_runs

COARSE_KEY = ("day", "touchpoint_id")
# fine rollup -> its per day × touchpoint sum
COARSE = {
    m.ResponseDaily: m.ResponseDayTouchpoint,
    m.TicketDaily: m.TicketDayTouchpoint,
    m.ResolutionDaily: m.ResolutionDayTouchpoint,
    m.InvitationDaily: m.InvitationDayTouchpoint,
}


def coarse_columns(coarse) -> list[str]:
    """The summed columns of a coarse rollup (every column but the id and the key)."""
    return [
        f.column
        for f in coarse._meta.concrete_fields
        if not f.primary_key and f.column not in COARSE_KEY
    ]


def fill_sql(fine, coarse, where: str = "") -> str:
    """INSERT … SELECT day, touchpoint_id, SUM(…) FROM fine [WHERE …] GROUP BY 1, 2, in day order:
    a hash aggregate hands its groups out in no order, which scattered a 90-day window's rows over
    nearly every page of the table; written by day, reads of a window touch a third of them."""
    qn = connection.ops.quote_name
    columns = coarse_columns(coarse)
    names = ", ".join(qn(c) for c in (*COARSE_KEY, *columns))
    sums = ", ".join(f"SUM({qn(c)})" for c in columns)
    return (
        f"INSERT INTO {qn(coarse._meta.db_table)} ({names}) "
        f"SELECT {qn('day')}, {qn('touchpoint_id')}, {sums} "
        f"FROM {qn(fine._meta.db_table)}{where} GROUP BY 1, 2 ORDER BY 1, 2"
    )


def refresh_coarse(days: list[date] | None) -> None:
    """Replace the coarse rows of the given days (None: all) with sums of the fine rows."""
    qn = connection.ops.quote_name
    where, params = "", []
    if days is not None:
        runs = day_runs(days)
        if not runs:
            return
        where = " WHERE " + " OR ".join(f"({qn('day')} >= %s AND {qn('day')} <= %s)" for _ in runs)
        params = [bound for run in runs for bound in run]
    with connection.cursor() as cursor:
        for fine, coarse in COARSE.items():
            table = qn(coarse._meta.db_table)
            if days is None and connection.vendor == "postgresql":
                cursor.execute(f"TRUNCATE {table}")
            else:
                cursor.execute(f"DELETE FROM {table}{where}", params)
            cursor.execute(fill_sql(fine, coarse, where), params)
