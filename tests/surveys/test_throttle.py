"""One public budget per client address, shared by the page and the API; token guessing capped."""

from __future__ import annotations

import pytest

from surveys.models import Response
from tests import factories
from tests.surveys.factories import make_survey

pytestmark = pytest.mark.django_db


@pytest.fixture
def small_budget(settings):
    rates = dict(settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"])
    rates.update(public_survey="4/min", survey_token="5/min")
    settings.REST_FRAMEWORK = dict(settings.REST_FRAMEWORK, DEFAULT_THROTTLE_RATES=rates)


def test_rate_limit_is_shared_between_page_and_api(client, small_budget):
    survey = make_survey()
    api = factories.api_client()
    url = f"/api/v1/surveys/{survey.slug}/responses/"
    assert client.post(f"/s/{survey.slug}/", {"q_nps": "9"}).status_code == 302
    assert api.post(url, {"answers": {"nps": 9}}, format="json").status_code == 201
    assert client.post(f"/s/{survey.slug}/", {"q_nps": "9"}).status_code == 302
    assert api.post(url, {"answers": {"nps": 9}}, format="json").status_code == 201
    over_api = api.post(url, {"answers": {"nps": 9}}, format="json")
    assert over_api.status_code == 429
    assert int(over_api["Retry-After"]) > 0
    over_page = client.post(f"/s/{survey.slug}/", {"q_nps": "9"})
    assert over_page.status_code == 429
    assert int(over_page["Retry-After"]) > 0
    assert Response.objects.count() == 4


def test_forged_forwarded_for_does_not_buy_a_new_budget(small_budget):
    survey = make_survey()
    api = factories.api_client()
    url = f"/api/v1/surveys/{survey.slug}/responses/"
    codes = [
        api.post(
            url, {"answers": {"nps": 9}}, format="json", HTTP_X_FORWARDED_FOR=f"10.0.0.{n}"
        ).status_code
        for n in range(6)
    ]
    assert codes == [201, 201, 201, 201, 429, 429]


def test_other_addresses_keep_their_own_budget(small_budget):
    survey = make_survey()
    api = factories.api_client()
    url = f"/api/v1/surveys/{survey.slug}/responses/"
    for _ in range(5):
        api.post(url, {"answers": {"nps": 9}}, format="json")
    other = api.post(url, {"answers": {"nps": 9}}, format="json", REMOTE_ADDR="192.0.2.9")
    assert other.status_code == 201


def test_integrations_with_add_response_are_exempt(small_budget, survey_admin):
    survey = make_survey()
    api = factories.api_client(survey_admin)
    url = f"/api/v1/surveys/{survey.slug}/responses/"
    codes = {api.post(url, {"answers": {"nps": 9}}, format="json").status_code for _ in range(8)}
    assert codes == {201}


def test_token_guessing_is_throttled_with_one_404_body(client, small_budget):
    codes = [client.get(f"/s/i/{'g' * 40}{n:03d}/").status_code for n in range(7)]
    assert codes[:5] == [404] * 5
    assert codes[5:] == [429, 429]
