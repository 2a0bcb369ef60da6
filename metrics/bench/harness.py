"""Timing: every figure is the median of several runs, with min and max, beside its target."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field


def sample(
    fn: Callable[[], object],
    runs: int,
    *,
    before: Callable[[], object] | None = None,
    scale: float = 1000.0,
) -> list[float]:
    """Time `fn` `runs` times (milliseconds by default); `before` runs untimed before each."""
    samples = []
    for _ in range(runs):
        if before is not None:
            before()
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * scale)
    return samples


def sample_within(fn: Callable[[], object], runs: int, budget: float) -> list[float]:
    """Seconds per run for up to `runs` runs, stopping once `budget` seconds are spent: a step
    that takes minutes gives its verdict in one run, and the bench still ends."""
    samples: list[float] = []
    while len(samples) < runs and sum(samples) < budget:
        started = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - started)
    return samples


def median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


@dataclass
class Target:
    """`value op limit`, e.g. Target("<", 20) for "median under 20 ms"."""

    op: str
    limit: float
    source: str = "PRODUCT.md"

    def met(self, value: float | None) -> bool | None:
        if value is None:
            return None
        return {
            "<": value < self.limit,
            "<=": value <= self.limit,
            ">=": value >= self.limit,
            "within": abs(value - 1) <= self.limit,
        }[self.op]

    def describe(self, unit: str) -> str:
        if self.op == "within":
            return f"±{self.limit:.0%}"
        return f"{self.op} {self.limit:g} {unit}".strip()


@dataclass
class Figure:
    key: str
    label: str
    unit: str
    samples: list[float] = field(default_factory=list)
    target: Target | None = None
    baseline_samples: list[float] = field(default_factory=list)  # raw SQL, milliseconds
    ratio_target: float | None = None
    # Pages: milliseconds of SQL per request, measured in separate requests. A page's question is
    # whether its queries scan raw rows, so its ratio compares its SQL time with the raw
    # aggregate's; template and chart rendering cost the same at any data size.
    db_samples: list[float] = field(default_factory=list)
    value: float | None = None  # set for figures that are not a median of samples (rates)
    notes: dict = field(default_factory=dict)
    error: str | None = None

    @property
    def median(self) -> float | None:
        return self.value if self.value is not None else median(self.samples)

    @property
    def min(self) -> float | None:
        return min(self.samples) if self.samples else None

    @property
    def max(self) -> float | None:
        return max(self.samples) if self.samples else None

    @property
    def baseline(self) -> float | None:
        return median(self.baseline_samples)

    @property
    def db_median(self) -> float | None:
        return median(self.db_samples)

    @property
    def ratio(self) -> float | None:
        """To the raw SQL aggregate: the page's SQL time for pages, the whole time otherwise."""
        measured = self.db_median if self.db_samples else self.median
        if measured is None or not self.baseline:
            return None
        return measured / self.baseline

    @property
    def total_ratio(self) -> float | None:
        if self.median is None or not self.baseline:
            return None
        return self.median / self.baseline

    @property
    def passed(self) -> bool | None:
        if self.error:
            return False
        checks = []
        if self.target is not None:
            checks.append(self.target.met(self.median))
        if self.ratio_target is not None and self.ratio is not None:
            checks.append(self.ratio <= self.ratio_target)
        if not checks or any(check is None for check in checks):
            return None
        return all(checks)

    def as_dict(self) -> dict:
        data = asdict(self)
        data.update(
            median=self.median,
            min=self.min,
            max=self.max,
            baseline_ms=self.baseline,
            ratio=self.ratio,
            db_median_ms=self.db_median,
            total_ratio=self.total_ratio,
            passed=self.passed,
            target=None
            if self.target is None
            else {**asdict(self.target), "text": self.target.describe(self.unit)},
        )
        return data
