"""Who may open the dashboard pages: managers and survey admins yes, agents to their queue,
anonymous visitors to the login page, users without a role 403, exports need their permission."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from tests import factories
from tests.dashboards.conftest import page_urls

pytestmark = pytest.mark.django_db


def test_every_dashboard_page_answers_200_for_a_manager_and_a_survey_admin(
    client, manager, survey_admin, org
):
    for user in (manager, survey_admin):
        client.force_login(user)
        for url in page_urls(org):
            response = client.get(url)
            assert response.status_code == 200, url


def test_anonymous_visitors_are_sent_to_the_login_page(client, org):
    for url in page_urls(org):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("login")), url


def test_agents_get_their_queue_or_a_403_never_a_dashboard(client, agent, org):
    client.force_login(agent)
    for url in page_urls(org):
        response = client.get(url)
        assert response.status_code in (302, 403), url
        if response.status_code == 302:
            assert response["Location"] == reverse("tickets:queue")


def test_a_user_without_any_role_gets_403(client, org):
    client.force_login(factories.make_user())
    for url in page_urls(org):
        assert client.get(url).status_code == 403, url


def test_export_needs_the_export_permission(client, org):
    user = factories.make_user()
    user.user_permissions.add(
        Permission.objects.get(codename="view_dashboards", content_type__app_label="metrics")
    )
    client.force_login(user)
    assert client.get("/").status_code == 200
    url = reverse("metrics:export", args=["overview", "tiles"])
    assert client.get(url).status_code == 403
