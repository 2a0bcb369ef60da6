"""Writes of the metrics engine: rebuilding rollups (full or incremental) and KPI targets.

rollups_refresh replaces whole days inside ONE transaction under a lock, so readers see the old or
the new rows of a day, never half, and two recomputes never double count. recompute() decides which
days to redo from updated_at watermarks (plus the days a changed or deleted row used to count in,
from per-day row counts, metrics.models.SourceDayCount) and records the fill state.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone

from journeys.models import Customer, JourneyEvent
from metrics.models import FillState, KpiTarget, SourceDayCount
from metrics.rollups import build, sql
from metrics.rollups import surveys as surveys_rollup
from metrics.rollups.replace import rebuild
from surveys.models import Answer, FollowUp, Invitation, Response
from tickets.models import StatusChange, Ticket

logger = logging.getLogger(__name__)

LOCK_KEY = 0x6378_6B70  # "cxkp": the advisory lock every recompute takes
# A row whose transaction commits after a run has read carries an updated_at from before the
# run. The stored watermark therefore never passes (run start - overlap): the next run re-reads
# the last few minutes of writes (idempotent) while rows older than that are read once only, even
# when a bulk import gave a million rows the same updated_at.
WATERMARK_OVERLAP = timedelta(minutes=5)


@dataclass(frozen=True)
class Source:
    name: str
    model: type
    time_fields: tuple[str, ...]


SOURCES = [
    Source("response", Response, ("submitted_at",)),
    Source("ticket", Ticket, ("created_at", "resolved_at")),
    Source("invitation", Invitation, ("sent_at",)),
    Source("customer", Customer, ("active_since", "churned_at")),
    Source("event", JourneyEvent, ("occurred_at",)),
]


@dataclass
class RecomputeResult:
    full: bool
    days: list[date] = field(default_factory=list)
    seconds: float = 0.0

    def describe(self) -> str:
        if self.full:
            return f"full rebuild in {self.seconds:.2f} s"
        if not self.days:
            return f"nothing changed ({self.seconds:.2f} s)"
        return (
            f"{len(self.days)} day(s) from {self.days[0]} to {self.days[-1]} "
            f"in {self.seconds:.2f} s"
        )


def _lock() -> None:
    """Serialise recomputes for the rest of the transaction."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK_KEY])
            sql.tune_session(cursor)
        return
    # Elsewhere a write to the lock row takes the database's write lock (SQLite) or a row lock.
    state, _ = FillState.objects.select_for_update().get_or_create(source="lock")
    FillState.objects.filter(pk=state.pk).update(last_computed=timezone.now())


@transaction.atomic
def rollups_refresh(*, days: Iterable[date], progress: Callable[[str], None] | None = None) -> int:
    """Recompute the given local days of every rollup from raw rows; returns how many days."""
    day_list = sorted(set(days))
    if not day_list:
        return 0
    _lock()
    rebuild(day_list, progress)
    return len(day_list)


def _source_state(source: Source) -> dict:
    # Three statements rather than one aggregate: max(updated_at) and max(id) are one index probe
    # each and count(*) alone can be an index-only scan, where a combined aggregate reads the whole
    # table (a 400 MB heap for a million responses) on every incremental run.
    objects = source.model.objects.order_by()
    return {
        "watermark": objects.aggregate(v=Max("updated_at"))["v"],
        "max_id": objects.aggregate(v=Max("id"))["v"] or 0,
        "row_count": objects.count(),
    }


def _distinct_days(qs, field_name: str) -> set[date]:
    return set(
        qs.filter(**{f"{field_name}__isnull": False})
        .annotate(k_day=build.day_of(field_name))
        .values_list("k_day", flat=True)
        .distinct()
        .order_by()
    )


def _count_mismatch(key: str, model, ts_field: str) -> set[date]:
    """Days whose current row count differs from the count stored at their last recompute."""
    current = {row["k_day"]: row["a_rows"] for row in build.day_counts(model, ts_field)}
    stored = dict(SourceDayCount.objects.filter(field=key).values_list("day", "rows"))
    return {
        day for day in current.keys() | stored.keys() if current.get(day, 0) != stored.get(day, 0)
    }


