"""Importing ticket history from another helpdesk (CSV or JSON), validated as a whole first.

CSV: one ticket per row, header columns
    external_id, subject, customer, channel, touchpoint, created_at   (required)
    category, priority, body, first_response_at, first_response_body, resolved_at   (optional)
JSON: a list of objects with the same keys, and optionally
    "messages": [{"kind", "body", "created_at"}], "status_changes": [{"status", "at"}]
Rows whose external_id is already in the database are skipped, so a rerun imports nothing twice.
Files are UTF-8 (a BOM is fine), at most MAX_RECORDS tickets and MAX_BYTES each; any line ending.
"""

from __future__ import annotations

import codecs
import csv
import io
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


# One file is read and validated whole before anything is written (all or nothing), so its size
# bounds the memory an import takes; a bigger history is imported as several files.
MAX_BYTES = 100 * 1024 * 1024
MAX_RECORDS = 100_000


def _line_of(raw: bytes, offset: int) -> int:
    """1-based line of a byte offset, counting CRLF, LF and a lone CR as one line break each."""
    before = raw[:offset]
    return before.count(b"\n") + before.count(b"\r") - before.count(b"\r\n") + 1


def _decode(raw: bytes) -> str:
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise ImportFailed(['line 1: the file is UTF-16; save it as UTF-8 ("CSV UTF-8").'])
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = _line_of(raw, error.start)
        raise ImportFailed(
            [
                f"line {line}: byte 0x{raw[error.start]:02x} is not UTF-8 "
                "(latin-1 or Windows-1252?); save the file as UTF-8."
            ]
        ) from None
    if "\x00" in text:
        line = _line_of(raw, raw.index(b"\x00"))
        raise ImportFailed([f"line {line}: contains a null character (a binary or UTF-16 file?)."])
    return text


def _json_records(text: str) -> list[tuple[str, dict]]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise ImportFailed(
            [f"line {error.lineno}, column {error.colno}: not valid JSON ({error.msg})."]
        ) from None
    except RecursionError:
        raise ImportFailed(["The JSON is nested too deeply."]) from None
    if not isinstance(data, list):
        raise ImportFailed(["The JSON file must hold a list of tickets."])
    if len(data) > MAX_RECORDS:
        raise ImportFailed(
            [f"The file holds {len(data):,} tickets; at most {MAX_RECORDS:,}: split it."]
        )
    return [(f"record {index}", item) for index, item in enumerate(data, start=1)]


def _csv_records(text: str) -> list[tuple[str, dict]]:
    # newline="": quoted line breaks stay inside their field and CR-only files still split.
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        names = [name.strip() for name in next(reader, [])]
    except csv.Error as error:
        raise ImportFailed([f"line 1: not valid CSV ({error})."]) from None
    errors = [
        f"line 1, column {i}: the column has no name" for i, n in enumerate(names, 1) if not n
    ]
    errors += [
        f"line 1, column {name}: appears more than once"
        for name in sorted({n for n in names if n and names.count(n) > 1})
    ]
    errors += [
        f"line 1, column {_Checker.shown(name)}: is not a known column"
        for name in dict.fromkeys(names)
        if name and name not in REQUIRED + OPTIONAL
    ]
    missing = [name for name in REQUIRED if name not in names]
    if missing:
        errors.append(f"line 1: missing column(s) {', '.join(missing)}")
    if errors:
        raise ImportFailed(errors)
    records: list[tuple[str, dict]] = []
    start = reader.line_num + 1
    try:
        for cells in reader:
            # A record's position is the line it starts on, also when a quoted field spans lines.
            where, start = f"line {start}", reader.line_num + 1
            if not any(cell.strip() for cell in cells):
                continue
            if len(records) == MAX_RECORDS:
                raise ImportFailed([f"{where}: more than {MAX_RECORDS:,} tickets; split the file."])
            if len(cells) > len(names):
                errors.append(
                    f"{where}, column {len(names) + 1}: {len(cells)} values, "
                    f"but the header names {len(names)} columns"
                )
                continue
            records.append((where, dict(zip(names, cells, strict=False))))
    except csv.Error as error:
        raise ImportFailed([f"line {start}: not valid CSV ({error})."]) from None
    if errors:
        raise ImportFailed(errors)
    return records


