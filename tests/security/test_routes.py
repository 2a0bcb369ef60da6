"""RELIABILITY A4: every route of the URL resolver, called anonymously and as an authenticated user
without any role, answers as this table says. A route missing from the table fails the suite, so
a new page or API action cannot ship without someone deciding who may call it."""

from __future__ import annotations

import pytest
from django.test import Client

from tests import factories
from tests.security.routes import all_routes, concrete_url

pytestmark = pytest.mark.django_db

LOGIN = "login"  # 302 to /accounts/login/?next=...
ADMIN_LOGIN = "admin-login"  # 302 to /admin/login/?next=...

# (anonymous, no-role user) for API routes reached with and without a token.
API = (401, 403)
# Pages: anonymous users go to the login page; signed-in users without the permission get 403.
PAGE = (LOGIN, 403)

EXPECTED: dict[str, tuple[object, object] | dict[str, tuple[object, object]]] = {
    "login": {
        "GET": (200, 302),  # a signed-in user is sent on to the site
        "POST": (200, 302),
        "PUT": (200, 302),
    },
    "logout": (302, 302),
    "set_language": (302, 302),
    "healthz": (200, 200),
    # A permanent redirect to the static icon, for every method (RedirectView).
    "favicon.ico": (301, 301),
    # The respondent's pages are public by design.
    "surveys:invitation_open": {"GET": (302, 302), "POST": (405, 405)},
    "surveys:public": {"GET": (200, 200), "POST": (400, 400)},  # empty answers
    "surveys:thanks": {"GET": (200, 200), "POST": (405, 405)},
    # Public submission through the API: an empty body is a 400, not a permission question.
    "survey-responses": {"GET": API, "POST": (400, 400)},
    # The schema and its docs describe every endpoint: for signed-in users only (no data in them).
    "schema": (401, 200),
    "docs": (401, 200),
}
for _key in [
    "channel-list",
    "channel-detail",
    "department-list",
    "department-detail",
    "persona-list",
    "persona-detail",
    "touchpoint-list",
    "touchpoint-detail",
    "customer-list",
    "customer-detail",
    "customer-churn",
    "journey-list",
    "journey-detail",
    "journey-event-list",
    "ticket-list",
    "ticket-detail",
    "ticket-status",
    "ticket-messages",
    "category-list",
    "category-detail",
    "kpi-alert-list",
    "kpi-alert-detail",
]:
    EXPECTED[_key] = API
    EXPECTED[_key + ".format"] = API
for _key in [
    "survey-list",
    "survey-detail",
    "survey-invitations",
    "response-list",
    "response-detail",
    "kpi-list",
    "kpi-series",
    "kpi-summary",
]:
    EXPECTED[_key] = API
for _key in [
    "journeys:customer_list",
    "journeys:customer_detail",
    "journeys:journey_list",
    "journeys:journey_create",
    "journeys:journey_import",
    "journeys:journey_map",
    "journeys:journey_edit",
    "journeys:journey_duplicate",
    "journeys:journey_history",
    "journeys:revision_restore",
    "journeys:revision_publish",
    "journeys:journey_export",
    "journeys:stage_add",
    "journeys:stage_edit",
    "journeys:stage_move",
    "journeys:stage_remove",
    "journeys:stage_touchpoint_add",
    "journeys:stage_touchpoint_move",
    "journeys:stage_touchpoint_remove",
    "journeys:opportunity_create",
    "journeys:opportunity_edit",
    "journeys:opportunity_delete",
    "tickets:queue",
    "tickets:new",
    "tickets:detail",
    "tickets:reply",
    "tickets:status",
    "tickets:assign",
    "tickets:triage",
    "surveys:survey_list",
    "surveys:survey_create",
    "surveys:response_list",
    "surveys:response_detail",
    "surveys:survey_detail",
    "surveys:survey_edit",
    "surveys:survey_preview",
    "surveys:survey_toggle",
    "surveys:survey_invite",
    "metrics:overview",
    "metrics:touchpoints",
    "metrics:touchpoint_detail",
    "metrics:surveys",
    "metrics:tickets_sla",
    "metrics:journeys",
    "metrics:customers",
    "metrics:responses",
    "metrics:tickets",
    "metrics:export",
]:
    EXPECTED[_key] = PAGE


