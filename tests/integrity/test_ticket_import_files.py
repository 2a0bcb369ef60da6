"""B7: crafted files given to `manage.py import_tickets` (CSV and JSON). Each bad file ends in one
clear error naming the line (and column where there is one), writes nothing, and is refused in
bounded time; spreadsheet formulas are data, stored as typed and neutralised only on export."""

from __future__ import annotations

import codecs
import csv
import io
import json
import time

import pytest
from django.core.management import CommandError, call_command

from journeys.models import Customer
from metrics.exports import safe_cell
from tests import factories
from tickets import importer
from tickets.models import Message, StatusChange, Ticket

pytestmark = pytest.mark.django_db

HEADER = "external_id,subject,customer,channel,touchpoint,created_at,body"
WHEN = "2026-03-02T10:00:00Z"


@pytest.fixture(autouse=True)
def catalogue(db):
    factories.make_touchpoint(slug="checkout")


def row(n: int, subject: str = "Card declined", body: str = "Help") -> str:
    return f"Z-{n},{subject},C-{n},web,checkout,{WHEN},{body}"


def write(tmp_path, content: bytes | str, name: str = "t.csv"):
    path = tmp_path / name
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    return path


def refused(path, *fragments: str, within: float = 10.0) -> str:
    """Run the import, expect a CommandError holding every fragment, and check nothing was
    written."""
    started = time.monotonic()
    with pytest.raises(CommandError) as caught:
        call_command("import_tickets", str(path))
    assert time.monotonic() - started < within
    message = str(caught.value)
    assert message.startswith("Nothing was imported."), message
    for fragment in fragments:
        assert fragment in message, message
    assert not Ticket.objects.exists()
    assert not Message.objects.exists()
    assert not StatusChange.objects.exists()
    assert not Customer.objects.filter(external_id__startswith="C-").exists()
    return message


def imported(path) -> list[Ticket]:
    call_command("import_tickets", str(path))
    return list(Ticket.objects.order_by("external_id"))


def test_formula_cells_are_stored_as_typed_and_neutralised_on_export(tmp_path):
    traps = ['=HYPERLINK("http://evil.example","x")', "+cmd|' /C calc'!A0", "@SUM(1+1)", "-2+3"]
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADER.split(","))
    for n, trap in enumerate(traps, start=1):
        writer.writerow([f"Z-{n}", trap, f"C-{n}", "web", "checkout", WHEN, trap])
    tickets = imported(write(tmp_path, out.getvalue()))
    assert [t.subject for t in tickets] == traps
    assert [t.messages.get().body for t in tickets] == traps
    assert all(str(safe_cell(t.subject)).startswith("'") for t in tickets)


def test_a_utf8_bom_is_not_part_of_the_first_column_name(tmp_path):
    path = write(tmp_path, codecs.BOM_UTF8 + f"{HEADER}\n{row(1, 'Café ☕')}\n".encode())
    assert [t.subject for t in imported(path)] == ["Café ☕"]


def test_latin1_names_the_line_of_the_first_bad_byte(tmp_path):
    text = f"{HEADER}\n{row(1)}\n{row(2, 'Café')}\n"
    refused(write(tmp_path, text.encode("latin-1")), "line 3", "0xe9", "UTF-8")


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be"])
def test_utf16_is_refused_with_a_hint(tmp_path, encoding):
    data = f"{HEADER}\n{row(1)}\n".encode(encoding)
    if encoding == "utf-16-be":
        # No byte-order mark: the NUL high bytes give it away.
        refused(write(tmp_path, data), "line 1", "null character")
    else:
        refused(write(tmp_path, data), "line 1", "UTF-16")


def test_a_nul_byte_names_its_line(tmp_path):
    bad = row(2, "bad\x00subject")
    refused(write(tmp_path, f"{HEADER}\n{row(1)}\n{bad}\n"), "line 3", "null")


def test_crlf_lf_and_lone_cr_line_ends_mix(tmp_path):
    text = f"{HEADER}\r\n{row(1)}\r{row(2)}\n{row(3)}\r\n"
    assert [t.external_id for t in imported(write(tmp_path, text))] == ["Z-1", "Z-2", "Z-3"]
    Ticket.objects.all().delete()
    Customer.objects.all().delete()
    bad = f"{HEADER}\r\n{row(1)}\r{row(2)}\n{row(3).replace(',web,', ',fax,')}\r\n"
    refused(write(tmp_path, bad), "line 4, column channel", "unknown channel 'fax'")


