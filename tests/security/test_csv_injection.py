"""RELIABILITY B6: CSV exports neutralise formula cells (also after spaces, in joined multi-choice
cells, in customer and touchpoint names), keep numbers numeric, are attachments, and read back."""

from __future__ import annotations

import csv
import io

import pytest
from django.test import Client

from metrics.exports import csv_text, safe_cell
from metrics.services import recompute
from surveys import services as survey_services
from tests import factories
from tests.tickets.factories import make_ticket

pytestmark = pytest.mark.django_db

FORMULAS = [
    '=HYPERLINK("http://evil.example","x")',
    "+1+1",
    "-2+3",
    "@SUM(A1:A2)",
    "\tTAB",
    "\rCR",
    "\x00NUL",
    "   =after spaces",
    " +1",
]


@pytest.mark.parametrize("text", FORMULAS)
def test_every_formula_start_is_prefixed_with_an_apostrophe(text):
    assert safe_cell(text) == "'" + text


def test_numbers_stay_numbers_and_plain_text_is_untouched():
    assert safe_cell(-4.2) == -4.2
    assert safe_cell(0) == 0
    assert safe_cell("Checkout page") == "Checkout page"
    assert safe_cell("a=b") == "a=b"


def test_joined_multi_choice_cells_are_neutralised_as_a_whole():
    assert safe_cell(["=1+1", "ok"]) == "'=1+1; ok"
    assert safe_cell(["@x"]) == "'@x"


def test_written_rows_read_back_intact_with_python_csv():
    rows = [[text, -4.2, 3] for text in FORMULAS] + [['line\nbreak, "quoted"', 1.5, 0]]
    text = csv_text(["name", "value", "n"], rows)
    back = list(csv.reader(io.StringIO(text)))
    assert back[0] == ["name", "value", "n"]
    assert len(back) == len(rows) + 1
    for original, read in zip(rows, back[1:], strict=True):
        assert read[0].lstrip("'") == original[0].replace("\x00", "\x00")
        assert float(read[1]) == original[1]


@pytest.fixture
def spreadsheet_traps(db):
    touchpoint = factories.make_touchpoint(name="=cmd|' /C calc'!A0")
    factories.make_touchpoint(name="  @SUM(1+1)", channel="phone")
    customer = factories.make_customer(name='+HYPERLINK("x")', external_id="=c-1")
    survey = survey_services.survey_create(
        slug="csv-survey",
        name="CSV",
        touchpoint=touchpoint,
        questions=[
            {"key": "nps", "type": "nps", "text": "?"},
            {"key": "many", "type": "multi_choice", "text": "?", "choices": ["=1+1", "-5", "ok"]},
        ],
    )
    values = [c["value"] for c in survey.questions.get(key="many").choices]
    admin = factories.make_admin()
    for score in (0, 1, 2):
        survey_services.response_submit(
            survey=survey,
            answers={"nps": score, "many": values},
            customer_ref=customer.external_id,
            user=admin,
        )
    make_ticket(touchpoint=touchpoint, customer=customer, subject="=2+2 ticket")
    recompute(full=True)
    return {"survey": survey, "touchpoint": touchpoint}


def _download(client, url):
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].startswith("attachment;")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows, url
    return rows


def _assert_no_live_formula(rows, url):
    for row in rows:
        for cell in row:
            stripped = cell.lstrip(" ")
            if stripped[:1] in ("=", "+", "@", "\t", "\r", "\x00"):
                pytest.fail(f"{url}: formula cell {cell!r}")
            if stripped[:1] == "-":
                float(cell)  # only numbers may start with a minus


def test_dashboard_exports_neutralise_names_and_keep_numbers(spreadsheet_traps):
    client = Client()
    client.force_login(factories.make_admin())
    slug = spreadsheet_traps["touchpoint"].slug
    survey = spreadsheet_traps["survey"].slug
    urls = [
        "/dashboards/export/touchpoints/ranking.csv",
        f"/dashboards/export/touchpoint/categories.csv?touchpoint={slug}",
        f"/dashboards/export/surveys/distribution.csv?survey={survey}",
        "/dashboards/export/overview/tiles.csv",
        "/dashboards/export/customers/at_risk.csv",
    ]
    seen = ""
    for url in urls:
        rows = _download(client, url)
        _assert_no_live_formula(rows, url)
        seen += repr(rows)
    assert "'=c-1" in seen and "'+HYPERLINK" in seen
    assert "-100.0" in seen  # a negative NPS stays a number
