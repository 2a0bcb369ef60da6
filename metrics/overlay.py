"""KPI numbers on the journey map, through the hooks journeys.overlay offers (registered in
MetricsConfig.ready()). Each provider makes a fixed number of rollup reads per call — one
breakdown by touchpoint per KPI and period — however many touchpoints the map shows."""

from __future__ import annotations

from datetime import date

from journeys.overlay import OverlayMetric
from metrics import charts
from metrics.selectors import kpi_breakdown, previous_range
from metrics.types import KpiValue

OVERLAY_KPIS = ("nps", "csat", "ces", "ticket_volume", "frt")
BASELINE_KPIS = ("nps", "csat", "ces", "ticket_volume", "frt")
# A change smaller than this (in the KPI's unit) reads as flat on the map.
FLAT_BAND = {"nps": 2.0, "csat": 1.0, "ces": 0.05, "ticket_volume": 0.0, "frt": 0.1}


def _by_touchpoint(key: str, start: date, end: date) -> dict[str, KpiValue]:
    return {
        slug: value
        for slug, _label, value in kpi_breakdown(
            key=key, start=start, end=end, group_by="touchpoint"
        )
    }


def _slugs(touchpoint_ids: list[int]) -> dict[int, str]:
    from journeys.models import Touchpoint

    return dict(Touchpoint.objects.filter(id__in=touchpoint_ids).values_list("id", "slug"))


def touchpoint_overlay(
    touchpoint_ids: list[int], start: date, end: date
) -> dict[int, list[OverlayMetric]]:
    from metrics.kpis import KPIS

    slugs = _slugs(touchpoint_ids)
    previous_start, previous_end = previous_range(start, end)
    result: dict[int, list[OverlayMetric]] = {pk: [] for pk in slugs}
    for key in OVERLAY_KPIS:
        definition = KPIS[key]
        now = _by_touchpoint(key, start, end)
        before = _by_touchpoint(key, previous_start, previous_end)
        for pk, slug in slugs.items():
            value = now.get(slug)
            if value is None or value.value is None:
                continue
            previous = before.get(slug)
            trend = None
            good = None
            if previous is not None and previous.value is not None:
                change = value.value - previous.value
                if abs(change) <= FLAT_BAND.get(key, 0.0):
                    trend = "flat"
                else:
                    trend = "up" if change > 0 else "down"
                    good = (change > 0) == definition.higher_is_better
            result[pk].append(
                OverlayMetric(
                    key=key,
                    label=str(definition.label),
                    value=value.value,
                    display=charts.fmt(value.value, definition.unit, definition.decimals),
                    n=value.n,
                    trend=trend,
                    good=good,
                    too_small=definition.unit != "count" and value.n < charts.MIN_SAMPLE,
                )
            )
    return result


def csat_to_emotion(csat_percent: float) -> float:
    """CSAT 0..100 % satisfied onto the map's emotion scale -2..+2."""
    return -2.0 + 4.0 * csat_percent / 100.0


def ces_to_emotion(ces_mean: float) -> float:
    """CES 1..7 (7 = very easy) onto -2..+2."""
    return -2.0 + 4.0 * (ces_mean - 1.0) / 6.0


def stage_emotion(stage_ids: list[int], start: date, end: date) -> dict[int, float | None]:
    """A stage's measured emotion: its touchpoints' CSAT and CES, weighted by answers, each
    mapped linearly to -2..+2 and averaged. None when the stage's touchpoints have no answers."""
    from journeys.models import StageTouchpoint

    links = StageTouchpoint.objects.filter(stage_id__in=stage_ids).values_list(
        "stage_id", "touchpoint__slug"
    )
    touchpoints_of: dict[int, set[str]] = {pk: set() for pk in stage_ids}
    for stage_id, slug in links:
        touchpoints_of[stage_id].add(slug)
    csat = _by_touchpoint("csat", start, end)
    ces = _by_touchpoint("ces", start, end)
    result: dict[int, float | None] = {}
    for stage_id, slugs in touchpoints_of.items():
        parts = []
        for values, mapping in ((csat, csat_to_emotion), (ces, ces_to_emotion)):
            weighted = [
                (values[slug].value, values[slug].n)
                for slug in slugs
                if slug in values and values[slug].value is not None and values[slug].n
            ]
            total = sum(n for _value, n in weighted)
            if total:
                parts.append(mapping(sum(value * n for value, n in weighted) / total))
        result[stage_id] = round(sum(parts) / len(parts), 2) if parts else None
    return result


def baseline(
    touchpoint_ids: list[int], start: date, end: date
) -> dict[int, dict[str, float | None]]:
    """The KPI values to freeze with a published journey revision."""
    slugs = _slugs(touchpoint_ids)
    result: dict[int, dict[str, float | None]] = {pk: {} for pk in slugs}
    for key in BASELINE_KPIS:
        now = _by_touchpoint(key, start, end)
        for pk, slug in slugs.items():
            value = now.get(slug)
            result[pk][key] = value.value if value is not None else None
    return result
