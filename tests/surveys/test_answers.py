"""Every question type accepted and rejected at its bounds, through the service and the API."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from journeys.models import Customer
from surveys import services
from surveys.models import Answer, Response
from tests import factories
from tests.surveys.factories import ALL_TYPES, make_survey

pytestmark = pytest.mark.django_db

GOOD = {
    "nps": 10,
    "csat": 5,
    "csat7": 7,
    "ces": 7,
    "rating": 1,
    "yes": False,
    "pick": "speed",
    "many": ["web", "app"],
    "comment": "Fine 👍 \u200f",
}


@pytest.fixture
def survey():
    return make_survey(questions=ALL_TYPES)


def test_every_question_type_accepts_its_bounds(survey):
    response = services.response_submit(survey=survey, answers=GOOD, client_ip="1.1.1.1")
    assert response.nps_score == 10
    assert response.csat_score == 5 and response.csat_scale == 5
    assert response.ces_score == 7
    assert response.has_comment
    low = dict(GOOD, nps=0, csat=1, csat7=1, ces=1, rating=5, yes=True, many=["store"])
    response = services.response_submit(survey=survey, answers=low, client_ip="1.1.1.1")
    assert (response.nps_score, response.csat_score, response.ces_score) == (0, 1, 1)
    stored = {a.question.key: a for a in Answer.objects.filter(response=response)}
    assert stored["yes"].number == 1
    assert stored["many"].choices == ["store"]
    assert stored["comment"].text == "Fine 👍 \u200f"


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("nps", 11),
        ("nps", -1),
        ("nps", 7.5),
        ("nps", "7"),
        ("nps", None),
        ("nps", True),
        ("ces", 0),
        ("ces", 8),
        ("csat", 6),
        ("csat", 0),
        ("csat7", 8),
        ("rating", 6),
        ("yes", "yes"),
        ("pick", "cheap"),
        ("pick", ["price"]),
        ("many", ["web", "web"]),
        ("many", ["fax"]),
        ("many", []),
        ("many", "web"),
        ("comment", "x" * 5001),
        ("comment", "bad\x00byte"),
        ("comment", 12),
        ("unknown_key", 3),
    ],
)
def test_service_refuses_out_of_bounds_answers_and_names_the_question(survey, key, value):
    answers = dict(GOOD, **{key: value})
    with pytest.raises(services.AnswersInvalid) as error:
        services.response_submit(survey=survey, answers=answers, client_ip="1.1.1.1")
    assert key in error.value.errors
    assert Response.objects.count() == 0


def test_missing_required_answer_is_refused(survey):
    answers = {k: v for k, v in GOOD.items() if k != "nps"}
    with pytest.raises(services.AnswersInvalid) as error:
        services.response_submit(survey=survey, answers=answers, client_ip="1.1.1.1")
    assert "nps" in error.value.errors


def test_optional_questions_may_be_skipped(survey):
    response = services.response_submit(survey=survey, answers={"nps": 8}, client_ip="1.1.1.1")
    assert response.csat_score is None and response.answers.count() == 1


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("nps", 11),
        ("nps", -1),
        ("nps", 7.5),
        ("nps", "7"),
        ("nps", None),
        ("ces", 0),
        ("ces", 8),
        ("csat", 6),
        ("unknown", 1),
    ],
)
def test_api_gives_400_naming_the_question_and_writes_nothing(survey, key, value):
    before = Customer.objects.count()
    client = factories.api_client()
    answers = dict(GOOD, **{key: value})
    reply = client.post(
        f"/api/v1/surveys/{survey.slug}/responses/",
        {"answers": answers, "customer": "new-customer"},
        format="json",
    )
    assert reply.status_code == 400
    assert key in reply.json()["answers"]
    assert Response.objects.count() == 0
    assert Answer.objects.count() == 0
    assert Customer.objects.count() == before


def test_nothing_partial_is_written_when_the_fourth_of_five_answers_is_bad():
    survey = make_survey(
        questions=[
            {"key": "a", "type": "nps", "text": "A"},
            {"key": "b", "type": "csat", "text": "B"},
            {"key": "c", "type": "ces", "text": "C"},
            {"key": "d", "type": "rating", "text": "D"},
            {"key": "e", "type": "text", "text": "E"},
        ]
    )
    reply = factories.api_client().post(
        f"/api/v1/surveys/{survey.slug}/responses/",
        {"answers": {"a": 9, "b": 4, "c": 6, "d": 9, "e": "ok"}, "customer": "c-partial"},
        format="json",
    )
    assert reply.status_code == 400
    assert list(reply.json()["answers"]) == ["d"]
    assert not Response.objects.exists()
    assert not Answer.objects.exists()
    assert not Customer.objects.filter(external_id="c-partial").exists()


def test_api_accepts_a_valid_response_and_creates_the_customer(survey):
    reply = factories.api_client().post(
        f"/api/v1/surveys/{survey.slug}/responses/",
        {"answers": GOOD, "customer": "c-77", "channel": "app"},
        format="json",
    )
    assert reply.status_code == 201, reply.content
    body = reply.json()
    assert body["nps_score"] == 10 and body["customer"] == "c-77" and body["channel"] == "app"
    assert body["answers"]["many"] == ["app", "web"]
    response = Response.objects.get()
    assert response.touchpoint == survey.touchpoint


def test_api_refuses_unknown_fields_and_unknown_channel(survey):
    client = factories.api_client()
    url = f"/api/v1/surveys/{survey.slug}/responses/"
    reply = client.post(url, {"answers": GOOD, "nps_score": 10}, format="json")
    assert reply.status_code == 400 and "nps_score" in reply.json()
    reply = client.post(url, {"answers": GOOD, "channel": "pigeon"}, format="json")
    assert reply.status_code == 400 and "channel" in reply.json()
    assert not Response.objects.exists()


def test_past_submitted_at_only_for_history_importers(survey, admin_user, survey_admin):
    past = "2025-01-05T10:00:00Z"
    url = f"/api/v1/surveys/{survey.slug}/responses/"
    reply = factories.api_client(survey_admin).post(
        url, {"answers": {"nps": 5}, "submitted_at": past}, format="json"
    )
    assert reply.status_code == 201
    assert not reply.json()["submitted_at"].startswith("2025-01-05")
    reply = factories.api_client(admin_user).post(
        url, {"answers": {"nps": 5}, "submitted_at": past}, format="json"
    )
    assert reply.json()["submitted_at"].startswith("2025-01-05")


def test_inactive_and_expired_surveys_refuse_with_a_clear_message(survey):
    services.survey_set_active(survey=survey, active=False)
    reply = factories.api_client().post(
        f"/api/v1/surveys/{survey.slug}/responses/", {"answers": {"nps": 3}}, format="json"
    )
    assert reply.status_code == 400
    assert "not active" in reply.json()["detail"]
    with pytest.raises(ValidationError):
        services.response_submit(survey=survey, answers={"nps": 3})


def test_language_must_be_one_the_survey_offers(survey):
    with pytest.raises(ValidationError) as error:
        services.response_submit(survey=survey, answers={"nps": 3}, language="it")
    assert "language" in error.value.message_dict


def test_survey_outside_its_window_is_refused_with_a_clear_message():
    from datetime import timedelta

    from django.utils import timezone

    ended = make_survey(
        starts_at=timezone.now() - timedelta(days=10), ends_at=timezone.now() - timedelta(days=1)
    )
    reply = factories.api_client().post(
        f"/api/v1/surveys/{ended.slug}/responses/", {"answers": {"nps": 3}}, format="json"
    )
    assert reply.status_code == 400 and "closed" in reply.json()["detail"]
    future = make_survey(starts_at=timezone.now() + timedelta(days=1))
    reply = factories.api_client().post(
        f"/api/v1/surveys/{future.slug}/responses/", {"answers": {"nps": 3}}, format="json"
    )
    assert reply.status_code == 400 and "not opened" in reply.json()["detail"]
    assert not Response.objects.exists()


def test_survey_window_must_be_ordered():
    from datetime import timedelta

    from django.utils import timezone

    with pytest.raises(ValidationError) as error:
        make_survey(starts_at=timezone.now(), ends_at=timezone.now() - timedelta(days=1))
    assert "ends_at" in error.value.message_dict
