"""Recompute: time-zone bucketing, idempotence, all-or-nothing days, incremental == full."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from metrics import selectors, services
from metrics.models import FillState, ResponseDaily, TicketDaily
from metrics.rollups import build
from tests import factories
from tests.metrics import factories as mf

pytestmark = pytest.mark.django_db


def snapshot() -> dict[str, list[tuple]]:
    """Every rollup table's rows without their ids, sorted: equal snapshots = equal KPIs."""
    result = {}
    for model in build.ROLLUP_MODELS:
        names = [f.attname for f in model._meta.concrete_fields if f.attname != "id"]
        result[model.__name__] = sorted(model.objects.values_list(*names), key=repr)
    return result


def small_world():
    tp = factories.make_touchpoint(slug="checkout")
    survey = mf.make_survey(tp)
    customer = factories.make_customer(active_since=datetime(2025, 12, 1, tzinfo=UTC))
    for day, score in (("2026-01-02", 9), ("2026-01-03", 4), ("2026-01-05", 10)):
        mf.make_response(survey, mf.at(day), nps=score, ces=5, customer=customer)
    ticket = mf.make_ticket(tp, mf.at("2026-01-02"), customer=customer, frt_seconds=600)
    mf.make_invitation(survey, mf.at("2026-01-02"))
    journey, stages = mf.make_journey(2)
    mf.make_event(customer, journey, stages[0], tp, mf.at("2026-01-02"))
    return tp, survey, customer, ticket, journey, stages


def test_a_response_at_2330_utc_lands_on_the_next_local_day_in_jakarta(settings, manager):
    settings.TIME_ZONE = "Asia/Jakarta"
    tp = factories.make_touchpoint(slug="checkout")
    survey = mf.make_survey(tp)
    mf.make_response(survey, datetime(2026, 1, 5, 23, 30, tzinfo=UTC), nps=10)
    mf.make_response(survey, datetime(2026, 1, 5, 16, 59, tzinfo=UTC), nps=0)  # 23:59 local
    mf.make_ticket(tp, datetime(2026, 1, 5, 17, 0, tzinfo=UTC))  # 00:00 on the 6th, local
    services.recompute(full=True)
    assert sorted(ResponseDaily.objects.values_list("day", "responses")) == [
        (date(2026, 1, 5), 1),
        (date(2026, 1, 6), 1),
    ]
    assert list(TicketDaily.objects.values_list("day", flat=True)) == [date(2026, 1, 6)]
    body = (
        factories.api_client(manager)
        .get(
            "/api/v1/kpis/nps/series/",
            {"start": "2026-01-05", "end": "2026-01-06", "granularity": "day"},
        )
        .json()
    )
    assert [(p["period_start"], p["value"]) for p in body["points"]] == [
        ("2026-01-05", -100.0),
        ("2026-01-06", 100.0),
    ]
    # An incremental run over the same rows buckets the same way.
    before = snapshot()
    services.rollups_refresh(days=[date(2026, 1, 5), date(2026, 1, 6)])
    assert snapshot() == before


def test_recompute_twice_changes_nothing():
    small_world()
    services.recompute(full=True)
    first = snapshot()
    services.recompute(full=True)
    assert snapshot() == first
    services.recompute()
    assert snapshot() == first
    services.recompute(since=date(2026, 1, 1))
    assert snapshot() == first
    assert selectors.last_computed() is not None


def test_a_recompute_that_fails_halfway_keeps_the_previous_rows_and_a_rerun_is_clean(monkeypatch):
    tp, survey, customer, *_ = small_world()
    services.recompute(full=True)
    before = snapshot()
    mf.make_response(survey, mf.at("2026-01-03"), nps=0, customer=customer)
    mf.make_ticket(tp, mf.at("2026-01-03"), customer=customer)

    def boom(ranges):
        raise RuntimeError("worker killed")

    builders = [(name, boom if name == "invitations" else fn) for name, fn in build.BUILDERS]
    monkeypatch.setattr(build, "BUILDERS", builders)
    with pytest.raises(RuntimeError):
        services.recompute()
    assert snapshot() == before  # nothing half-written: the previous rows are intact
    monkeypatch.undo()
    services.recompute()
    incremental = snapshot()
    services.recompute(full=True)
    assert incremental == snapshot()
    assert ResponseDaily.objects.get(day=date(2026, 1, 3)).nps_0 == 1


def test_incremental_redoes_the_old_day_of_a_moved_row_and_the_day_of_a_deleted_row(monkeypatch):
    monkeypatch.setattr(services, "WATERMARK_OVERLAP", timedelta(0))
    _tp, survey, *_ = small_world()
    services.recompute(full=True)
    response = survey.responses.get(submitted_at=mf.at("2026-01-03"))
    response.submitted_at = mf.at("2026-01-07")
    response.save()
    survey.responses.filter(submitted_at=mf.at("2026-01-05")).delete()
    result = services.recompute()
    assert set(result.days) >= {date(2026, 1, 3), date(2026, 1, 5), date(2026, 1, 7)}
    assert not ResponseDaily.objects.filter(day__in=[date(2026, 1, 3), date(2026, 1, 5)]).exists()
    assert ResponseDaily.objects.get(day=date(2026, 1, 7)).nps_4 == 1


