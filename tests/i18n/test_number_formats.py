"""Numbers a reader sees follow their language (1.234,5 in Italian); numbers a machine reads do
not: ids, page numbers and form values stay plain digits with USE_THOUSAND_SEPARATOR on."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from django.conf import settings
from django.core.paginator import Paginator
from django.db import connection
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.urls import reverse
from django.utils import translation

from journeys.services import maps as journey_services
from metrics import alerts, charts
from metrics.models import KpiAlert, KpiTarget
from metrics.views.base import change_text
from tests import factories
from tests.tickets.factories import make_ticket
from tickets.models import Ticket
from tickets.templatetags.cx_l10n import display_name, kpi_label, plotly_locale_data
from tickets.templatetags.tickets_tags import hours

# A digit group cut by a thousands separator: "1.234", "1,234" or "1 234".
GROUPED = re.compile(r"\d[.,\u00a0\u202f ]\d{3}(?!\d)")
MACHINE_ATTRIBUTES = {"href", "action", "value", "src", "maxlength", "min", "max", "step"}


def test_the_thousand_separator_is_on():
    assert settings.USE_THOUSAND_SEPARATOR


@pytest.mark.parametrize(
    ("language", "count", "percent", "hours_text", "change"),
    [
        ("it", "12.345", "1.234,6%", "3,5 h", "+1.234,6 p.p."),
        ("id", "12.345", "1.234,6%", "3,5 j", "+1.234,6 poin"),
        ("ms", "12,345", "1,234.6%", "3.5 j", "+1,234.6 mata"),
        ("en", "12,345", "1,234.6%", "3.5 h", "+1,234.6 pts"),
    ],
)
def test_dashboard_numbers_are_written_the_readers_way(
    language, count, percent, hours_text, change
):
    with translation.override(language):
        assert charts.fmt(12345, "count") == count
        assert charts.fmt(1234.56, "percent") == percent
        assert charts.fmt(3.54, "hours") == hours_text
        assert change_text(1234.56, unit="percent", is_rate=True) == change
        # Rounded, not cut: 2.96 is 3.0, and a tiny negative is no "-0".
        assert charts.fmt(2.96, "mean") in ("3.0", "3,0")
        assert charts.fmt(-0.04, "mean") in ("0.0", "0,0")


def test_counts_change_without_decimals_and_with_a_real_minus():
    with translation.override("it"):
        assert change_text(-1500, unit="count", is_rate=False) == "−1.500"
        assert change_text(0, unit="count", is_rate=False) == "±0"


def test_ticket_hours_follow_the_language():
    with translation.override("it"):
        assert hours(5400) == "1,50"
        assert hours(3600 * 1234.5) == "1.234,50"
    with translation.override("en"):
        assert hours(5400) == "1.50"


def test_the_plotly_locale_comes_from_djangos_translations_and_formats():
    with translation.override("it"):
        locale = plotly_locale_data()
        layout = charts.base._base_layout(title="x")
    assert locale["name"] == "it"
    assert locale["format"]["months"][0] == "Gennaio"
    assert locale["format"]["days"][0] == "Domenica"  # d3 weeks start on Sunday
    assert (locale["format"]["decimal"], locale["format"]["thousands"]) == (",", ".")
    assert locale["format"]["date"] == "%d/%m/%Y"
    assert locale["format"]["dayMonth"] == "%-d %b"
    assert locale["dictionary"]["Zoom in"] == "Ingrandisci"
    assert layout["separators"] == ",."
    with translation.override("en"):
        assert plotly_locale_data()["format"]["dayMonth"] == "%b %-d"


def test_stored_english_names_are_shown_translated_and_typed_names_as_typed():
    with translation.override("it"):
        assert display_name("Phone") == "Telefono"
        assert display_name("Urgent priority") == "Priorità urgente"
        assert display_name("Office hours") == "Orario d'ufficio"
        assert display_name("Telefono del negozio") == "Telefono del negozio"
        assert display_name("Open") == "Open"  # a msgid, but not a stored name
        assert kpi_label("nps") == "Net Promoter Score"
        assert kpi_label("csat") != "csat"
        assert kpi_label("unknown_kpi") == "unknown_kpi"


@pytest.mark.django_db
def test_alerts_are_shown_in_the_readers_language_and_old_ones_as_stored():
    target = KpiTarget.objects.create(kpi_key="nps", target=30, alert_threshold=20)
    params = {"kpi": "nps", "value": -1234.5, "limit": 20, "weeks": 2, "end": "2026-01-11"}
    alerts._open(target, "breach", *_week(), -1234.5, None, params)
    alert = KpiAlert.objects.get()
    assert alert.message_key == "breach" and alert.message_params == params
    with translation.override("it"):
        assert alert.text.startswith("Net Promoter Score a -1.234,5 è peggiore di 20,0")
        assert "11 Gennaio 2026" in alert.text
    with translation.override("en"):
        assert "-1,234.5" in alert.text and "2 weeks" in alert.text
    old = KpiAlert(target=target, kind="drop", message="nps changed by -5.0", message_key="")
    with translation.override("it"):
        assert old.text == "nps changed by -5.0"


def _week():
    from datetime import date

    return date(2026, 1, 5), date(2026, 1, 11)


def _next_id(model, value: int) -> None:
    """Make the table's next id `value` (an id past 999 is what a thousands separator breaks)."""
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT setval(pg_get_serial_sequence(%s, 'id'), %s)", [table, value - 1]
            )
        else:
            cursor.execute("DELETE FROM sqlite_sequence WHERE name = %s", [table])
            cursor.execute(
                "INSERT INTO sqlite_sequence (name, seq) VALUES (%s, %s)", [table, value - 1]
            )


