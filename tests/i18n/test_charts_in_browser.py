"""Charts in Italian and Indonesian, drawn by a real browser: month names on the date axes and the
mode bar's tooltips come from the page's Plotly locale, with no script errors.

The browser runs in a child process: Playwright's sync API cannot start a second time in a
process where tests/browser's session-wide browser is already running."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from tests import factories
from tests.browser.test_dashboards import PASSWORD, _channels
from tests.dashboards.factories import seeded_org

pytestmark = pytest.mark.django_db(transaction=True)

CHROMIUM = Path("/usr/bin/chromium")
ENGLISH = {"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"}
# Short month names that a language writes differently from English, and those it shares.
OWN_MONTHS = {
    "it": {"Gen", "Mag", "Giu", "Lug", "Ago", "Set", "Ott", "Dic"},
    "id": {"Mei", "Agu", "Okt", "Des"},
}
SAME_AS_ENGLISH = {
    "it": {"Feb", "Mar", "Apr", "Nov"},
    "id": {"Jan", "Feb", "Mar", "Apr", "Jun", "Jul", "Sep", "Nov"},
}
ZOOM_IN = {"it": "Ingrandisci", "id": "Perbesar"}

DRIVER = r"""
import json, sys
from playwright.sync_api import sync_playwright
base, login, page_url, username, password, cookie, language = sys.argv[1:8]
with sync_playwright() as playwright:
    browser = playwright.chromium.launch(
        executable_path="/usr/bin/chromium", args=["--no-sandbox", "--disable-gpu"]
    )
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    context.route("**/favicon.ico", lambda route: route.fulfill(status=204, body=""))
    context.add_cookies([{"name": cookie, "value": language, "url": base}])
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(base + login)
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    with page.expect_navigation():
        page.press("input[name=password]", "Enter")
    page.goto(base + page_url)
    page.wait_for_function("document.querySelectorAll('.plot .main-svg').length >= 2")
    ticks = page.eval_on_selector_all(".plot .xtick text", "els => els.map(e => e.textContent)")
    titles = page.eval_on_selector_all(
        ".plot .modebar-btn", "els => els.map(e => e.getAttribute('data-title'))"
    )
    browser.close()
print(json.dumps({"ticks": ticks, "titles": titles, "errors": errors}))
"""


@pytest.fixture
def chromium():
    missing = not CHROMIUM.exists() or importlib.util.find_spec("playwright") is None
    if missing:
        reason = "needs /usr/bin/chromium and the playwright package"
        if os.environ.get("CX_REQUIRE_BROWSER") == "1":
            pytest.fail(f"CX_REQUIRE_BROWSER=1 but this {reason}")
        pytest.skip(reason)


@pytest.mark.parametrize("language", ["it", "id"])
def test_overview_charts_speak_the_readers_language(chromium, live_server, language):
    _channels()
    seeded_org()
    manager = factories.make_manager(username=f"charts-{language}")
    # A year by month: whatever today is, the axis shows months each language writes its own way.
    end = timezone.localdate()
    page_url = f"/?range=custom&start={end - timedelta(days=364)}&end={end}&granularity=month"
    args = [live_server.url, reverse("login"), page_url, manager.username, PASSWORD]
    result = subprocess.run(
        [sys.executable, "-c", DRIVER, *args, settings.LANGUAGE_COOKIE_NAME, language],
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    words = {word for tick in seen["ticks"] for word in tick.replace(".", " ").split()}
    assert not seen["errors"], seen["errors"]
    assert words & OWN_MONTHS[language], seen["ticks"]
    assert not words & (ENGLISH - SAME_AS_ENGLISH[language]), seen["ticks"]
    assert ZOOM_IN[language] in seen["titles"]
