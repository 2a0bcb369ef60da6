"""The KPI registry: every KPI of PRODUCT.md declared once, with how its value, interval and
significance test come from summed rollup parts. The API, dashboards and exports list KPIs
from here.

`parts` is a dict of summed rollup columns (metrics.rollups.read names them); `value_from(parts)`
returns (value, n, ci_low, ci_high, extra) and `p_value(a, b)` compares two periods' parts.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

from metrics import stats
from metrics.models import CES_POINTS, CSAT5_POINTS, CSAT7_POINTS

Parts = dict[str, float]
Computed = tuple[float | None, int, float | None, float | None, dict]

BASE_GROUPS = ("touchpoint", "channel", "persona")
TICKET_GROUPS = (*BASE_GROUPS, "category")
BASE_FILTERS = ("touchpoint", "channel", "persona", "journey")


def _g(parts: Parts, name: str) -> float:
    return parts.get(name) or 0


def nps_parts(parts: Parts) -> tuple[int, int, int]:
    promoters = int(_g(parts, "nps_9") + _g(parts, "nps_10"))
    passives = int(_g(parts, "nps_7") + _g(parts, "nps_8"))
    detractors = int(sum(_g(parts, f"nps_{p}") for p in range(0, 7)))
    return promoters, passives, detractors


def _nps(parts: Parts) -> Computed:
    p, pa, d = nps_parts(parts)
    value, low, high = stats.nps(p, pa, d)
    return value, p + pa + d, low, high, {"promoters": p, "passives": pa, "detractors": d}


def csat_parts(parts: Parts) -> tuple[int, int, tuple[int, float, float]]:
    pairs = [(p, int(_g(parts, f"csat5_{p}"))) for p in CSAT5_POINTS]
    pairs += [(p, int(_g(parts, f"csat7_{p}"))) for p in CSAT7_POINTS]
    top = int(sum(_g(parts, f"csat5_{p}") for p in (4, 5)))
    top += int(sum(_g(parts, f"csat7_{p}") for p in (6, 7)))
    moments = stats.point_moments(pairs)
    return top, moments[0], moments


def _csat(parts: Parts) -> Computed:
    top, n, moments = csat_parts(parts)
    value, low, high = stats.wilson(top, n)
    mean = stats.mean_sd(*moments)[0]
    return value, n, low, high, {"mean": mean, "top": top}


def _csat_mean(parts: Parts) -> Computed:
    top, n, moments = csat_parts(parts)
    value, low, high = stats.mean_ci(*moments)
    return value, n, low, high, {"top": top}


def ces_moments(parts: Parts) -> tuple[int, float, float]:
    return stats.point_moments((p, int(_g(parts, f"ces_{p}"))) for p in CES_POINTS)


def _ces(parts: Parts) -> Computed:
    moments = ces_moments(parts)
    value, low, high = stats.mean_ci(*moments)
    return value, moments[0], low, high, {}


def _rate(success: str, total: str) -> Callable[[Parts], Computed]:
    def compute(parts: Parts) -> Computed:
        x, n = int(_g(parts, success)), int(_g(parts, total))
        if n <= 0:
            return None, 0, None, None, {success: x}
        if x > n:  # more events than their base (e.g. opens without a delivery): no interval
            return 100.0 * x / n, n, None, None, {success: x}
        value, low, high = stats.wilson(x, n)
        return value, n, low, high, {success: x}

    return compute


def _rate_test(success: str, total: str) -> Callable[[Parts, Parts], float | None]:
    def test(a: Parts, b: Parts) -> float | None:
        xa, na, xb, nb = (
            int(_g(a, success)),
            int(_g(a, total)),
            int(_g(b, success)),
            int(_g(b, total)),
        )
        if xa > na or xb > nb:
            return None
        return stats.two_proportion_test(xa, na, xb, nb)

    return test


def _hours(prefix: str) -> Callable[[Parts], Computed]:
    def compute(parts: Parts) -> Computed:
        n = int(_g(parts, f"{prefix}_n"))
        total = _g(parts, f"{prefix}_sum") / 3600.0
        sumsq = _g(parts, f"{prefix}_sumsq") / 3600.0**2
        value, low, high = stats.mean_ci(n, total, sumsq)
        return value, n, low, high, {}

    return compute


def _hours_test(prefix: str) -> Callable[[Parts, Parts], float | None]:
    def test(a: Parts, b: Parts) -> float | None:
        def moments(p: Parts) -> tuple[int, float, float]:
            return int(_g(p, f"{prefix}_n")), _g(p, f"{prefix}_sum"), _g(p, f"{prefix}_sumsq")

        return stats.welch_test(moments(a), moments(b))

    return test


def _count(name: str) -> Callable[[Parts], Computed]:
    def compute(parts: Parts) -> Computed:
        value = int(_g(parts, name))
        return (float(value) if value else None), value, None, None, {}

    return compute


def _backlog(parts: Parts) -> Computed:
    # Backlog is a level, not a flow: zero open tickets is a value, not an empty period.
    if not parts.get("_has_history"):
        return None, 0, None, None, {}
    value = int(_g(parts, "backlog"))
    return float(value), value, None, None, {}


def _retention(parts: Parts) -> Computed:
    value, n, low, high, extra = _rate("churned", "active_start")(parts)
    if value is None:
        return None, n, None, None, extra
    return (
        100.0 - value,
        n,
        None if high is None else 100.0 - high,
        None if low is None else 100.0 - low,
        extra,
    )


def _drop_off(parts: Parts) -> Computed:
    value, n, low, high, extra = _rate("converted", "entered")(parts)
    if value is None:
        return None, n, None, None, extra
    return (
        100.0 - value,
        n,
        None if high is None else 100.0 - high,
        None if low is None else 100.0 - low,
        extra,
    )


def _nps_test(a: Parts, b: Parts) -> float | None:
    return stats.nps_difference_test(nps_parts(a), nps_parts(b))


def _csat_mean_test(a: Parts, b: Parts) -> float | None:
    return stats.welch_test(csat_parts(a)[2], csat_parts(b)[2])


def _ces_test(a: Parts, b: Parts) -> float | None:
    return stats.welch_test(ces_moments(a), ces_moments(b))


def _csat_test(a: Parts, b: Parts) -> float | None:
    (ta, na, _), (tb, nb, _) = csat_parts(a), csat_parts(b)
    return stats.two_proportion_test(ta, na, tb, nb)


@dataclass(frozen=True)
class KpiDefinition:
    key: str
    label: str
    unit: str  # "score" (NPS -100..100), "percent", "mean", "hours", "count"
    higher_is_better: bool
    description: str
    source: str  # "surveys" | "tickets" | "customers" | "journeys" | "invitations"
    is_rate: bool
    group_bys: tuple[str, ...]
    decimals: int = 1
    # Added by the engine (contracts allow additions): where the parts come from and how.
    rollup: str = ""
    filters: tuple[str, ...] = BASE_FILTERS
    value_from: Callable[[Parts], Computed] | None = field(default=None, compare=False)
    p_value: Callable[[Parts, Parts], float | None] | None = field(default=None, compare=False)
    histogram_measure: int | None = None  # time KPIs: TimeHistogram.measure for median/p90

    @property
    def is_time(self) -> bool:
        return self.unit == "hours"


def _k(**kwargs) -> KpiDefinition:
    return KpiDefinition(**kwargs)


_DEFS = [
    _k(
        key="nps",
        label=_("Net Promoter Score"),
        unit="score",
        higher_is_better=True,
        description=_("100 × (promoters 9–10 − detractors 0–6) / answers, from −100 to 100."),
        source="surveys",
        is_rate=False,
        group_bys=BASE_GROUPS,
        rollup="responses",
        value_from=_nps,
        p_value=_nps_test,
    ),
    _k(
        key="csat",
        label=_("Customer satisfaction"),
        unit="percent",
        higher_is_better=True,
        description=_("Share of CSAT answers in the top two points of the scale, × 100."),
        source="surveys",
        is_rate=True,
        group_bys=BASE_GROUPS,
        rollup="responses",
        value_from=_csat,
        p_value=_csat_test,
    ),
    _k(
        key="csat_mean",
        label=_("CSAT mean score"),
        unit="mean",
        higher_is_better=True,
        description=_("Mean CSAT answer on its own scale."),
        source="surveys",
        is_rate=False,
        group_bys=BASE_GROUPS,
        decimals=2,
        rollup="responses",
        value_from=_csat_mean,
        p_value=_csat_mean_test,
    ),
    _k(
        key="ces",
        label=_("Customer effort score"),
        unit="mean",
        higher_is_better=True,
        description=_("Mean of 1–7 effort answers (7 = very easy)."),
        source="surveys",
        is_rate=False,
        group_bys=BASE_GROUPS,
        decimals=2,
        rollup="responses",
        value_from=_ces,
        p_value=_ces_test,
    ),
    _k(
        key="response_rate",
        label=_("Response rate"),
        unit="percent",
        higher_is_better=True,
        description=_("Responses received / invitations sent, × 100, by send date."),
        source="invitations",
        is_rate=True,
        group_bys=BASE_GROUPS,
        rollup="invitations",
        value_from=_rate("responded", "sent"),
        p_value=_rate_test("responded", "sent"),
    ),
    _k(
        key="closed_loop_rate",
        label=_("Closed-loop rate"),
        unit="percent",
        higher_is_better=True,
        description=_(
            "Follow-ups answered by a public agent reply within 2 business days / "
            "follow-ups triggered, × 100, by response date."
        ),
        source="surveys",
        is_rate=True,
        group_bys=BASE_GROUPS,
        rollup="followups",
        value_from=_rate("closed", "triggered"),
        p_value=_rate_test("closed", "triggered"),
    ),
    _k(
        key="frt",
        label=_("First response time"),
        unit="hours",
        higher_is_better=False,
        description=_("Creation to the first public reply by a human agent, calendar hours."),
        source="tickets",
        is_rate=False,
        group_bys=TICKET_GROUPS,
        rollup="tickets_created",
        value_from=_hours("frt"),
        p_value=_hours_test("frt"),
        histogram_measure=0,
    ),
    _k(
        key="frt_business",
        label=_("First response time (business hours)"),
        unit="hours",
        higher_is_better=False,
        description=_("First response time in business hours of the default calendar."),
        source="tickets",
        is_rate=False,
        group_bys=TICKET_GROUPS,
        rollup="tickets_created",
        value_from=_hours("frtb"),
        p_value=_hours_test("frtb"),
        histogram_measure=1,
    ),
    _k(
        key="resolution_time",
        label=_("Resolution time"),
        unit="hours",
        higher_is_better=False,
        description=_("Creation to the last resolution, calendar hours, by resolution date."),
        source="tickets",
        is_rate=False,
        group_bys=TICKET_GROUPS,
        rollup="tickets_resolved",
        value_from=_hours("res"),
        p_value=_hours_test("res"),
        histogram_measure=2,
    ),
    _k(
        key="resolution_time_business",
        label=_("Resolution time (business hours)"),
        unit="hours",
        higher_is_better=False,
        description=_("Resolution time in business hours of the default calendar."),
        source="tickets",
        is_rate=False,
        group_bys=TICKET_GROUPS,
        rollup="tickets_resolved",
        value_from=_hours("resb"),
        p_value=_hours_test("resb"),
        histogram_measure=3,
    ),
    _k(
        key="fcr",
        label=_("First contact resolution"),
        unit="percent",
        higher_is_better=True,
        description=_(
            "Tickets resolved with one public agent reply and never reopened / "
            "tickets received, × 100."
        ),
        source="tickets",
        is_rate=True,
        group_bys=TICKET_GROUPS,
        rollup="tickets_created",
        value_from=_rate("fcr", "created"),
        p_value=_rate_test("fcr", "created"),
    ),
    _k(
        key="sla_breach_rate",
        label=_("SLA breach rate"),
        unit="percent",
        higher_is_better=False,
        description=_(
            "Tickets whose first response or resolution exceeded the SLA / tickets "
            "with an SLA, × 100, by creation date."
        ),
        source="tickets",
        is_rate=True,
        group_bys=TICKET_GROUPS,
        rollup="tickets_created",
        value_from=_rate("sla_breached", "sla_total"),
        p_value=_rate_test("sla_breached", "sla_total"),
    ),
    _k(
        key="ticket_volume",
        label=_("Ticket volume"),
        unit="count",
        higher_is_better=False,
        description=_("Tickets created."),
        source="tickets",
        is_rate=False,
        group_bys=TICKET_GROUPS,
        decimals=0,
        rollup="tickets_created",
        value_from=_count("created"),
    ),
    _k(
        key="backlog",
        label=_("Backlog"),
        unit="count",
        higher_is_better=False,
        description=_("Open tickets (not resolved or closed) at the end of the period."),
        source="tickets",
        is_rate=False,
        group_bys=TICKET_GROUPS,
        decimals=0,
        rollup="backlog",
        value_from=_backlog,
    ),
    _k(
        key="reopen_rate",
        label=_("Reopen rate"),
        unit="percent",
        higher_is_better=False,
        description=_(
            "Resolved tickets that were reopened / resolved tickets, × 100, by the "
            "date of the last resolution."
        ),
        source="tickets",
        is_rate=True,
        group_bys=TICKET_GROUPS,
        rollup="tickets_resolved",
        value_from=_rate("reopened", "resolved"),
        p_value=_rate_test("reopened", "resolved"),
    ),
    _k(
        key="churn_rate",
        label=_("Churn rate"),
        unit="percent",
        higher_is_better=False,
        description=_(
            "Customers who churned in the period / customers active at its start, × 100."
        ),
        source="customers",
        is_rate=True,
        group_bys=("persona",),
        rollup="customers",
        filters=("persona",),
        value_from=_rate("churned", "active_start"),
        p_value=_rate_test("churned", "active_start"),
    ),
    _k(
        key="retention_rate",
        label=_("Retention rate"),
        unit="percent",
        higher_is_better=True,
        description=_("100 − churn rate."),
        source="customers",
        is_rate=True,
        group_bys=("persona",),
        rollup="customers",
        filters=("persona",),
        value_from=_retention,
        p_value=_rate_test("churned", "active_start"),
    ),
    _k(
        key="stage_conversion",
        label=_("Stage conversion"),
        unit="percent",
        higher_is_better=True,
        description=_(
            "Customers at stage k in the period who reached stage k+1 within the "
            "journey's conversion window, × 100."
        ),
        source="journeys",
        is_rate=True,
        group_bys=("stage", "persona"),
        rollup="stages",
        filters=("persona", "journey"),
        value_from=_rate("converted", "entered"),
        p_value=_rate_test("converted", "entered"),
    ),
    _k(
        key="drop_off",
        label=_("Drop-off"),
        unit="percent",
        higher_is_better=False,
        description=_("100 − stage conversion."),
        source="journeys",
        is_rate=True,
        group_bys=("stage", "persona"),
        rollup="stages",
        filters=("persona", "journey"),
        value_from=_drop_off,
        p_value=_rate_test("converted", "entered"),
    ),
    _k(
        key="open_rate",
        label=_("Open rate"),
        unit="percent",
        higher_is_better=True,
        description=_("Marketing messages opened / delivered, × 100."),
        source="journeys",
        is_rate=True,
        group_bys=(*BASE_GROUPS, "stage"),
        rollup="events",
        value_from=_rate("opened", "delivered"),
        p_value=_rate_test("opened", "delivered"),
    ),
    _k(
        key="click_rate",
        label=_("Click rate"),
        unit="percent",
        higher_is_better=True,
        description=_("Marketing messages clicked / delivered, × 100."),
        source="journeys",
        is_rate=True,
        group_bys=(*BASE_GROUPS, "stage"),
        rollup="events",
        value_from=_rate("clicked", "delivered"),
        p_value=_rate_test("clicked", "delivered"),
    ),
    _k(
        key="conversion_rate",
        label=_("Conversion rate"),
        unit="percent",
        higher_is_better=True,
        description=_("Marketing clicks that converted / clicks, × 100."),
        source="journeys",
        is_rate=True,
        group_bys=(*BASE_GROUPS, "stage"),
        rollup="events",
        value_from=_rate("converted", "clicked"),
        p_value=_rate_test("converted", "clicked"),
    ),
]

KPIS: dict[str, KpiDefinition] = {definition.key: definition for definition in _DEFS}


def get_kpi(key: str) -> KpiDefinition:
    try:
        return KPIS[key]
    except KeyError:
        raise ValueError(f"Unknown KPI {key!r}.") from None
