from __future__ import annotations

import json
import re

import pytest
from django.urls import reverse

from journeys import overlay
from journeys.charts import EmotionPoint, emotion_figure
from journeys.models import Opportunity, Stage
from journeys.overlay import OverlayMetric
from tests.journeys.factories import add_touchpoint, make_journey

pytestmark = pytest.mark.django_db

PAYLOADS = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(2)>',
    "</script><script>alert(3)</script>",
    "<svg/onload=alert(4)>",
    '<a href="javascript:alert(5)">x</a>',
]


@pytest.fixture
def no_hooks(monkeypatch):
    """The map without the metrics app: no overlay providers at all."""
    monkeypatch.setattr(overlay, "_hooks", {})


def scripts(html: str) -> list[str]:
    return re.findall(r"<script[^>]*>", html)


def test_map_escapes_stage_and_touchpoint_names_everywhere_including_the_figure_json(
    client, manager, no_hooks
):
    journey = make_journey(name=PAYLOADS[0], stages=())
    for index, payload in enumerate(PAYLOADS):
        stage = Stage.objects.create(
            journey=journey,
            slug=f"s{index}",
            name=payload,
            order=index,
            goals=payload,
            emotion_score=0,
        )
        add_touchpoint(stage, name=payload)
    Opportunity.objects.create(journey=journey, title=PAYLOADS[1], how_might_we=PAYLOADS[2])
    client.force_login(manager)
    html = client.get(reverse("journeys:journey_map", args=[journey.slug])).content.decode()
    for payload in PAYLOADS:
        assert payload not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    # Exactly: two figure json_script blocks, plotly.js, its locale (data + loader) and the page's
    # own script.
    assert scripts(html) == [
        '<script id="emotion-figure" type="application/json">',
        '<script id="funnel-figure" type="application/json">',
        '<script src="/static/vendor/plotly.min.js">',
        '<script id="plotly-locale" type="application/json">',
        '<script src="/static/cxhub/plotly-locale.js">',
        '<script src="/static/journeys/map.js">',
    ]
    data = re.search(
        r'<script id="emotion-figure" type="application/json">(.*?)</script>', html, re.S
    ).group(1)
    figure = json.loads(data)
    labels = figure["data"][0]["x"]
    assert labels[0] == "1. &lt;script&gt;alert(1)&lt;/script&gt;"
    assert all("<" not in label for label in labels)


def test_emotion_figure_escapes_labels_and_flags_disagreeing_stages():
    figure = emotion_figure(
        [
            EmotionPoint("<b>Buy</b>", designed=1, measured=-0.5),
            EmotionPoint("Use", designed=0, measured=0.4),
            EmotionPoint("Leave", designed=None, measured=None),
        ]
    )
    designed, measured, flagged = figure.data
    assert list(designed.x) == ["1. &lt;b&gt;Buy&lt;/b&gt;", "2. Use", "3. Leave"]
    assert list(designed.y) == [1, 0, None]
    assert list(measured.y) == [-0.5, 0.4, None]
    assert list(flagged.x) == ["1. &lt;b&gt;Buy&lt;/b&gt;"]


def test_without_a_kpi_provider_cards_say_when_kpis_appear(client, agent, no_hooks):
    journey = make_journey(stages=("buy",))
    add_touchpoint(journey.stages.get(), name="Checkout page")
    client.force_login(agent)
    html = client.get(reverse("journeys:journey_map", args=[journey.slug])).content.decode()
    assert "Checkout page" in html
    assert "KPIs appear after the first recompute" in html
    assert "No measured values yet" in html


def test_cards_show_the_overlay_kpis_greyed_when_too_small_and_disagreement_is_flagged(
    client, manager, monkeypatch
):
    journey = make_journey(stages=("buy", "use"))
    buy, use = journey.stages.order_by("order")
    Stage.objects.filter(pk=buy.pk).update(emotion_score=2)
    Stage.objects.filter(pk=use.pk).update(emotion_score=0)
    checkout = add_touchpoint(buy, name="Checkout page")

    def touchpoint_overlay(ids, start, end):
        return {
            checkout.pk: [
                OverlayMetric("nps", "NPS", 31.7, "31.7", 120, trend="up", good=True),
                OverlayMetric("csat", "CSAT", 80.0, "80.0%", 12, too_small=True),
            ]
        }

    def stage_emotion(ids, start, end):
        return {buy.pk: 0.5, use.pk: 0.3}

    monkeypatch.setattr(
        overlay,
        "_hooks",
        {"touchpoint_overlay": touchpoint_overlay, "stage_emotion": stage_emotion},
    )
    client.force_login(manager)
    response = client.get(reverse("journeys:journey_map", args=[journey.slug]))
    html = response.content.decode()
    assert "31.7" in html and "n=120" in html
    assert 'class="kpi too-small"' in html
    assert "KPIs appear after the first recompute" not in html
    disagreements = response.context["disagreements"]
    assert [p.stage for p in disagreements] == [buy.name]  # 2 vs 0.5; 0 vs 0.3 agrees


def test_map_period_is_validated(client, manager, no_hooks):
    journey = make_journey()
    client.force_login(manager)
    response = client.get(
        reverse("journeys:journey_map", args=[journey.slug]),
        {"start": "<script>", "end": "2026-01-01"},
    )
    assert response.status_code == 200
    assert "<script>" not in response.content.decode().split("</header>")[1].replace(
        '<script id="', ""
    ).replace("<script src=", "")


def test_map_of_a_journey_without_stages_tells_the_editor_what_to_do(client, manager, no_hooks):
    journey = make_journey(stages=())
    client.force_login(manager)
    html = client.get(reverse("journeys:journey_map", args=[journey.slug])).content.decode()
    assert "no stages yet" in html


def test_solved_opportunity_shows_the_measured_change_since_its_baseline(
    client, manager, monkeypatch
):
    journey = make_journey(stages=("buy",))
    tp = add_touchpoint(journey.stages.get())
    opportunity = Opportunity.objects.create(
        journey=journey, title="Faster till", status="solved", kpi_key="csat", baseline_value=70.0
    )
    opportunity.touchpoints.set([tp])
    monkeypatch.setattr(
        overlay,
        "_hooks",
        {
            "touchpoint_overlay": lambda ids, s, e: {
                tp.pk: [OverlayMetric("csat", "CSAT", 78.5, "78.5%", 300)]
            }
        },
    )
    client.force_login(manager)
    response = client.get(reverse("journeys:journey_map", args=[journey.slug]))
    (row,) = response.context["opportunities"]
    assert row["change"] == pytest.approx(8.5)
    assert "+8.5" in response.content.decode()


def test_agent_sees_no_edit_links_on_the_map(client, agent, no_hooks):
    journey = make_journey()
    client.force_login(agent)
    html = client.get(reverse("journeys:journey_map", args=[journey.slug])).content.decode()
    assert reverse("journeys:journey_edit", args=[journey.slug]) not in html


def test_journey_overview_counts_open_opportunities_and_stage_touchpoints(manager):
    from journeys.selectors.maps import journey_overview, stage_list

    journey = make_journey(slug="counted", stages=("a", "b"))
    for status in ("open", "in_progress", "solved"):
        Opportunity.objects.create(journey=journey, title=status, status=status)
    add_touchpoint(journey.stages.get(slug="b"))
    add_touchpoint(journey.stages.get(slug="b"))
    assert journey_overview(user=manager).get(slug="counted").open_opportunities == 2
    assert [(s.slug, s.touchpoint_count) for s in stage_list(journey=journey)] == [
        ("a", 0),
        ("b", 2),
    ]
