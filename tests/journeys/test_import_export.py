from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from journeys.models import Journey, JourneyRevision, Opportunity, Stage
from journeys.services import maps as services
from tests import factories
from tests.factories import api_client
from tests.journeys.factories import add_touchpoint, make_journey

pytestmark = pytest.mark.django_db


@pytest.fixture
def filled_journey():
    journey = make_journey(
        slug="orig", stages=("prospect", "purchase"), persona=factories.make_persona(slug="p1")
    )
    prospect, purchase = journey.stages.order_by("order")
    Stage.objects.filter(pk=prospect.pk).update(goals="Find us", emotion_score=1)
    add_touchpoint(prospect, slug="ads", channel="marketing")
    add_touchpoint(purchase, slug="shop", channel="store")
    add_touchpoint(purchase, slug="web-shop", channel="web")
    opp = Opportunity.objects.create(
        journey=journey, title="Faster till", kpi_key="csat", target_change=5
    )
    opp.stages.set([purchase])
    return journey


def upload(data, name="journey.json"):
    return SimpleUploadedFile(name, json.dumps(data).encode(), content_type="application/json")


def test_export_then_import_gives_the_same_journey(client, manager, filled_journey):
    client.force_login(manager)
    response = client.get(reverse("journeys:journey_export", args=["orig"]))
    assert response["Content-Disposition"].startswith("attachment")
    exported = json.loads(response.content)
    assert exported["stages"][1]["touchpoints"] == ["shop", "web-shop"]

    response = client.post(
        reverse("journeys:journey_import"), {"slug": "copy", "document": upload(exported)}
    )
    assert response.status_code == 302
    copy = Journey.objects.get(slug="copy")
    again = services.journey_export(copy)
    assert {**again, "slug": "orig"} == exported
    assert copy.revisions.get().summary == "Imported"


@pytest.mark.parametrize(
    ("change", "named"),
    [
        (
            lambda d: d["stages"][1].update(touchpoints=["shop", "fax-desk", "carrier-pigeon"]),
            "carrier-pigeon, fax-desk",
        ),
        (lambda d: d["stages"][0].update(emotion_score=5), "emotion_score"),
        (lambda d: d["stages"][0].update(name="bad\x00name"), "stages[0].name"),
        (lambda d: d["opportunities"][0].update(stages=["ghost"]), "ghost"),
        (lambda d: d["opportunities"][0].update(kpi_key="revenue"), "revenue"),
        (lambda d: d.update(persona="nobody"), "nobody"),
        (lambda d: d["stages"].append(dict(d["stages"][0])), "appears twice"),
        (lambda d: d.update(is_staff=True), "is_staff"),
    ],
)
def test_a_bad_import_is_400_naming_the_problem_and_writes_nothing(
    client, manager, filled_journey, change, named
):
    document = services.journey_export(filled_journey)
    change(document)
    before = (
        Journey.objects.count(),
        Stage.objects.count(),
        JourneyRevision.objects.count(),
        Opportunity.objects.count(),
    )
    client.force_login(manager)
    response = client.post(
        reverse("journeys:journey_import"), {"slug": "copy", "document": upload(document)}
    )
    assert response.status_code == 400
    assert named in response.content.decode().replace("&#x27;", "'")
    after = (
        Journey.objects.count(),
        Stage.objects.count(),
        JourneyRevision.objects.count(),
        Opportunity.objects.count(),
    )
    assert after == before


def test_import_refuses_malformed_json_and_a_taken_slug(client, manager, filled_journey):
    client.force_login(manager)
    bad = SimpleUploadedFile("x.json", b"{not json", content_type="application/json")
    assert client.post(reverse("journeys:journey_import"), {"document": bad}).status_code == 400
    document = services.journey_export(filled_journey)
    response = client.post(reverse("journeys:journey_import"), {"document": upload(document)})
    assert response.status_code == 400
    assert "already exists" in response.content.decode()
    assert Journey.objects.count() == 1


