from __future__ import annotations

import json

import pytest
from django.core.management import CommandError, call_command

from journeys.models import Customer
from tests import factories
from tests.tickets.factories import make_category
from tickets.models import Message, StatusChange, Ticket

pytestmark = pytest.mark.django_db

HEADER = (
    "external_id,subject,customer,channel,touchpoint,category,priority,created_at,body,"
    "first_response_at,resolved_at\n"
)


@pytest.fixture
def catalogue():
    factories.make_touchpoint(slug="checkout")
    make_category(slug="payment")


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_csv_import_creates_tickets_with_timing_and_is_idempotent(tmp_path, catalogue, capsys):
    path = write(
        tmp_path,
        "t.csv",
        HEADER + "Z-1,Card declined,C-9,web,checkout,payment,high,2026-03-02T10:00:00Z,Help,"
        "2026-03-02T12:00:00Z,2026-03-03T10:00:00Z\n"
        + "Z-2,Refund,C-9,web,checkout,,,2026-03-02T11:00:00Z,,,\n",
    )
    call_command("import_tickets", path)
    first = Ticket.objects.get(external_id="Z-1")
    assert first.frt_seconds == 7200
    assert first.resolution_seconds == 24 * 3600
    assert first.resolution_business_seconds == 8 * 3600
    assert first.status == "resolved" and first.is_fcr
    assert Customer.objects.filter(external_id="C-9").count() == 1
    assert Ticket.objects.get(external_id="Z-2").priority == "normal"
    call_command("import_tickets", path)
    assert Ticket.objects.count() == 2
    assert "2 already present" in capsys.readouterr().out


def test_a_bad_row_writes_nothing_and_names_line_and_column(tmp_path, catalogue):
    path = write(
        tmp_path,
        "t.csv",
        HEADER
        + "Z-1,Fine,C-1,web,checkout,payment,high,2026-03-02T10:00:00Z,,,\n"
        + "Z-2,Fine too,C-2,web,checkout,,,2026-03-02T10:00:00Z,,,\n"
        + "Z-3,Bad,C-3,web,nowhere,,,2026-03-02T10:00:00Z,,,\n",
    )
    with pytest.raises(CommandError) as error:
        call_command("import_tickets", path)
    assert "line 4, column touchpoint" in str(error.value)
    assert not Ticket.objects.exists()
    assert not Customer.objects.exists()


@pytest.mark.parametrize(
    ("cell", "column"),
    [
        ("created_at=yesterday", "created_at"),
        ("created_at=2026-03-02T10:00:00", "created_at"),
        ("priority=critical", "priority"),
        ("channel=pigeon", "channel"),
        ("subject=", "subject"),
    ],
)
def test_each_field_rule_names_its_column(tmp_path, catalogue, cell, column):
    name, value = cell.split("=", 1)
    row = {
        "external_id": "Z-1",
        "subject": "S",
        "customer": "C-1",
        "channel": "web",
        "touchpoint": "checkout",
        "created_at": "2026-03-02T10:00:00Z",
    }
    row[name] = value
    path = write(tmp_path, "t.json", json.dumps([row]))
    with pytest.raises(CommandError) as error:
        call_command("import_tickets", path)
    assert f"record 1, column {column}" in str(error.value)
    assert not Ticket.objects.exists()


def test_json_import_with_full_history_out_of_order(tmp_path, catalogue):
    record = {
        "external_id": "J-1",
        "subject": "Late parcel",
        "customer": "C-1",
        "channel": "web",
        "touchpoint": "checkout",
        "created_at": "2026-03-02T10:00:00Z",
        "messages": [
            {"kind": "reply", "body": "second", "created_at": "2026-03-04T10:00:00Z"},
            {"kind": "auto", "body": "ack", "created_at": "2026-03-02T10:00:05Z"},
            {"kind": "reply", "body": "first", "created_at": "2026-03-02T15:00:00Z"},
        ],
        "status_changes": [
            {"status": "resolved", "at": "2026-03-04T11:00:00Z"},
            {"status": "open", "at": "2026-03-03T09:00:00Z"},
            {"status": "resolved", "at": "2026-03-02T16:00:00Z"},
        ],
    }
    call_command("import_tickets", write(tmp_path, "t.json", json.dumps([record])))
    ticket = Ticket.objects.get()
    assert ticket.frt_seconds == 5 * 3600
    assert ticket.reopened_count == 1
    assert ticket.resolution_business_seconds == 17 * 3600
    assert not ticket.is_fcr
    assert list(ticket.status_changes.values_list("from_status", "to_status")) == [
        ("new", "resolved"),
        ("resolved", "open"),
        ("open", "resolved"),
    ]
    assert Message.objects.count() == 3


def test_an_impossible_history_is_refused(tmp_path, catalogue):
    record = {
        "external_id": "J-1",
        "subject": "S",
        "customer": "C-1",
        "channel": "web",
        "touchpoint": "checkout",
        "created_at": "2026-03-02T10:00:00Z",
        "status_changes": [
            {"status": "closed", "at": "2026-03-02T11:00:00Z"},
            {"status": "resolved", "at": "2026-03-02T12:00:00Z"},
        ],
    }
    with pytest.raises(CommandError) as error:
        call_command("import_tickets", write(tmp_path, "t.json", json.dumps([record])))
    assert "status_changes" in str(error.value)
    assert not StatusChange.objects.exists()


def test_duplicate_external_ids_in_one_file_are_refused(tmp_path, catalogue):
    path = write(
        tmp_path,
        "t.csv",
        HEADER
        + "Z-1,A,C-1,web,checkout,,,2026-03-02T10:00:00Z,,,\n"
        + "Z-1,B,C-1,web,checkout,,,2026-03-02T10:00:00Z,,,\n",
    )
    with pytest.raises(CommandError) as error:
        call_command("import_tickets", path)
    assert "line 3, column external_id" in str(error.value)
    assert not Ticket.objects.exists()