def expected_for(key: str, pattern: str, method: str) -> tuple[object, object] | None:
    # Every Django admin URL is wrapped by AdminSite.admin_view: non-staff go to the admin login,
    # except the login page itself. A custom admin URL added later is still called below.
    if key == "admin:login":
        return (200, 200)
    if key == "admin:logout":
        return (302, 302)  # back to the admin index, which then asks for the admin login
    if key.startswith("admin:") or pattern.startswith("admin/"):
        return (ADMIN_LOGIN, ADMIN_LOGIN)
    entry = EXPECTED.get(key)
    if isinstance(entry, dict):
        return entry.get(method)
    return entry


ROUTES = all_routes()


def test_every_route_has_an_expected_answer_for_anonymous_and_no_role_users():
    missing = [
        f"{route.key} {method}"
        for route in ROUTES
        for method in route.methods
        if expected_for(route.key, route.pattern, method) is None
    ]
    assert missing == [], "routes without an entry in EXPECTED: " + ", ".join(missing)


def _values(world, route) -> dict[str, object]:
    """Real objects for the route's parameters, so a 200 would be a real leak."""
    key = route.key
    slug = world.survey.slug
    journey_routes = ("journeys:journey", "journeys:stage", "journeys:revision", "journeys:opp")
    if key.startswith((*journey_routes, "journey-")):
        slug = world.journey.slug
    elif key.startswith("channel-"):
        slug = "web"
    elif key.startswith("department-"):
        slug = world.dept_x.slug
    elif key.startswith("persona-"):
        slug = world.persona.slug
    elif key.startswith(("touchpoint-", "metrics:touchpoint")):
        slug = world.touchpoint_x.slug
    elif key.startswith("category-"):
        slug = world.category.slug
    pk = world.ticket_x.pk
    if "response" in key:
        pk = world.response.pk
    elif "kpi-alert" in key:
        pk = world.alert.pk
    elif "opportunit" in key:
        pk = world.opportunity.pk
    return {
        "slug": slug,
        "pk": pk,
        "external_id": world.customer.external_id,
        "key": "nps",
        "token": world.invitation.token,
        "stage": world.stage.slug,
        "link": world.link.pk,
        "page": "overview",
        "table": "kpis",
        "format": "json",
        "object_id": world.admin.pk,
        "content_type_id": 1,
        "id": world.admin.pk,
        "app_label": "journeys",
        "url": "no-such-page/",
    }


def _check(response, expected, url: str) -> str | None:
    if expected == LOGIN:
        ok = response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    elif expected == ADMIN_LOGIN:
        ok = response.status_code == 302 and response["Location"].startswith("/admin/login/")
    else:
        ok = response.status_code == expected
    if ok:
        return None
    return f"{response.status_code} {response.get('Location', '')} (wanted {expected})"


def test_every_route_answers_anonymous_and_no_role_users_as_the_table_says(world):
    # One walk in one test: building the world once keeps this fast; every failure is listed.
    failures = []
    anonymous_page, weak_page = Client(), Client()
    anonymous_api, weak_api = factories.api_client(), factories.api_client(world.weak)
    for route in ROUTES:
        url = concrete_url(route.pattern, _values(world, route))
        for method in route.methods:
            expected = expected_for(route.key, route.pattern, method)
            if expected is None:
                failures.append(f"{route.key} {method} has no entry in EXPECTED")
                continue
            if route.is_api:
                anonymous, weak = anonymous_api, weak_api
            else:
                anonymous, weak = anonymous_page, weak_page
                # Logging out on an earlier route must not turn the rest into anonymous calls.
                weak.force_login(world.weak)
            for who, client, wanted in (
                ("anonymous", anonymous, expected[0]),
                ("no-role user", weak, expected[1]),
            ):
                response = getattr(client, method.lower())(url)
                problem = _check(response, wanted, url)
                if problem:
                    failures.append(f"{route.key}: {method} {url} as {who}: {problem}")
    assert failures == [], "\n".join(failures)


def test_api_denials_are_json_with_detail_and_a_token_challenge(world):
    response = factories.api_client().get("/api/v1/tickets/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert response["Content-Type"].startswith("application/json")
    assert set(response.json()) == {"detail"}
    forbidden = factories.api_client(world.weak).get("/api/v1/tickets/")
    assert forbidden.status_code == 403
    assert set(forbidden.json()) == {"detail"}
