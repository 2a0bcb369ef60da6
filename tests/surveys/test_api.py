"""The surveys API: CRUD for survey admins, validation of definitions, response lists."""

from __future__ import annotations

import pytest

from surveys import services
from surveys.models import Survey
from tests import factories
from tests.surveys.factories import make_survey

pytestmark = pytest.mark.django_db


def _payload(tp, **overrides):
    data = {
        "slug": "delivery-nps",
        "name": "Delivery NPS",
        "touchpoint": tp.slug,
        "questions": [
            {"key": "nps", "type": "nps", "text": "Recommend?", "required": True},
            {"key": "csat", "type": "csat", "text": "Satisfied?", "scale": 7},
            {"key": "comment", "type": "text", "text": "Why?"},
        ],
    }
    data.update(overrides)
    return data


def test_survey_admin_creates_reads_updates_a_survey(survey_admin):
    touchpoint = factories.make_touchpoint()
    client = factories.api_client(survey_admin)
    reply = client.post("/api/v1/surveys/", _payload(touchpoint), format="json")
    assert reply.status_code == 201, reply.content
    body = reply.json()
    assert [q["key"] for q in body["questions"]] == ["nps", "csat", "comment"]
    assert body["url"].endswith("/s/delivery-nps/")
    detail = client.get("/api/v1/surveys/delivery-nps/")
    assert detail.json()["questions"][1]["scale"] == 7
    reply = client.patch(
        "/api/v1/surveys/delivery-nps/",
        {"name": "Delivery NPS 2", "is_active": False},
        format="json",
    )
    assert reply.status_code == 200
    survey = Survey.objects.get(slug="delivery-nps")
    assert survey.name == "Delivery NPS 2" and not survey.is_active
    assert client.get("/api/v1/surveys/").json()["count"] == 1


@pytest.mark.parametrize(
    "questions",
    [
        [],
        [{"key": "a", "type": "csat", "text": "x", "scale": 6}],
        [{"key": "a", "type": "rating", "text": "x", "scale": 10}],
        [{"key": "a", "type": "nps", "text": "x", "scale": 5}],
        [{"key": "a", "type": "choice", "text": "x"}],
        [{"key": "a", "type": "choice", "text": "x", "choices": ["one"]}],
        [{"key": "a", "type": "choice", "text": "x", "choices": ["one", "one"]}],
        [{"key": "a", "type": "text", "text": "x", "choices": ["a", "b"]}],
        [{"key": "a", "type": "nps", "text": "x"}, {"key": "a", "type": "ces", "text": "y"}],
        [{"key": "a", "type": "smiley", "text": "x"}],
        [{"key": "A B", "type": "nps", "text": "x"}],
        [{"key": "a", "type": "nps", "text": ""}],
        [{"key": "a", "type": "nps", "text": "bad\x00"}],
        [{"key": "a", "type": "nps", "text": "x", "weight": 3}],
    ],
)
def test_bad_question_definitions_are_refused_and_nothing_written(survey_admin, questions):
    touchpoint = factories.make_touchpoint()
    reply = factories.api_client(survey_admin).post(
        "/api/v1/surveys/", _payload(touchpoint, questions=questions), format="json"
    )
    assert reply.status_code == 400
    assert "questions" in reply.json()
    assert not Survey.objects.exists()


def test_unknown_fields_touchpoint_and_language_are_refused(survey_admin):
    touchpoint = factories.make_touchpoint()
    client = factories.api_client(survey_admin)
    for extra, field in [
        ({"created_by": 1}, "created_by"),
        ({"touchpoint": "nowhere"}, "touchpoint"),
        ({"languages": ["en", "fr"]}, "languages"),
        ({"languages": ["en"], "default_language": "it"}, "default_language"),
        ({"slug": "new"}, "slug"),
    ]:
        reply = client.post("/api/v1/surveys/", _payload(touchpoint, **extra), format="json")
        assert reply.status_code == 400, extra
        assert field in reply.json(), reply.json()
    assert not Survey.objects.exists()


def test_delete_is_refused_with_409_once_responses_exist(survey_admin):
    survey = make_survey()
    empty = make_survey()
    services.response_submit(survey=survey, answers={"nps": 9})
    client = factories.api_client(survey_admin)
    assert client.delete(f"/api/v1/surveys/{survey.slug}/").status_code == 409
    assert Survey.objects.filter(pk=survey.pk).exists()
    assert client.delete(f"/api/v1/surveys/{empty.slug}/").status_code == 204


def test_removing_an_answered_question_is_refused(survey_admin):
    survey = make_survey()
    services.response_submit(survey=survey, answers={"nps": 9, "comment": "ok"})
    reply = factories.api_client(survey_admin).patch(
        f"/api/v1/surveys/{survey.slug}/",
        {"questions": [{"key": "nps", "type": "nps", "text": "Again?"}]},
        format="json",
    )
    assert reply.status_code == 400
    assert "comment" in reply.json()["questions"][0]
    assert survey.questions.count() == 2


def test_anonymous_can_never_list_responses():
    survey = make_survey()
    services.response_submit(survey=survey, answers={"nps": 9})
    client = factories.api_client()
    assert client.get("/api/v1/responses/").status_code == 401
    assert client.get(f"/api/v1/surveys/{survey.slug}/responses/").status_code == 401
    assert client.get("/api/v1/surveys/").status_code == 401


def test_agent_cannot_list_responses(agent):
    client = factories.api_client(agent)
    assert client.get("/api/v1/responses/").status_code == 403


def test_manager_lists_responses_with_filters(manager):
    survey_a = make_survey(languages=["en", "id"])
    survey_b = make_survey()
    for score in (0, 5, 9, 10):
        services.response_submit(survey=survey_a, answers={"nps": score}, language="id")
    services.response_submit(survey=survey_b, answers={"nps": 10})
    client = factories.api_client(manager)
    assert client.get("/api/v1/responses/").json()["count"] == 5
    assert client.get(f"/api/v1/responses/?survey={survey_a.slug}").json()["count"] == 4
    assert client.get("/api/v1/responses/?score_group=promoter").json()["count"] == 3
    assert client.get("/api/v1/responses/?language=id").json()["count"] == 4
    assert (
        client.get(f"/api/v1/responses/?touchpoint={survey_b.touchpoint.slug}").json()["count"] == 1
    )
    per_survey = client.get(f"/api/v1/surveys/{survey_a.slug}/responses/?score_group=detractor")
    assert per_survey.json()["count"] == 2
    today = per_survey.json()["results"][0]["submitted_at"][:10]
    assert client.get(f"/api/v1/responses/?start={today}&end={today}").json()["count"] == 5
    for bad in [
        "score_group=everyone",
        "start=2026-13-01",
        "order_by=customer__email",
        "language=fr",
        "start=2026-02-01&end=2026-01-01",
    ]:
        reply = client.get(f"/api/v1/responses/?{bad}")
        assert reply.status_code == 400, bad
    # Manager may read but not create surveys.
    assert client.post("/api/v1/surveys/", {}, format="json").status_code == 403
