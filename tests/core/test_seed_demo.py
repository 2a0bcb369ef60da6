from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction

from journeys.models import Customer, Touchpoint

pytestmark = pytest.mark.django_db


def _snapshot() -> list[tuple]:
    return list(
        Customer.objects.order_by("external_id").values_list(
            "external_id", "name", "persona__slug", "active_since"
        )
    )


class _Rollback(Exception):
    pass


def _seed_and_snapshot_then_roll_back() -> list[tuple]:
    """Seed inside a savepoint and undo it, so the next seed starts from the same empty state."""
    try:
        with transaction.atomic():
            call_command(
                "seed_demo", customers=40, days=14, seed=3, end="2026-06-30", no_progress=True
            )
            snapshot = _snapshot()
            assert Touchpoint.objects.count() >= 30
            raise _Rollback
    except _Rollback:
        return snapshot


def test_seed_demo_is_deterministic_for_a_seed_and_end_date():
    first = _seed_and_snapshot_then_roll_back()
    assert len(first) == 40
    assert not Customer.objects.exists()
    assert _seed_and_snapshot_then_roll_back() == first


def test_seed_demo_refuses_a_populated_database_unless_asked_to_skip():
    call_command("seed_demo", customers=10, days=7, seed=1, end="2026-06-30", no_progress=True)
    with pytest.raises(CommandError):
        call_command("seed_demo", customers=10, days=7, no_progress=True)
    call_command("seed_demo", customers=10, days=7, if_empty=True, no_progress=True)
    assert Customer.objects.count() == 10


def test_demo_users_can_sign_in(client):
    call_command("seed_demo", customers=10, days=7, seed=1, end="2026-06-30", no_progress=True)
    assert client.login(username="manager", password="cxhub-manager-demo")
    assert client.get("/").status_code == 200
