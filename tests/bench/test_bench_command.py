"""`manage.py bench` end to end at a tiny size: the generator, every figure, and the comparison
with the raw SQL aggregate being a comparison of equal numbers. PostgreSQL only (COPY, gunicorn
against a committed database); on SQLite the command must refuse clearly.

The end-to-end run benches a database of its own (the test database's name + "_bench", dropped
afterwards): the bench migrates, truncates and fills whatever it is pointed at, and the test
database's data-migration rows (channels, roles, calendars) must survive for the tests after it."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import psycopg
import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection
from psycopg import sql

from metrics.bench import database
from surveys.models import Answer, Response
from tickets.business_time import weekday_spec
from tickets.models import Message, StatusChange, Ticket
from tickets.timing import ChangeRow, MessageRow, SlaTargets, compute_timing

EVERY_FIGURE = {
    "recompute_full",
    "api_series",
    "api_summary",
    "api_series_365d",
    "overview_page",
    "touchpoint_page",
    "recompute_peak_rss",
    "recompute_incremental",
    "ingest_rate",
    "ingest_rate_single",
    "bulk_import",
}
TINY = [
    "--responses", "2000", "--tickets", "200", "--messages", "700", "--customers", "150",
    "--days", "120", "--touchpoints", "6", "--runs", "1", "--regenerate",
    "--ingest-count", "30", "--ingest-batch", "10", "--ingest-batch-count", "60",
    "--ingest-seconds", "20", "--ingest-clients", "2", "--ingest-workers", "2", "--no-progress",
]  # fmt: skip

postgres_only = pytest.mark.skipif(
    not settings.IS_POSTGRES, reason="the bench measures PostgreSQL (COPY, planner, gunicorn)"
)


@pytest.mark.skipif(settings.IS_POSTGRES, reason="checks the refusal on SQLite")
@pytest.mark.django_db
def test_bench_refuses_sqlite_with_a_message_naming_postgresql():
    with pytest.raises(CommandError, match="PostgreSQL"):
        call_command("bench", "--responses", "100")


@postgres_only
@pytest.mark.django_db
def test_bench_refuses_a_database_holding_data_it_did_not_create():
    from tests.factories import make_customer

    make_customer()
    with pytest.raises(database.BenchDatabaseError, match="did not create"):
        database.guard_not_user_data()


@pytest.mark.django_db
def test_bench_rejects_sizes_it_cannot_generate():
    with pytest.raises(CommandError):
        call_command("bench", "--messages", "5", "--tickets", "10")


def _check_tickets_against_the_tickets_timing_module(now: datetime, last_id: int) -> int:
    """Every generated ticket's stored timing equals tickets.timing's derivation from its rows."""
    spec = weekday_spec(settings.TIME_ZONE)
    checked = 0
    for ticket in Ticket.objects.filter(id__lte=last_id).select_related("sla_policy"):
        messages = [
            MessageRow(kind=kind, created_at=at, id=pk)
            for pk, kind, at in Message.objects.filter(ticket=ticket).values_list(
                "id", "kind", "created_at"
            )
        ]
        changes = [
            ChangeRow(to_status=to, at=at, id=pk, actor_id=actor)
            for pk, to, at, actor in StatusChange.objects.filter(ticket=ticket)
            .exclude(from_status="", to_status="new")
            .values_list("id", "to_status", "at", "actor_id")
        ]
        policy = ticket.sla_policy
        timing = compute_timing(
            created_at=ticket.created_at,
            messages=messages,
            changes=changes,
            business_spec=spec,
            sla=SlaTargets(
                first_response=timedelta(minutes=policy.first_response_minutes),
                resolution=timedelta(minutes=policy.resolution_minutes),
                spec=spec,
            ),
            now=now,
        )
        for field in (
            "status", "first_response_at", "resolved_at", "resolved_by_id", "public_reply_count",
            "reopened_count", "is_fcr", "sla_first_response_due", "sla_resolution_due",
            "sla_first_response_breached", "sla_resolution_breached",
        ):  # fmt: skip
            assert getattr(ticket, field) == getattr(timing, field), (ticket.reference, field)
        for field in (
            "frt_seconds", "frt_business_seconds", "resolution_seconds",
            "resolution_business_seconds",
        ):  # fmt: skip
            assert getattr(ticket, field) == pytest.approx(getattr(timing, field)), field
        checked += 1
    return checked


def _drop_database(name: str) -> None:
    kwargs = database._server_kwargs("postgres")
    with psycopg.connect(**kwargs) as admin:
        admin.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


@pytest.fixture
def bench_database(django_db_blocker):
    """A scratch database beside the test database; the default connection points back at the
    test database afterwards (the bench switches it) and the scratch one is dropped."""
    with django_db_blocker.unblock():
        original = connection.settings_dict["NAME"]
        name = f"{original}_bench"[:63]
        _drop_database(name)
        try:
            yield name
        finally:
            database.switch_to(original)
            _drop_database(name)


@postgres_only
def test_bench_generates_measures_every_figure_and_compares_equal_numbers(tmp_path, bench_database):
    output = tmp_path / "bench.json"
    call_command("bench", *TINY, "--db-name", bench_database, "--json", str(output))
    # The bench leaves the default connection on its database: what follows reads its rows.
    assert connection.settings_dict["NAME"] == bench_database
    result = json.loads(output.read_text())
    figures = result["figures"]

    assert set(figures) == EVERY_FIGURE
    for key, figure in figures.items():
        assert figure["error"] is None, (key, figure["error"])
        assert figure["median"] is not None and figure["median"] > 0, key
        assert figure["passed"] in (True, False, None), key
    for key in ("api_series", "api_summary", "overview_page", "touchpoint_page"):
        assert figures[key]["baseline_ms"] > 0 and figures[key]["ratio"] > 0, key
    # Pages are judged on their SQL time against the raw SQL; the whole page is reported too.
    for key in ("overview_page", "touchpoint_page"):
        page = figures[key]
        assert len(page["db_samples"]) == len(page["samples"]), key
        assert 0 < page["db_median_ms"] < page["median"], key
        assert page["ratio"] == pytest.approx(page["db_median_ms"] / page["baseline_ms"]), key
        assert page["total_ratio"] == pytest.approx(page["median"] / page["baseline_ms"]), key
    assert figures["api_series"]["ratio"] == figures["api_series"]["total_ratio"]
    # The baseline is only a fair yardstick if it computes the API's very numbers.
    series_check = figures["api_series"]["notes"]["matches_raw_sql"]
    assert series_check["ok"], series_check
    assert series_check["cells"] > 0
    assert figures["api_summary"]["notes"]["matches_raw_sql"]["ok"]
    assert figures["ingest_rate"]["notes"]["created"] == 60
    assert figures["ingest_rate"]["notes"]["batch"] == 10
    assert figures["ingest_rate_single"]["notes"]["created"] > 0
    assert figures["bulk_import"]["notes"]["responses"] == 2000

    stats = result["dataset"]["stats"]
    assert stats["counts"]["responses"] == 2000
    max_ids = stats["max_ids"]
    # Scores on Response are the numbers of its answers, as the surveys services store them.
    generated = Response.objects.filter(id__lte=max_ids["surveys_response"])
    assert generated.count() == 2000
    for response in generated.filter(nps_score__isnull=False)[:300]:
        assert Answer.objects.get(response=response, question__key="nps").number == (
            response.nps_score
        )
    now = datetime.fromtimestamp(stats["now_epoch"], tz=UTC)
    assert _check_tickets_against_the_tickets_timing_module(now, max_ids["tickets_ticket"]) == 200