OPS = st.lists(
    st.tuples(
        st.sampled_from(
            [
                "add_response",
                "move_response",
                "delete_response",
                "add_ticket",
                "resolve_ticket",
                "reopen_ticket",
                "delete_ticket",
                "churn",
                "add_event",
                "delete_event",
                "send_invitation",
            ]
        ),
        st.integers(0, 9),
        st.integers(0, 10),
    ),
    min_size=1,
    max_size=6,
)


def _apply(op: str, day_index: int, value: int, world) -> None:
    tp, survey, customer, _ticket, journey, stages = world
    day = datetime(2026, 1, 1, 10, tzinfo=UTC) + timedelta(days=day_index, hours=value)
    responses = list(survey.responses.order_by("id"))
    tickets = list(tp.tickets.order_by("id"))
    if op == "add_response":
        mf.make_response(survey, day, nps=value, customer=customer)
    elif op == "move_response" and responses:
        response = responses[value % len(responses)]
        response.submitted_at, response.nps_score = day, value
        response.save()
    elif op == "delete_response" and responses:
        responses[value % len(responses)].delete()
    elif op == "add_ticket":
        mf.make_ticket(tp, day, customer=customer, frt_seconds=60.0 * (value + 1))
    elif op == "resolve_ticket" and tickets:
        ticket = tickets[value % len(tickets)]
        resolved = max(day, ticket.created_at + timedelta(hours=1))
        mf.make_status_change(ticket, ticket.status, "resolved", resolved)
        ticket.status, ticket.resolved_at = "resolved", resolved
        ticket.resolution_seconds = (resolved - ticket.created_at).total_seconds()
        ticket.save()
    elif op == "reopen_ticket" and tickets:
        ticket = tickets[value % len(tickets)]
        if ticket.status == "resolved":
            mf.make_status_change(
                ticket, "resolved", "open", ticket.resolved_at + timedelta(hours=value)
            )
            ticket.status, ticket.resolved_at, ticket.reopened_count = (
                "open",
                None,
                ticket.reopened_count + 1,
            )
            ticket.save()
    elif op == "delete_ticket" and tickets:
        tickets[value % len(tickets)].delete()
    elif op == "churn":
        customer.churned_at = max(day, customer.active_since)
        customer.save()
    elif op == "add_event":
        mf.make_event(customer, journey, stages[value % 2], tp, day)
    elif op == "delete_event":
        event = journey.events.order_by("id").first()
        if event:
            event.delete()
    elif op == "send_invitation":
        mf.make_invitation(survey, day, customer=customer)


@hsettings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(ops=OPS)
def test_incremental_recompute_equals_a_full_rebuild_after_random_changes(ops, monkeypatch):
    monkeypatch.setattr(services, "WATERMARK_OVERLAP", timedelta(0))
    with transaction.atomic():
        world = small_world()
        services.recompute(full=True)
        for op in ops:
            _apply(*op, world)
        services.recompute()
        incremental = snapshot()
        services.recompute(full=True)
        assert incremental == snapshot()
        transaction.set_rollback(True)


def test_the_command_prints_what_it_did_and_how_long_it_took():
    small_world()
    out = StringIO()
    call_command("recompute_kpis", "--full", stdout=out)
    assert "full rebuild in" in out.getvalue() and "rebuilding responses" in out.getvalue()
    out = StringIO()
    call_command("recompute_kpis", "--since", "2026-01-04", stdout=out)
    assert "Recomputed" in out.getvalue() and "day(s) from" in out.getvalue()
    state = FillState.objects.get(source="all")
    assert state.last_full is not None and state.last_duration is not None
    with pytest.raises(CommandError):
        call_command("recompute_kpis", "--since", "yesterday")


def test_selectors_refuse_unknown_keys_granularities_group_bys_and_filters():
    from metrics.types import KpiFilters

    start, end = date(2026, 1, 1), date(2026, 1, 31)
    bad_calls = [
        {"key": "happiness"},
        {"key": "nps", "granularity": "hour"},
        {"key": "nps", "group_by": "category"},
        {"key": "churn_rate", "filters": KpiFilters(touchpoint="checkout")},
        {"key": "stage_conversion", "filters": KpiFilters(channel="web")},
        {"key": "nps", "filters": KpiFilters(touchpoint="nowhere")},
    ]
    factories.make_touchpoint(slug="checkout")
    for kwargs in bad_calls:
        with pytest.raises(ValueError):
            selectors.kpi_series(start=start, end=end, **kwargs)
    with pytest.raises(ValueError):
        selectors.kpi_value(key="nps", start=end, end=start)
    with pytest.raises(ValueError):
        selectors.kpi_breakdown(key="frt", start=start, end=end, group_by="stage")


