"""Targets and alerts (once, then resolved), at-risk customers, the demo part."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace

import pytest
from django.core import mail
from django.utils import timezone

from metrics import alerts, demo, risk, services
from metrics.filters import load_options, parse_filters
from metrics.models import FillState, KpiAlert, KpiTarget
from tests import factories
from tests.metrics import factories as mf

pytestmark = pytest.mark.django_db
MONDAY_AFTER = date(2026, 1, 19)  # weeks evaluated: 01-05..11 and 01-12..18


@pytest.fixture
def survey():
    return mf.make_survey(factories.make_touchpoint(slug="checkout"))


def test_a_breach_for_consecutive_weeks_opens_one_alert_and_recovery_resolves_it(survey, settings):
    settings.CX_ALERT_EMAILS = "cx@example.com"
    target = services.kpi_target_set(
        kpi_key="nps", target=30, alert_threshold=20, consecutive_periods=2
    )
    for day in ("2026-01-06", "2026-01-13"):
        mf.make_response(survey, mf.at(day), nps=5)
    services.recompute(full=True)
    assert alerts.alerts_evaluate(today=MONDAY_AFTER) == (1, 0)
    assert alerts.alerts_evaluate(today=MONDAY_AFTER) == (0, 0)  # still breached: no second alert
    alert = KpiAlert.objects.get()
    assert alert.kind == "breach" and alert.target == target and alert.resolved_at is None
    assert alert.period_start == date(2026, 1, 5) and alert.value == -100.0
    assert len(mail.outbox) == 1 and alert.notified_at is not None
    for _ in range(3):
        mf.make_response(survey, mf.at("2026-01-14"), nps=10)
    services.recompute(full=True)
    _opened, resolved = alerts.alerts_evaluate(today=MONDAY_AFTER)
    assert resolved == 1
    assert KpiAlert.objects.get(kind="breach").resolved_at is not None


def test_a_single_bad_week_is_not_a_breach_of_two_consecutive_weeks(survey):
    services.kpi_target_set(kpi_key="nps", target=30, alert_threshold=20, consecutive_periods=2)
    mf.make_response(survey, mf.at("2026-01-13"), nps=0)
    mf.make_response(survey, mf.at("2026-01-06"), nps=10)
    services.recompute(full=True)
    alerts.alerts_evaluate(today=MONDAY_AFTER)
    assert not KpiAlert.objects.filter(kind="breach").exists()


def test_a_significant_drop_against_the_previous_week_opens_a_drop_alert(survey):
    services.kpi_target_set(kpi_key="csat", target=10, alert_threshold=5, consecutive_periods=1)
    for i in range(40):
        mf.make_response(survey, mf.at("2026-01-06"), csat=5, csat_scale=5)
        mf.make_response(survey, mf.at("2026-01-13"), csat=5 if i < 10 else 1, csat_scale=5)
    services.recompute(full=True)
    alerts.alerts_evaluate(today=MONDAY_AFTER)
    drop = KpiAlert.objects.get(kind="drop")
    assert drop.value == 25.0 and drop.previous_value == 100.0
    assert not KpiAlert.objects.filter(kind="breach").exists()


def test_targets_refuse_unknown_kpis():
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as error:
        services.kpi_target_set(kpi_key="happiness", target=1)
    assert services.TARGET_NOT_A_KPI in str(error.value)
    assert not KpiTarget.objects.exists()


def test_at_risk_customers_are_scored_with_reasons(survey):
    now = timezone.now()
    unhappy = factories.make_customer(external_id="unhappy")
    factories.make_customer(external_id="calm")
    gone = factories.make_customer(
        external_id="gone", active_since=now - timedelta(days=9), churned_at=now
    )
    mf.make_response(survey, now, nps=2, customer=unhappy)
    mf.make_response(survey, now, nps=1, customer=gone)
    mf.make_ticket(survey.touchpoint, now, customer=unhappy, status="open")
    mf.make_ticket(survey.touchpoint, now, customer=unhappy, status="resolved", reopened_count=1)
    journey, stages = mf.make_journey(1)
    mf.make_event(unhappy, journey, stages[0], survey.touchpoint, now, type="abandoned")
    filters = parse_filters({}, today=timezone.localdate(), options=load_options())
    rows = risk.at_risk_customers(filters, limit=10)
    assert [r.customer.external_id for r in rows] == ["unhappy"]
    row = rows[0]
    assert row.signals == {"detractor": 1, "reopened": 1, "unresolved": 1, "abandoned": 1}
    assert row.score == 3 + 2 + 2 + 1
    assert len(row.reasons) == 4 and "1 detractor answer" in row.reasons[0]


def test_at_risk_customers_follow_the_range_and_rank_by_score(survey):
    now = timezone.now()
    worse = factories.make_customer(external_id="worse")
    milder = factories.make_customer(external_id="milder")
    old = factories.make_customer(external_id="old")
    for _ in range(2):
        mf.make_response(survey, now, nps=0, customer=worse)
    mf.make_response(survey, now, csat=1, csat_scale=5, customer=milder)
    mf.make_response(survey, now - timedelta(days=200), nps=0, customer=old)
    filters = parse_filters({"range": "30d"}, today=timezone.localdate(), options=load_options())
    rows = risk.at_risk_customers(filters, limit=10)
    assert [r.customer.external_id for r in rows] == ["worse", "milder"]
    assert [r.score for r in rows] == [6, 2]
    assert risk.at_risk_customers(filters, limit=1)[0].customer.external_id == "worse"


def test_the_demo_part_sets_targets_and_fills_the_rollups(survey):
    mf.make_response(survey, datetime(2026, 1, 6, tzinfo=UTC), nps=9)
    ctx = SimpleNamespace(end=date(2026, 1, 31), extra={}, progress=lambda it, **kw: it)
    demo.seed(ctx)
    assert KpiTarget.objects.filter(kpi_key="nps", touchpoint=None).get().target == 30
    assert KpiTarget.objects.filter(kpi_key="csat", touchpoint__slug="checkout").exists()
    assert FillState.objects.get(source="all").last_full is not None
    demo.seed(ctx)  # running the demo twice keeps one target per KPI
    assert KpiTarget.objects.filter(kpi_key="nps").count() == 1
