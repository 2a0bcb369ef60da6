"""What every generator step shares: the random source, the time window and the catalogue ids."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from metrics.bench.calendar import DAY, Clock
from metrics.bench.params import DatasetParams


@dataclass
class GenContext:
    params: DatasetParams
    rng: random.Random
    clock: Clock
    end: date  # last day with data, in the organisation's zone
    progress: object  # callable(total, desc) -> a tqdm-like object with update()/close()
    channel_ids: dict[str, int] = field(default_factory=dict)
    department_ids: dict[str, int] = field(default_factory=dict)
    touchpoints: list[dict] = field(default_factory=list)  # id, slug, channel_id, department_id
    persona_ids: list[int] = field(default_factory=list)
    agent_ids: list[int] = field(default_factory=list)
    category_ids: list[int] = field(default_factory=list)
    sla: dict[str, dict] = field(default_factory=dict)  # priority -> id, fr_minutes, res_minutes
    surveys: list[dict] = field(default_factory=list)  # per touchpoint: id, question ids by key
    stats: dict = field(default_factory=dict)

    @property
    def start(self) -> date:
        return self.end - timedelta(days=self.params.days - 1)

    @property
    def start_wall_day(self) -> int:
        """The first data day as a count of days since the epoch (wall clock)."""
        return (self.start - date(1970, 1, 1)).days

    @property
    def now_utc(self) -> int:
        """The data set's "now": the end of its last day (tickets open then are the backlog)."""
        return self.clock.utc((self.start_wall_day + self.params.days) * DAY)

    def day_counts(self, total: int, weights: list[float]) -> list[int]:
        """Split `total` over the days in proportion to `weights`, summing exactly to `total`."""
        scale = total / sum(weights)
        raw = [w * scale for w in weights]
        counts = [int(x) for x in raw]
        short = total - sum(counts)
        by_remainder = sorted(range(len(raw)), key=lambda i: raw[i] - counts[i], reverse=True)
        for i in by_remainder[:short]:
            counts[i] += 1
        return counts
