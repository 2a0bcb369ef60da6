"""B7: crafted customer lists uploaded on the survey invitation page. A bad file is a 400 naming the
line, writes no customer and no invitation, echoes values escaped, and is refused in bounded time;
spreadsheet formulas in names are data (CSV exports neutralise them, B6)."""

from __future__ import annotations

import codecs
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from journeys.models import Customer
from surveys.models import Invitation
from surveys.services import invitation_lists
from tests import factories
from tests.surveys.factories import make_survey

pytestmark = pytest.mark.django_db


@pytest.fixture
def upload(client, survey_admin):
    survey = make_survey()
    client.force_login(survey_admin)
    factories.make_customer(external_id="known-1", email="known@example.com")

    def post(data: bytes | str, within: float = 10.0):
        if isinstance(data, str):
            data = data.encode()
        started = time.monotonic()
        reply = client.post(
            f"/surveys/{survey.slug}/invite/",
            {"file": SimpleUploadedFile("list.csv", data, content_type="text/csv")},
        )
        assert time.monotonic() - started < within
        return reply

    return post


def refused(reply, *fragments: str) -> str:
    assert reply.status_code == 400, reply.status_code
    page = reply.content.decode()
    for fragment in fragments:
        assert fragment in page, fragment
    assert not Invitation.objects.exists()
    assert list(Customer.objects.values_list("external_id", flat=True)) == ["known-1"]
    return page


def accepted(reply, invited: int) -> None:
    assert reply.status_code == 302, reply.content.decode()[:3000]
    assert Invitation.objects.count() == invited


def test_formula_names_are_stored_as_typed(upload):
    trap = '=HYPERLINK("http://evil.example","x")'
    csv_text = 'external_id,email,name\nn-1,n1@example.com,"' + trap.replace('"', '""') + '"\n'
    accepted(upload(csv_text), 1)
    assert Customer.objects.get(external_id="n-1").name == trap


def test_values_echoed_in_errors_are_escaped(upload):
    page = refused(
        upload('email\n"<script>alert(1)</script>@x"\n'),
        "Line 2",
        "&lt;script&gt;alert(1)&lt;/script&gt;@x",
    )
    assert "<script>alert(1)" not in page


def test_a_bom_before_the_header_is_ignored(upload):
    accepted(upload(codecs.BOM_UTF8 + b"external_id\nknown-1\n"), 1)


def test_latin1_is_refused_naming_the_line(upload):
    data = "external_id,email,name\nknown-1,,\nn-2,n2@example.com,Café\n".encode("latin-1")
    refused(upload(data), "Line 3", "UTF-8")


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le"])
def test_utf16_is_refused(upload, encoding):
    refused(upload("external_id\nknown-1\n".encode(encoding)), "Line 1", "UTF-8")


def test_a_nul_byte_is_refused_naming_the_line(upload):
    refused(upload(b"external_id,name\nknown-1,ok\nn-2,bad\x00name\n"), "Line 3")


def test_mixed_line_ends_and_lone_cr_are_read(upload):
    data = b"external_id,email\r\nknown-1,\rn-2,n2@example.com\nn-3,n3@example.com\r\n"
    accepted(upload(data), 3)


def test_quoted_line_breaks_keep_line_numbers_right(upload):
    data = 'external_id,email,name\nn-1,n1@example.com,"two\nlines"\nn-2,not-an-email,x\n'
    refused(upload(data), "Line 4")  # the second record starts on line 4
    accepted(upload(data.replace("not-an-email", "n2@example.com")), 2)
    assert Customer.objects.get(external_id="n-1").name == "two\nlines"


def test_a_huge_field_is_refused_quickly(upload):
    data = "external_id,name\nknown-1," + "x" * 300_000 + "\n"
    refused(upload(data, within=5), "Line 2")


def test_broken_quoting_is_refused(upload):
    refused(upload('external_id,name\nknown-1,"unclosed\n'), "Line 2")


def test_more_rows_than_the_limit(upload):
    rows = "".join(f"n-{n},n{n}@example.com\n" for n in range(invitation_lists.CSV_MAX_ROWS + 1))
    refused(upload("external_id,email\n" + rows), "10,000")


def test_more_bytes_than_the_limit(upload):
    data = "external_id,name\n" + "known-1," + "x" * invitation_lists.CSV_MAX_BYTES + "\n"
    refused(upload(data), "2 MB")


def test_a_column_named_twice_is_refused(upload):
    refused(upload("external_id,email,email\nn-1,a@example.com,b@example.com\n"), "email")


def test_no_identifying_column(upload):
    refused(upload("name,phone\nAda,123\n"), "external_id or email")


def test_extra_columns_are_ignored(upload):
    data = "phone,external_id,segment\n123,known-1,gold,surplus-value\n"
    accepted(upload(data), 1)
