"""The answer distribution of survey questions: counts per question and value over a period."""

from __future__ import annotations

from datetime import date

from django.db.models import Sum

from metrics.kpis import KPIS
from metrics.models import AnswerDaily, ResponseDaily
from metrics.rollups import read
from metrics.rollups.surveys import SCORE_VALUES, stored_score_questions
from metrics.types import KpiFilters
from surveys.models import Question, Survey


def answer_distribution(
    *,
    start: date,
    end: date,
    filters: KpiFilters = KpiFilters(),  # noqa: B008 - frozen dataclass, never mutated
    survey: str | None = None,
) -> dict[str, dict[str, int]]:
    """{question key: {value: answers}} for the responses submitted in [start, end]. Questions of
    different surveys that share a key are added up."""
    from metrics.selectors import _check_range  # the package imports this module at its end

    _check_range(start, end)
    survey_id = read._slug_id(Survey, survey, "survey") if survey else None
    where = read.filter_q(KPIS["nps"], filters)
    counts: dict[int, dict[str, int]] = {}

    answers = AnswerDaily.objects.filter(where, day__gte=start, day__lte=end)
    if survey_id is not None:
        answers = answers.filter(survey_id=survey_id)
    for row in answers.values("question_id", "value").annotate(n=Sum("answers")).order_by():
        _add(counts, row["question_id"], row["value"], int(row["n"]))

    scores = stored_score_questions()  # the set the rollups were built with
    if survey_id is not None:
        scores = {qid: kind for qid, kind in scores.items() if kind[1] == survey_id}
    if scores:
        columns = sorted({c for values in SCORE_VALUES.values() for _v, cs in values for c in cs})
        totals = ResponseDaily.objects.filter(
            where, day__gte=start, day__lte=end, survey_id__in={s for _t, s in scores.values()}
        )
        by_survey = {
            row["survey_id"]: row
            for row in totals.values("survey_id").annotate(**{c: Sum(c) for c in columns})
        }
        for qid, (qtype, sid) in scores.items():
            row = by_survey.get(sid)
            for value, parts in SCORE_VALUES[qtype] if row else ():
                _add(counts, qid, value, sum(int(row[c] or 0) for c in parts))

    keys = dict(Question.objects.filter(id__in=counts).values_list("id", "key"))
    result: dict[str, dict[str, int]] = {}
    for qid, values in counts.items():
        bucket = result.setdefault(keys.get(qid, str(qid)), {})
        for value, n in values.items():
            bucket[value] = bucket.get(value, 0) + n
    return result


def _add(counts: dict[int, dict[str, int]], qid: int, value: str, n: int) -> None:
    if n > 0:
        values = counts.setdefault(qid, {})
        values[value] = values.get(value, 0) + n
