"""RELIABILITY B1–B5: one set of XSS payloads through every text field, then every page that shows
them, parsed: the payload is literal text, no element or handler is injected, figure JSON is
escaped for HTML and for Plotly, and reflected query parameters are refused or escaped."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.test import Client

from journeys.models import Journey, JourneyEvent, Persona, Stage, StageTouchpoint
from metrics.services import recompute
from surveys import services as survey_services
from tests import factories
from tests.tickets.factories import make_category
from tickets import services as ticket_services

pytestmark = pytest.mark.django_db

MARK = "alert(1337)"
PAYLOAD_A = (
    '"><img src=x onerror=alert(1337)><svg/onload=alert(1337)></script><script>alert(1337)</script>'
)
PAYLOAD_B = '\'><details/open/ontoggle=alert(1337)><a href="javascript:alert(1337)">j</a><b>b</b>'
# What Plotly would render as markup if it reached a title, legend or hover text unescaped.
PLOTLY_MARKUP = ['<a href="javascript:alert(1337)">', "<b>b</b>", "<img src=x", "<svg/onload"]
ROOT = Path(__file__).resolve().parents[2]


class PageScan(HTMLParser):
    """Collects injected elements and handlers, JSON script blocks and visible text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.injected: list[str] = []
        self.json_blocks: list[str] = []
        self.text: list[str] = []
        self._script: dict | None = None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        for name, value in attrs:
            value = value or ""
            if name.startswith("on") and MARK in value:
                self.injected.append(f"<{tag} {name}={value}>")
            if name in ("href", "src", "action", "formaction") and value.strip().lower().startswith(
                "javascript:"
            ):
                self.injected.append(f"<{tag} {name}={value}>")
        if tag == "script":
            self._script = attributes
            self._script_data = []

    def handle_endtag(self, tag):
        if tag == "script" and self._script is not None:
            content = "".join(self._script_data)
            if self._script.get("type") == "application/json":
                self.json_blocks.append(content)
            elif MARK in content:
                self.injected.append(f"<script>{content[:80]}")
            self._script = None

    def handle_data(self, data):
        if self._script is not None:
            self._script_data.append(data)
        else:
            self.text.append(data)


def scan(html: str) -> PageScan:
    parser = PageScan()
    parser.feed(html)
    parser.close()
    return parser


def _strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def assert_page_safe(url: str, html: str) -> PageScan:
    result = scan(html)
    assert result.injected == [], f"{url}: injected {result.injected}"
    for block in result.json_blocks:
        assert "<" not in block, f"{url}: raw '<' inside a JSON script block"
        data = json.loads(block)
        if isinstance(data, dict) and isinstance(data.get("data"), list):
            for text in _strings(data):
                for markup in PLOTLY_MARKUP:
                    assert markup not in text, f"{url}: Plotly would render {markup!r}"
    return result