def _dirty_days(source: Source, state: FillState, now_state: dict) -> set[date]:
    """New days of rows changed since the watermark, plus the days rows left (moved or deleted).

    A day some row left is either a new day of another changed row, or its row count fell; the
    per-day counts are only compared (one grouped scan) when rows were updated in place or
    deleted, so the usual run (new rows only) reads nothing but the updated_at index."""
    since = state.watermark
    changed = source.model.objects.filter(updated_at__gt=since)
    days: set[date] = set()
    for field_name in source.time_fields:
        days |= _distinct_days(changed, field_name)
    changed_ids = changed.values("id")
    if source.name == "ticket":
        days |= _distinct_days(StatusChange.objects.filter(ticket__in=changed_ids), "at")
        # Closed loop: a follow-up ticket's first reply changes its response's day.
        days |= _distinct_days(
            FollowUp.objects.filter(ticket__in=changed_ids), "response__submitted_at"
        )
    if source.name == "response":
        days |= _distinct_days(
            FollowUp.objects.filter(created_at__gt=since), "response__submitted_at"
        )
    inserted = source.model.objects.filter(id__gt=state.max_id).count()
    deleted = now_state["row_count"] < state.row_count + inserted
    # Rows re-read in the overlap window were already counted at their last values.
    in_place = changed.filter(id__lte=state.max_id)
    if state.seen_max is not None:
        in_place = in_place.filter(updated_at__gt=state.seen_max)
    updated_in_place = in_place.exists()
    if deleted or updated_in_place:
        for key, model, ts_field in build.DAY_FIELDS:
            if key.split(".")[0] == source.name:
                days |= _count_mismatch(key, model, ts_field)
        if source.name == "ticket" and deleted:
            days |= _count_mismatch("statuschange.at", StatusChange, "at")
    return days


def _score_days(questions: set[int]) -> set[date]:
    """The days holding answers to questions that moved between the answer rollup and the
    response rollup (a survey got or lost a second NPS question, say): only those days' rows
    count them in the old place. A new survey's questions have no answers, so no days."""
    if not questions:
        return set()
    answers = Answer.objects.filter(question_id__in=questions)
    return _distinct_days(answers, "response__submitted_at")


def _next_watermark(
    seen: datetime | None, previous: datetime | None, horizon: datetime
) -> datetime | None:
    if seen is None:
        return previous
    candidate = min(seen, horizon)
    return max(candidate, previous) if previous is not None else candidate


def recompute(
    *,
    full: bool = False,
    since: date | None = None,
    progress: Callable[[str], None] | None = None,
) -> RecomputeResult:
    """Bring every rollup up to date. Incremental by default; `full` rebuilds everything;
    `since` redoes every day from that date to today (plus whatever changed)."""
    started = time.monotonic()
    horizon = timezone.now() - WATERMARK_OVERLAP
    with transaction.atomic():
        _lock()
        states = {s.name: FillState.objects.get_or_create(source=s.name)[0] for s in SOURCES}
        now_states = {s.name: _source_state(s) for s in SOURCES}
        never_filled = any(
            states[s.name].watermark is None for s in SOURCES if now_states[s.name]["row_count"]
        )
        scores = surveys_rollup.current_score_questions()
        stored_scores = surveys_rollup.stored_score_questions()
        days: set[date] | None
        with surveys_rollup.recompute_scores(scores):
            if full or never_filled:
                days = None
                rebuild(None, progress)
            else:
                days = set()
                for source in SOURCES:
                    if states[source.name].watermark is None:
                        continue
                    days |= _dirty_days(source, states[source.name], now_states[source.name])
                if since is not None:
                    today = timezone.localdate()
                    days |= {since + timedelta(days=i) for i in range((today - since).days + 1)}
                days |= _score_days(surveys_rollup.changed_score_questions(stored_scores, scores))
                if days:
                    rebuild(sorted(days), progress)
        if days is None or scores != stored_scores:
            surveys_rollup.store_score_questions(scores)
        for source in SOURCES:
            values = now_states[source.name]
            FillState.objects.filter(source=source.name).update(
                watermark=_next_watermark(
                    values["watermark"], states[source.name].watermark, horizon
                ),
                seen_max=values["watermark"] or states[source.name].seen_max,
                max_id=values["max_id"],
                row_count=values["row_count"],
                last_computed=timezone.now(),
            )
        seconds = time.monotonic() - started
        result = RecomputeResult(full=days is None, days=sorted(days or []), seconds=seconds)
        all_state, _ = FillState.objects.get_or_create(source="all")
        all_state.last_computed = timezone.now()
        all_state.last_duration = seconds
        all_state.last_days = len(result.days)
        if result.full:
            all_state.last_full = all_state.last_computed
        all_state.save()
    logger.info("KPI recompute: %s", result.describe())
    return result


TARGET_NOT_A_KPI = "Not a KPI key."
TARGET_THRESHOLD_REQUIRED = "Give a target value."


@transaction.atomic
def kpi_target_set(
    *,
    kpi_key: str,
    target: float,
    touchpoint=None,
    alert_threshold: float | None = None,
    consecutive_periods: int = 1,
) -> KpiTarget:
    from metrics.kpis import KPIS

    if kpi_key not in KPIS:
        raise ValidationError({"kpi_key": TARGET_NOT_A_KPI})
    existing = KpiTarget.objects.filter(kpi_key=kpi_key, touchpoint=touchpoint).first()
    obj = existing or KpiTarget(kpi_key=kpi_key, touchpoint=touchpoint)
    obj.target = target
    obj.alert_threshold = alert_threshold
    obj.consecutive_periods = consecutive_periods
    obj.full_clean(validate_constraints=False)
    obj.save()
    return obj
