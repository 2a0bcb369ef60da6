"""RELIABILITY F10, short: one minute of scripts/loadtest.py's soak (gunicorn, a Celery worker and
beat on a private Redis, PostgreSQL) in CI. It catches what shows within a minute - failed
requests, rows lost, descriptors or connections leaking, memory jumping, a queue that does not
drain; the 30-minute run (`--minutes 30`) is the real soak. Latency drift is not judged here:
three samples on a shared CI machine say more about the neighbours than about CX Hub. The warm-up
is 30 s: after 15 s a CI run saw gunicorn's two workers still settling (208 -> 226 MB in the
next 20 s, then +2 %/20 s), while a quiet run grew 1.8 % in all; the longer runs in the README
show that settling flatten out."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

from tests.conftest import _database_url_for_subprocess

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not settings.IS_POSTGRES or shutil.which("redis-server") is None,
        reason="the soak needs PostgreSQL and redis-server (gunicorn, worker and beat)",
    ),
]


def test_a_one_minute_soak_stays_within_its_bounds(tmp_path):
    tag = re.sub(r"\W", "_", os.environ.get("CX_TEST_TAG", "") or "default")
    report = tmp_path / "soak.json"
    command = [
        sys.executable, "scripts/loadtest.py", "--scenario", "soak",
        "--pg", _database_url_for_subprocess().rsplit("/", 1)[0],
        "--db-name", f"cxhub_soak_{tag}"[:63],
        "--responses", "5000", "--minutes", "1", "--sample-every", "20", "--warmup", "30",
        "--ingest-rate", "5", "--dashboard-users", "2", "--series-clients", "1",
        "--recompute-every", "20", "--max-latency-drift", "1000", "--report", str(report),
    ]  # fmt: skip
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-3000:]
    verdict = json.loads(report.read_text())["verdict"]
    assert verdict["problems"] == []
    figures = verdict["figures"]
    assert figures["rows_added"] == figures["ingest_201s"] > 0
    assert figures["statuses"].get("200", 0) > 0