def test_api_creates_a_journey_with_nested_stages(survey_admin):
    factories.make_touchpoint(slug="ads", channel="marketing")
    factories.make_touchpoint(slug="checkout")
    response = api_client(survey_admin).post(
        "/api/v1/journeys/",
        {
            "slug": "nc",
            "name": "New customer",
            "conversion_window_days": 14,
            "stages": [
                {"slug": "prospect", "name": "Prospect", "touchpoints": ["ads"]},
                {"slug": "purchase", "name": "Purchase", "touchpoints": ["checkout"]},
            ],
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert [s["slug"] for s in body["stages"]] == ["prospect", "purchase"]
    assert body["stages"][1]["touchpoints"] == ["checkout"]
    assert body["conversion_window_days"] == 14
    listing = api_client(survey_admin).get("/api/v1/journeys/").json()
    assert listing["count"] == 1


@pytest.mark.parametrize(
    ("payload", "field", "named"),
    [
        (
            {
                "slug": "x",
                "name": "X",
                "stages": [{"slug": "s", "name": "S", "touchpoints": ["nope"]}],
            },
            "stages[0].touchpoints",
            "nope",
        ),
        ({"slug": "x", "name": "X", "conversion_window_days": 0}, "conversion_window_days", None),
        (
            {"slug": "x", "name": "X", "stages": [{"slug": "s", "name": "S", "colour": "red"}]},
            "stages[0].colour",
            None,
        ),
        ({"slug": "x", "name": "X", "id": 4}, "id", None),
        ({"slug": "not a slug", "name": "X"}, "slug", None),
        ({"slug": "x", "name": "X\x00"}, "name", None),
    ],
)
def test_api_journey_validation_names_the_field_and_writes_nothing(
    survey_admin, payload, field, named
):
    response = api_client(survey_admin).post("/api/v1/journeys/", payload, format="json")
    assert response.status_code == 400
    body = response.json()
    assert field in body, body
    if named:
        assert named in body[field][0]
    assert Journey.objects.count() == 0
    assert Stage.objects.count() == 0


def test_a_journey_with_events_cannot_be_deleted(admin_user):
    from tests.journeys.factories import make_event

    journey = make_journey(slug="j")
    stage = journey.stages.first()
    make_event(
        customer=factories.make_customer(),
        stage=stage,
        touchpoint=factories.make_touchpoint(),
        when="2026-01-01 10:00",
    )
    response = api_client(admin_user).delete("/api/v1/journeys/j/")
    assert response.status_code == 409
    assert Journey.objects.filter(slug="j").exists()


@pytest.mark.parametrize("slug", ["new", "import"])
def test_api_refuses_a_journey_slug_that_is_a_page_address(survey_admin, slug):
    factories.make_touchpoint(slug="ads", channel="marketing")
    payload = {
        "slug": slug,
        "name": "Clashes with a page",
        "stages": [{"slug": "prospect", "name": "Prospect", "touchpoints": ["ads"]}],
    }
    response = api_client(survey_admin).post("/api/v1/journeys/", payload, format="json")
    assert response.status_code == 400
    body = response.json()
    assert "slug" in body, body
    assert "reserved" in body["slug"][0]
    assert Journey.objects.count() == 0
    assert Stage.objects.count() == 0
    assert JourneyRevision.objects.count() == 0


@pytest.mark.parametrize("slug", ["new", "import"])
def test_json_import_page_refuses_a_reserved_slug(client, manager, filled_journey, slug):
    client.force_login(manager)
    exported = services.journey_export(filled_journey)
    response = client.post(
        reverse("journeys:journey_import"), {"slug": slug, "document": upload(exported)}
    )
    assert response.status_code == 400
    assert "reserved" in response.content.decode()
    assert list(Journey.objects.values_list("slug", flat=True)) == ["orig"]


@pytest.mark.parametrize("slug", ["new", "import"])
def test_every_journey_service_refuses_a_reserved_slug(survey_admin, filled_journey, slug):
    from django.core.exceptions import ValidationError

    from journeys.services.documents import JOURNEY_SLUG_RESERVED

    expected = JOURNEY_SLUG_RESERVED.format(value=slug)
    with pytest.raises(ValidationError) as create:
        services.journey_create(slug=slug, name="X", actor=survey_admin)
    with pytest.raises(ValidationError) as duplicate:
        services.journey_duplicate(
            journey=filled_journey, actor=survey_admin, slug=slug, name="Future"
        )
    with pytest.raises(ValidationError) as imported:
        services.journey_import(data={"slug": slug, "name": "X"}, actor=survey_admin)
    for error in (create, duplicate, imported):
        assert error.value.message_dict == {"slug": [expected]}
    assert list(Journey.objects.values_list("slug", flat=True)) == ["orig"]
