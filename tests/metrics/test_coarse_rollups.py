"""Day × touchpoint rollups: always the fine rollups summed, and reads through them give the same
KPIs as reads through the fine rows."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.db import connection
from django.db.models import Sum

from journeys.models import Channel
from metrics import selectors, services
from metrics.models import (
    InvitationDaily,
    InvitationDayTouchpoint,
    ResolutionDaily,
    ResolutionDayTouchpoint,
    ResponseDaily,
    ResponseDayTouchpoint,
    TicketDaily,
    TicketDayTouchpoint,
)
from metrics.rollups import coarse, read
from metrics.types import KpiFilters
from surveys.models import Response
from tests import factories
from tests.metrics import factories as mf
from tickets.models import Ticket

pytestmark = pytest.mark.django_db

START, END = date(2026, 1, 1), date(2026, 1, 21)


def world():
    """Two touchpoints, each day's rows spread over channels, personas, languages, categories and
    priorities, so a day × touchpoint sum covers several fine rows."""
    touchpoints = [factories.make_touchpoint(slug="checkout"), factories.make_touchpoint()]
    channels = list(Channel.objects.order_by("id")[:2])
    customers = [factories.make_customer(persona=factories.make_persona()) for _ in range(2)]
    categories = [mf.make_category("billing"), mf.make_category("payment")]
    for index in range(24):
        tp = touchpoints[index % 2]
        survey = mf.make_survey(tp)
        moment = mf.at(f"2026-01-{1 + index % 9:02d}", hour=8 + index % 5)
        mf.make_response(
            survey,
            moment,
            nps=index % 11,
            csat=1 + index % 5,
            csat_scale=5,
            ces=1 + index % 7,
            customer=customers[index % 2],
            channel=channels[(index // 2) % 2],
            language=("en", "id", "")[index % 3],
        )
        mf.make_ticket(
            tp,
            moment,
            customer=customers[(index // 3) % 2],
            channel=channels[index % 2],
            category=categories[(index // 2) % 2],
            priority=("normal", "high")[index % 2],
            frt_seconds=60.0 * (index + 1),
            **_resolved(index, moment),
        )
        mf.make_invitation(
            survey,
            moment,
            status=("sent", "responded")[index % 2],
            channel=channels[(index // 2) % 2],
            language=("en", "id", "")[index % 3],
        )
    return touchpoints, customers


def _resolved(index: int, moment) -> dict:
    """Two tickets in three resolved, some after a reopen, so the resolution rollups fill."""
    if index % 3 == 2:
        return {}
    return {
        "status": "resolved",
        "resolved_at": moment + timedelta(hours=2 + index),
        "resolution_seconds": 3600.0 * (2 + index),
        "resolution_business_seconds": 1800.0 * (2 + index),
        "reopened_count": 1 if index % 4 == 0 else 0,
    }


def fine_summed(fine, coarse_model) -> list[tuple]:
    columns = coarse.coarse_columns(coarse_model)
    rows = fine.objects.values("day", "touchpoint_id").annotate(**{c: Sum(c) for c in columns})
    return sorted(tuple(row[k] for k in ("day", "touchpoint_id", *columns)) for row in rows)


def coarse_rows(coarse_model) -> list[tuple]:
    columns = coarse.coarse_columns(coarse_model)
    return sorted(coarse_model.objects.values_list("day", "touchpoint_id", *columns))


def assert_coarse_is_fine_summed() -> None:
    for fine, coarse_model in coarse.COARSE.items():
        expected = fine_summed(fine, coarse_model)
        assert coarse_rows(coarse_model) == expected, coarse_model.__name__


def test_a_full_recompute_fills_the_day_touchpoint_rollups_with_the_fine_rows_summed():
    world()
    services.recompute(full=True)
    assert ResponseDaily.objects.count() > ResponseDayTouchpoint.objects.count() > 0
    assert TicketDaily.objects.count() > TicketDayTouchpoint.objects.count() > 0
    assert ResolutionDaily.objects.count() > ResolutionDayTouchpoint.objects.count() > 0
    assert InvitationDaily.objects.count() > InvitationDayTouchpoint.objects.count() > 0
    assert_coarse_is_fine_summed()
    if connection.vendor == "postgresql":
        # Written in day order, so a window's rows sit on neighbouring pages.
        for coarse_model in coarse.COARSE.values():
            with connection.cursor() as cursor:
                cursor.execute(f"SELECT day FROM {coarse_model._meta.db_table} ORDER BY ctid")
                days = [row[0] for row in cursor.fetchall()]
            assert days == sorted(days), coarse_model.__name__


def test_an_incremental_recompute_keeps_the_day_touchpoint_rollups_equal_to_the_fine_sums(
    monkeypatch,
):
    monkeypatch.setattr(services, "WATERMARK_OVERLAP", timedelta(0))
    touchpoints, customers = world()
    services.recompute(full=True)
    survey = mf.make_survey(touchpoints[1])
    mf.make_response(survey, mf.at("2026-01-12"), nps=3, customer=customers[0], language="it")
    moved = Response.objects.order_by("id").first()
    moved.submitted_at = mf.at("2026-01-15")
    moved.save()
    Response.objects.filter(
        submitted_at__gte=mf.at("2026-01-02", hour=0), submitted_at__lt=mf.at("2026-01-02", hour=23)
    ).delete()
    Ticket.objects.filter(
        created_at__gte=mf.at("2026-01-03", hour=0), created_at__lt=mf.at("2026-01-03", hour=23)
    ).delete()
    mf.make_ticket(touchpoints[0], mf.at("2026-01-12"), frt_seconds=30.0)
    result = services.recompute()
    assert not result.full and date(2026, 1, 2) in result.days
    assert_coarse_is_fine_summed()
    assert not ResponseDayTouchpoint.objects.filter(day=date(2026, 1, 2)).exists()
    assert ResponseDayTouchpoint.objects.filter(day=date(2026, 1, 15)).exists()
    assert TicketDayTouchpoint.objects.filter(day=date(2026, 1, 12)).exists()


def test_rollups_refresh_of_some_days_refills_only_those_days_from_the_fine_rows():
    world()
    services.recompute(full=True)
    ResponseDayTouchpoint.objects.filter(day=date(2026, 1, 4)).update(responses=999)
    ResponseDayTouchpoint.objects.filter(day=date(2026, 1, 5)).update(responses=999)
    services.rollups_refresh(days=[date(2026, 1, 4)])
    assert not ResponseDayTouchpoint.objects.filter(day=date(2026, 1, 4), responses=999).exists()
    assert ResponseDayTouchpoint.objects.filter(day=date(2026, 1, 5), responses=999).exists()


def test_reads_choose_the_day_touchpoint_rollup_only_without_finer_filters_or_groupings():
    from metrics.kpis import KPIS

    nps, volume = KPIS["nps"], KPIS["ticket_volume"]
    assert read.source_model(nps, KpiFilters(), None) is ResponseDayTouchpoint
    assert read.source_model(nps, KpiFilters(touchpoint="checkout"), "touchpoint") is (
        ResponseDayTouchpoint
    )
    assert read.source_model(volume, KpiFilters(journey="j"), None) is TicketDayTouchpoint
    assert read.source_model(nps, KpiFilters(channel="web"), None) is ResponseDaily
    assert read.source_model(nps, KpiFilters(persona="p"), None) is ResponseDaily
    assert read.source_model(nps, KpiFilters(language="en"), None) is ResponseDaily
    assert read.source_model(nps, KpiFilters(), "channel") is ResponseDaily
    assert read.source_model(volume, KpiFilters(), "category") is TicketDaily
    assert read.source_model(KPIS["reopen_rate"], KpiFilters(), None) is not TicketDayTouchpoint


KEYS = [
    "nps",
    "csat",
    "csat_mean",
    "ces",
    "ticket_volume",
    "fcr",
    "sla_breach_rate",
    "frt",
    "resolution_time",
    "resolution_time_business",
    "reopen_rate",
    "response_rate",
]


def _reads(journey: str | None = None) -> list:
    results = []
    for key in KEYS:
        for filters in (KpiFilters(), KpiFilters(touchpoint="checkout")):
            for granularity in ("day", "week", "month"):
                for group_by in (None, "touchpoint"):
                    results.append(
                        selectors.kpi_series(
                            key=key,
                            start=START,
                            end=END,
                            granularity=granularity,
                            filters=filters,
                            group_by=group_by,
                        )
                    )
            results.append(selectors.kpi_summary(key=key, start=START, end=END, filters=filters))
    results.append(
        selectors.kpi_board(
            keys=KEYS, filters_for={k: KpiFilters() for k in KEYS}, start=START, end=END
        )
    )
    return results


def test_reads_through_the_day_touchpoint_rollups_equal_reads_through_the_fine_rollups(
    monkeypatch,
):
    world()
    services.recompute(full=True)
    through_coarse = _reads()
    monkeypatch.setattr(read, "COARSE", {})
    through_fine = _reads()
    assert through_coarse == through_fine
    assert any(point.n for point in through_fine[0].points)
