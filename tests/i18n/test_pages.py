"""Pages in Italian, Indonesian and Malay: translated navigation and headings, the language
switcher, the remembered choice, Accept-Language on a first visit, locale number/date formats."""

from __future__ import annotations

from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils.translation import get_language_info

from surveys.models import Invitation, Survey
from tests import factories
from tests.i18n.catalogue import parse_po
from tests.surveys.factories import make_invitation, make_survey
from tests.tickets.factories import make_ticket

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
LANGUAGES = ("it", "id", "ms")
NAVIGATION = {
    "it": ["Panoramica", "Punti di contatto", "Ticket", "Sondaggi", "Journey", "Clienti"],
    "id": ["Ringkasan", "Titik sentuh", "Tiket", "Survei", "Perjalanan", "Pelanggan"],
    "ms": ["Gambaran keseluruhan", "Titik sentuh", "Tiket", "Tinjauan", "Perjalanan", "Pelanggan"],
}
LOG_OUT = {"it": "Esci", "id": "Keluar", "ms": "Log keluar"}
# Elements whose own words come from the interface, not from the organisation's data.
INTERFACE_ELEMENTS = {"h1", "h2", "h3", "h4", "nav", "th", "label", "button", "legend", "title"}


class _Texts(HTMLParser):
    """Text pieces inside interface elements, the nav links, and the <html lang>."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.open: list[str] = []
        self.interface: list[str] = []
        self.nav_links: list[str] = []
        self.lang: str | None = None
        self._in_nav_link = False

    def handle_starttag(self, tag, attrs):
        if tag == "html":
            self.lang = dict(attrs).get("lang")
        if tag in {"input", "meta", "link", "br", "img"}:
            return
        self.open.append(tag)
        if tag == "a" and "nav" in self.open:
            self._in_nav_link = True
            self.nav_links.append("")

    def handle_endtag(self, tag):
        if tag in self.open:
            while self.open and self.open.pop() != tag:
                pass
        if tag == "a":
            self._in_nav_link = False

    def handle_data(self, data):
        text = " ".join(data.split())
        if not text:
            return
        if self._in_nav_link:
            self.nav_links[-1] = (self.nav_links[-1] + " " + text).strip()
        if INTERFACE_ELEMENTS & set(self.open) and "script" not in self.open:
            self.interface.append(text)


def read(response) -> _Texts:
    parser = _Texts()
    parser.feed(response.content.decode())
    return parser


def english_interface_texts(language: str) -> set[str]:
    """English msgids whose translation in `language` reads differently."""
    path = ROOT / "locale" / language / "LC_MESSAGES" / "django.po"
    return {
        text
        for message in parse_po(path)
        if message.msgid and message.translations
        for text in (message.msgid, message.plural)
        if text and "%" not in text and text not in message.translations
    }


def use_language(client, language: str) -> None:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language


@pytest.fixture
def pages(manager):
    survey = make_survey(name="Delivery feedback")
    ticket = make_ticket(subject="Parcel never arrived")
    return {
        "overview": reverse("metrics:overview"),
        "ticket queue": reverse("tickets:queue"),
        "ticket": reverse("tickets:detail", args=[ticket.pk]),
        "survey": reverse("surveys:survey_detail", args=[survey.slug]),
        "survey dashboard": reverse("metrics:surveys"),
    }


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_manager_sees_the_navigation_in_their_language(client, manager, pages, language):
    client.force_login(manager)
    use_language(client, language)
    for name, url in pages.items():
        response = client.get(url)
        assert response.status_code == 200, name
        page = read(response)
        assert page.lang == language, name
        assert page.nav_links[: len(NAVIGATION[language])] == NAVIGATION[language], name
        assert LOG_OUT[language] in page.interface, name


@pytest.mark.parametrize("language", LANGUAGES)
def test_headings_labels_and_navigation_have_no_english_left(client, manager, pages, language):
    client.force_login(manager)
    use_language(client, language)
    english = english_interface_texts(language)
    assert len(english) > 300
    leftovers = {}
    for name, url in pages.items():
        found = sorted({text for text in read(client.get(url)).interface if text in english})
        if found:
            leftovers[name] = found
    assert not leftovers, f"English interface text on {language} pages: {leftovers}"


def test_the_language_switcher_is_on_every_page_and_returns_to_it(client, manager, pages):
    anonymous = Client()
    client.force_login(manager)
    for url in [*pages.values(), reverse("login")]:
        html = (anonymous if url == reverse("login") else client).get(url).content.decode()
        assert f'action="{reverse("set_language")}"' in html, url
        assert f'name="next" type="hidden" value="{url}"' in html, url
        for code in ("en", "id", "ms", "it"):
            assert f'value="{code}"' in html, (url, code)


def test_the_chosen_language_is_remembered_across_requests(client, manager, pages):
    client.force_login(manager)
    response = client.post(
        reverse("set_language"), {"language": "it", "next": pages["ticket queue"]}
    )
    assert response.status_code == 302
    assert response["Location"] == pages["ticket queue"]
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "it"
    for url in pages.values():
        page = read(client.get(url, headers={"accept-language": "id"}))
        assert page.lang == "it", url
        assert "Panoramica" in page.nav_links


def test_a_first_visit_follows_the_browser_language(client):
    response = client.get(reverse("login"), headers={"accept-language": "id-ID,id;q=0.9,en;q=0.5"})
    assert read(response).lang == "id"
    assert "Masuk ke CX Hub" in response.content.decode()
    response = client.get(reverse("login"), headers={"accept-language": "it-IT,it;q=0.8"})
    assert "Accedi a CX Hub" in response.content.decode()
    response = client.get(reverse("login"), headers={"accept-language": "fr-FR,fr;q=0.8"})
    assert read(response).lang == "en"


def test_an_unknown_language_is_refused_by_the_switcher(client):
    client.post(reverse("set_language"), {"language": "xx", "next": "/"})
    assert settings.LANGUAGE_COOKIE_NAME not in client.cookies


@pytest.fixture
def survey_with_numbers():
    """A survey whose page shows a four-digit integer, a decimal and a date-time."""
    survey = make_survey(name="Store visit")
    Survey.objects.filter(pk=survey.pk).update(
        min_sample=1234, starts_at=datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
    )
    invitations = [
        make_invitation(survey=survey, customer=factories.make_customer(email=f"c{i}@example.com"))
        for i in range(3)
    ]
    Invitation.objects.filter(pk__in=[i.pk for i in invitations]).update(status="sent")
    from surveys import services

    services.response_submit(
        survey=survey, answers={"nps": 9}, invitation_token=invitations[0].token, language="en"
    )
    return survey


@pytest.mark.parametrize(
    ("language", "integer", "decimal", "moment"),
    [
        ("it", "1.234", "33,3", "02/03/2026 09:30"),
        ("id", "1.234", "33,3", "02-03-2026 9.30"),
        ("ms", "1,234", "33.3", "02/03/2026 9:30"),
        ("en", "1,234", "33.3", "03/02/2026 9:30"),
    ],
)
def test_numbers_and_dates_follow_the_locale(
    client, survey_admin, survey_with_numbers, settings, language, integer, decimal, moment
):
    # Grouping needs USE_THOUSAND_SEPARATOR; the lead's settings turn it on project-wide.
    settings.USE_THOUSAND_SEPARATOR = True
    settings.TIME_ZONE = "UTC"
    client.force_login(survey_admin)
    use_language(client, language)
    html = client.get(reverse("surveys:survey_detail", args=[survey_with_numbers.slug])).content
    text = " ".join(html.decode().split())
    assert f"<dd>{integer}</dd>" in text
    assert f"<dd>{decimal}&nbsp;%</dd>" in text
    assert moment in text


def test_an_indonesian_respondent_gets_the_survey_page_in_indonesian(client):
    questions = [
        {"key": "nps", "type": "nps", "text": {"en": "How likely?", "id": "Seberapa mungkin?"}},
        {"key": "ces", "type": "ces", "text": {"en": "How easy?", "id": "Seberapa mudah?"}},
        {"key": "why", "type": "text", "text": {"en": "Why?", "id": "Mengapa?"}},
    ]
    survey = make_survey(questions=questions, languages=["en", "id"], default_language="en")
    headers = {"accept-language": "id-ID,id;q=0.9"}
    page = client.get(reverse("surveys:public", args=[survey.slug]), headers=headers)
    html = page.content.decode()
    assert read(page).lang == "id"
    for text in ("Seberapa mungkin?", "Sama sekali tidak mungkin", "Kirim jawaban saya"):
        assert text in html
    # A language picker names each language in itself ("English"): not a leftover.
    endonyms = {get_language_info(code)["name_local"] for code, _ in settings.LANGUAGES}
    english = english_interface_texts("id") - endonyms
    assert not {t for t in _all_texts(page) if t in english}


def _all_texts(response) -> set[str]:
    class _Collect(HTMLParser):
        def __init__(self) -> None:
            super().__init__(convert_charrefs=True)
            self.texts: set[str] = set()

        def handle_data(self, data):
            if data.strip():
                self.texts.add(" ".join(data.split()))

    collector = _Collect()
    collector.feed(response.content.decode())
    return collector.texts


@pytest.mark.parametrize(
    ("language", "one", "many"),
    [
        ("it", "Riaperto una volta", "Riaperto 3 volte"),
        ("id", "Dibuka kembali 1 kali", "Dibuka kembali 3 kali"),
        ("ms", "Dibuka semula 1 kali", "Dibuka semula 3 kali"),
    ],
)
def test_plural_forms_follow_each_language(language, one, many):
    from django.utils import translation
    from django.utils.translation import ngettext

    with translation.override(language):
        forms = [
            ngettext("Reopened once", "Reopened %(counter)s times", n) % {"counter": n}
            for n in (1, 3)
        ]
    assert forms == [one, many]
