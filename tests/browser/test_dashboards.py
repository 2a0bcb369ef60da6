"""The dashboards in a real browser: charts draw, no console errors, no serious a11y issues."""

from __future__ import annotations

import pytest
from django.urls import reverse

from journeys.models import Channel
from tests import factories
from tests.dashboards.factories import seeded_org

pytestmark = pytest.mark.django_db(transaction=True)

CHANNELS = {"web": "Web", "phone": "Phone", "email": "E-mail"}


def _channels() -> None:
    # A transactional test ends with a flush, which empties the channel catalogue a data
    # migration created; the next test puts back the channels it uses.
    for order, (slug, name) in enumerate(CHANNELS.items()):
        Channel.objects.get_or_create(slug=slug, defaults={"name": name, "order": order})


PASSWORD = "pw-test-123!"
SERIOUS = {"serious", "critical"}


@pytest.fixture
def session(browser, live_server):
    _channels()
    org = seeded_org(touchpoint_names=["Checkout <b>page</b>", "Help desk", "Store visit"])
    manager = factories.make_manager(username="browser-manager")
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    # base.html links no favicon, so the browser's automatic request would log a 404 error.
    context.route("**/favicon.ico", lambda route: route.fulfill(status=204, body=""))
    page = context.new_page()
    errors: list[str] = []
    page.on(
        "console", lambda message: errors.append(message.text) if message.type == "error" else None
    )
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{live_server.url}{reverse('login')}")
    page.fill("input[name=username]", manager.username)
    page.fill("input[name=password]", PASSWORD)
    with page.expect_navigation():
        page.press("input[name=password]", "Enter")
    assert "/accounts/login/" not in page.url, "the manager could not sign in"
    yield page, org, errors, context
    context.close()


def _check(page, errors, axe_source, name, screenshots, *, charts_at_least: int):
    page.wait_for_load_state("networkidle")
    try:
        page.wait_for_function(
            "n => document.querySelectorAll('.plot .main-svg').length >= n",
            arg=charts_at_least,
            timeout=30000,
        )
    except Exception:
        page.screenshot(path=str(screenshots / f"{name}-failed.png"), full_page=True)
        drawn = page.evaluate("document.querySelectorAll('.plot .main-svg').length")
        pytest.fail(f"{drawn} of {charts_at_least} charts drawn; console errors: {errors}")
    page.screenshot(path=str(screenshots / f"{name}.png"), full_page=True)
    page.add_script_tag(content=axe_source)
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    serious = [
        f"{violation['id']} ({violation['impact']}): "
        + "; ".join(node["target"][0] for node in violation["nodes"][:5])
        for violation in result["violations"]
        if violation["impact"] in SERIOUS
    ]
    assert not serious, serious
    assert not errors, errors


def test_overview_draws_its_charts_without_errors(session, axe_source, screenshots, live_server):
    page, _org, errors, _context = session
    page.goto(f"{live_server.url}/")
    _check(page, errors, axe_source, "overview", screenshots, charts_at_least=2)
    assert page.locator(".tile").count() == 9


def test_touchpoint_page_draws_its_charts_without_errors(
    session, axe_source, screenshots, live_server
):
    page, org, errors, _context = session
    url = reverse("metrics:touchpoint_detail", args=[org.touchpoints[0].slug])
    page.goto(f"{live_server.url}{url}")
    _check(page, errors, axe_source, "touchpoint", screenshots, charts_at_least=6)
    # The touchpoint's name is shown as text, never as markup.
    assert page.locator("h1").inner_text() == "Checkout <b>page</b>"


def test_touchpoints_ranking_and_heatmap_draw(session, axe_source, screenshots, live_server):
    page, _org, errors, _context = session
    page.goto(f"{live_server.url}{reverse('metrics:touchpoints')}")
    _check(page, errors, axe_source, "touchpoints", screenshots, charts_at_least=1)


def test_tickets_page_on_a_tablet(session, axe_source, screenshots, live_server):
    page, _org, errors, _context = session
    page.set_viewport_size({"width": 820, "height": 1180})
    page.goto(f"{live_server.url}{reverse('metrics:tickets_sla')}")
    _check(page, errors, axe_source, "tickets-tablet", screenshots, charts_at_least=4)
