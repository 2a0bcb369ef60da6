"""Survey rollups: responses (answer-point counts), closed-loop follow-ups and answer
distributions, each one INSERT … SELECT per statement (metrics.rollups.sql)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection
from django.db.models import CharField, Count, F, Q, Value
from django.db.models.functions import Cast, Coalesce, NullIf

from metrics import models as m
from metrics.models import CES_POINTS, CSAT5_POINTS, CSAT7_POINTS, NPS_POINTS
from metrics.rollups import org_zone
from metrics.rollups.sql import (
    Ranges,
    day_of,
    grouped,
    in_ranges,
    insert_select,
    nonzero,
    target_table,
)
from surveys.models import Answer, FollowUp, Question, Response

# "Within 2 business days": two opening days of the default calendar (Mon–Fri 09:00–17:00 unless
# an administrator changed it), measured as business seconds from the follow-up ticket's creation
# to its first public agent reply (tickets' frt_business_seconds, which the tickets app derives
# with tickets.business_time).
BUSINESS_DAY_SECONDS_DEFAULT = 8 * 3600


def closed_loop_limit_seconds() -> float:
    try:
        from tickets.calendars import default_calendar_spec

        spec = default_calendar_spec()
    except Exception:  # the default calendar is optional; fall back to PRODUCT.md's 8 h days
        return 2.0 * BUSINESS_DAY_SECONDS_DEFAULT
    per_weekday: dict[int, float] = {}
    for weekday, opens, closes in spec.windows:
        seconds = (closes.hour * 3600 + closes.minute * 60) - (
            opens.hour * 3600 + opens.minute * 60
        )
        per_weekday[weekday] = per_weekday.get(weekday, 0.0) + seconds
    if not per_weekday:
        return 2.0 * BUSINESS_DAY_SECONDS_DEFAULT
    return 2.0 * sum(per_weekday.values()) / len(per_weekday)


def _response_dims(prefix: str = "") -> dict:
    return {
        "k_day": day_of(f"{prefix}submitted_at"),
        "k_tp": F(f"{prefix}touchpoint_id"),
        "k_ch": nonzero(F(f"{prefix}channel_id")),
        "k_persona": nonzero(F(f"{prefix}customer__persona_id")),
        "k_lang": F(f"{prefix}language"),
    }


RESPONSE_COLUMNS = {
    "day": "k_day",
    "touchpoint_id": "k_tp",
    "channel_id": "k_ch",
    "persona_id": "k_persona",
    "language": "k_lang",
}


# Answer values of a score question type -> [(value, the ResponseDaily columns that count it)]:
# the answer distribution of a survey's NPS, CSAT and CES questions is read from those counts.
SCORE_VALUES: dict[str, list[tuple[str, list[str]]]] = {
    Question.Type.NPS: [(str(p), [f"nps_{p}"]) for p in NPS_POINTS],
    Question.Type.CSAT: [
        (str(p), [f"csat5_{p}"] * (p in CSAT5_POINTS) + [f"csat7_{p}"]) for p in CSAT7_POINTS
    ],
    Question.Type.CES: [(str(p), [f"ces_{p}"]) for p in CES_POINTS],
}


def _score_aggregates() -> dict:
    aggs: dict = {"a_responses": Count("id")}
    for p in NPS_POINTS:
        aggs[f"a_nps_{p}"] = Count("id", filter=Q(nps_score=p))
    for p in CSAT5_POINTS:
        aggs[f"a_csat5_{p}"] = Count("id", filter=Q(csat_scale=5, csat_score=p))
    for p in CSAT7_POINTS:
        aggs[f"a_csat7_{p}"] = Count("id", filter=Q(csat_scale=7, csat_score=p))
    for p in CES_POINTS:
        aggs[f"a_ces_{p}"] = Count("id", filter=Q(ces_score=p))
    return aggs


ScoreSet = dict[int, tuple[str, int]]  # {question id: (type, survey id)}
# The set a running recompute builds with (recompute_scores), seen by its builder threads too.
_pinned: ScoreSet | None = None


def current_score_questions() -> ScoreSet:
    """Every NPS, CSAT and CES question that is its survey's only question of that type: its
    answers are exactly the response's own score column (the surveys services store each
    response's first NPS, CSAT and CES answer there, and the scale of a question that has answers
    is fixed), so they are counted in the response rollup by survey rather than as answer rows."""
    rows = list(
        Question.objects.filter(type__in=list(SCORE_VALUES)).values_list("id", "type", "survey_id")
    )
    per_survey_type: dict[tuple[int, str], int] = {}
    for _qid, qtype, survey_id in rows:
        per_survey_type[(survey_id, qtype)] = per_survey_type.get((survey_id, qtype), 0) + 1
    return {
        qid: (qtype, survey_id)
        for qid, qtype, survey_id in rows
        if per_survey_type[(survey_id, qtype)] == 1
    }


def stored_score_questions() -> ScoreSet:
    """The set the rollups were built with (metrics.models.ScoreQuestion): what readers use."""
    return {
        qid: (qtype, survey_id)
        for qid, qtype, survey_id in m.ScoreQuestion.objects.values_list(
            "question_id", "type", "survey_id"
        )
    }


def score_questions() -> ScoreSet:
    """The set builders leave out of the answer rows: the running recompute's, else the stored
    one, so a refresh of some days never mixes two sets."""
    return _pinned if _pinned is not None else stored_score_questions()


def changed_score_questions(old: ScoreSet, new: ScoreSet) -> set[int]:
    """Questions counted in one place under one set and in the other under the other."""
    return {qid for qid in old.keys() | new.keys() if old.get(qid) != new.get(qid)}


@contextmanager
def recompute_scores(scores: ScoreSet) -> Iterator[None]:
    """Build with `scores` for the duration; the caller holds the recompute lock, so no other
    recompute in this process pins a different set meanwhile."""
    global _pinned
    previous, _pinned = _pinned, scores
    try:
        yield
    finally:
        _pinned = previous


def store_score_questions(scores: ScoreSet) -> None:
    """Record the set a recompute built with, in its transaction (readers switch with the rows)."""
    m.ScoreQuestion.objects.all().delete()
    m.ScoreQuestion.objects.bulk_create(
        m.ScoreQuestion(question_id=qid, type=qtype, survey_id=survey_id)
        for qid, (qtype, survey_id) in scores.items()
    )


def build_responses(ranges: Ranges) -> None:
    """Responses per day × survey × touchpoint × channel × persona × language, every answer point
    counted, in one grouped pass. Keyed by survey as well, these counts are also the answer
    distribution of each survey's score questions (score_questions): storing those again as
    answer rows was a million-row table and a third of a full rebuild."""
    aggs = _score_aggregates()
    dims = _response_dims() | {"k_survey": F("survey_id")}
    qs = grouped(Response.objects.filter(in_ranges("submitted_at", ranges)), dims, aggs)
    columns = RESPONSE_COLUMNS | {"survey_id": "k_survey"} | {a[2:]: a for a in aggs}
    insert_select(m.ResponseDaily, qs, columns)


def build_followups(ranges: Ranges) -> None:
    limit = closed_loop_limit_seconds()
    aggs = {
        "a_triggered": Count("id"),
        "a_closed": Count("id", filter=Q(ticket__frt_business_seconds__lte=limit)),
    }
    qs = grouped(
        FollowUp.objects.filter(in_ranges("response__submitted_at", ranges)),
        _response_dims("response__"),
        aggs,
    )
    insert_select(
        m.FollowUpDaily, qs, RESPONSE_COLUMNS | {"triggered": "a_triggered", "closed": "a_closed"}
    )


def build_answers(ranges: Ranges) -> None:
    # Numbers (NPS, CSAT, CES, rating, yes/no as 0/1) by value; single choices by their text.
    # Free text is not a distribution; multiple choices are lists (build_multi_choice_answers).
    value = Coalesce(
        Cast("number", output_field=CharField()),
        NullIf(F("text"), Value("")),
        output_field=CharField(),
    )
    # Score questions are counted from the responses' own columns (build_responses); the rest
    # are usually few, and the answer rows are read through their question index.
    scores = score_questions()  # in the response rollup
    questions = [
        qid
        for qid in Question.objects.exclude(
            type__in=[Question.Type.TEXT, Question.Type.MULTI_CHOICE]
        ).values_list("id", flat=True)
        if qid not in scores
    ]
    if not questions:
        return
    qs = (
        Answer.objects.filter(in_ranges("response__submitted_at", ranges))
        .filter(question_id__in=questions)
        .annotate(k_value=value)
        .filter(k_value__isnull=False)
    )
    dims = _response_dims("response__") | {
        "k_survey": F("question__survey_id"),
        "k_question": F("question_id"),
        "k_value": F("k_value"),
    }
    qs = grouped(qs, dims, {"a_answers": Count("id")})
    insert_select(
        m.AnswerDaily,
        qs,
        RESPONSE_COLUMNS
        | {
            "survey_id": "k_survey",
            "question_id": "k_question",
            "value": "k_value",
            "answers": "a_answers",
        },
    )


def build_multi_choice_answers(ranges: Ranges) -> None:
    """Each chosen option of a multiple-choice answer counts once under its value. The JSON list
    is unnested in the database (jsonb_array_elements_text / json_each), still one statement."""
    zone = org_zone().key
    if connection.vendor == "postgresql":
        day_sql = "(r.submitted_at AT TIME ZONE %s)::date"
        unnest = "CROSS JOIN LATERAL jsonb_array_elements_text(a.choices) AS e(value)"
        is_list = "jsonb_typeof(a.choices) = 'array'"
        day_params: list = [zone]
    else:
        day_sql = "django_datetime_cast_date(r.submitted_at, %s, 'UTC')"
        unnest = "JOIN json_each(a.choices) AS e"
        is_list = "json_type(a.choices) = 'array'"
        day_params = [zone]
    where, where_params = "", []
    if ranges is not None:
        parts = ["(r.submitted_at >= %s AND r.submitted_at < %s)" for _ in ranges]
        where = " AND (" + (" OR ".join(parts) or "1 = 0") + ")"
        where_params = [moment for pair in ranges for moment in pair]
    sql = f"""
        INSERT INTO {target_table(m.AnswerDaily)}
            (day, survey_id, question_id, touchpoint_id, channel_id, persona_id, language, value,
             answers)
        SELECT {day_sql}, q.survey_id, a.question_id, r.touchpoint_id, COALESCE(r.channel_id, 0),
               COALESCE(c.persona_id, 0), r.language, CAST(e.value AS VARCHAR(200)), COUNT(*)
        FROM surveys_answer a
        JOIN surveys_question q ON q.id = a.question_id
        JOIN surveys_response r ON r.id = a.response_id
        LEFT JOIN journeys_customer c ON c.id = r.customer_id
        {unnest}
        WHERE q.type = %s AND a.choices IS NOT NULL AND {is_list}{where}
        GROUP BY 1, 2, 3, 4, 5, 6, 7, 8
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, [*day_params, Question.Type.MULTI_CHOICE, *where_params])