@pytest.fixture
def hostile(db):
    """Every free-text field of the domain filled with the payloads."""
    department = factories.make_department(name=PAYLOAD_B[:100])
    touchpoint = factories.make_touchpoint(name=PAYLOAD_A, department=department)
    touchpoint_b = factories.make_touchpoint(name=PAYLOAD_B, channel="phone")
    persona = factories.make_persona(name=PAYLOAD_A)
    customer = factories.make_customer(name=PAYLOAD_A, persona=persona, external_id="c-xss")
    survey = survey_services.survey_create(
        slug="xss-survey",
        name=PAYLOAD_A,
        touchpoint=touchpoint,
        title={"en": PAYLOAD_B},
        intro={"en": PAYLOAD_A},
        questions=[
            {"key": "nps", "type": "nps", "text": PAYLOAD_A},
            {"key": "pick", "type": "choice", "text": PAYLOAD_B, "choices": [PAYLOAD_A, PAYLOAD_B]},
            {"key": "many", "type": "multi_choice", "text": "Many", "choices": [PAYLOAD_B, "ok"]},
            {"key": "comment", "type": "text", "text": PAYLOAD_B},
        ],
    )
    choice_values = [c["value"] for c in survey.questions.get(key="pick").choices]
    many_values = [c["value"] for c in survey.questions.get(key="many").choices]
    response = survey_services.response_submit(
        survey=survey,
        answers={
            "nps": 2,
            "pick": choice_values[0],
            "many": many_values,
            "comment": PAYLOAD_A + PAYLOAD_B,
        },
        customer_ref=customer.external_id,
        user=factories.make_admin(),
    )
    category = make_category(name=PAYLOAD_B[:100])
    ticket = ticket_services.ticket_create(
        subject=PAYLOAD_A,
        customer=customer,
        channel=touchpoint.channel,
        touchpoint=touchpoint,
        category=category,
        body=PAYLOAD_B + PAYLOAD_A,
    )
    ticket_services.message_add(ticket=ticket, kind="note", body=PAYLOAD_A)
    journey = Journey.objects.create(slug="xss-journey", name=PAYLOAD_A, persona=persona)
    stages = []
    for order, (name, point) in enumerate([(PAYLOAD_A, touchpoint), (PAYLOAD_B, touchpoint_b)]):
        stage = Stage.objects.create(journey=journey, slug=f"s{order}", name=name, order=order)
        StageTouchpoint.objects.create(stage=stage, touchpoint=point)
        stages.append(stage)
    for stage, point in zip(stages, [touchpoint, touchpoint_b], strict=True):
        JourneyEvent.objects.create(
            customer=customer,
            journey=journey,
            stage=stage,
            touchpoint=point,
            channel=point.channel,
            type="reached",
            occurred_at=response.submitted_at,
        )
    recompute(full=True)
    return {
        "survey": survey,
        "response": response,
        "ticket": ticket,
        "customer": customer,
        "touchpoint": touchpoint,
        "journey": journey,
        "persona": persona,
    }


def _pages(h) -> list[str]:
    s, t, j = h["survey"].slug, h["ticket"].pk, h["journey"].slug
    tp = h["touchpoint"].slug
    return [
        f"/surveys/{s}/preview/",
        f"/surveys/{s}/",
        f"/surveys/{s}/edit/",
        "/surveys/",
        "/surveys/responses/",
        f"/surveys/responses/{h['response'].pk}/",
        "/tickets/",
        f"/tickets/{t}/",
        "/customers/",
        f"/customers/{h['customer'].external_id}/",
        "/journeys/",
        f"/journeys/{j}/",
        f"/journeys/{j}/edit/",
        f"/journeys/{j}/history/",
        "/",
        "/dashboards/touchpoints/",
        f"/dashboards/touchpoints/{tp}/",
        f"/dashboards/surveys/?survey={s}",
        "/dashboards/tickets/",
        f"/dashboards/journeys/?journey={j}",
        "/dashboards/customers/",
        "/dashboards/responses/",
        "/dashboards/ticket-list/",
        "/admin/journeys/touchpoint/",
        "/admin/journeys/customer/",
        "/admin/journeys/persona/",
        "/admin/journeys/stage/",
        "/admin/tickets/ticket/",
        f"/admin/tickets/ticket/{t}/change/",
        "/admin/surveys/survey/",
        f"/admin/surveys/survey/{h['survey'].pk}/change/",
        "/admin/surveys/response/",
        f"/admin/surveys/response/{h['response'].pk}/change/",
    ]


def test_payloads_in_every_text_field_show_literally_on_every_page(hostile):
    client = Client()
    client.force_login(factories.make_admin())
    shown_somewhere = set()
    for url in _pages(hostile):
        response = client.get(url)
        assert response.status_code == 200, f"{url}: {response.status_code}"
        result = assert_page_safe(url, response.content.decode())
        text = "".join(result.text)
        for payload in (PAYLOAD_A, PAYLOAD_B):
            if payload in text:
                shown_somewhere.add((url, payload))
    literal_pages = {url for url, _ in shown_somewhere}
    for url in (f"/tickets/{hostile['ticket'].pk}/", f"/surveys/{hostile['survey'].slug}/preview/"):
        assert url in literal_pages, f"{url} should show the payload as text"


