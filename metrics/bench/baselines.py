"""One raw SQL aggregate per read figure: the same numbers computed straight from the raw rows.

Each read figure is shown beside its baseline as a ratio, so a noisy machine still shows whether
reads come from rollups (a small fraction of a raw scan) or from the raw rows (about 1×).
"""

from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings
from django.db import connection

# The bucket and range bounds are computed in the organisation's zone, like the KPI periods.
_RANGE = """r.submitted_at >= (%(start)s::timestamp AT TIME ZONE %(tz)s)
        AND r.submitted_at < (%(end_excl)s::timestamp AT TIME ZONE %(tz)s)"""

NPS_BY_TOUCHPOINT_WEEK = f"""
SELECT t.slug,
       date_trunc('week', r.submitted_at AT TIME ZONE %(tz)s)::date AS week,
       count(*) AS n,
       count(*) FILTER (WHERE r.nps_score >= 9) AS promoters,
       count(*) FILTER (WHERE r.nps_score <= 6) AS detractors
FROM surveys_response r JOIN journeys_touchpoint t ON t.id = r.touchpoint_id
WHERE r.nps_score IS NOT NULL AND {_RANGE}
GROUP BY 1, 2"""

NPS_TOTAL = f"""
SELECT count(*) AS n,
       count(*) FILTER (WHERE r.nps_score >= 9) AS promoters,
       count(*) FILTER (WHERE r.nps_score <= 6) AS detractors
FROM surveys_response r
WHERE r.nps_score IS NOT NULL AND {_RANGE}"""

# What the overview shows over its window: survey scores and ticket figures by week.
SURVEY_SCORES_BY_WEEK = f"""
SELECT date_trunc('week', r.submitted_at AT TIME ZONE %(tz)s)::date AS week,
       count(r.nps_score), count(*) FILTER (WHERE r.nps_score >= 9),
       count(*) FILTER (WHERE r.nps_score <= 6),
       count(r.csat_score), count(*) FILTER (WHERE r.csat_score * 5 >= r.csat_scale * 4),
       avg(r.csat_score), count(r.ces_score), avg(r.ces_score)
FROM surveys_response r
WHERE {_RANGE} %(touchpoint_filter)s
GROUP BY 1"""

TICKETS_BY_WEEK = """
SELECT date_trunc('week', k.created_at AT TIME ZONE %(tz)s)::date AS week,
       count(*), avg(k.frt_seconds), avg(k.frt_business_seconds),
       percentile_cont(0.5) WITHIN GROUP (ORDER BY k.frt_seconds),
       count(*) FILTER (WHERE k.is_fcr),
       count(*) FILTER (WHERE k.sla_first_response_breached OR k.sla_resolution_breached),
       avg(k.resolution_seconds)
FROM tickets_ticket k
WHERE k.created_at >= (%(start)s::timestamp AT TIME ZONE %(tz)s)
  AND k.created_at < (%(end_excl)s::timestamp AT TIME ZONE %(tz)s) %(touchpoint_filter)s
GROUP BY 1"""


def _params(start: date, end: date) -> dict:
    return {
        "tz": settings.TIME_ZONE,
        "start": start.isoformat(),
        "end_excl": (end + timedelta(days=1)).isoformat(),
    }


def _run(query: str, params: dict, *, jit: bool = True) -> list[tuple]:
    with connection.cursor() as cursor:
        if not jit:
            cursor.execute("SET jit = off")
        try:
            cursor.execute(query, params)
            return cursor.fetchall()
        finally:
            if not jit:
                cursor.execute("RESET jit")


def nps(n: int, promoters: int, detractors: int) -> float | None:
    return None if not n else 100.0 * (promoters - detractors) / n


def nps_by_touchpoint_week(start: date, end: date, *, jit: bool = True) -> dict:
    """{(touchpoint slug, ISO week Monday): (nps, n)} — the series API's numbers."""
    rows = _run(NPS_BY_TOUCHPOINT_WEEK, _params(start, end), jit=jit)
    return {(slug, week): (nps(n, p, d), n) for slug, week, n, p, d in rows}


def nps_summary(start: date, end: date, *, jit: bool = True) -> dict:
    """The summary API's numbers: this period and the same length just before it."""
    length = (end - start).days + 1
    previous_end = start - timedelta(days=1)
    previous_start = previous_end - timedelta(days=length - 1)
    current = _run(NPS_TOTAL, _params(start, end), jit=jit)[0]
    previous = _run(NPS_TOTAL, _params(previous_start, previous_end), jit=jit)[0]
    return {
        "value": nps(*current),
        "n": current[0],
        "previous_value": nps(*previous),
        "previous_n": previous[0],
    }


def _dashboard(start: date, end: date, touchpoint_id: int | None, *, jit: bool) -> int:
    params = _params(start, end)
    if touchpoint_id is None:
        surveys = SURVEY_SCORES_BY_WEEK.replace("%(touchpoint_filter)s", "")
        tickets = TICKETS_BY_WEEK.replace("%(touchpoint_filter)s", "")
    else:
        surveys = SURVEY_SCORES_BY_WEEK.replace(
            "%(touchpoint_filter)s", "AND r.touchpoint_id = %(touchpoint)s"
        )
        tickets = TICKETS_BY_WEEK.replace(
            "%(touchpoint_filter)s", "AND k.touchpoint_id = %(touchpoint)s"
        )
        params["touchpoint"] = touchpoint_id
    return len(_run(surveys, params, jit=jit)) + len(_run(tickets, params, jit=jit))


def overview(start: date, end: date, *, jit: bool = True) -> int:
    """Survey scores and ticket figures by week over the whole organisation (two scans)."""
    return _dashboard(start, end, None, jit=jit)


def touchpoint(start: date, end: date, touchpoint_id: int, *, jit: bool = True) -> int:
    """The same for one touchpoint (index range scans on touchpoint and time)."""
    return _dashboard(start, end, touchpoint_id, jit=jit)
