"""recompute_kpis [--full] [--since DATE]: the same code the scheduled Celery task runs."""

from __future__ import annotations

from datetime import date

from django.core.management.base import BaseCommand, CommandError

from metrics import alerts, services


class Command(BaseCommand):
    help = "Recompute KPI rollups: days changed since the last run, or everything with --full."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--full", action="store_true", help="Rebuild every rollup from scratch."
        )
        parser.add_argument("--since", help="Also redo every day from this date (YYYY-MM-DD).")

    def handle(self, *args, **options) -> None:
        since = None
        if options["since"]:
            try:
                since = date.fromisoformat(options["since"])
            except ValueError:
                raise CommandError("--since must be a date like 2026-01-31.") from None
        verbosity = options["verbosity"]

        def progress(step: str) -> None:
            if verbosity >= 1:
                self.stdout.write(f"  rebuilding {step}…")

        self.stdout.write("Recomputing KPIs" + (" (full)" if options["full"] else "") + "…")
        result = services.recompute(full=options["full"], since=since, progress=progress)
        opened, resolved = alerts.alerts_evaluate()
        self.stdout.write(
            self.style.SUCCESS(
                f"Recomputed {result.describe()}; alerts opened {opened}, resolved {resolved}."
            )
        )
