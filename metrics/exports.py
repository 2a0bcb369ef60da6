"""CSV downloads of the dashboards' tables and chart data, safe to open in a spreadsheet.

A text cell that a spreadsheet would read as a formula (= + - @, tab, CR, NUL at the start, also
after leading spaces) gets a leading apostrophe (OWASP ASVS 1.2.10, CWE-1236); numbers stay
numbers, so −4.2 is written as -4.2 and sums still work.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from django.http import HttpResponse

FORMULA_START = re.compile(r"^[ ]*[=+\-@\t\r\x00]")


def safe_cell(value: object) -> object:
    """A CSV cell: numbers as they are, dates in ISO form, risky text neutralised."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float):
        return value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        value = "; ".join(str(item) for item in value)
    text = str(value)
    if FORMULA_START.match(text):
        return "'" + text
    return text


@dataclass
class Table:
    """A table as shown on a page and as exported: the two come from the same rows."""

    name: str  # the export's allowlisted name, e.g. "ranking"
    title: str
    columns: list[str]
    rows: list[list[object]] = field(default_factory=list)


def csv_text(columns: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([safe_cell(column) for column in columns])
    for row in rows:
        writer.writerow([safe_cell(cell) for cell in row])
    return buffer.getvalue()


def csv_response(table: Table, *, filename: str) -> HttpResponse:
    safe_name = re.sub(r"[^A-Za-z0-9_.-]", "_", filename)[:120]
    response = HttpResponse(
        csv_text(table.columns, table.rows), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{safe_name}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response