def read_records(path: Path) -> list[tuple[str, dict]]:
    """(position, raw record) pairs; CSV positions are file line numbers (header = line 1).
    Raises ImportFailed, naming the line, for anything that is not a well-formed UTF-8 file."""
    size = path.stat().st_size
    if size > MAX_BYTES:
        raise ImportFailed([f"The file has {size:,} bytes; at most {MAX_BYTES:,}: split it."])
    text = _decode(path.read_bytes())
    if path.suffix.lower() == ".json":
        return _json_records(text)
    return _csv_records(text)


class _Checker:
    def __init__(self) -> None:
        self.channels = {c.slug: c for c in Channel.objects.all()}
        self.touchpoints = {t.slug: t for t in Touchpoint.objects.select_related("department")}
        self.categories = {c.slug: c for c in Category.objects.all()}
        self.errors: list[str] = []

    @staticmethod
    def shown(value) -> str:
        """A value quoted in an error, cut short: a 100 kB field must not flood the report."""
        text = str(value)
        return text if len(text) <= 60 else text[:57] + "..."

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
            self.fail(where, column, f"'{self.shown(value)}' is not an ISO 8601 date and time")
        elif parsed.tzinfo is None:
            self.fail(where, column, "needs a time zone offset (e.g. 2026-01-05T10:00Z)")
            return None
        return parsed

    @staticmethod
    def items(record: dict, name: str) -> list:
        value = record.get(name) or []
        return value if isinstance(value, list) else []

    def row(self, where: str, record) -> TicketRow | None:
        if not isinstance(record, dict):
            self.fail(where, "-", "must be an object")
            return None
        before = len(self.errors)
        unknown = sorted(set(record) - set(REQUIRED) - set(OPTIONAL))
        for name in unknown:
            self.fail(where, self.shown(name), "is not a known column")
        values = {
            name: self.text(where, record, name, required=name in REQUIRED)
            for name in ["external_id", "subject", "customer", "channel", "touchpoint"]
        }
        channel = self.channels.get(values["channel"])
        if values["channel"] and channel is None:
            self.fail(where, "channel", f"unknown channel '{self.shown(values['channel'])}'")
        touchpoint = self.touchpoints.get(values["touchpoint"])
        if values["touchpoint"] and touchpoint is None:
            self.fail(
                where, "touchpoint", f"unknown touchpoint '{self.shown(values['touchpoint'])}'"
            )
        category_slug = self.text(where, record, "category", required=False)
        category = self.categories.get(category_slug) if category_slug else None
        if category_slug and category is None:
            self.fail(where, "category", f"unknown category '{self.shown(category_slug)}'")
        priority = self.text(where, record, "priority", required=False) or Priority.NORMAL
        if priority not in Priority.values:
            self.fail(where, "priority", f"unknown priority '{self.shown(priority)}'")
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
        for name in ("messages", "status_changes"):
            if not isinstance(record.get(name) or [], list):
                self.fail(where, name, "must be a list")
        for index, item in enumerate(self.items(record, "messages"), start=1):
            column = f"messages[{index}]"
            if not isinstance(item, dict) or set(item) - {"kind", "body", "created_at"}:
                self.fail(where, column, "needs only kind, body and created_at")
                continue
            kind = item.get("kind")
            if kind not in Message.Kind.values:
                self.fail(where, f"{column}.kind", f"unknown kind '{self.shown(kind)}'")
            text = self.text(where, item, "body", required=True)
            moment = self.moment(
                where, f"{column}.created_at", item.get("created_at"), required=True
            )
            if kind in Message.Kind.values and text and moment:
                messages.append((kind, text, moment))
        for index, item in enumerate(self.items(record, "status_changes"), start=1):
            column = f"status_changes[{index}]"
            if not isinstance(item, dict) or set(item) - {"status", "at"}:
                self.fail(where, column, "needs only status and at")
                continue
            status = item.get("status")
            if status not in Ticket.Status.values:
                self.fail(where, f"{column}.status", f"unknown status '{self.shown(status)}'")
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
