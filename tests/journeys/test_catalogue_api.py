from __future__ import annotations

import pytest
from django.utils import timezone

from journeys.models import Customer, Touchpoint
from tests import factories
from tests.factories import api_client

pytestmark = pytest.mark.django_db


def test_missing_or_bad_token_gets_401_with_token_challenge():
    assert api_client().get("/api/v1/customers/").status_code == 401
    client = api_client()
    client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    response = client.get("/api/v1/customers/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert "detail" in response.json()


def test_token_in_query_string_is_ignored(manager):
    from rest_framework.authtoken.models import Token

    token = Token.objects.create(user=manager)
    assert api_client().get(f"/api/v1/customers/?token={token.key}").status_code == 401
    assert api_client().get(f"/api/v1/customers/?auth_token={token.key}").status_code == 401


def test_deactivated_users_token_is_refused(manager):
    client = api_client(manager)
    manager.is_active = False
    manager.save()
    assert client.get("/api/v1/customers/").status_code == 401


def test_survey_admin_creates_a_touchpoint_by_channel_slug(survey_admin):
    response = api_client(survey_admin).post(
        "/api/v1/touchpoints/", {"slug": "checkout", "name": "Checkout page", "channel": "web"}
    )
    assert response.status_code == 201, response.json()
    assert response.json() == {
        "slug": "checkout",
        "name": "Checkout page",
        "channel": "web",
        "department": None,
        "description": "",
        "is_active": True,
    }


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"slug": "x", "name": "X", "channel": "fax"}, "channel"),
        ({"slug": "x", "name": "X"}, "channel"),
        ({"slug": "not a slug", "name": "X", "channel": "web"}, "slug"),
        ({"slug": "x", "name": "X", "channel": "web", "id": 99}, "id"),
        ({"slug": "x", "name": "X\x00", "channel": "web"}, "name"),
    ],
)
def test_bad_touchpoint_input_names_the_field_and_writes_nothing(survey_admin, payload, field):
    response = api_client(survey_admin).post("/api/v1/touchpoints/", payload)
    assert response.status_code == 400
    assert field in response.json()
    assert not Touchpoint.objects.filter(slug="x").exists()


def test_agent_cannot_create_touchpoints(agent):
    response = api_client(agent).post(
        "/api/v1/touchpoints/", {"slug": "x", "name": "X", "channel": "web"}
    )
    assert response.status_code == 403
    assert not Touchpoint.objects.exists()


def test_channels_list_the_eleven_product_channels(manager):
    slugs = [c["slug"] for c in api_client(manager).get("/api/v1/channels/").json()]
    assert slugs == [
        "web",
        "app",
        "email",
        "chat",
        "sms",
        "phone",
        "social",
        "store",
        "forum",
        "device",
        "marketing",
    ]


def test_customer_list_is_paginated_and_hides_email_from_readers(manager):
    for _ in range(3):
        factories.make_customer(email="someone@example.com")
    body = api_client(manager).get("/api/v1/customers/?page_size=2").json()
    assert body["count"] == 3
    assert len(body["results"]) == 2
    assert body["next"]
    assert "email" not in body["results"][0]


def test_non_import_user_gets_server_time_for_active_since(agent):
    before = timezone.now()
    response = api_client(agent).post(
        "/api/v1/customers/", {"external_id": "c-9", "active_since": "2020-01-01T00:00:00Z"}
    )
    assert response.status_code == 201, response.json()
    assert Customer.objects.get(external_id="c-9").active_since >= before


def test_administrator_may_import_a_past_active_since(admin_user):
    response = api_client(admin_user).post(
        "/api/v1/customers/", {"external_id": "c-9", "active_since": "2020-01-01T00:00:00Z"}
    )
    assert response.status_code == 201
    assert Customer.objects.get(external_id="c-9").active_since.year == 2020


def test_churn_records_the_time_once(admin_user):
    factories.make_customer(
        external_id="c-1", active_since=timezone.now() - timezone.timedelta(days=10)
    )
    client = api_client(admin_user)
    first = client.post("/api/v1/customers/c-1/churn/", {"at": "2026-01-01T00:00:00Z"})
    assert first.status_code == 400  # before the customer became active
    ok = client.post("/api/v1/customers/c-1/churn/", {})
    assert ok.status_code == 200
    assert ok.json()["churned_at"]
    again = client.post("/api/v1/customers/c-1/churn/", {})
    assert again.status_code == 400
    assert "at" in again.json()


def test_deleting_a_touchpoint_with_history_is_a_conflict(admin_user):
    touchpoint = factories.make_touchpoint(slug="tp")
    from tickets.models import Ticket

    Ticket.objects.create(
        reference="T-1",
        subject="s",
        customer=factories.make_customer(),
        channel=touchpoint.channel,
        touchpoint=touchpoint,
    )
    response = api_client(admin_user).delete("/api/v1/touchpoints/tp/")
    assert response.status_code == 409
    assert Touchpoint.objects.filter(slug="tp").exists()


def test_openapi_schema_and_docs_are_served(manager, client):
    response = api_client(manager).get("/api/v1/schema/")
    assert response.status_code == 200
    assert b"/api/v1/touchpoints/" in response.content
    client.force_login(manager)
    docs = client.get("/api/v1/docs/")
    assert docs.status_code == 200
    assert b"cdn" not in docs.content.lower()
