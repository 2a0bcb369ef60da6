"""Every page a CX team uses, in Italian, Indonesian and Malay: no interface text left in English.

The organisation's own data (names of touchpoints, journeys, surveys) is given in Italian here, so
any English word on these pages comes from the interface. A text counts as English when every word
of it is an English interface word (from the catalogue's msgids) and one of them is a word the
translation never uses.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from journeys.models import Channel, Journey, Opportunity, Persona, Stage, Touchpoint
from surveys.models import Question, Response, Survey
from tests import factories
from tests.dashboards.factories import (
    add_events,
    add_responses,
    add_tickets,
    make_org,
    recompute,
)
from tests.i18n.catalogue import parse_po
from tickets.models import Category, SlaPolicy, Ticket

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
WORD = re.compile(r"[^\W\d_]+(?:[-'’][^\W\d_]+)*")
# Words every language here writes the same way (brands, acronyms, loanwords in the catalogue).
SHARED_WORDS = {"cx", "hub", "nps", "csat", "ces", "kpi", "kpis", "sla", "csv", "json", "api", "n"}
# Text inside these is the organisation's data or code, not interface.
DATA_ELEMENTS = {"script", "style", "code", "pre", "textarea", "blockquote", "td"}


VOID = {"input", "meta", "link", "br", "img", "hr", "source", "col", "wbr"}
PLACEHOLDER = re.compile(r"%\([^)]*\)[a-z]|\{[^}]*\}|%[a-z]")


class _PageText(HTMLParser):
    """Visible texts, except data and text marked as another language (lang="...")."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.open: list[tuple[str, bool]] = []  # (tag, inside another language)
        self.texts: list[str] = []
        self.page_lang = ""

    def _other_language(self) -> bool:
        return bool(self.open) and self.open[-1][1]

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "html":
            self.page_lang = attributes.get("lang") or ""
        lang = attributes.get("lang")
        other = self._other_language() if lang is None else lang != self.page_lang
        if tag not in VOID:
            self.open.append((tag, other))
        if other:
            return
        for name in ("title", "placeholder", "aria-label", "alt"):
            if attributes.get(name):
                self.texts.append(attributes[name])

    def handle_endtag(self, tag):
        if any(name == tag for name, _ in self.open):
            while self.open and self.open.pop()[0] != tag:
                pass

    def handle_data(self, data):
        text = " ".join(data.split())
        inside = {name for name, _ in self.open}
        if text and not self._other_language() and not DATA_ELEMENTS & inside:
            self.texts.append(text)


def words(text: str) -> list[str]:
    return [word.lower() for word in WORD.findall(PLACEHOLDER.sub(" ", text))]


def english_detector(language: str):
    messages = parse_po(ROOT / "locale" / language / "LC_MESSAGES" / "django.po")
    english = {w for m in messages for t in (m.msgid, m.plural or "") for w in words(t)}
    translated = {w for m in messages for t in m.translations for w in words(t)}
    telltale = {w for w in english - translated - SHARED_WORDS if len(w) > 2}

    def is_english(text: str) -> bool:
        found = words(text)
        return bool(found) and set(found) <= english | SHARED_WORDS and bool(telltale & set(found))

    return is_english


def italian_data(org) -> None:
    """Rename what the builders and the seed migrations call in English (channels, SLA policies),
    as an Italian organisation would name it: what stays English is then interface text."""
    for number, channel in enumerate(Channel.objects.order_by("pk")):
        Channel.objects.filter(pk=channel.pk).update(name=f"Canale {number}")
    SlaPolicy.objects.update(name="Standard")
    for question in Question.objects.all():
        question.text = {code: f"Domanda {question.order + 1}" for code, _ in settings.LANGUAGES}
        question.save(update_fields=["text"])
    Journey.objects.update(name="Acquisto online")
    for number, stage in enumerate(Stage.objects.order_by("pk")):
        Stage.objects.filter(pk=stage.pk).update(name=f"Fase {number}")
    for number, touchpoint in enumerate(Touchpoint.objects.order_by("pk")):
        Touchpoint.objects.filter(pk=touchpoint.pk).update(name=f"Punto {number}")
    for number, survey in enumerate(Survey.objects.order_by("pk")):
        Survey.objects.filter(pk=survey.pk).update(name=f"Sondaggio {number}")
    Persona.objects.update(name="Famiglie")
    Category.objects.update(name="Pagamenti")
    Ticket.objects.update(subject="Pacco mai arrivato")


