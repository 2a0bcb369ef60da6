"""RELIABILITY A1–A3, A5–A7, A10, A11, A13: authentication doors, object scope, mass assignment,
data exposure and what errors reveal."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from journeys.models import Customer, Journey
from surveys.models import Response, Survey
from tests import factories
from tests.tickets.factories import make_ticket
from tickets.models import Message, Ticket
from tickets.selectors import ticket_list

pytestmark = pytest.mark.django_db


# --- A1 / A10: who is let in ------------------------------------------------------------------


def _assert_401(response):
    assert response.status_code == 401, response.content
    assert response["WWW-Authenticate"] == "Token"
    assert list(response.json()) == ["detail"]
    assert "results" not in response.content.decode()


def test_missing_garbage_deleted_and_deactivated_tokens_get_401_with_a_token_challenge(world):
    _assert_401(APIClient().get("/api/v1/tickets/"))
    garbage = APIClient()
    garbage.credentials(HTTP_AUTHORIZATION="Token not-a-real-token-at-all")
    _assert_401(garbage.get("/api/v1/tickets/"))

    deleted = factories.api_client(world.agent_x)
    Token.objects.filter(user=world.agent_x).delete()
    _assert_401(deleted.get("/api/v1/tickets/"))

    inactive = factories.api_client(world.agent_y)
    world.agent_y.is_active = False
    world.agent_y.save()
    _assert_401(inactive.get("/api/v1/tickets/"))


def test_a_token_in_the_query_string_is_ignored(world):
    key = Token.objects.create(user=world.admin).key
    for name in ("token", "auth_token", "key", "access_token"):
        _assert_401(APIClient().get(f"/api/v1/tickets/?{name}={key}"))


def test_session_write_without_csrf_is_refused_while_a_token_write_passes(world):
    browser = APIClient(enforce_csrf_checks=True)
    browser.force_login(world.admin)
    payload = {"slug": "csrf-probe", "name": "CSRF probe", "channel": "web"}
    refused = browser.post("/api/v1/touchpoints/", payload, format="json")
    assert refused.status_code == 403
    assert "CSRF" in refused.json()["detail"]
    assert not world.touchpoint_x.__class__.objects.filter(slug="csrf-probe").exists()
    accepted = factories.api_client(world.admin).post(
        "/api/v1/touchpoints/", payload, format="json"
    )
    assert accepted.status_code == 201, accepted.content


# --- A2 / A3: object scope ---------------------------------------------------------------------


def test_agent_cannot_read_or_write_a_ticket_of_another_department(world):
    client = factories.api_client(world.agent_x)
    foreign = world.ticket_y.pk
    missing = Ticket.objects.order_by("-pk").first().pk + 1000
    messages_before = Message.objects.filter(ticket=world.ticket_y).count()
    for path in ("/api/v1/tickets/{}/", "/api/v1/tickets/{}/messages/"):
        got = client.get(path.format(foreign))
        absent = client.get(path.format(missing))
        assert got.status_code == absent.status_code == 404
        assert got.json() == absent.json()
    writes = [
        ("post", "/api/v1/tickets/{}/messages/", {"kind": "reply", "body": "hijack"}),
        ("post", "/api/v1/tickets/{}/status/", {"status": "resolved"}),
    ]
    for method, path, body in writes:
        got = getattr(client, method)(path.format(foreign), body, format="json")
        absent = getattr(client, method)(path.format(missing), body, format="json")
        assert got.status_code == absent.status_code == 404
        assert got.json() == absent.json()
    # The detail route has no update: PATCH is refused outright, for every ticket.
    assert client.patch(f"/api/v1/tickets/{foreign}/", {"subject": "x"}).status_code == 405
    world.ticket_y.refresh_from_db()
    assert world.ticket_y.status != "resolved"
    assert Message.objects.filter(ticket=world.ticket_y).count() == messages_before


def test_agent_cannot_open_or_work_a_foreign_ticket_page(world):
    client = Client()
    client.force_login(world.agent_x)
    pk = world.ticket_y.pk
    assert client.get(f"/tickets/{pk}/").status_code == 404
    assert client.post(f"/tickets/{pk}/reply/", {"kind": "reply", "body": "x"}).status_code == 404
    assert client.post(f"/tickets/{pk}/status/", {"status": "resolved"}).status_code == 404
    assert client.post(f"/tickets/{pk}/assign/", {"assignee": world.agent_x.pk}).status_code == 404
    world.ticket_y.refresh_from_db()
    assert world.ticket_y.assignee_id is None


def test_ticket_lists_are_scoped_and_count_equals_the_scoped_count(world):
    for _ in range(3):
        make_ticket(department=world.dept_y, touchpoint=world.touchpoint_y, subject="Refund y")
    make_ticket(department=world.dept_x, touchpoint=world.touchpoint_x, subject="Refund x")
    client = factories.api_client(world.agent_x)
    visible = set(ticket_list(user=world.agent_x).values_list("pk", flat=True))
    assert world.ticket_y.pk not in visible
    for query in ("", "?page_size=1", "?page_size=1&page=2", "?q=Refund", "?status=active"):
        body = client.get("/api/v1/tickets/" + query).json()
        ids = {row["id"] for row in body["results"]}
        assert ids <= visible, query
        assert all(row["department"] != world.dept_y.slug for row in body["results"])
    assert client.get("/api/v1/tickets/").json()["count"] == len(visible)
    refund = client.get("/api/v1/tickets/?q=Refund").json()
    assert refund["count"] == 1
    page = Client()
    page.force_login(world.agent_x)
    html = page.get("/tickets/?q=Refund").content.decode()
    assert "Refund x" in html and "Refund y" not in html


def test_agent_cannot_reach_responses_of_surveys(world):
    client = factories.api_client(world.agent_x)
    assert client.get("/api/v1/responses/").status_code == 403
    assert client.get(f"/api/v1/responses/{world.response.pk}/").status_code == 403
    assert client.get(f"/api/v1/surveys/{world.survey.slug}/responses/").status_code == 403


# --- A5: related ids outside the caller's reach -------------------------------------------------


def test_an_agent_creating_a_ticket_for_another_departments_touchpoint_gets_no_500(world):
    """The ticket lands in department Y, which agent X cannot see: the answer must still be a
    clean 201 (or a 400/404 naming the touchpoint), never a crash after the row was written."""
    client = factories.api_client(world.agent_x)
    before = Ticket.objects.count()
    response = client.post(
        "/api/v1/tickets/",
        {
            "subject": "Cross team",
            "customer": "c-cross",
            "channel": "web",
            "touchpoint": world.touchpoint_y.slug,
        },
        format="json",
    )
    assert response.status_code in (201, 400, 404), response.status_code
    if response.status_code != 201:
        assert Ticket.objects.count() == before


def test_unknown_related_slugs_give_400_naming_the_field_and_write_nothing(world):
    admin = factories.api_client(world.admin)
    survey = admin.post(
        "/api/v1/surveys/",
        {
            "slug": "bad-touchpoint",
            "name": "Bad",
            "touchpoint": "no-such-touchpoint",
            "questions": [{"key": "nps", "type": "nps", "text": "?"}],
        },
        format="json",
    )
    assert survey.status_code == 400 and "touchpoint" in survey.json()
    assert not Survey.objects.filter(slug="bad-touchpoint").exists()
    journey = admin.post(
        "/api/v1/journeys/",
        {
            "slug": "bad-journey",
            "name": "Bad",
            "stages": [{"slug": "s1", "name": "S1", "touchpoints": ["no-such-touchpoint"]}],
        },
        format="json",
    )
    assert journey.status_code == 400
    assert any(name.startswith("stages") for name in journey.json()), journey.json()
    assert not Journey.objects.filter(slug="bad-journey").exists()
    ticket = admin.post(
        "/api/v1/tickets/",
        {"subject": "x", "customer": "c-new-9", "channel": "web", "touchpoint": "nope"},
        format="json",
    )
    assert ticket.status_code == 400 and "touchpoint" in ticket.json()
    assert not Customer.objects.filter(external_id="c-new-9").exists()


# --- A6: mass assignment -----------------------------------------------------------------------


def test_ticket_create_refuses_server_owned_fields(world):
    client = factories.api_client(world.agent_x)
    base = {
        "subject": "Hi",
        "customer": "c-mass",
        "channel": "web",
        "touchpoint": world.touchpoint_x.slug,
    }
    before = Ticket.objects.count()
    for extra in (
        {"id": 999999},
        {"status": "resolved"},
        {"assignee": world.agent_x.username},
        {"department": world.dept_y.slug},
        {"reopened_count": 9},
        {"is_fcr": True},
        {"frt_seconds": 1.0},
    ):
        response = client.post("/api/v1/tickets/", {**base, **extra}, format="json")
        assert response.status_code == 400, extra
        assert set(extra) <= set(response.json()), response.json()
    assert Ticket.objects.count() == before


def test_past_timestamps_from_users_without_import_permission_are_replaced_by_server_time(world):
    client = factories.api_client(world.agent_x)
    past = (timezone.now() - timedelta(days=200)).isoformat()
    response = client.post(
        "/api/v1/tickets/",
        {
            "subject": "Old",
            "customer": "c-old",
            "channel": "web",
            "touchpoint": world.touchpoint_x.slug,
            "created_at": past,
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    ticket = Ticket.objects.get(pk=response.json()["id"])
    assert abs((ticket.created_at - timezone.now()).total_seconds()) < 120
    submitted = APIClient().post(
        f"/api/v1/surveys/{world.survey.slug}/responses/",
        {"answers": {"nps": 3}, "submitted_at": past},
        format="json",
    )
    assert submitted.status_code == 201, submitted.content
    stored = Response.objects.get(pk=submitted.json()["id"])
    assert abs((stored.submitted_at - timezone.now()).total_seconds()) < 120


def test_customer_survey_and_touchpoint_writes_refuse_unknown_fields(world):
    admin = factories.api_client(world.admin)
    cases = [
        ("/api/v1/customers/", {"external_id": "c-ma", "is_staff": True}, "is_staff"),
        ("/api/v1/customers/", {"external_id": "c-ma", "churned_at": "2026-01-01T00:00Z"}, None),
        ("/api/v1/touchpoints/", {"slug": "t-ma", "name": "T", "channel": "web", "id": 5}, "id"),
        (
            "/api/v1/surveys/",
            {
                "slug": "s-ma",
                "name": "S",
                "touchpoint": world.touchpoint_x.slug,
                "response_count": 1000,
                "questions": [{"key": "nps", "type": "nps", "text": "?"}],
            },
            None,
        ),
    ]
    for path, body, field in cases:
        response = admin.post(path, body, format="json")
        if response.status_code == 201:
            # Read-only fields may be ignored; then the stored row must not carry them.
            data = response.json()
            assert data.get("churned_at") is None
            assert data.get("response_count", 0) == 0
        else:
            assert response.status_code == 400, (path, response.content)
            if field:
                assert field in response.json()
    assert not Customer.objects.filter(external_id="c-ma", churned_at__isnull=False).exists()


def test_kpi_figures_cannot_be_written_through_the_api(world):
    client = factories.api_client(world.admin)
    for method in ("post", "put", "patch", "delete"):
        response = getattr(client, method)("/api/v1/kpis/nps/series/", {"n": 5, "value": 99})
        assert response.status_code == 405


# --- A7: data exposure -------------------------------------------------------------------------


def test_readers_without_the_right_see_no_internal_notes_and_no_emails(world):
    manager = factories.make_manager()
    client = factories.api_client(manager)
    messages = client.get(f"/api/v1/tickets/{world.ticket_y.pk}/messages/").json()["results"]
    assert messages, "the manager reads the conversation"
    assert all(m["kind"] != "note" for m in messages)
    assert world.note_y.body not in str(messages)
    customers = client.get("/api/v1/customers/").json()["results"]
    assert customers and all("email" not in row for row in customers)
    assert "private.person@example.com" not in client.get("/api/v1/customers/").content.decode()
    detail = client.get(f"/api/v1/responses/{world.response.pk}/").content.decode()
    assert "private.person@example.com" not in detail
    ticket = client.get(f"/api/v1/tickets/{world.ticket_y.pk}/").content.decode()
    assert "@example.com" not in ticket


def test_email_is_not_searchable_by_readers_who_may_not_see_it(world):
    """Otherwise `?search=` is an oracle: it tells which customer owns an address."""
    manager = factories.make_manager()
    found = factories.api_client(manager).get("/api/v1/customers/?search=private.person@")
    assert found.status_code == 200
    assert found.json()["count"] == 0


def test_agent_sees_internal_notes_of_their_own_tickets(world):
    body = factories.api_client(world.agent_y).get(f"/api/v1/tickets/{world.ticket_y.pk}/messages/")
    assert any(m["kind"] == "note" for m in body.json()["results"])


# --- A13: what errors reveal -------------------------------------------------------------------


def test_an_unexpected_error_shows_a_generic_page_without_traceback(world, monkeypatch, settings):
    settings.DEBUG = False

    class Broken:
        def cursor(self):
            raise RuntimeError("SELECT secret_column FROM internal_table")

    monkeypatch.setattr("cxhub.views.connection", Broken())
    client = Client(raise_request_exception=False)
    response = client.get("/healthz/")
    assert response.status_code == 500
    body = response.content.decode()
    assert "Traceback" not in body and "secret_column" not in body and "RuntimeError" not in body


def test_an_unexpected_api_error_has_no_traceback_or_sql(world, monkeypatch, settings):
    settings.DEBUG = False

    def boom(*args, **kwargs):
        raise RuntimeError("SELECT secret_column FROM internal_table")

    monkeypatch.setattr("tickets.api.ticket_queue", boom)
    client = APIClient(raise_request_exception=False)
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=world.admin).key}")
    response = client.get("/api/v1/tickets/")
    assert response.status_code == 500
    body = response.content.decode()
    assert "Traceback" not in body and "secret_column" not in body


def test_a_foreign_host_header_is_refused(world, settings):
    settings.DEBUG = False
    response = Client(raise_request_exception=False).get("/healthz/", HTTP_HOST="evil.example")
    assert response.status_code == 400


def test_api_docs_page_holds_no_token(world):
    token = Token.objects.create(user=world.admin).key
    client = Client()
    client.force_login(world.admin)
    docs = client.get("/api/v1/docs/")
    assert docs.status_code == 200
    assert token not in docs.content.decode()
    schema = factories.api_client(world.admin).get("/api/v1/schema/")
    assert token not in schema.content.decode()
