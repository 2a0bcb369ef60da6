"""Bulk invitations: a customer list uploaded as CSV (checked whole before anything is written)
or a persona's active customers, each invited through invitation_create so the contact-frequency
rule still applies per customer."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import datetime

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from journeys.models import Channel, Customer, Persona
from surveys.models import Invitation, Survey
from surveys.services.invitations import invitation_create

CSV_MAX_BYTES = 2_000_000
CSV_MAX_ROWS = 10_000
CSV_EMPTY = gettext_lazy("The file has no customers.")
CSV_TOO_BIG = gettext_lazy("The file is too large (at most 10,000 rows and 2 MB).")
CSV_NOT_TEXT = gettext_lazy("The file is not a UTF-8 text (CSV) file.")
CSV_NO_COLUMN = gettext_lazy("The first line must name an external_id or email column.")
CSV_NOT_TEXT_AT = gettext_lazy(
    "Line %(line)s: the file is not UTF-8 text (CSV); save it as “CSV UTF-8” and try again."
)
CSV_TWICE = gettext_lazy("The first line names the column “%(name)s” more than once.")


@dataclass
class BulkResult:
    created: int = 0
    suppressed: int = 0
    customers_added: int = 0
    invitations: list[Invitation] = field(default_factory=list)


@dataclass(frozen=True)
class CsvRow:
    line: int
    external_id: str
    email: str
    name: str


def _records(reader):
    """(line, cells) with the line a record starts on, also when a quoted field spans lines."""
    start = reader.line_num + 1
    for cells in reader:
        yield start, cells
        start = reader.line_num + 1


def _not_text(data: bytes, offset: int) -> ValidationError:
    before = data[:offset]
    line = before.count(b"\n") + before.count(b"\r") - before.count(b"\r\n") + 1
    return ValidationError({"file": CSV_NOT_TEXT_AT % {"line": line}})


def invitation_csv_parse(*, data: bytes) -> list[CsvRow]:
    """Read a customer list (columns external_id and/or email, optional name). Every row is
    checked before anything is written; errors name their line."""
    if len(data) > CSV_MAX_BYTES:
        raise ValidationError({"file": CSV_TOO_BIG})
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise _not_text(data, error.start) from None
    if "\x00" in text:
        raise _not_text(data, data.index(b"\x00"))
    # newline="": quoted line breaks stay in their field and CR-only (old Mac) files still split;
    # strict: an unclosed quote is an error, not a field that swallows the rest of the file.
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = [cell.strip().lower() for cell in next(reader)]
    except StopIteration:
        raise ValidationError({"file": CSV_EMPTY}) from None
    except csv.Error:
        raise ValidationError({"file": CSV_NOT_TEXT_AT % {"line": 1}}) from None
    if "external_id" not in header and "email" not in header:
        raise ValidationError({"file": CSV_NO_COLUMN})
    for name in ("external_id", "email", "name"):
        if header.count(name) > 1:
            raise ValidationError({"file": CSV_TWICE % {"name": name}})
    columns = {
        name: header.index(name) for name in ("external_id", "email", "name") if name in header
    }
    rows: list[CsvRow] = []
    errors: list[str] = []
    seen: set[str] = set()
    try:
        for line, cells in _records(reader):
            if not any(cell.strip() for cell in cells):
                continue
            if len(rows) >= CSV_MAX_ROWS:
                raise ValidationError({"file": CSV_TOO_BIG})

            def cell(name: str, cells=cells) -> str:
                index = columns.get(name)
                return cells[index].strip() if index is not None and index < len(cells) else ""

            external_id, email, name = cell("external_id"), cell("email"), cell("name")
            if not external_id and not email:
                errors.append(
                    _("Line %(line)s: give an external id or an e-mail.") % {"line": line}
                )
                continue
            if len(external_id) > 100 or len(name) > 200:
                errors.append(_("Line %(line)s: a value is too long.") % {"line": line})
                continue
            if email:
                try:
                    validate_email(email)
                except ValidationError:
                    errors.append(
                        _("Line %(line)s: “%(value)s” is not an e-mail address.")
                        % {"line": line, "value": email[:80]}
                    )
                    continue
            identity = external_id or email.lower()
            if identity in seen:
                errors.append(_("Line %(line)s: this customer is listed twice.") % {"line": line})
                continue
            seen.add(identity)
            rows.append(CsvRow(line=line, external_id=external_id, email=email, name=name))
    except csv.Error:
        raise ValidationError({"file": CSV_NOT_TEXT_AT % {"line": reader.line_num}}) from None
    if errors:
        raise ValidationError({"file": errors[:20]})
    if not rows:
        raise ValidationError({"file": CSV_EMPTY})
    return rows


def _customers_for_rows(rows: list[CsvRow]) -> tuple[list[Customer], int, list[str]]:
    by_id = Customer.objects.in_bulk(
        [r.external_id for r in rows if r.external_id], field_name="external_id"
    )
    emails = [r.email.lower() for r in rows if r.email and not r.external_id]
    by_email: dict[str, Customer] = {}
    for customer in Customer.objects.filter(email__in=emails).order_by("pk"):
        by_email.setdefault(customer.email.lower(), customer)
    customers: list[Customer] = []
    to_create: list[CsvRow] = []
    errors: list[str] = []
    for row in rows:
        if row.external_id:
            customer = by_id.get(row.external_id)
            if customer is None:
                if not row.email:
                    errors.append(
                        _("Line %(line)s: no customer “%(value)s”; add an e-mail to create them.")
                        % {"line": row.line, "value": row.external_id[:80]}
                    )
                    continue
                to_create.append(row)
                continue
        else:
            customer = by_email.get(row.email.lower())
            if customer is None:
                errors.append(
                    _("Line %(line)s: no customer with e-mail %(value)s; add an external id.")
                    % {"line": row.line, "value": row.email[:80]}
                )
                continue
        customers.append(customer)
    created = []
    if not errors:
        for row in to_create:
            customer = Customer(external_id=row.external_id, email=row.email, name=row.name)
            customer.full_clean()
            customer.save()
            created.append(customer)
    return customers + created, len(created), errors


@transaction.atomic
def invitations_send_to_list(
    *,
    survey: Survey,
    rows: list[CsvRow] | None = None,
    persona: Persona | None = None,
    channel: Channel | None = None,
    language: str = "",
    send_after: datetime | None = None,
) -> BulkResult:
    """Invite a CSV list or a persona's active customers; one transaction, nothing written on
    a bad list."""
    result = BulkResult()
    if rows is not None:
        customers, result.customers_added, errors = _customers_for_rows(rows)
        if errors:
            raise ValidationError({"file": errors[:20]})
    elif persona is not None:
        customers = list(Customer.objects.filter(persona=persona, churned_at__isnull=True))
    else:
        raise ValidationError({"persona": _("Upload a customer list or choose a persona.")})
    if not customers:
        raise ValidationError({"persona": _("No active customers to invite.")})
    email = channel or Channel.objects.filter(slug="email").first()
    for customer in customers:
        invitation = invitation_create(
            survey=survey,
            customer=customer,
            channel=email,
            language=language,
            send_after=send_after,
        )
        result.invitations.append(invitation)
        if invitation.status == Invitation.Status.SUPPRESSED:
            result.suppressed += 1
        else:
            result.created += 1
    return result