@pytest.fixture
def org(db):
    org = make_org(touchpoint_names=["Pagina di pagamento", "Assistenza"])
    add_responses(org, comment="Tutto bene, grazie")
    add_tickets(org)
    add_events(org)
    Opportunity.objects.create(journey=org.journey, title="Richiamata al posto della coda")
    italian_data(org)
    recompute()
    return org


def page_urls(org) -> dict[str, str]:
    journey, stage = org.journey.slug, org.stages[0].slug
    survey = org.surveys[0].slug
    customer = factories.make_customer(name="Giulia Rossi")
    ticket = Ticket.objects.order_by("pk").first()
    # The survey preview is left out: it shows the survey in the respondents' language.
    response = Response.objects.order_by("pk").first()
    return {
        "overview": reverse("metrics:overview"),
        "touchpoints": reverse("metrics:touchpoints"),
        "touchpoint": reverse("metrics:touchpoint_detail", args=[org.touchpoints[0].slug]),
        "survey dashboard": reverse("metrics:surveys"),
        "tickets & SLA": reverse("metrics:tickets_sla"),
        "journey dashboard": reverse("metrics:journeys"),
        "customers at risk": reverse("metrics:customers"),
        "responses dashboard": reverse("metrics:responses"),
        "ticket list": reverse("metrics:tickets"),
        "journeys": reverse("journeys:journey_list"),
        "journey map": reverse("journeys:journey_map", args=[journey]),
        "journey edit": reverse("journeys:journey_edit", args=[journey]),
        "journey history": reverse("journeys:journey_history", args=[journey]),
        "journey new": reverse("journeys:journey_create"),
        "journey import": reverse("journeys:journey_import"),
        "journey duplicate": reverse("journeys:journey_duplicate", args=[journey]),
        "stage edit": reverse("journeys:stage_edit", args=[journey, stage]),
        "stage add": reverse("journeys:stage_add", args=[journey]),
        "opportunity new": reverse("journeys:opportunity_create", args=[journey]),
        "customers": reverse("journeys:customer_list"),
        "customer": reverse("journeys:customer_detail", args=[customer.external_id]),
        "surveys": reverse("surveys:survey_list"),
        "survey": reverse("surveys:survey_detail", args=[survey]),
        "survey edit": reverse("surveys:survey_edit", args=[survey]),
        "survey new": reverse("surveys:survey_create"),
        "survey invite": reverse("surveys:survey_invite", args=[survey]),
        "responses": reverse("surveys:response_list"),
        "response": reverse("surveys:response_detail", args=[response.pk]),
        "ticket queue": reverse("tickets:queue"),
        "ticket new": reverse("tickets:new"),
        "ticket": reverse("tickets:detail", args=[ticket.pk]),
    }


@pytest.mark.parametrize("language", ["it", "id", "ms"])
def test_no_page_shows_english_interface_text(client, org, language):
    client.force_login(factories.make_admin(username="giulia.rossi"))
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    is_english = english_detector(language)
    anonymous = Client()
    anonymous.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    urls = page_urls(org)
    urls["login"] = reverse("login")
    leftovers: dict[str, list[str]] = {}
    for name, url in urls.items():
        response = (anonymous if name == "login" else client).get(url)
        assert response.status_code == 200, (name, response.status_code)
        parser = _PageText()
        parser.feed(response.content.decode())
        found = sorted({text for text in parser.texts if is_english(text)})
        if found:
            leftovers[name] = found
    assert not leftovers, "\n".join(f"{name}: {texts}" for name, texts in leftovers.items())
