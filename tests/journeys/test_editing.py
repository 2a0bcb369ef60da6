from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from journeys.models import Journey, JourneyRevision, Opportunity, Stage, StageTouchpoint
from journeys.services import maps as services
from tests import factories
from tests.factories import api_client
from tests.journeys.factories import add_touchpoint, make_event, make_journey

pytestmark = pytest.mark.django_db


def stage_slugs(journey):
    return list(journey.stages.order_by("order").values_list("slug", flat=True))


def test_stages_keep_their_order_and_move_up_and_down(survey_admin):
    journey = make_journey(stages=("a", "b", "c"))
    services.stage_move(stage=journey.stages.get(slug="c"), direction="up", actor=survey_admin)
    assert stage_slugs(journey) == ["a", "c", "b"]
    services.stage_move(stage=journey.stages.get(slug="a"), direction="up", actor=survey_admin)
    assert stage_slugs(journey) == ["a", "c", "b"]  # already first: nothing moves
    services.stage_move(stage=journey.stages.get(slug="a"), direction="down", actor=survey_admin)
    assert stage_slugs(journey) == ["c", "a", "b"]
    assert list(journey.stages.order_by("order").values_list("order", flat=True)) == [0, 1, 2]


def test_editor_adds_moves_and_removes_stages_through_the_pages(client, manager):
    client.force_login(manager)
    response = client.post(
        reverse("journeys:journey_create"),
        {
            "name": "Onboarding",
            "slug": "onboarding",
            "state": "current",
            "conversion_window_days": 30,
        },
    )
    assert response.status_code == 302
    journey = Journey.objects.get(slug="onboarding")
    for slug in ("signup", "first-use", "habit"):
        client.post(
            reverse("journeys:stage_add", args=[journey.slug]), {"name": slug.title(), "slug": slug}
        )
    client.post(reverse("journeys:stage_move", args=[journey.slug, "habit"]), {"direction": "up"})
    assert stage_slugs(journey) == ["signup", "habit", "first-use"]
    client.post(reverse("journeys:stage_remove", args=[journey.slug, "signup"]))
    assert stage_slugs(journey) == ["habit", "first-use"]
    assert list(journey.stages.order_by("order").values_list("order", flat=True)) == [0, 1]
    # Every saved edit is a revision: created, three stages, a move, a removal.
    assert journey.revisions.count() == 6
    assert journey.revisions.order_by("-number").first().snapshot["stages"][0]["slug"] == "habit"


def test_editor_adds_reorders_and_removes_touchpoints_of_a_stage(client, survey_admin):
    journey = make_journey(stages=("buy",))
    stage = journey.stages.get()
    first, second = factories.make_touchpoint(name="Shop"), factories.make_touchpoint(name="App")
    client.force_login(survey_admin)
    url = reverse("journeys:stage_touchpoint_add", args=[journey.slug, "buy"])
    client.post(url, {"touchpoint": first.pk})
    client.post(url, {"touchpoint": second.pk})
    links = list(stage.stage_touchpoints.order_by("order"))
    assert [link.touchpoint for link in links] == [first, second]
    client.post(
        reverse("journeys:stage_touchpoint_move", args=[journey.slug, "buy", links[1].pk]),
        {"direction": "up"},
    )
    assert [link.touchpoint for link in stage.stage_touchpoints.order_by("order")] == [
        second,
        first,
    ]
    client.post(
        reverse("journeys:stage_touchpoint_remove", args=[journey.slug, "buy", links[1].pk])
    )
    assert [link.touchpoint for link in stage.stage_touchpoints.all()] == [first]


def test_lanes_are_validated_and_a_bad_value_writes_nothing(client, manager):
    journey = make_journey(stages=("buy",))
    client.force_login(manager)
    url = reverse("journeys:stage_edit", args=[journey.slug, "buy"])
    before = JourneyRevision.objects.count()
    response = client.post(url, {"name": "Buy", "emotion_score": "3", "goals": "x"})
    assert response.status_code == 200
    assert "emotion_score" in response.context["form"].errors
    response = client.post(url, {"name": "Buy", "goals": "bad\x00goal"})
    assert "goals" in response.context["form"].errors
    stage = journey.stages.get()
    assert (stage.goals, stage.emotion_score) == ("", None)
    assert JourneyRevision.objects.count() == before

    response = client.post(url, {"name": "Buy", "emotion_score": "-2", "goals": "Pay fast"})
    assert response.status_code == 302
    stage.refresh_from_db()
    assert (stage.goals, stage.emotion_score) == ("Pay fast", -2)