def _expected_histogram() -> list[tuple]:
    """TimeHistogram rows computed in Python from each ticket with stats.bucket_of."""
    from collections import Counter

    from django.utils import timezone

    from metrics import stats
    from metrics.models import TimeHistogram
    from tickets.models import Ticket

    counts: Counter = Counter()
    for ticket in Ticket.objects.select_related("customer"):
        dims = (
            ticket.touchpoint_id,
            ticket.channel_id,
            ticket.customer.persona_id or 0,
            ticket.category_id or 0,
            ticket.priority,
        )
        created = timezone.localdate(ticket.created_at)
        values = [
            (TimeHistogram.FRT, created, ticket.frt_seconds),
            (TimeHistogram.FRT_BUSINESS, created, ticket.frt_business_seconds),
        ]
        if ticket.resolved_at is not None and ticket.status in ("resolved", "closed"):
            resolved = timezone.localdate(ticket.resolved_at)
            values += [
                (TimeHistogram.RESOLUTION, resolved, ticket.resolution_seconds),
                (TimeHistogram.RESOLUTION_BUSINESS, resolved, ticket.resolution_business_seconds),
            ]
        for measure, day, seconds in values:
            if seconds is not None:
                counts[(measure, day, *dims, stats.bucket_of(seconds))] += 1
    return sorted((*key, n) for key, n in counts.items())


def _histogram_rows() -> list[tuple]:
    from metrics.models import TimeHistogram

    names = [
        "measure",
        "day",
        "touchpoint_id",
        "channel_id",
        "persona_id",
        "category_id",
        "priority",
        "bucket",
        "tickets",
    ]
    return sorted(TimeHistogram.objects.values_list(*names))


def test_one_pass_histograms_bucket_every_measure_as_stats_bucket_of_does(monkeypatch):
    monkeypatch.setattr(services, "WATERMARK_OVERLAP", timedelta(0))
    tp, _survey, customer, *_ = small_world()
    for index, (frt, business, resolution) in enumerate(
        [(0.4, None, 3600.0), (1.0, 1.0, None), (599.9, 7200.0, 86_400.5), (None, 30.0, 0.0)]
    ):
        created = mf.at("2026-01-02", hour=20 + index)  # 20:00 UTC and later: next Jakarta day
        fields = {"frt_seconds": frt, "frt_business_seconds": business}
        if resolution is not None:
            fields |= {
                "status": "resolved" if index % 2 else "closed",
                "resolved_at": created + timedelta(hours=index + 1),
                "resolution_seconds": resolution,
                "resolution_business_seconds": resolution / 2,
            }
        mf.make_ticket(tp, created, customer=customer, **fields)
    mf.make_ticket(  # resolved_at kept after a reopen: not counted as resolved
        tp,
        mf.at("2026-01-04"),
        customer=customer,
        resolved_at=mf.at("2026-01-05"),
        resolution_seconds=50.0,
        frt_seconds=5.0,
    )
    services.recompute(full=True)
    assert _histogram_rows() == _expected_histogram()
    mf.make_ticket(tp, mf.at("2026-01-06"), customer=customer, frt_seconds=123.0)
    services.recompute()
    assert _histogram_rows() == _expected_histogram()


def _rollup_index_definitions() -> list[str]:
    from django.db import connection

    tables = [model._meta.db_table for model in build.ROLLUP_MODELS]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexdef FROM pg_indexes WHERE tablename = ANY(%s) ORDER BY indexname",
            [tables],
        )
        indexes = [row[0] for row in cursor.fetchall()]
        cursor.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid::regclass::text = ANY(%s) ORDER BY conname",
            [tables],
        )
        return indexes + [f"{name} {definition}" for name, definition in cursor.fetchall()]


def test_a_full_rebuild_on_postgresql_brings_back_every_index_and_unique_constraint():
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("the indexes are only dropped during a full rebuild on PostgreSQL")
    small_world()
    before = _rollup_index_definitions()
    assert any("UNIQUE" in definition for definition in before)
    services.recompute(full=True)
    assert _rollup_index_definitions() == before
    rows = snapshot()
    services.recompute(full=True)
    assert snapshot() == rows


def test_redoing_a_day_on_postgresql_rewrites_only_the_rows_that_changed():
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("SQLite redoes a day by delete + insert")
    _tp, survey, customer, *_ = small_world()
    services.recompute(full=True)
    day = date(2026, 1, 2)
    before = {row.pk: row.responses for row in ResponseDaily.objects.filter(day=day)}
    services.rollups_refresh(days=[day])
    assert {row.pk: row.responses for row in ResponseDaily.objects.filter(day=day)} == before
    mf.make_response(survey, mf.at("2026-01-02", hour=3), nps=7, customer=customer)
    survey.responses.filter(submitted_at=mf.at("2026-01-05")).delete()
    rows = snapshot()
    services.rollups_refresh(days=[day, date(2026, 1, 5)])
    after = {row.pk: row.responses for row in ResponseDaily.objects.filter(day=day)}
    assert set(after) == set(before) and sum(after.values()) == sum(before.values()) + 1
    assert not ResponseDaily.objects.filter(day=date(2026, 1, 5)).exists()
    services.recompute(full=True)
    assert snapshot() != rows  # the refresh above changed the tables ...
    full = snapshot()
    services.rollups_refresh(days=[day, date(2026, 1, 5)])
    assert snapshot() == full  # ... to exactly what a full rebuild gives
