"""The answer rollup counts NPS, CSAT and CES answers from the responses' own score columns (one
pass over the responses instead of a join of every answer to its response). For responses stored
by the surveys services the rollup must equal the plain count of the answer rows, including a
survey with two questions of one type (those come from the answer rows) and skipped questions."""

from __future__ import annotations

from collections import Counter

import pytest
from django.db.models import CharField, F, Value
from django.db.models.functions import Cast, Coalesce, NullIf, TruncDate

from metrics import services
from metrics.models import AnswerDaily, ResponseDaily
from metrics.rollups import org_zone
from metrics.rollups.surveys import score_questions
from surveys.models import Answer, Question
from surveys.services import response_submit
from tests import factories
from tests.metrics import factories as mf

pytestmark = pytest.mark.django_db


def _answer_rows_counted_from_answers() -> Counter:
    value = Coalesce(
        Cast("number", output_field=CharField()),
        NullIf(F("text"), Value("")),
        output_field=CharField(),
    )
    rows = (
        Answer.objects.exclude(question__type__in=["text", "multi_choice"])
        .annotate(v=value, d=TruncDate("response__submitted_at", tzinfo=org_zone()))
        .filter(v__isnull=False)
        .values_list("d", "question_id", "response__touchpoint_id", "v")
    )
    return Counter(rows)


def _answer_rollup() -> Counter:
    counts: Counter = Counter()
    for row in AnswerDaily.objects.values_list(
        "day", "question_id", "touchpoint_id", "value", "answers"
    ):
        counts[row[:4]] += row[4]
    return counts


def test_score_answers_from_responses_equal_the_answer_rows():
    user = factories.make_admin()  # an integration: not the public per-address budget
    one = mf.make_survey(factories.make_touchpoint(slug="checkout"), slug="one")
    mf.make_question(one, "nps", "nps", required=False)
    mf.make_question(one, "csat", "csat", scale=7, required=False)
    mf.make_question(one, "ces", "ces", required=False)
    mf.make_question(one, "stars", "rating", scale=5, required=False)
    mf.make_question(one, "why", "choice", choices=[{"value": "price"}, {"value": "speed"}],
                     required=False)  # fmt: skip
    two = mf.make_survey(factories.make_touchpoint(slug="store"), slug="two")
    mf.make_question(two, "nps", "nps", required=False)
    mf.make_question(two, "nps_staff", "nps", required=False)
    mf.make_question(two, "csat", "csat", required=False)
    answers = [
        {"nps": 9, "csat": 7, "ces": 2, "stars": 4, "why": "price"},
        {"nps": 0, "csat": 1},
        {"ces": 7, "why": "speed"},
        {"nps": 10, "csat": 6, "ces": 1},
        {},
    ]
    for index in range(30):
        response_submit(survey=one, answers=answers[index % len(answers)], user=user)
    for index in range(12):
        response_submit(
            survey=two,
            answers={"nps": index % 11, "nps_staff": (index * 3) % 11, "csat": 1 + index % 5}
            if index % 4
            else {"nps_staff": 5},
            user=user,
        )
    scores = score_questions()
    assert {Question.objects.get(pk=q).survey.slug for q in scores} == {"one", "two"}
    # Survey two has two NPS questions: they are counted from the answer rows.
    assert not Question.objects.filter(pk__in=scores, survey=two, type="nps").exists()

    services.recompute(full=True)
    assert _answer_rollup() == _answer_rows_counted_from_answers()
    assert sum(ResponseDaily.objects.values_list("responses", flat=True)) == 42

    # The incremental path (merge on PostgreSQL, delete + insert elsewhere) agrees as well.
    response_submit(survey=one, answers={"nps": 3, "csat": 2, "ces": 4}, user=user)
    response_submit(survey=two, answers={"nps": 8, "nps_staff": 8}, user=user)
    services.recompute()
    assert _answer_rollup() == _answer_rows_counted_from_answers()
