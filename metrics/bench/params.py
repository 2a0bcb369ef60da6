"""The size of a bench data set, and the fingerprint that decides whether one is reusable."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, replace

# Bumped whenever the generator's output changes shape: older data sets are then regenerated.
GENERATOR_VERSION = 5


@dataclass(frozen=True)
class DatasetParams:
    responses: int = 1_000_000
    tickets: int = 300_000
    messages: int = 1_000_000
    customers: int = 20_000
    days: int = 365
    touchpoints: int = 40
    seed: int = 8

    def as_dict(self) -> dict:
        return asdict(self)

    def fingerprint(self) -> str:
        """Same sizes and the same generator. Migrations are left out on purpose: most add
        indexes, and a column added later gets its default in every row (copy.missing_columns);
        after one that changes what raw rows mean, run the bench with --regenerate."""
        payload = json.dumps(
            {"params": self.as_dict(), "version": GENERATOR_VERSION}, sort_keys=True
        )
        return hashlib.sha256(payload.encode()).hexdigest()[:24]

    def scaled_to(self, responses: int) -> DatasetParams:
        """A smaller organisation with the same shape: tickets and messages shrink in step, the
        catalogue (customers, touchpoints, days) stays, so only the raw row count changes."""
        factor = responses / self.responses
        return replace(
            self,
            responses=responses,
            tickets=max(10, round(self.tickets * factor)),
            messages=max(30, round(self.messages * factor)),
        )

    def validate(self) -> list[str]:
        problems = []
        if self.responses < 100:
            problems.append("--responses must be at least 100")
        if self.tickets < 10:
            problems.append("--tickets must be at least 10")
        if self.messages < self.tickets:
            problems.append("--messages must be at least --tickets (every ticket has an opening)")
        if self.customers < 10:
            problems.append("--customers must be at least 10")
        if not 28 <= self.days <= 3 * 366:
            problems.append("--days must be between 28 and 1098")
        if not 2 <= self.touchpoints <= 500:
            problems.append("--touchpoints must be between 2 and 500")
        return problems
