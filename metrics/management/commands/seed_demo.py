"""seed_demo: a realistic, deterministic demo organisation (a retail business).

Each app contributes its part in dependency order; metrics, the top app, runs them. The same
--seed and --end always give the same data.
"""

from __future__ import annotations

import importlib
import sys
from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from tqdm import tqdm

from journeys.demo import DEMO_USERS, make_context, seed_foundation
from journeys.models import Customer

# (module, function): run in this order after the foundation; a part whose module does not
# exist yet is skipped, so apps can ship their part independently.
PARTS = [
    ("journeys.demo_maps", "seed_maps"),
    ("tickets.demo", "seed"),
    ("surveys.demo", "seed"),
    ("journeys.demo_events", "seed_events"),
    ("metrics.demo", "seed"),
]


def _load_part(module_name: str, function: str):
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as error:
        if error.name == module_name:
            return None
        raise
    return getattr(module, function, None)


class Command(BaseCommand):
    help = (
        "Create the demo organisation: users, touchpoints, customers, journeys, tickets, responses."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--customers", type=int, default=3000)
        parser.add_argument("--days", type=int, default=365)
        parser.add_argument("--seed", type=int, default=7)
        parser.add_argument(
            "--end",
            type=date.fromisoformat,
            default=None,
            help="last demo day (default: today); fix it for reproducible data",
        )
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="do nothing when customers already exist (used by `make run`)",
        )
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args, **options) -> None:
        if options["customers"] < 10 or not 7 <= options["days"] <= 3 * 366:
            raise CommandError("Use at least 10 customers and between 7 and 1098 days.")
        if Customer.objects.exists():
            if options["if_empty"]:
                self.stdout.write("Demo data already present; nothing to do.")
                return
            raise CommandError("The database already has customers; seed_demo wants an empty one.")

        quiet = options["no_progress"] or not sys.stderr.isatty()

        def progress(iterable, desc: str = "", total: int | None = None):
            return tqdm(iterable, desc=f"{desc:>12}", total=total, disable=quiet, leave=False)

        end = options["end"] or timezone.localdate()
        if isinstance(end, str):  # call_command passes keyword values unparsed
            end = date.fromisoformat(end)
        ctx = make_context(
            seed=options["seed"],
            days=options["days"],
            end=end,
            progress=progress,
        )
        steps = [(seed_foundation, {"customers": options["customers"]})]
        steps += [(fn, {}) for fn in (_load_part(*part) for part in PARTS) if fn is not None]
        for step, kwargs in steps:
            label = f"{step.__module__}.{step.__name__}"
            self.stdout.write(f"  {label} ...")
            with transaction.atomic():
                step(ctx, **kwargs)
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo organisation ready: {options['customers']} customers over "
                f"{ctx.days} days ({ctx.start} to {ctx.end})."
            )
        )
        self.stdout.write("Sign in at http://127.0.0.1:8000/accounts/login/ as:")
        for username, password, role, _ in DEMO_USERS:
            self.stdout.write(f"  {username:<12} {password:<22} {role or 'Administrator'}")