class _Attributes(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.values: list[tuple[str, str, str]] = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if value and (name in MACHINE_ATTRIBUTES or name.startswith("data-")):
                self.values.append((tag, name, value))


def machine_values(html: str) -> list[tuple[str, str, str]]:
    parser = _Attributes()
    parser.feed(html)
    return parser.values


def assert_plain(html: str) -> None:
    grouped = [value for value in machine_values(html) if GROUPED.search(value[2])]
    assert not grouped, f"grouped digits in machine values: {grouped}"


def test_page_links_keep_plain_page_numbers():
    request = RequestFactory().get("/x/", {"q": "late", "page": "1234"})
    page = Paginator(range(5000), 1).get_page(1234)
    with translation.override("it"):
        html = render_to_string("includes/_pagination.html", {"page": page, "request": request})
    assert "page=1233" in html and "page=1235" in html
    assert "1.234" in html and "5.000" in html  # the text a person reads is grouped
    assert_plain(html)


@pytest.mark.django_db
def test_pages_with_large_ids_keep_them_plain_in_urls_and_form_values(client, manager):
    client.force_login(manager)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "it"
    _next_id(Ticket, 12345)
    ticket = make_ticket(subject="Pacco mai arrivato")
    assert ticket.pk == 12345
    journey = journey_services.journey_create(slug="j", name="Acquisto", actor=manager)
    journey_services.journey_update(journey=journey, actor=manager, name="Acquisto online")
    for offset, revision in enumerate(journey.revisions.order_by("pk")):
        revision.number = 1234 + offset
        revision.save(update_fields=["number"])
    urls = [
        reverse("tickets:queue"),
        reverse("tickets:detail", args=[ticket.pk]),
        reverse("metrics:tickets") + "?range=custom&start=2026-01-01&end=2026-12-31",
        reverse("journeys:journey_history", args=["j"]),
    ]
    seen = []
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        assert_plain(html)
        seen += [value for _tag, _name, value in machine_values(html)]
    assert any("/12345/" in value for value in seen)
    assert "1235" in seen  # the revision a restore form sends back


@pytest.mark.django_db
def test_csv_exports_and_the_api_stay_machine_formatted_in_italian(client, manager):
    import csv
    import io

    from tests.dashboards.factories import seeded_org

    seeded_org()
    client.force_login(manager)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "it"
    reply = client.get(reverse("metrics:export", args=["overview", "tiles"]))
    assert reply.status_code == 200
    rows = list(csv.DictReader(io.StringIO(reply.content.decode())))
    values = [row["value"] for row in rows if row["value"]]
    assert values and all(re.fullmatch(r"-?\d+(\.\d+)?", value) for value in values), values
    api = factories.api_client(manager)
    body = api.get("/api/v1/kpis/nps/summary/", HTTP_ACCEPT_LANGUAGE="it").json()
    assert isinstance(body["value"], float | int) and isinstance(body["n"], int), body