def test_a_stage_with_events_cannot_be_removed(manager):
    journey = make_journey(stages=("a", "b"))
    stage = journey.stages.get(slug="a")
    make_event(
        customer=factories.make_customer(),
        stage=stage,
        touchpoint=factories.make_touchpoint(),
        when="2026-01-02 10:00",
    )
    with pytest.raises(services.ValidationError) as error:
        services.stage_remove(stage=stage, actor=manager)
    assert "has journey events" in str(error.value)
    assert Stage.objects.filter(pk=stage.pk).exists()


def test_restoring_a_revision_brings_back_stages_lanes_and_touchpoints_as_a_new_revision(
    survey_admin,
):
    touchpoint = factories.make_touchpoint()
    journey = services.journey_create(slug="j", name="J", actor=survey_admin)
    stage = services.stage_add(journey=journey, slug="buy", name="Buy", actor=survey_admin)
    services.stage_update(stage=stage, actor=survey_admin, goals="Pay", emotion_score=1)
    services.stage_touchpoint_add(stage=stage, touchpoint=touchpoint, actor=survey_admin)
    good = journey.revisions.order_by("-number").first()
    assert good.author == survey_admin
    assert good.snapshot["stages"][0]["touchpoints"] == [touchpoint.slug]

    services.stage_update(stage=stage, actor=survey_admin, goals="Changed", emotion_score=-2)
    services.stage_add(journey=journey, slug="extra", name="Extra", actor=survey_admin)
    services.stage_touchpoint_remove(link=stage.stage_touchpoints.get(), actor=survey_admin)

    restored = services.revision_restore(revision=good, actor=survey_admin)
    assert restored.number == good.number + 4
    assert f"{good.number}" in restored.summary
    stage.refresh_from_db()
    assert stage_slugs(journey) == ["buy"]
    assert (stage.goals, stage.emotion_score) == ("Pay", 1)
    assert list(stage.touchpoints.all()) == [touchpoint]
    assert restored.snapshot["stages"] == good.snapshot["stages"]


def test_restore_through_the_history_page(client, manager):
    journey = services.journey_create(slug="j", name="First name", actor=manager)
    services.journey_update(journey=journey, actor=manager, name="Second name")
    client.force_login(manager)
    page = client.get(reverse("journeys:journey_history", args=["j"]))
    assert page.status_code == 200
    assert "Settings changed" in page.content.decode()
    response = client.post(reverse("journeys:revision_restore", args=["j"]), {"number": 1})
    assert response.status_code == 302
    journey.refresh_from_db()
    assert journey.name == "First name"
    assert journey.revisions.count() == 3


def test_publishing_freezes_a_baseline_from_the_overlay_hook(monkeypatch, manager):
    from journeys import overlay

    journey = make_journey(stages=("buy",))
    touchpoint = add_touchpoint(journey.stages.get())
    calls = []

    def baseline(ids, start, end):
        calls.append((ids, start, end))
        return {touchpoint.pk: {"csat": 71.5}}

    monkeypatch.setitem(overlay._hooks, "baseline", baseline)
    revision = services.revision_record(journey=journey, author=manager, summary="x")
    services.revision_publish(revision=revision, actor=manager, today=timezone.localdate())
    revision.refresh_from_db()
    assert revision.is_published
    assert revision.baseline["values"] == {touchpoint.slug: {"csat": 71.5}}
    assert calls[0][0] == [touchpoint.pk]
    assert (calls[0][2] - calls[0][1]).days == 89


