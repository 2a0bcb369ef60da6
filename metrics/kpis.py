"""The KPI registry: every KPI of PRODUCT.md declared once, with the functions (metrics.kpi_values)
that turn its summed rollup parts into a value, an interval and a significance test. The API,
dashboards and exports list KPIs from here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

from metrics.kpi_values import (  # noqa: F401 - Parts, Computed and the part helpers stay importable here
    Computed,
    Parts,
    backlog_value,
    ces_moments,
    ces_test,
    ces_value,
    count,
    csat_mean_test,
    csat_mean_value,
    csat_parts,
    csat_test,
    csat_value,
    drop_off_value,
    hours,
    hours_test,
    nps_parts,
    nps_test,
    nps_value,
    rate,
    rate_test,
    retention_value,
)

BASE_GROUPS = ("touchpoint", "channel", "persona")
TICKET_GROUPS = (*BASE_GROUPS, "category")
BASE_FILTERS = ("touchpoint", "channel", "persona", "journey")


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
        value_from=nps_value,
        p_value=nps_test,
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
        value_from=csat_value,
        p_value=csat_test,
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
        value_from=csat_mean_value,
        p_value=csat_mean_test,
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
        value_from=ces_value,
        p_value=ces_test,
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
        value_from=rate("responded", "sent"),
        p_value=rate_test("responded", "sent"),
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
        value_from=rate("closed", "triggered"),
        p_value=rate_test("closed", "triggered"),
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
        value_from=hours("frt"),
        p_value=hours_test("frt"),
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
        value_from=hours("frtb"),
        p_value=hours_test("frtb"),
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
        value_from=hours("res"),
        p_value=hours_test("res"),
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
        value_from=hours("resb"),
        p_value=hours_test("resb"),
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
        value_from=rate("fcr", "created"),
        p_value=rate_test("fcr", "created"),
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
        value_from=rate("sla_breached", "sla_total"),
        p_value=rate_test("sla_breached", "sla_total"),
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
        value_from=count("created"),
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
        value_from=backlog_value,
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
        value_from=rate("reopened", "resolved"),
        p_value=rate_test("reopened", "resolved"),
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
        value_from=rate("churned", "active_start"),
        p_value=rate_test("churned", "active_start"),
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
        value_from=retention_value,
        p_value=rate_test("churned", "active_start"),
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
        value_from=rate("converted", "entered"),
        p_value=rate_test("converted", "entered"),
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
        value_from=drop_off_value,
        p_value=rate_test("converted", "entered"),
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
        value_from=rate("opened", "delivered"),
        p_value=rate_test("opened", "delivered"),
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
        value_from=rate("clicked", "delivered"),
        p_value=rate_test("clicked", "delivered"),
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
        value_from=rate("converted", "clicked"),
        p_value=rate_test("converted", "clicked"),
    ),
]

KPIS: dict[str, KpiDefinition] = {definition.key: definition for definition in _DEFS}


def get_kpi(key: str) -> KpiDefinition:
    try:
        return KPIS[key]
    except KeyError:
        raise ValueError(f"Unknown KPI {key!r}.") from None
