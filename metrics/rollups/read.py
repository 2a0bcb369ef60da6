"""Summing rollup rows for any period and breakdown: one aggregate query per call, never raw rows.

Every function returns summed parts keyed by (period start or None, group id or None); the KPI
registry (metrics.kpis) turns parts into values and intervals.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

from django.db import connection
from django.db.models import BigIntegerField, F, Q, Sum
from django.db.models.functions import Cast, TruncMonth, TruncWeek

from journeys.models import Channel, Journey, Persona, Stage, StageTouchpoint, Touchpoint
from metrics import models as m
from metrics.kpis import KpiDefinition
from metrics.models import CES_POINTS, CSAT5_POINTS, CSAT7_POINTS, NPS_POINTS
from metrics.rollups.coarse import COARSE
from metrics.types import KpiFilters

Key = tuple[date | None, int | None]
GROUP_COLUMNS = {
    "touchpoint": "touchpoint_id",
    "channel": "channel_id",
    "persona": "persona_id",
    "category": "category_id",
    "stage": "stage_id",
}
RESPONSE_FIELDS = (
    ["responses"]
    + [f"nps_{p}" for p in NPS_POINTS]
    + [f"csat5_{p}" for p in CSAT5_POINTS]
    + [f"csat7_{p}" for p in CSAT7_POINTS]
    + [f"ces_{p}" for p in CES_POINTS]
)
SIMPLE = {
    "responses": (m.ResponseDaily, RESPONSE_FIELDS),
    "followups": (m.FollowUpDaily, ["triggered", "closed"]),
    "invitations": (m.InvitationDaily, ["sent", "responded"]),
    "tickets_created": (
        m.TicketDaily,
        ["created", "fcr", "sla_total", "sla_breached"]
        + [f"{p}_{s}" for p in ("frt", "frtb") for s in ("n", "sum", "sumsq")],
    ),
    "tickets_resolved": (
        m.ResolutionDaily,
        ["resolved", "reopened"]
        + [f"{p}_{s}" for p in ("res", "resb") for s in ("n", "sum", "sumsq")],
    ),
}
# The response rollup holds every survey scale side by side; a KPI sums only its own scale (plus
# `responses`, so a group with responses but none on this scale still shows as a group).
RESPONSE_KPI_FIELDS = {
    "nps": ["responses"] + [f"nps_{p}" for p in NPS_POINTS],
    "csat": ["responses"]
    + [f"csat5_{p}" for p in CSAT5_POINTS]
    + [f"csat7_{p}" for p in CSAT7_POINTS],
    "ces": ["responses"] + [f"ces_{p}" for p in CES_POINTS],
}
RESPONSE_KPI_FIELDS["csat_mean"] = RESPONSE_KPI_FIELDS["csat"]
EVENT_TYPES = ("delivered", "opened", "clicked", "converted")
LANGUAGE_ROLLUPS = {"responses", "followups", "invitations"}


def _slug_id(model, slug: str, name: str) -> int:
    found = model.objects.filter(slug=slug).values_list("id", flat=True).first()
    if found is None:
        raise ValueError(f"Unknown {name} {slug!r}.")
    return found


def filter_q(definition: KpiDefinition, filters: KpiFilters) -> Q:
    """The rollup-row filter for the given slugs (unknown or inapplicable ones raise ValueError)."""
    q = Q()
    for name in ("touchpoint", "channel", "persona", "journey", "language"):
        value = getattr(filters, name)
        if not value:
            continue
        if name == "language":
            if definition.rollup not in LANGUAGE_ROLLUPS:
                raise ValueError(f"KPI {definition.key!r} cannot be filtered by language.")
            q &= Q(language=value)
            continue
        if name not in definition.filters:
            raise ValueError(f"KPI {definition.key!r} cannot be filtered by {name}.")
        if name == "touchpoint":
            q &= Q(touchpoint_id=_slug_id(Touchpoint, value, name))
        elif name == "channel":
            q &= Q(channel_id=_slug_id(Channel, value, name))
        elif name == "persona":
            q &= Q(persona_id=_slug_id(Persona, value, name))
        elif name == "journey":
            journey_id = _slug_id(Journey, value, name)
            if definition.rollup in ("events", "stages"):
                q &= Q(journey_id=journey_id)
            else:
                touchpoints = StageTouchpoint.objects.filter(stage__journey_id=journey_id)
                q &= Q(touchpoint_id__in=list(touchpoints.values_list("touchpoint_id", flat=True)))
    return q


def _period_expression(granularity: str | None):
    if granularity == "week":
        return TruncWeek("day")
    if granularity == "month":
        return TruncMonth("day")
    return F("day")


def _as_date(value) -> date:
    return value.date() if hasattr(value, "date") and callable(value.date) else value


def _sum_rows(
    qs, granularity: str | None, group_by: str | None, aggregates: dict
) -> dict[Key, dict]:
    keys = []
    if granularity is not None:
        qs = qs.annotate(k_period=_period_expression(granularity))
        keys.append("k_period")
    if group_by is not None:
        qs = qs.annotate(k_group=F(GROUP_COLUMNS[group_by]))
        keys.append("k_group")
    if keys:
        rows = qs.values(*keys).annotate(**aggregates).order_by()
    else:
        rows = [qs.aggregate(**aggregates)]
    result: dict[Key, dict] = {}
    for row in rows:
        period = _as_date(row.pop("k_period")) if granularity is not None else None
        group = row.pop("k_group", None)
        result[(period, group)] = {k: (v or 0) for k, v in row.items()}
    return result


def simple_fields(definition: KpiDefinition) -> list[str]:
    """The rollup columns a KPI's value is computed from."""
    _model, fields = SIMPLE[definition.rollup]
    if definition.rollup == "responses":
        return RESPONSE_KPI_FIELDS.get(definition.key, fields)
    return fields


