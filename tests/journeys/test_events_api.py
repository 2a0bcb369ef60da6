from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from journeys.models import Customer, JourneyEvent
from tests.factories import api_client
from tests.journeys.factories import add_touchpoint, make_journey

pytestmark = pytest.mark.django_db
URL = "/api/v1/journey-events/"


@pytest.fixture
def journey():
    journey = make_journey(slug="new-customer", stages=("prospect", "purchase"))
    add_touchpoint(journey.stages.get(slug="prospect"), slug="search-ads", channel="marketing")
    add_touchpoint(journey.stages.get(slug="purchase"), slug="checkout", channel="web")
    return journey


def event(**overrides):
    data = {
        "customer": "c-1",
        "journey": "new-customer",
        "stage": "prospect",
        "touchpoint": "search-ads",
        "type": "reached",
    }
    data.update(overrides)
    return data


def test_one_event_is_stored_with_the_touchpoints_channel_and_a_new_customer(journey, survey_admin):
    response = api_client(survey_admin).post(URL, event(device="mobile"), format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["customer"] == "c-1"
    assert (body["stage"], body["touchpoint"], body["channel"], body["device"]) == (
        "prospect",
        "search-ads",
        "marketing",
        "mobile",
    )
    stored = JourneyEvent.objects.get()
    assert stored.customer == Customer.objects.get(external_id="c-1")
    assert abs(stored.occurred_at - timezone.now()) < timedelta(minutes=1)


def test_channel_can_be_given_explicitly(journey, survey_admin):
    response = api_client(survey_admin).post(URL, event(channel="phone"), format="json")
    assert response.status_code == 201
    assert JourneyEvent.objects.get().channel.slug == "phone"


@pytest.mark.parametrize(
    ("overrides", "field", "named"),
    [
        ({"journey": "ghost-journey"}, "journey", "ghost-journey"),
        ({"stage": "nowhere"}, "stage", "nowhere"),
        ({"touchpoint": "fax-desk"}, "touchpoint", "fax-desk"),
        ({"channel": "pigeon"}, "channel", "pigeon"),
        ({"type": "teleported"}, "type", "teleported"),
        ({"occurred_at": "yesterday-ish"}, "occurred_at", None),
        ({"occurred_at": "2026-02-30T10:00:00Z"}, "occurred_at", None),
        ({"customer": "bad\x00id"}, "customer", None),
        ({"device": "<script>"}, "device", None),
        ({"extra": 1}, "extra", None),
        ({"customer": ""}, "customer", None),
    ],
)
def test_a_bad_event_is_400_naming_the_field_and_value_and_writes_nothing(
    journey, survey_admin, overrides, field, named
):
    response = api_client(survey_admin).post(URL, event(**overrides), format="json")
    assert response.status_code == 400
    body = response.json()
    assert field in body, body
    if named:
        assert named in " ".join(body[field])
    assert JourneyEvent.objects.count() == 0
    assert Customer.objects.count() == 0


def test_a_stage_of_another_journey_is_refused(journey, survey_admin):
    make_journey(slug="other", stages=("loyalty",))
    response = api_client(survey_admin).post(URL, event(stage="loyalty"), format="json")
    assert response.status_code == 400
    assert "not a stage of journey 'new-customer'" in response.json()["stage"][0]
    assert JourneyEvent.objects.count() == 0


def test_a_batch_with_one_bad_event_writes_none_and_names_its_index(journey, survey_admin):
    batch = [event(customer=f"c-{i}") for i in range(5)]
    batch[3]["touchpoint"] = "fax-desk"
    response = api_client(survey_admin).post(URL, batch, format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["index"] == 3
    assert "fax-desk" in body["errors"]["touchpoint"][0]
    assert JourneyEvent.objects.count() == 0
    assert Customer.objects.count() == 0

    batch[3] = event(customer="c-3", type="nope")
    body = api_client(survey_admin).post(URL, batch, format="json").json()
    assert (body["index"], list(body["errors"])) == (3, ["type"])


def test_a_good_batch_is_stored_whole(journey, survey_admin):
    batch = [
        event(customer=f"c-{i % 3}", stage="purchase", touchpoint="checkout") for i in range(12)
    ]
    response = api_client(survey_admin).post(URL, batch, format="json")
    assert response.status_code == 201
    assert response.json() == {"created": 12}
    assert JourneyEvent.objects.count() == 12
    assert Customer.objects.count() == 3


def test_batches_are_capped_and_empty_ones_refused(journey, survey_admin):
    client = api_client(survey_admin)
    response = client.post(URL, [event()] * 1001, format="json")
    assert response.status_code == 400
    assert "1000" in response.json()["errors"]["non_field_errors"][0]
    assert client.post(URL, [], format="json").status_code == 400
    assert client.post(URL, "just text", format="json").status_code == 400
    assert JourneyEvent.objects.count() == 0


def test_past_timestamps_only_for_importers(journey, survey_admin, admin_user):
    past = "2025-06-01T10:00:00Z"
    api_client(survey_admin).post(URL, event(occurred_at=past), format="json")
    assert JourneyEvent.objects.get().occurred_at.year == timezone.now().year
    JourneyEvent.objects.all().delete()
    response = api_client(admin_user).post(
        URL, event(customer="c-2", occurred_at=past), format="json"
    )
    assert response.status_code == 201
    stored = JourneyEvent.objects.get()
    assert stored.occurred_at.isoformat().startswith("2025-06-01T10:00")
    assert stored.customer.active_since == stored.occurred_at
    future = (timezone.now() + timedelta(days=2)).isoformat()
    response = api_client(admin_user).post(URL, event(occurred_at=future), format="json")
    assert response.status_code == 400
    assert "occurred_at" in response.json()


def test_readers_list_events_with_filters_and_pagination(journey, survey_admin, agent):
    api_client(survey_admin).post(
        URL,
        [event(customer="a"), event(customer="b", stage="purchase", touchpoint="checkout")],
        format="json",
    )
    client = api_client(agent)
    body = client.get(URL).json()
    assert body["count"] == 2
    assert {row["customer"] for row in body["results"]} == {"a", "b"}
    assert client.get(URL, {"stage": "purchase"}).json()["count"] == 1
    assert client.get(URL, {"customer": "a"}).json()["count"] == 1
    assert client.get(URL, {"type": "bogus"}).status_code == 400
    assert client.get(URL, {"since": "not-a-date"}).status_code == 400


def test_agents_cannot_push_events_and_anonymous_callers_get_401(journey, agent):
    assert api_client(agent).post(URL, event(), format="json").status_code == 403
    assert api_client().post(URL, event(), format="json").status_code == 401
    assert api_client().get(URL).status_code == 401
    assert JourneyEvent.objects.count() == 0
