from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from journeys import overlay as journey_overlay
from metrics import overlay
from tests.dashboards.factories import seeded_org

pytestmark = pytest.mark.django_db


def test_metrics_registers_all_three_journey_map_providers():
    assert journey_overlay.has_providers()
    assert journey_overlay._hooks["touchpoint_overlay"] is overlay.touchpoint_overlay
    assert journey_overlay._hooks["stage_emotion"] is overlay.stage_emotion
    assert journey_overlay._hooks["baseline"] is overlay.baseline


def test_emotion_mapping_is_linear_onto_minus_two_to_plus_two():
    assert overlay.csat_to_emotion(0) == -2
    assert overlay.csat_to_emotion(50) == 0
    assert overlay.csat_to_emotion(100) == 2
    assert overlay.ces_to_emotion(1) == -2
    assert overlay.ces_to_emotion(4) == 0
    assert overlay.ces_to_emotion(7) == 2


def test_touchpoint_overlay_gives_kpis_with_n_and_small_sample_flags(
    django_assert_max_num_queries,
):
    org = seeded_org()
    end = timezone.localdate()
    start = end - timedelta(days=89)
    ids = [touchpoint.pk for touchpoint in org.touchpoints]
    with django_assert_max_num_queries(40):
        result = journey_overlay.touchpoint_overlay(ids, start, end)
    metrics = {metric.key: metric for metric in result[ids[0]]}
    assert {"nps", "csat", "ces", "ticket_volume", "frt"} <= set(metrics)
    assert metrics["csat"].n == 12
    assert metrics["csat"].too_small
    assert not metrics["ticket_volume"].too_small
    assert metrics["csat"].display.endswith("%")


def test_stage_emotion_comes_from_the_stage_touchpoints_answers():
    org = seeded_org()
    end = timezone.localdate()
    start = end - timedelta(days=89)
    emotions = journey_overlay.stage_emotion([stage.pk for stage in org.stages], start, end)
    for value in emotions.values():
        assert value is not None and -2 <= value <= 2


def test_baseline_freezes_the_kpi_values_per_touchpoint():
    org = seeded_org()
    end = timezone.localdate()
    start = end - timedelta(days=89)
    values = journey_overlay.baseline([org.touchpoints[0].pk], start, end)
    assert set(values[org.touchpoints[0].pk]) == set(overlay.BASELINE_KPIS)