def source_model(definition: KpiDefinition, filters: KpiFilters, group_by: str | None):
    """The rollup a simple KPI is summed from: the day × touchpoint one (metrics.rollups.coarse)
    when nothing asks for a finer dimension, a few thousand rows for a quarter where the fine one
    has tens of thousands; the sums are the same."""
    model = SIMPLE[definition.rollup][0]
    coarse = COARSE.get(model)
    if (
        coarse is not None
        and group_by in (None, "touchpoint")
        and not (filters.channel or filters.persona or filters.language)
    ):
        return coarse
    return model


def simple_parts(definition, start, end, filters, granularity, group_by) -> dict[Key, dict]:
    if definition.rollup == "events":
        qs = m.EventDaily.objects.filter(
            filter_q(definition, filters), day__gte=start, day__lte=end
        )
        aggregates = {t: Sum("events", filter=Q(type=t)) for t in EVENT_TYPES}
        return _sum_rows(qs, granularity, group_by, aggregates)
    model = source_model(definition, filters, group_by)
    qs = model.objects.filter(filter_q(definition, filters), day__gte=start, day__lte=end)
    return _sum_rows(qs, granularity, group_by, _sums(model, simple_fields(definition)))


def _sums(model, fields: list[str]) -> dict:
    """SUM per column; counts cast back to bigint, since PostgreSQL's SUM(bigint) is numeric and
    decoding then converting hundreds of Decimals per read cost more than the query itself."""
    result = {}
    for name in fields:
        if isinstance(model._meta.get_field(name), BigIntegerField):
            result[name] = Cast(Sum(name), output_field=BigIntegerField())
        else:
            result[name] = Sum(name)
    return result


def daily_simple_parts(definitions, start, end, filters) -> dict[date, dict]:
    """Parts per day for several KPIs of one simple rollup under the same filters, in one query:
    the union of their columns, so the caller can sum any windows and periods out of it."""
    first = definitions[0]
    fields: list[str] = []
    for definition in definitions:
        fields += [f for f in simple_fields(definition) if f not in fields]
    model = source_model(first, filters, None)
    qs = model.objects.filter(filter_q(first, filters), day__gte=start, day__lte=end)
    rows = _sum_rows(qs, "day", None, _sums(model, fields))
    return {day: parts for (day, _group), parts in rows.items()}


