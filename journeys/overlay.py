"""Hooks through which a higher app (metrics) fills the journey map with measured numbers.

journeys never imports metrics: metrics registers providers here in its AppConfig.ready().
With no provider registered, the map shows designed values only and says that no KPIs are available.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class OverlayMetric:
    key: str  # KPI key, e.g. "nps"
    label: str
    value: float | None
    display: str  # formatted for people, e.g. "31.7" or "4.2 h"
    n: int
    trend: str | None = None  # "up", "down", "flat" or None (no comparison)
    good: bool | None = None  # is the trend good news? None when unknown
    too_small: bool = False  # n below the minimum sample: show greyed out


# provider(touchpoint_ids, start, end) -> {touchpoint_id: [OverlayMetric, ...]}
TouchpointOverlay = Callable[[list[int], date, date], dict[int, list[OverlayMetric]]]
# provider(stage_ids, start, end) -> {stage_id: measured emotion on -2..+2, or None}
StageEmotion = Callable[[list[int], date, date], dict[int, float | None]]
# provider(touchpoint_ids, start, end) -> {touchpoint_id: {kpi_key: value}} (frozen as a baseline)
BaselineProvider = Callable[[list[int], date, date], dict[int, dict[str, float | None]]]

_hooks: dict[str, Callable] = {}


def register(*, touchpoint_overlay=None, stage_emotion=None, baseline=None) -> None:
    for name, provider in (
        ("touchpoint_overlay", touchpoint_overlay),
        ("stage_emotion", stage_emotion),
        ("baseline", baseline),
    ):
        if provider is not None:
            _hooks[name] = provider


def touchpoint_overlay(touchpoint_ids: list[int], start: date, end: date):
    provider = _hooks.get("touchpoint_overlay")
    return provider(touchpoint_ids, start, end) if provider else {}


def stage_emotion(stage_ids: list[int], start: date, end: date):
    provider = _hooks.get("stage_emotion")
    return provider(stage_ids, start, end) if provider else {}


def baseline(touchpoint_ids: list[int], start: date, end: date):
    provider = _hooks.get("baseline")
    return provider(touchpoint_ids, start, end) if provider else {}


def has_providers() -> bool:
    return bool(_hooks)
