from __future__ import annotations

import pytest
from django.contrib.auth.models import Group

from cxhub import roles
from tests import factories

pytestmark = pytest.mark.django_db


def test_every_role_group_exists_after_migrate():
    assert set(Group.objects.values_list("name", flat=True)) >= {
        roles.CX_MANAGER,
        roles.AGENT,
        roles.SURVEY_ADMIN,
    }


def test_agent_works_tickets_but_cannot_configure_surveys(agent):
    assert agent.has_perm("tickets.add_ticket")
    assert agent.has_perm("tickets.add_message")
    assert agent.has_perm("journeys.view_journey")
    assert not agent.has_perm("journeys.change_journey")
    assert not agent.has_perm("surveys.add_survey")
    assert not agent.has_perm("surveys.view_survey")
    assert not agent.has_perm("metrics.view_dashboards")


def test_manager_reads_everything_and_configures_nothing_but_journeys(manager):
    assert manager.has_perm("metrics.view_dashboards")
    assert manager.has_perm("metrics.view_kpis")
    assert manager.has_perm("surveys.view_response")
    assert manager.has_perm("tickets.view_ticket")
    assert manager.has_perm("journeys.change_journey")
    assert not manager.has_perm("surveys.change_survey")
    assert not manager.has_perm("tickets.change_ticket")


def test_survey_admin_configures_surveys_but_cannot_import_history(survey_admin):
    assert survey_admin.has_perm("surveys.add_survey")
    assert survey_admin.has_perm("journeys.change_touchpoint")
    assert survey_admin.has_perm("metrics.add_kpitarget")
    assert not survey_admin.has_perm("journeys.import_history")
    assert not survey_admin.has_perm("tickets.view_ticket")


def test_only_administrators_import_history(admin_user, manager):
    assert admin_user.has_perm("journeys.import_history")
    assert not manager.has_perm("journeys.import_history")


def test_navigation_shows_each_role_its_own_entries(client, agent, manager):
    client.force_login(agent)
    page = client.get("/customers/").content.decode()
    assert 'href="/customers/"' in page
    assert "Overview" not in page
    client.force_login(manager)
    page = client.get("/customers/").content.decode()
    assert "Overview" in page


def test_anonymous_pages_redirect_to_login(client):
    for url in ["/", "/customers/"]:
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")


def test_login_is_throttled_per_account_without_revealing_the_user(client):
    factories.make_manager(username="marta")
    other = factories.make_manager(username="other")
    for _ in range(10):
        response = client.post("/accounts/login/", {"username": "marta", "password": "wrong"})
        assert response.status_code == 200
    blocked = client.post("/accounts/login/", {"username": "marta", "password": "pw-test-123!"})
    assert blocked.status_code == 429
    ghost = client.post("/accounts/login/", {"username": "nobody", "password": "x"})
    assert ghost.status_code in {200, 429}
    client.logout()
    from django.core.cache import cache

    cache.delete("login-fail:ip:127.0.0.1")
    ok = client.post("/accounts/login/", {"username": other.username, "password": "pw-test-123!"})
    assert ok.status_code == 302
