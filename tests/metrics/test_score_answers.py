"""NPS, CSAT and CES answers are counted from the responses' own score columns, by survey in the
response rollup (one pass over the responses instead of a join of every answer to its response,
and no answer rows stored for them). For responses stored by the surveys services the answer
distribution must equal the plain count of the answer rows, including a survey with two questions
of one type (those come from the answer rows) and skipped questions."""

from __future__ import annotations

import importlib
from collections import Counter
from datetime import timedelta

import pytest
from django.apps import apps as django_apps
from django.db.models import CharField, F, Value
from django.db.models.functions import Cast, Coalesce, NullIf
from django.utils import timezone

from metrics import selectors, services
from metrics.models import AnswerDaily, ResponseDaily, ScoreQuestion
from metrics.rollups.surveys import (
    changed_score_questions,
    current_score_questions,
    stored_score_questions,
)
from surveys.models import Answer, Question
from surveys.services import response_submit
from tests import factories
from tests.metrics import factories as mf

pytestmark = pytest.mark.django_db


def _counted_from_answer_rows(survey) -> Counter:
    value = Coalesce(
        Cast("number", output_field=CharField()),
        NullIf(F("text"), Value("")),
        output_field=CharField(),
    )
    rows = (
        Answer.objects.filter(question__survey=survey)
        .exclude(question__type__in=["text", "multi_choice"])
        .annotate(v=value)
        .filter(v__isnull=False)
        .values_list("question__key", "v")
    )
    return Counter(rows)


def _read_from_rollups(survey) -> Counter:
    today = timezone.localdate()
    distribution = selectors.answer_distribution(
        start=today - timedelta(days=1), end=today + timedelta(days=1), survey=survey.slug
    )
    return Counter(
        {(key, value): n for key, values in distribution.items() for value, n in values.items()}
    )


def _agrees(*surveys) -> bool:
    return all(_read_from_rollups(s) == _counted_from_answer_rows(s) for s in surveys)


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
    scores = current_score_questions()
    assert {Question.objects.get(pk=q).survey.slug for q in scores} == {"one", "two"}
    # Survey two has two NPS questions: they are counted from the answer rows.
    assert not Question.objects.filter(pk__in=scores, survey=two, type="nps").exists()

    services.recompute(full=True)
    assert stored_score_questions() == scores
    assert _agrees(one, two)
    # Score answers live in the response rollup (by survey), not as answer rows.
    assert not AnswerDaily.objects.filter(question_id__in=scores).exists()
    assert sum(ResponseDaily.objects.values_list("responses", flat=True)) == 42

    # The incremental path (merge on PostgreSQL, delete + insert elsewhere) agrees as well.
    response_submit(survey=one, answers={"nps": 3, "csat": 2, "ces": 4}, user=user)
    response_submit(survey=two, answers={"nps": 8, "nps_staff": 8}, user=user)
    services.recompute()
    assert _agrees(one, two)


def test_a_second_score_question_moves_its_survey_between_rollups_without_miscounting():
    """Adding a second NPS question makes the first one's answers answer rows again; deleting the
    (unanswered) second makes them response counts again. Readers use the set the rollups were
    built with, so the distribution is right before the next recompute, and the recompute redoes
    the days holding the moved question's answers, so it is right after (no double count)."""
    user = factories.make_admin()
    survey = mf.make_survey(factories.make_touchpoint(slug="checkout"), slug="one")
    first = mf.make_question(survey, "nps", "nps", required=False)
    for index in range(11):
        response_submit(survey=survey, answers={"nps": index}, user=user)
    services.recompute(full=True)
    assert _agrees(survey)
    assert set(stored_score_questions()) == {first.pk}

    second = mf.make_question(survey, "nps_staff", "nps", required=False)
    assert _agrees(survey)  # before any recompute: still read from the response rollup
    result = services.recompute()
    assert result.days  # the days with answers to the first question were redone
    assert stored_score_questions() == {}
    assert AnswerDaily.objects.filter(question_id=first.pk).exists()
    assert _agrees(survey)

    response_submit(survey=survey, answers={"nps": 4}, user=user)
    services.recompute()
    assert _agrees(survey)

    second.delete()  # never answered, so the survey editor allows it
    assert _agrees(survey)
    services.recompute()
    assert set(stored_score_questions()) == {first.pk}
    assert not AnswerDaily.objects.filter(question_id=first.pk).exists()
    assert _agrees(survey)


def test_a_new_survey_does_not_redo_any_day():
    user = factories.make_admin()
    survey = mf.make_survey(factories.make_touchpoint(slug="checkout"), slug="one")
    mf.make_question(survey, "nps", "nps", required=False)
    response_submit(survey=survey, answers={"nps": 7}, user=user)
    services.recompute(full=True)
    other = mf.make_survey(factories.make_touchpoint(slug="store"), slug="two")
    question = mf.make_question(other, "nps", "nps", required=False)
    moved = changed_score_questions(stored_score_questions(), current_score_questions())
    assert moved == {question.pk}
    assert services._score_days(moved) == set()  # it has no answers: no day to redo
    services.recompute()
    assert question.pk in stored_score_questions()


def test_a_refresh_of_some_days_builds_with_the_stored_set():
    """rollups_refresh (no recompute) must not mix sets: with a second NPS question added since
    the last recompute, the first one is still left out of the answer rows, as readers expect."""
    user = factories.make_admin()
    survey = mf.make_survey(factories.make_touchpoint(slug="checkout"), slug="one")
    first = mf.make_question(survey, "nps", "nps", required=False)
    response_submit(survey=survey, answers={"nps": 9}, user=user)
    services.recompute(full=True)
    mf.make_question(survey, "nps_staff", "nps", required=False)
    services.rollups_refresh(days=[timezone.localdate()])
    assert not AnswerDaily.objects.filter(question_id=first.pk).exists()
    assert _agrees(survey)


def test_the_migration_records_the_set_the_existing_rows_were_built_with():
    migration = importlib.import_module("metrics.migrations.0008_score_question")
    one = mf.make_survey(factories.make_touchpoint(slug="checkout"), slug="one")
    mf.make_question(one, "nps", "nps")
    mf.make_question(one, "ces", "ces")
    mf.make_question(one, "why", "text")
    two = mf.make_survey(factories.make_touchpoint(slug="store"), slug="two")
    mf.make_question(two, "nps", "nps")
    mf.make_question(two, "nps_staff", "nps")
    ScoreQuestion.objects.all().delete()
    migration.record_current_score_questions(django_apps, None)
    assert stored_score_questions() == current_score_questions()
    assert {kind for kind, _survey in stored_score_questions().values()} == {"nps", "ces"}
