"""Importing ticket history from another helpdesk (CSV or JSON), validated as a whole first.

CSV: one ticket per row, header columns
    external_id, subject, customer, channel, touchpoint, created_at   (required)
    category, priority, body, first_response_at, first_response_body, resolved_at   (optional)
JSON: a list of objects with the same keys, and optionally
    "messages": [{"kind", "body", "created_at"}], "status_changes": [{"status", "at"}]
Rows whose external_id is already in the database are skipped, so a rerun imports nothing twice.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from django.db import transaction
from django.utils.dateparse import parse_datetime

from journeys.models import Channel, Touchpoint
from journeys.services import customer_resolve
from tickets import services
from tickets.models import Category, Message, Priority, StatusChange, Ticket
from tickets.timing import ALLOWED_TRANSITIONS, NEW

REQUIRED = ["external_id", "subject", "customer", "channel", "touchpoint", "created_at"]
OPTIONAL = [
    "category",
    "priority",
    "body",
    "first_response_at",
    "first_response_body",
    "resolved_at",
    "messages",
    "status_changes",
]
MAX_LENGTHS = {"external_id": 100, "subject": 200, "customer": 100}


class ImportFailed(Exception):
    def __init__(self, errors: list[str]) -> None:
        super().__init__("\n".join(errors))
        self.errors = errors


@dataclass
class TicketRow:
    where: str  # "line 7" (CSV) or "record 3" (JSON)
    external_id: str
    subject: str
    customer: str
    channel: Channel
    touchpoint: Touchpoint
    category: Category | None
    priority: str
    created_at: datetime
    body: str
    messages: list[tuple[str, str, datetime]] = field(default_factory=list)
    changes: list[tuple[str, datetime]] = field(default_factory=list)


def read_records(path: Path) -> list[tuple[str, dict]]:
    """(position, raw record) pairs; CSV positions are file line numbers (header = line 1)."""
    text = path.read_text(encoding="utf-8-sig")
    if path.suffix.lower() == ".json":
        data = json.loads(text)
        if not isinstance(data, list):
            raise ImportFailed(["The JSON file must hold a list of tickets."])
        return [(f"record {index}", item) for index, item in enumerate(data, start=1)]
    reader = csv.DictReader(text.splitlines())
    missing = [name for name in REQUIRED if name not in (reader.fieldnames or [])]
    if missing:
        raise ImportFailed([f"line 1: missing column(s) {', '.join(missing)}"])
    return [(f"line {reader.line_num}", dict(row)) for row in reader]


class _Checker:
    def __init__(self) -> None:
        self.channels = {c.slug: c for c in Channel.objects.all()}
        self.touchpoints = {t.slug: t for t in Touchpoint.objects.select_related("department")}
        self.categories = {c.slug: c for c in Category.objects.all()}
        self.errors: list[str] = []

    def fail(self, where: str, column: str, message: str) -> None:
        self.errors.append(f"{where}, column {column}: {message}")

    def text(self, where: str, record: dict, name: str, *, required: bool) -> str:
        value = record.get(name)
        if value is None or value == "":
            if required:
                self.fail(where, name, "is required")
            return ""
        if not isinstance(value, str):
            self.fail(where, name, "must be text")
            return ""
        if "\x00" in value:
            self.fail(where, name, "contains a null character")
            return ""
        if name in MAX_LENGTHS and len(value) > MAX_LENGTHS[name]:
            self.fail(where, name, f"is longer than {MAX_LENGTHS[name]} characters")
        return value

    def moment(self, where: str, column: str, value, *, required: bool) -> datetime | None:
        if value in (None, ""):
            if required:
                self.fail(where, column, "is required")
            return None
        parsed = parse_datetime(value) if isinstance(value, str) else None
        if parsed is None:
            self.fail(where, column, f"'{value}' is not an ISO 8601 date and time")
        elif parsed.tzinfo is None:
            self.fail(where, column, "needs a time zone offset (e.g. 2026-01-05T10:00Z)")
            return None
        return parsed

    def row(self, where: str, record) -> TicketRow | None:
        if not isinstance(record, dict):
            self.fail(where, "-", "must be an object")
            return None
        before = len(self.errors)
        unknown = sorted(set(record) - set(REQUIRED) - set(OPTIONAL))
        for name in unknown:
            self.fail(where, name, "is not a known column")
        values = {
            name: self.text(where, record, name, required=name in REQUIRED)
            for name in ["external_id", "subject", "customer", "channel", "touchpoint"]
        }
        channel = self.channels.get(values["channel"])
        if values["channel"] and channel is None:
            self.fail(where, "channel", f"unknown channel '{values['channel']}'")
        touchpoint = self.touchpoints.get(values["touchpoint"])
        if values["touchpoint"] and touchpoint is None:
            self.fail(where, "touchpoint", f"unknown touchpoint '{values['touchpoint']}'")
        category_slug = self.text(where, record, "category", required=False)
        category = self.categories.get(category_slug) if category_slug else None
        if category_slug and category is None:
            self.fail(where, "category", f"unknown category '{category_slug}'")
        priority = self.text(where, record, "priority", required=False) or Priority.NORMAL
        if priority not in Priority.values:
            self.fail(where, "priority", f"unknown priority '{priority}'")
        created_at = self.moment(where, "created_at", record.get("created_at"), required=True)
        body = self.text(where, record, "body", required=False)

        messages: list[tuple[str, str, datetime]] = []
        changes: list[tuple[str, datetime]] = []
        first = self.moment(
            where, "first_response_at", record.get("first_response_at"), required=False
        )
        if first is not None:
            reply = self.text(where, record, "first_response_body", required=False)
            messages.append(("reply", reply or "(imported reply)", first))
        resolved = self.moment(where, "resolved_at", record.get("resolved_at"), required=False)
        if resolved is not None:
            changes.append(("resolved", resolved))
        for index, item in enumerate(record.get("messages") or [], start=1):
            column = f"messages[{index}]"
            if not isinstance(item, dict) or set(item) - {"kind", "body", "created_at"}:
                self.fail(where, column, "needs only kind, body and created_at")
                continue
            kind = item.get("kind")
            if kind not in Message.Kind.values:
                self.fail(where, f"{column}.kind", f"unknown kind '{kind}'")
            text = self.text(where, item, "body", required=True)
            moment = self.moment(
                where, f"{column}.created_at", item.get("created_at"), required=True
            )
            if kind in Message.Kind.values and text and moment:
                messages.append((kind, text, moment))
        for index, item in enumerate(record.get("status_changes") or [], start=1):
            column = f"status_changes[{index}]"
            if not isinstance(item, dict) or set(item) - {"status", "at"}:
                self.fail(where, column, "needs only status and at")
                continue
            status = item.get("status")
            if status not in Ticket.Status.values:
                self.fail(where, f"{column}.status", f"unknown status '{status}'")
            moment = self.moment(where, f"{column}.at", item.get("at"), required=True)
            if status in Ticket.Status.values and moment:
                changes.append((status, moment))
        if created_at is not None:
            for kind, _text, moment in messages:
                if moment < created_at:
                    self.fail(where, "messages", f"a {kind} message is before created_at")
            current = NEW
            for status, moment in sorted(changes, key=lambda change: change[1]):
                if moment < created_at:
                    self.fail(where, "status_changes", f"'{status}' is before created_at")
                elif status not in ALLOWED_TRANSITIONS[current]:
                    self.fail(where, "status_changes", f"{current} cannot become {status}")
                current = status
        if len(self.errors) > before:
            return None
        return TicketRow(
            where=where,
            external_id=values["external_id"],
            subject=values["subject"],
            customer=values["customer"],
            channel=channel,
            touchpoint=touchpoint,
            category=category,
            priority=priority,
            created_at=created_at,
            body=body,
            messages=messages,
            changes=changes,
        )


def validate(records: list[tuple[str, dict]]) -> list[TicketRow]:
    checker = _Checker()
    rows: list[TicketRow] = []
    seen: dict[str, str] = {}
    for where, record in records:
        row = checker.row(where, record)
        if row is None:
            continue
        if row.external_id in seen:
            checker.fail(where, "external_id", f"repeats {seen[row.external_id]}")
            continue
        seen[row.external_id] = where
        rows.append(row)
    if checker.errors:
        raise ImportFailed(checker.errors)
    return rows


def import_rows(
    rows: list[TicketRow], *, progress: Callable[[Iterable], Iterable] = iter
) -> tuple[int, int]:
    """Write the validated rows in one transaction. Returns (created, skipped as existing)."""
    existing = set(
        Ticket.objects.filter(external_id__in=[row.external_id for row in rows]).values_list(
            "external_id", flat=True
        )
    )
    created = 0
    with transaction.atomic():
        for row in progress(rows):
            if row.external_id in existing:
                continue
            customer = customer_resolve(external_id=row.customer, seen_at=row.created_at)
            ticket = services.ticket_create(
                subject=row.subject,
                customer=customer,
                channel=row.channel,
                touchpoint=row.touchpoint,
                category=row.category,
                priority=row.priority,
                created_at=row.created_at,
                body=row.body,
                external_id=row.external_id,
            )
            Message.objects.bulk_create(
                Message(ticket=ticket, kind=kind, body=body, created_at=moment)
                for kind, body, moment in row.messages
            )
            StatusChange.objects.bulk_create(
                StatusChange(ticket=ticket, to_status=status, at=moment)
                for status, moment in row.changes
            )
            services.ticket_timing_refresh(ticket=ticket)
            created += 1
    return created, len(existing)
