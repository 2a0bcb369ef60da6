"""The hot read path (metrics.selectors.sums, kpi_breakdown_change, kpi_series_many) against the
general reads it stands in for: the same KPI values for every simple KPI, granularity, breakdown
and filter, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Permission, User
from django.utils import timezone
from django.utils.functional import SimpleLazyObject

from cxhub.api import load_permissions
from metrics import selectors
from metrics.kpis import KPIS
from metrics.rollups import read
from metrics.selectors import sums
from metrics.types import KpiFilters
from tests import factories
from tests.dashboards.factories import seeded_org

pytestmark = pytest.mark.django_db

SIMPLE_KEYS = [key for key, definition in KPIS.items() if definition.rollup in read.SIMPLE]


def _values(definition, parts: dict) -> tuple:
    return definition.value_from(parts)


@pytest.fixture
def org():
    return seeded_org()


def _filter_sets(org):
    return [
        KpiFilters(),
        KpiFilters(touchpoint=org.touchpoints[0].slug),
        KpiFilters(channel="web"),
        KpiFilters(persona=org.persona.slug),
        KpiFilters(journey=org.journey.slug),
    ]


def test_period_parts_give_the_values_of_the_general_read(org):
    end = timezone.localdate()
    start = end - timedelta(days=45)
    checked = 0
    for key in SIMPLE_KEYS:
        definition = KPIS[key]
        for filters in _filter_sets(org):
            for granularity in (None, "day", "week", "month"):
                for group_by in (None, "touchpoint", "channel", "persona"):
                    expected = read.simple_parts(
                        definition, start, end, filters, granularity, group_by
                    )
                    got = sums.period_parts(
                        [definition], start, end, filters, granularity, group_by
                    )
                    assert set(got) == set(expected), (key, filters, granularity, group_by)
                    for cell, parts in expected.items():
                        assert _values(definition, got[cell]) == _values(definition, parts)
                        checked += 1
    assert checked > 500


@pytest.mark.parametrize("key", ["csat", "nps", "frt", "ticket_volume", "response_rate", "backlog"])
def test_breakdown_change_is_two_breakdowns(org, key):
    end = timezone.localdate()
    start, compare_end = end - timedelta(days=20), end - timedelta(days=21)
    compare_start = compare_end - timedelta(days=20)
    rows = selectors.kpi_breakdown_change(
        key=key,
        start=start,
        end=end,
        compare_start=compare_start,
        compare_end=compare_end,
        group_by="touchpoint",
    )
    now = selectors.kpi_breakdown(key=key, start=start, end=end, group_by="touchpoint")
    before = {
        slug: value
        for slug, _label, value in selectors.kpi_breakdown(
            key=key, start=compare_start, end=compare_end, group_by="touchpoint"
        )
    }
    assert [(slug, label, value) for slug, label, value, _p in rows] == now
    assert {slug: previous for slug, _l, _v, previous in rows} == {
        slug: before.get(slug) for slug, _l, _v in now
    }


def test_series_many_is_one_series_per_kpi(org):
    end = timezone.localdate()
    start = end - timedelta(days=40)
    keys = ["nps", "csat", "ces", "ticket_volume", "frt", "sla_breach_rate", "churn_rate"]
    for filters in _filter_sets(org)[:2]:
        filters_for = {
            key: KpiFilters(touchpoint=None if key == "churn_rate" else filters.touchpoint)
            for key in keys
        }
        for granularity in ("day", "week", "month"):
            many = selectors.kpi_series_many(
                keys=keys, filters_for=filters_for, start=start, end=end, granularity=granularity
            )
            for key in keys:
                assert many[key] == selectors.kpi_series(
                    key=key,
                    start=start,
                    end=end,
                    granularity=granularity,
                    filters=filters_for[key],
                ), (key, granularity)


def test_one_query_permission_set_is_model_backends():
    direct = factories.make_agent()  # own permissions, one also given by a group
    direct.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_kpis", "export_data", "view_survey"])
    )
    users = [factories.make_manager(), factories.make_agent(), factories.make_user(), direct]
    for user in users:
        fresh = User.objects.get(pk=user.pk)
        expected = ModelBackend().get_all_permissions(User.objects.get(pk=user.pk))
        load_permissions(fresh)
        assert fresh._perm_cache == expected
    # A session request's user is a lazy object around the user.
    lazy = SimpleLazyObject(lambda: User.objects.get(pk=direct.pk))
    load_permissions(lazy)
    assert lazy._perm_cache == ModelBackend().get_all_permissions(User.objects.get(pk=direct.pk))
    assert "metrics.export_data" in lazy._perm_cache
    admin = User.objects.create_superuser("root-perfr", "r@example.com", "x")
    load_permissions(admin)
    assert not hasattr(admin, "_perm_cache")
    direct.is_active = False  # ModelBackend answers an inactive user with no permissions
    load_permissions(direct)
    assert not hasattr(direct, "_perm_cache") and not direct.has_perm("metrics.view_kpis")