def test_the_public_survey_shows_hostile_titles_questions_and_choices_as_text(hostile):
    response = Client().get(f"/s/{hostile['survey'].slug}/")
    assert response.status_code == 200
    result = assert_page_safe("/s/", response.content.decode())
    text = "".join(result.text)
    assert PAYLOAD_B in text and PAYLOAD_A in text


def test_json_api_returns_hostile_text_unchanged_as_json(hostile):
    client = factories.api_client(factories.make_admin())
    body = client.get(f"/api/v1/tickets/{hostile['ticket'].pk}/")
    assert body["Content-Type"].startswith("application/json")
    assert body.json()["subject"] == PAYLOAD_A


def test_a_script_closing_touchpoint_name_in_a_figure_keeps_the_expected_script_tags(hostile):
    client = Client()
    client.force_login(factories.make_admin())
    html = client.get(f"/dashboards/touchpoints/{hostile['touchpoint'].slug}/").content.decode()
    scripts = re.findall(r"<script\b[^>]*>", html)
    assert scripts, "the page draws charts"
    for tag in scripts:
        assert 'type="application/json"' in tag or re.search(r'src="/static/', tag), tag


REFLECTED = {
    "start": "<script>alert(1337)</script>",
    "end": '"><svg onload=alert(1337)>',
    "touchpoint": '"><svg onload=alert(1337)>',
    "period": "<img src=x onerror=alert(1337)>",
    "granularity": "'><details/open/ontoggle=alert(1337)>",
    "q": '"><img src=x onerror=alert(1337)>',
}


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/dashboards/touchpoints/",
        "/dashboards/surveys/",
        "/dashboards/tickets/",
        "/dashboards/customers/",
        "/dashboards/responses/",
        "/dashboards/ticket-list/",
        "/tickets/",
        "/surveys/responses/",
        "/customers/",
    ],
)
def test_reflected_query_parameters_are_refused_or_escaped(path, db):
    client = Client()
    client.force_login(factories.make_admin())
    for name, value in REFLECTED.items():
        response = client.get(path, {name: value})
        assert response.status_code in (200, 400), (path, name, response.status_code)
        assert_page_safe(f"{path}?{name}", response.content.decode())


# --- B2: the static check -----------------------------------------------------------------------

RISKY = re.compile(
    r"\|\s*safe\b|\bmark_safe\s*\(|autoescape\s+off|\bSafeString\b|\|\s*safeseq\b"
    r"|\bformat_html\s*\(\s*[^,()]*\)"
)
# Reviewed uses (path relative to the project root -> reason). Empty: there are none today.
ALLOWLIST: dict[str, str] = {}


def test_no_unreviewed_safe_markers_in_templates_or_code():
    hits = []
    for folder in ("cxhub", "journeys", "tickets", "surveys", "metrics", "templates"):
        for path in (ROOT / folder).rglob("*"):
            if path.suffix not in (".py", ".html", ".txt", ".js") or "migrations" in path.parts:
                continue
            relative = str(path.relative_to(ROOT))
            for number, line in enumerate(path.read_text(errors="ignore").splitlines(), 1):
                if RISKY.search(line) and relative not in ALLOWLIST:
                    hits.append(f"{relative}:{number}: {line.strip()}")
    assert hits == []


# Reviewed: the survey editor clones the server-rendered, escaped empty-form <template>.
JS_ALLOWLIST = {"static/surveys/editor.js:item.innerHTML = html;"}


def test_scripts_do_not_build_html_from_data():
    """Front-end code draws with textContent or Plotly, never innerHTML from data."""
    hits = []
    for path in (ROOT / "static").rglob("*.js"):
        if "vendor" in path.parts:
            continue
        for number, line in enumerate(path.read_text(errors="ignore").splitlines(), 1):
            allowed = f"{path.relative_to(ROOT)}:{line.strip()}" in JS_ALLOWLIST
            if (
                re.search(r"\.innerHTML\s*[+]?=|insertAdjacentHTML|document\.write", line)
                and not allowed
            ):
                hits.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert hits == []


def test_persona_model_exists_for_the_payload_set():
    assert Persona._meta.get_field("name").max_length >= len(PAYLOAD_A)