def test_duplicate_makes_a_future_state_version_based_on_the_original(client, manager):
    journey = make_journey(stages=("a", "b"), persona=factories.make_persona())
    tp = add_touchpoint(journey.stages.get(slug="a"))
    Opportunity.objects.create(journey=journey, title="Faster")
    client.force_login(manager)
    response = client.post(
        reverse("journeys:journey_duplicate", args=[journey.slug]),
        {"name": "Tomorrow", "slug": "tomorrow"},
    )
    assert response.status_code == 302
    copy = Journey.objects.get(slug="tomorrow")
    assert (copy.state, copy.based_on, copy.persona) == ("future", journey, journey.persona)
    assert stage_slugs(copy) == ["a", "b"]
    assert list(copy.stages.get(slug="a").touchpoints.all()) == [tp]
    assert copy.opportunity_set.get().title == "Faster"
    assert StageTouchpoint.objects.filter(stage__journey=journey).count() == 1


def test_opportunity_form_saves_stages_touchpoints_kpi_and_target(client, manager):
    journey = make_journey(stages=("a", "b"))
    tp = add_touchpoint(journey.stages.get(slug="b"))
    client.force_login(manager)
    response = client.post(
        reverse("journeys:opportunity_create", args=[journey.slug]),
        {
            "title": "Call-back",
            "how_might_we": "How might we avoid queues?",
            "stages": [journey.stages.get(slug="b").pk],
            "touchpoints": [tp.pk],
            "status": "solved",
            "kpi_key": "frt",
            "target_change": "-2",
        },
    )
    assert response.status_code == 302
    opportunity = journey.opportunity_set.get()
    assert (opportunity.kpi_key, opportunity.target_change, opportunity.status) == (
        "frt",
        -2.0,
        "solved",
    )
    assert opportunity.solved_at is not None
    assert list(opportunity.touchpoints.all()) == [tp]
    bad = client.post(
        reverse("journeys:opportunity_edit", args=[journey.slug, opportunity.pk]),
        {"title": "x", "status": "open", "kpi_key": "revenue"},
    )
    assert "kpi_key" in bad.context["form"].errors
    opportunity.refresh_from_db()
    assert opportunity.title == "Call-back"


def test_review_overdue_is_flagged_on_the_list_and_the_map(client, agent):
    today = timezone.localdate()
    late = make_journey(name="Late map", review_due=today - timedelta(days=1))
    make_journey(name="Fresh map", review_due=today + timedelta(days=30))
    client.force_login(agent)
    body = client.get(reverse("journeys:journey_list")).content.decode()
    assert body.count("review-overdue") == 1
    (flagged_row,) = [row for row in body.split("<tr>") if "review-overdue" in row]
    assert "Late map" in flagged_row
    page = client.get(reverse("journeys:journey_map", args=[late.slug])).content.decode()
    assert "maps need regular review" in page
    assert late.review_overdue(today)


def test_agent_can_view_journeys_but_not_edit_them(client, agent):
    journey = make_journey(stages=("a",))
    opportunity = Opportunity.objects.create(journey=journey, title="x")
    client.force_login(agent)
    for name in ("journeys:journey_list",):
        assert client.get(reverse(name)).status_code == 200
    for name in ("journeys:journey_map", "journeys:journey_history", "journeys:journey_export"):
        assert client.get(reverse(name, args=[journey.slug])).status_code == 200
    forbidden_get = [
        reverse("journeys:journey_create"),
        reverse("journeys:journey_import"),
        reverse("journeys:journey_edit", args=[journey.slug]),
        reverse("journeys:journey_duplicate", args=[journey.slug]),
        reverse("journeys:stage_edit", args=[journey.slug, "a"]),
        reverse("journeys:opportunity_create", args=[journey.slug]),
        reverse("journeys:opportunity_edit", args=[journey.slug, opportunity.pk]),
    ]
    for url in forbidden_get:
        assert client.get(url).status_code == 403, url
    forbidden_post = [
        (reverse("journeys:stage_add", args=[journey.slug]), {"name": "B", "slug": "b"}),
        (reverse("journeys:stage_move", args=[journey.slug, "a"]), {"direction": "down"}),
        (reverse("journeys:stage_remove", args=[journey.slug, "a"]), {}),
        (reverse("journeys:revision_restore", args=[journey.slug]), {"number": 1}),
        (reverse("journeys:revision_publish", args=[journey.slug]), {"number": 1}),
        (reverse("journeys:opportunity_delete", args=[journey.slug, opportunity.pk]), {}),
    ]
    for url, data in forbidden_post:
        assert client.post(url, data).status_code == 403, url
    assert journey.stages.count() == 1
    assert Opportunity.objects.count() == 1
    assert (
        "Edit"
        not in client.get(reverse("journeys:journey_map", args=[journey.slug]))
        .content.decode()
        .split("journey-tabs")[1][:400]
    )

    api = api_client(agent)
    assert api.get("/api/v1/journeys/").status_code == 200
    assert api.get(f"/api/v1/journeys/{journey.slug}/").status_code == 200
    assert (
        api.post("/api/v1/journeys/", {"slug": "n", "name": "N", "stages": []}).status_code == 403
    )
    assert api.delete(f"/api/v1/journeys/{journey.slug}/").status_code == 403
    assert Journey.objects.count() == 1


