"""Charts in Italian and Indonesian, drawn by a real browser: month names on the date axes, the
mode bar's tooltips and the number separators come from the page's Plotly locale."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from tests import factories
from tests.browser.conftest import browser  # noqa: F401 - the shared headless Chromium fixture
from tests.browser.test_dashboards import PASSWORD, _channels
from tests.dashboards.factories import seeded_org

pytestmark = pytest.mark.django_db(transaction=True)

# Short month names that a language writes differently from English.
MONTHS = {
    "it": {"Gen", "Mag", "Giu", "Lug", "Ago", "Set", "Ott", "Dic"},
    "id": {"Mei", "Agu", "Okt", "Des"},
}
ENGLISH = {"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"}
SAME_AS_ENGLISH = {
    "it": {"Feb", "Mar", "Apr", "Nov"},
    "id": {"Jan", "Feb", "Mar", "Apr", "Jun", "Jul", "Sep", "Nov"},
}
ZOOM_IN = {"it": "Ingrandisci", "id": "Perbesar"}


@pytest.mark.parametrize("language", ["it", "id"])
def test_overview_charts_speak_the_readers_language(browser, live_server, language):  # noqa: F811
    _channels()
    seeded_org()
    manager = factories.make_manager(username=f"charts-{language}")
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    context.route("**/favicon.ico", lambda route: route.fulfill(status=204, body=""))
    context.add_cookies(
        [{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": live_server.url}]
    )
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(f"{live_server.url}{reverse('login')}")
    page.fill("input[name=username]", manager.username)
    page.fill("input[name=password]", PASSWORD)
    with page.expect_navigation():
        page.press("input[name=password]", "Enter")
    # A year by month: whatever today is, the axis shows months each language writes its own way.
    end = timezone.localdate()
    query = f"range=custom&start={end - timedelta(days=364)}&end={end}&granularity=month"
    page.goto(f"{live_server.url}/?{query}")
    page.wait_for_function("document.querySelectorAll('.plot .main-svg').length >= 2")
    ticks = page.eval_on_selector_all(".plot .xtick text", "els => els.map(e => e.textContent)")
    words = {word for tick in ticks for word in tick.replace(".", " ").split()}
    titles = page.eval_on_selector_all(
        ".plot .modebar-btn", "els => els.map(e => e.getAttribute('data-title'))"
    )
    context.close()
    assert not errors, errors
    assert words & MONTHS[language], ticks
    assert not words & (ENGLISH - SAME_AS_ENGLISH[language]), ticks
    assert ZOOM_IN[language] in titles