def histogram_windows(definition, windows, spans, filters) -> list[dict[int, int]]:
    """A time KPI's histogram for each (first day, last day) window, in one query: rows grouped
    by bucket with one filtered sum per window, so a hundred rows come back, not buckets × days.
    `spans` are the day ranges covering every window."""
    within = Q()
    for low, high in spans:
        within |= Q(day__gte=low, day__lte=high)
    qs = m.TimeHistogram.objects.filter(
        within, filter_q(definition, filters), measure=definition.histogram_measure
    )
    aggregates = {
        f"w{index}": Sum("tickets", filter=Q(day__gte=first, day__lte=last))
        for index, (first, last) in enumerate(windows)
    }
    result: list[dict[int, int]] = [{} for _window in windows]
    for row in qs.values("bucket").annotate(**aggregates).order_by():
        for index in range(len(windows)):
            if row[f"w{index}"] is not None:
                result[index][row["bucket"]] = row[f"w{index}"]
    return result


def histogram_parts(
    definition, start, end, filters, granularity, group_by
) -> dict[Key, dict[int, int]]:
    qs = m.TimeHistogram.objects.filter(
        filter_q(definition, filters),
        measure=definition.histogram_measure,
        day__gte=start,
        day__lte=end,
    )
    keys = ["bucket"]
    if granularity is not None:
        qs = qs.annotate(k_period=_period_expression(granularity))
        keys.append("k_period")
    if group_by is not None:
        qs = qs.annotate(k_group=F(GROUP_COLUMNS[group_by]))
        keys.append("k_group")
    result: dict[Key, dict[int, int]] = defaultdict(dict)
    for row in qs.values(*keys).annotate(count=Sum("tickets")).order_by():
        period = _as_date(row["k_period"]) if granularity is not None else None
        result[(period, row.get("k_group"))][row["bucket"]] = row["count"]
    return result


def _days(start: date, end: date):
    day = start
    while day <= end:
        yield day
        day += timedelta(days=1)


def level_parts(definition, periods, filters, group_by) -> dict[Key, dict]:
    """Backlog and churn: levels at a date are running sums of daily flows since the beginning."""
    start, end = periods[0][1], periods[-1][2]
    q = filter_q(definition, filters)
    group_key = GROUP_COLUMNS[group_by] if group_by else None
    if definition.rollup == "backlog":
        qs = m.BacklogFlow.objects.filter(q)
        aggregates = {"opened": Sum("opened"), "closed": Sum("closed")}
    else:
        qs = m.CustomerFlow.objects.filter(q)
        aggregates = {
            "opened": Sum("customers", filter=Q(kind=m.CustomerFlow.JOINED)),
            "closed": Sum("customers", filter=Q(kind=m.CustomerFlow.CHURNED)),
        }
    group_fields = [group_key] if group_key else []
    before: dict = defaultdict(lambda: [0, 0])
    if group_fields:
        before_rows = list(
            qs.filter(day__lt=start).values(*group_fields).annotate(**aggregates).order_by()
        )
    else:
        before_rows = [qs.filter(day__lt=start).aggregate(**aggregates)]
    for row in before_rows:
        g = row.get(group_key) if group_key else None
        before[g] = [row["opened"] or 0, row["closed"] or 0]
    daily: dict = defaultdict(dict)
    for row in (
        qs.filter(day__gte=start, day__lte=end)
        .values("day", *group_fields)
        .annotate(**aggregates)
        .order_by()
    ):
        g = row.get(group_key) if group_key else None
        daily[g][row["day"]] = (row["opened"] or 0, row["closed"] or 0)
    result: dict[Key, dict] = {}
    for g in set(before) | set(daily):
        opened, closed = before[g]
        flows = daily.get(g, {})
        for period_start, p_start, p_end in periods:
            if definition.rollup == "backlog":
                for day in _days(p_start, p_end):
                    o, c = flows.get(day, (0, 0))
                    opened, closed = opened + o, closed + c
                result[(period_start, g)] = {
                    "backlog": opened - closed,
                    "_has_history": 1 if opened else 0,
                }
            else:
                active_start = opened - closed
                churned = 0
                for day in _days(p_start, p_end):
                    o, c = flows.get(day, (0, 0))
                    opened, closed, churned = opened + o, closed + c, churned + c
                result[(period_start, g)] = {"active_start": active_start, "churned": churned}
    return result


