"""The bench table on stdout and the JSON document (`--json FILE`) for comparing commits."""

from __future__ import annotations

import json
import os
import platform
import subprocess
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings
from django.db import connection

from metrics.bench.harness import Figure

COLUMNS = ("figure", "median", "min", "max", "raw SQL", "ratio", "target", "result")


def _number(value: float | None, unit: str = "") -> str:
    if value is None:
        return "—"
    if abs(value) >= 100:
        text = f"{value:,.0f}"
    elif abs(value) >= 10:
        text = f"{value:.1f}"
    else:
        text = f"{value:.2f}"
    return f"{text} {unit}".strip()


def _ratio(figure: Figure) -> str:
    if figure.ratio is None:
        return "—"
    return f"{figure.ratio:.3f}×" + ("*" if figure.db_samples else "")


def table(figures: list[Figure]) -> str:
    rows = []
    for figure in figures:
        target = figure.target.describe(figure.unit) if figure.target else ""
        if figure.ratio_target is not None:
            measured = "its SQL " if figure.db_samples else ""
            target = f"{target}; {measured}≤ {figure.ratio_target:g}× raw".lstrip("; ")
        result = {True: "PASS", False: "FAIL", None: "info"}[figure.passed]
        if figure.error:
            result = "ERROR"
        rows.append(
            (
                figure.label,
                _number(figure.median, figure.unit),
                _number(figure.min, figure.unit),
                _number(figure.max, figure.unit),
                _number(figure.baseline, "ms"),
                _ratio(figure),
                target,
                result,
            )
        )
    widths = [max(len(str(row[i])) for row in [COLUMNS, *rows]) for i in range(len(COLUMNS))]
    lines = ["  ".join(str(c).ljust(w) for c, w in zip(COLUMNS, widths, strict=True))]
    lines.append("  ".join("-" * w for w in widths))
    for row in rows:
        lines.append("  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)))
    for figure in figures:
        if figure.db_samples and figure.total_ratio is not None:
            lines.append(
                f"* {figure.label}: ratio of its SQL time ({_number(figure.db_median, 'ms')} per "
                f"request) to the raw SQL; the whole page is {figure.total_ratio:.2f}× the raw SQL"
            )
    for figure in figures:
        if figure.error:
            lines.append(f"! {figure.label}: {figure.error}")
    return "\n".join(lines)


def _commit() -> str | None:
    try:
        return subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
            cwd=settings.BASE_DIR,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None


def document(figures: list[Figure], *, dataset: dict, options: dict, extra: dict) -> dict:
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        server = cursor.fetchone()[0]
    return {
        "generated_at": datetime.now(tz=UTC).isoformat(),
        "commit": _commit(),
        "machine": {
            "python": platform.python_version(),
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
            # Other work on the machine inflates every figure; the ratios to raw SQL much less.
            "load_average": os.getloadavg(),
            "postgresql": server,
        },
        "dataset": dataset,
        "options": options,
        "figures": {figure.key: figure.as_dict() for figure in figures},
        **extra,
    }


def write_json(path: str, payload: dict) -> None:
    Path(path).write_text(json.dumps(payload, indent=2, default=str) + "\n")