def test_unknown_journey_is_404_on_every_page(client, manager):
    client.force_login(manager)
    assert client.get(reverse("journeys:journey_map", args=["nope"])).status_code == 404
    assert client.get(reverse("journeys:journey_edit", args=["nope"])).status_code == 404


def test_anonymous_visitors_are_sent_to_log_in(client):
    journey = make_journey()
    response = client.get(reverse("journeys:journey_map", args=[journey.slug]))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_settings_form_saves_a_revision_and_refuses_a_bad_window(client, survey_admin):
    journey = make_journey(slug="j", name="Old")
    client.force_login(survey_admin)
    url = reverse("journeys:journey_edit", args=["j"])
    assert client.get(url).status_code == 200
    bad = client.post(url, {"name": "New", "state": "current", "conversion_window_days": 400})
    assert "conversion_window_days" in bad.context["form"].errors
    journey.refresh_from_db()
    assert journey.name == "Old"
    assert journey.revisions.count() == 0
    ok = client.post(
        url,
        {
            "name": "New",
            "state": "future",
            "conversion_window_days": 14,
            "review_due": "2027-01-31",
        },
    )
    assert ok.status_code == 302
    journey.refresh_from_db()
    assert (journey.name, journey.state, journey.conversion_window_days) == ("New", "future", 14)
    assert journey.revisions.get().summary == "Settings changed"


@pytest.mark.parametrize("slug", ["new", "import"])
def test_create_page_refuses_a_slug_that_is_a_page_address(client, manager, slug):
    client.force_login(manager)
    response = client.post(
        reverse("journeys:journey_create"),
        {"name": "Clash", "slug": slug, "state": "current", "conversion_window_days": 30},
    )
    assert response.status_code == 200
    assert "reserved" in response.context["form"].errors["slug"][0]
    assert Journey.objects.count() == 0
    assert JourneyRevision.objects.count() == 0


def test_duplicate_page_refuses_a_reserved_slug(client, manager):
    journey = make_journey(slug="orig", stages=("a",))
    client.force_login(manager)
    response = client.post(
        reverse("journeys:journey_duplicate", args=[journey.slug]),
        {"name": "Tomorrow", "slug": "new"},
    )
    assert response.status_code == 200
    assert "reserved" in response.content.decode()
    assert list(Journey.objects.values_list("slug", flat=True)) == ["orig"]


def test_stage_add_page_refuses_the_slug_of_the_add_page(client, manager):
    journey = make_journey(slug="onboarding", stages=("a",))
    client.force_login(manager)
    response = client.post(
        reverse("journeys:stage_add", args=[journey.slug]), {"name": "New", "slug": "new"}
    )
    assert response.status_code == 200
    assert "reserved" in response.content.decode()
    assert stage_slugs(journey) == ["a"]
    assert journey.revisions.count() == 0


def test_json_import_refuses_a_stage_slugged_like_the_add_page(survey_admin):
    from django.core.exceptions import ValidationError

    document = {
        "format": 1,
        "slug": "trip",
        "name": "Trip",
        "stages": [{"slug": "new", "name": "N"}],
    }
    with pytest.raises(ValidationError) as error:
        services.journey_import(data=document, actor=survey_admin)
    assert "stages[0].slug" in error.value.message_dict
    assert not Journey.objects.filter(slug="trip").exists()