def _next_stages(journey_ids: list[int] | None) -> dict[int, tuple[int, int]]:
    """stage id -> (next stage id, conversion window in seconds)."""
    stages = Stage.objects.select_related("journey").order_by("journey_id", "order", "id")
    if journey_ids is not None:
        stages = stages.filter(journey_id__in=journey_ids)
    mapping: dict[int, tuple[int, int]] = {}
    previous = None
    for stage in stages:
        if previous is not None and previous.journey_id == stage.journey_id:
            mapping[previous.id] = (stage.id, stage.journey.conversion_window_days * 86400)
        previous = stage
    return mapping


def _plus_seconds(column: str) -> str:
    if connection.vendor == "postgresql":
        return f"{column} + (%s * interval '1 second')"
    # Django's own SQLite function: exact microsecond arithmetic on its datetime strings.
    return f"django_format_dtdelta('+', {column}, %s * 1000000)"


def stage_parts(definition, periods, filters, group_by) -> dict[Key, dict]:
    """Stage conversion from the compact per (customer, stage, day) table with one bounded query
    per period: each customer's first stage-k time in the period, and whether any stage-k+1 row
    overlaps [first, first + window]."""
    filter_q(definition, filters)  # refuses filters that do not apply (touchpoint, channel)
    journey_ids = None
    if filters.journey:
        journey_ids = [_slug_id(Journey, filters.journey, "journey")]
    persona_id = _slug_id(Persona, filters.persona, "persona") if filters.persona else None
    mapping = _next_stages(journey_ids)
    result: dict[Key, dict] = {}
    if not mapping:
        return result
    stage_ids = list(mapping)
    next_case = " ".join(f"WHEN {int(k)} THEN {int(v[0])}" for k, v in mapping.items())
    window_case = " ".join(f"WHEN {int(k)} THEN {int(v[1])}" for k, v in mapping.items())
    group_column = {"stage": "f.stage_id", "persona": "f.persona_id"}.get(group_by or "", "0")
    placeholders = ", ".join(["%s"] * len(stage_ids))
    persona_sql = "AND persona_id = %s" if persona_id is not None else ""
    plus = _plus_seconds("f.first_at")
    sql = f"""
        SELECT {group_column} AS g, COUNT(*) AS entered,
               SUM(CASE WHEN EXISTS (
                   SELECT 1 FROM metrics_stage_day s2
                   WHERE s2.customer_id = f.customer_id
                     AND s2.stage_id = (CASE f.stage_id {next_case} END)
                     AND s2.last_at >= f.first_at
                     AND s2.first_at <= {plus.replace("%s", f"(CASE f.stage_id {window_case} END)")}
               ) THEN 1 ELSE 0 END) AS converted
        FROM (
            SELECT customer_id, stage_id, MIN(persona_id) AS persona_id, MIN(first_at) AS first_at
            FROM metrics_stage_day
            WHERE stage_id IN ({placeholders}) AND day >= %s AND day <= %s {persona_sql}
            GROUP BY customer_id, stage_id
        ) f
        {"GROUP BY " + group_column if group_by else ""}
    """
    with connection.cursor() as cursor:
        for period_start, p_start, p_end in periods:
            params: list = [*stage_ids, p_start, p_end]
            if persona_id is not None:
                params.append(persona_id)
            cursor.execute(sql, params)
            for g, entered, converted in cursor.fetchall():
                key = (period_start, g if group_by else None)
                result[key] = {"entered": entered or 0, "converted": converted or 0}
    return result