def test_quoted_line_breaks_stay_in_the_field_and_lines_are_counted_from_the_record_start(
    tmp_path,
):
    body = "first line\nsecond line\r\nthird line\rfourth"
    text = f"{HEADER}\n{row(1, body=chr(34) + body + chr(34))}\n{row(2)}\n"
    tickets = imported(write(tmp_path, text))
    assert len(tickets) == 2
    assert tickets[0].messages.get().body == body
    Ticket.objects.all().delete()
    Customer.objects.all().delete()
    # The quoted body spans lines 2-5 and the next record is line 6: the bad one starts on 7.
    bad = text + row(3).replace(",checkout,", ",nowhere,") + "\n"
    refused(write(tmp_path, bad), "line 7, column touchpoint", "unknown touchpoint 'nowhere'")


def test_broken_quoting_and_an_unclosed_quote_are_named(tmp_path):
    stray = row(2, subject='"a"b')
    refused(write(tmp_path, f"{HEADER}\n{row(1)}\n{stray}\n"), "line 3", "not valid CSV")
    refused(
        write(tmp_path, f"{HEADER}\n{row(1, body=chr(34) + 'never closed')}\n"), "not valid CSV"
    )


def test_a_huge_field_is_refused_quickly(tmp_path):
    message = refused(
        write(tmp_path, f"{HEADER}\n{row(1)}\n{row(2, body='x' * 300_000)}\n"),
        "line 3",
        within=5,
    )
    assert len(message) < 2000  # the value is not echoed back


def test_an_over_long_subject_is_named_without_echoing_it(tmp_path):
    message = refused(write(tmp_path, f"{HEADER}\n{row(1, subject='s' * 5000)}\n"),
                      "line 2, column subject", "longer than 200")  # fmt: skip
    assert len(message) < 500


def test_more_rows_than_the_limit_are_refused_before_validation(tmp_path):
    lines = [HEADER] + [row(n) for n in range(1, importer.MAX_RECORDS + 2)]
    path = write(tmp_path, "\n".join(lines) + "\n")
    refused(path, f"line {importer.MAX_RECORDS + 2}", "split the file", within=30)


def test_a_file_over_the_byte_limit_is_refused_without_reading_it(tmp_path, monkeypatch):
    monkeypatch.setattr(importer, "MAX_BYTES", 1000)
    path = write(tmp_path, HEADER + "\n" + "\n".join(row(n) for n in range(1, 40)) + "\n")
    monkeypatch.setattr(type(path), "read_bytes", lambda self: pytest.fail("file was read"))
    refused(path, "at most 1,000")


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (HEADER.replace("body", "subject"), "line 1, column subject: appears more than once"),
        (HEADER.replace(",created_at", ""), "missing column(s) created_at"),
        (HEADER.replace(",body", ","), "line 1, column 7: the column has no name"),
        (HEADER.replace("body", "colour"), "line 1, column colour: is not a known column"),
        ("", "line 1: missing column(s) external_id"),
    ],
)
def test_duplicate_missing_blank_and_unknown_headers(tmp_path, header, expected):
    refused(write(tmp_path, f"{header}\n{row(1)}\n"), expected)


def test_extra_and_missing_values_in_a_row(tmp_path):
    refused(write(tmp_path, f"{HEADER}\n{row(1)}\n{row(2)},surplus\n"),
            "line 3, column 8: 8 values, but the header names 7 columns")  # fmt: skip
    refused(
        write(tmp_path, f"{HEADER}\n{row(1)}\nZ-2,Short,C-2,web\n"),
        "line 3, column touchpoint: is required",
        "line 3, column created_at: is required",
    )


def test_one_bad_row_among_many_writes_nothing(tmp_path):
    lines = [HEADER] + [row(n) for n in range(1, 300)]
    lines[200] = lines[200].replace(WHEN, "yesterday")
    refused(write(tmp_path, "\n".join(lines) + "\n"), "line 201, column created_at")


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        ('[{"external_id": "Z-1",\n  "subject": }]', "line 2, column 14: not valid JSON"),
        ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
        ('{"external_id": "Z-1"}', "must hold a list"),
        ('[{"messages": 5}]', "record 1, column messages: must be a list"),
        ('[{"status_changes": {"status": "resolved"}}]', "column status_changes: must be a list"),
        ('["just text"]', "record 1, column -: must be an object"),
        ('[{"subject": {"nested": 1}}]', "record 1, column subject: must be text"),
    ],
)
def test_crafted_json(tmp_path, document, expected):
    refused(write(tmp_path, document, "t.json"), expected)


def test_json_with_more_records_than_the_limit(tmp_path, monkeypatch):
    monkeypatch.setattr(importer, "MAX_RECORDS", 3)
    document = json.dumps([{"external_id": f"Z-{n}"} for n in range(4)])
    refused(write(tmp_path, document, "t.json"), "4 tickets; at most 3")
