"""The parallel full rebuild (PostgreSQL): same rows as the serial one, same table shapes and names
afterwards, nothing half-done on failure, and readers not held up while it builds."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest
from django.db import connection, connections

from metrics import services
from metrics.models import ResponseDaily
from metrics.rollups import build, parallel
from tests import factories
from tests.metrics import factories as mf
from tests.metrics.test_recompute import small_world, snapshot

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture(autouse=True)
def _postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip("the parallel rebuild swaps PostgreSQL tables; elsewhere it is serial")


def _world() -> None:
    tp, _survey, customer, *_rest = small_world()
    other = mf.make_survey(factories.make_touchpoint(slug="delivery"))
    for day, score in (("2026-01-02", 3), ("2026-01-04", 8), ("2026-01-04", 10)):
        mf.make_response(other, mf.at(day), nps=score, csat=4)
    mf.make_ticket(
        tp,
        mf.at("2026-01-03"),
        customer=customer,
        frt_seconds=90,
        resolved_at=datetime(2026, 1, 4, 9, tzinfo=UTC),
        status="resolved",
        resolution_seconds=86_400,
    )


def _catalogue() -> dict[str, list[tuple]]:
    """Each rollup table's indexes (name, definition), constraints and id sequence."""
    result = {}
    with connection.cursor() as cursor:
        for model in build.ROLLUP_MODELS:
            table = model._meta.db_table
            cursor.execute(
                "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s ORDER BY 1",
                [table],
            )
            indexes = cursor.fetchall()
            cursor.execute(
                "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                "WHERE conrelid = %s::regclass ORDER BY 1",
                [table],
            )
            constraints = cursor.fetchall()
            cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
            result[table] = [*indexes, *constraints, cursor.fetchone()]
    return result


def _copies_left() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT tablename FROM pg_tables WHERE tablename LIKE %s", ["%\\_\\_next"])
        return [row[0] for row in cursor.fetchall()]


def test_the_parallel_rebuild_writes_what_the_serial_one_does_and_keeps_the_tables_shape(
    settings, monkeypatch
):
    _world()
    settings.CX_RECOMPUTE_WORKERS = 1
    services.recompute(full=True)
    serial, shape = snapshot(), _catalogue()
    assert sum(len(rows) for rows in serial.values()) > 10

    calls = []
    real = parallel.rebuild_all
    monkeypatch.setattr(parallel, "rebuild_all", lambda progress=None: calls.append(1) or real())
    settings.CX_RECOMPUTE_WORKERS = 3
    services.recompute(full=True)

    assert calls == [1]
    assert snapshot() == serial
    assert _catalogue() == shape  # the migrated index, constraint and sequence names
    assert _copies_left() == []
    # The swapped table still numbers new rows itself and keeps its unique key.
    row = ResponseDaily.objects.create(day=mf.at("2026-02-01").date(), touchpoint_id=999)
    assert row.pk is not None
    with pytest.raises(Exception, match="response_daily_key"):
        ResponseDaily.objects.create(day=row.day, touchpoint_id=999)


def test_a_failing_builder_leaves_the_old_rows_and_no_copies(settings, monkeypatch):
    _world()
    services.recompute(full=True)
    before = snapshot()
    mf.make_response(mf.make_survey(factories.make_touchpoint(slug="late")), mf.at("2026-01-06"))

    def broken(ranges) -> None:
        raise RuntimeError("disk full")

    settings.CX_RECOMPUTE_WORKERS = 2
    monkeypatch.setattr(
        build, "BUILDERS", [(n, broken if n == "backlog" else f) for n, f in build.BUILDERS]
    )
    with pytest.raises(RuntimeError, match="disk full"):
        services.recompute(full=True)
    assert snapshot() == before
    assert _copies_left() == []


def test_dashboards_read_the_old_rows_while_a_full_rebuild_builds(settings, monkeypatch):
    _world()
    services.recompute(full=True)
    expected = sum(ResponseDaily.objects.values_list("responses", flat=True))
    building, release = threading.Event(), threading.Event()
    real = dict(build.BUILDERS)["events"]

    def slow_events(ranges) -> None:
        building.set()
        release.wait(30)
        real(ranges)

    settings.CX_RECOMPUTE_WORKERS = 2
    monkeypatch.setattr(
        build, "BUILDERS", [(n, slow_events if n == "events" else f) for n, f in build.BUILDERS]
    )
    errors: list[BaseException] = []

    def run() -> None:
        try:
            services.recompute(full=True)
        except BaseException as error:  # reported by the assertion below
            errors.append(error)
        finally:
            connections.close_all()

    worker = threading.Thread(target=run)
    worker.start()
    try:
        assert building.wait(30)
        with connection.cursor() as cursor:
            # A TRUNCATE-based rebuild would hold this read until its commit.
            cursor.execute("SET statement_timeout = 2000")
            cursor.execute("SELECT SUM(responses) FROM metrics_response_daily")
            assert cursor.fetchone()[0] == expected
            cursor.execute("RESET statement_timeout")
    finally:
        release.set()
        worker.join(60)
    assert errors == []
    assert sum(ResponseDaily.objects.values_list("responses", flat=True)) == expected


def test_privileges_on_the_rollup_tables_survive_the_swap(settings):
    _world()
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        if not cursor.fetchone()[0]:
            pytest.skip("creating a role needs a superuser")
        cursor.execute("DROP ROLE IF EXISTS cx_reporting_probe")
        cursor.execute("CREATE ROLE cx_reporting_probe NOLOGIN")
    try:
        with connection.cursor() as cursor:
            cursor.execute("GRANT SELECT ON metrics_response_daily TO cx_reporting_probe")
        settings.CX_RECOMPUTE_WORKERS = 2
        services.recompute(full=True)
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT has_table_privilege('cx_reporting_probe', 'metrics_response_daily', "
                "'SELECT'), has_table_privilege('cx_reporting_probe', 'metrics_ticket_daily', "
                "'SELECT')"
            )
            assert cursor.fetchone() == (True, False)
    finally:
        with connection.cursor() as cursor:
            cursor.execute("REVOKE ALL ON metrics_response_daily FROM cx_reporting_probe")
            cursor.execute("DROP ROLE cx_reporting_probe")


def test_inside_an_outer_transaction_the_rebuild_stays_serial(settings):
    from django.db import transaction

    settings.CX_RECOMPUTE_WORKERS = 4
    with transaction.atomic(), transaction.atomic():
        assert not parallel.applies(None)
    with transaction.atomic():
        assert parallel.applies(None)
        assert not parallel.applies([mf.at("2026-01-02").date()])
    settings.CX_RECOMPUTE_WORKERS = 1
    with transaction.atomic():
        assert not parallel.applies(None)


def test_every_builder_names_the_rollups_it_writes():
    # A builder missing here would still be run, but its tables indexed before it finished.
    assert set(parallel.WRITES) == {name for name, _builder in build.BUILDERS}
    written = {model for models in parallel.WRITES.values() for model in models}
    assert written == {model.__name__ for model in build.ROLLUP_MODELS}
