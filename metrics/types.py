"""The shapes the metrics engine returns (selectors) and the dashboards, API and exports consume."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

GRANULARITIES = ("day", "week", "month")
GROUP_BYS = ("touchpoint", "channel", "persona", "stage")


@dataclass(frozen=True)
class KpiFilters:
    touchpoint: str | None = None  # slugs, validated against allowlists before they get here
    channel: str | None = None
    persona: str | None = None
    journey: str | None = None
    language: str | None = None


@dataclass(frozen=True)
class KpiPoint:
    period_start: date
    value: float | None
    n: int
    ci_low: float | None = None
    ci_high: float | None = None
    median: float | None = None  # time KPIs only (hours)
    p90: float | None = None
    extra: dict = field(default_factory=dict)  # e.g. csat_mean, promoters/passives/detractors


@dataclass(frozen=True)
class KpiGroup:
    key: str  # slug
    label: str
    points: list[KpiPoint]


@dataclass(frozen=True)
class KpiSeries:
    kpi: str
    granularity: str
    start: date
    end: date
    points: list[KpiPoint] = field(default_factory=list)
    groups: list[KpiGroup] | None = None


@dataclass(frozen=True)
class KpiValue:
    start: date
    end: date
    value: float | None
    n: int
    ci_low: float | None = None
    ci_high: float | None = None
    median: float | None = None
    p90: float | None = None
    extra: dict = field(default_factory=dict)


@dataclass(frozen=True)
class KpiSummary:
    kpi: str
    current: KpiValue
    previous: KpiValue
    change: float | None  # current - previous, in the KPI's unit (points for rates)
    significant: bool
    p_value: float | None = None
