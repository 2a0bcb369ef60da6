"""manage.py import_tickets FILE: ticket history from another helpdesk (see tickets.importer)."""

from __future__ import annotations

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from tickets.importer import ImportFailed, import_rows, read_records, validate

MAX_ERRORS_SHOWN = 50


class Command(BaseCommand):
    help = "Import tickets from a CSV or JSON file; idempotent on external_id; all or nothing."

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", type=Path)

    def handle(self, *args, file: Path, **options) -> None:
        if not file.is_file():
            raise CommandError(f"{file}: no such file")
        try:
            rows = validate(read_records(file))
        except (ImportFailed, ValueError) as error:
            errors = error.errors if isinstance(error, ImportFailed) else [str(error)]
            shown = errors[:MAX_ERRORS_SHOWN]
            more = len(errors) - len(shown)
            detail = "\n".join(shown) + (f"\n... and {more} more" if more else "")
            raise CommandError(f"Nothing was imported.\n{detail}") from None

        def progress(items):
            return tqdm(items, desc="tickets", file=sys.stderr, unit="ticket")

        created, skipped = import_rows(rows, progress=progress)
        self.stdout.write(f"Imported {created} ticket(s); {skipped} already present were skipped.")
