"""The Celery app: settings come from Django (CELERY_*), tasks from each app's tasks.py."""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cxhub.settings")

app = Celery("cxhub")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


def _beat_schedule() -> dict:
    # Read from the environment, not django.conf: settings may still be importing this package.
    every = float(os.environ.get("CX_RECOMPUTE_EVERY", "300"))
    return {
        "recompute-kpis": {"task": "metrics.tasks.recompute_kpis", "schedule": every},
        "send-due-invitations": {"task": "surveys.tasks.send_due_invitations", "schedule": 60.0},
        # Breach flags of open tickets change with time alone, not only when a ticket is written.
        "tickets-sla-sweep": {"task": "tickets.tasks.sla_breach_sweep", "schedule": 300.0},
        "reconcile-kpis-nightly": {
            "task": "metrics.tasks.recompute_kpis_full",
            "schedule": 24 * 3600.0,
        },
    }


app.conf.beat_schedule = _beat_schedule()


@app.task(name="cxhub.ping")
def ping(value: str = "pong") -> str:
    """Answer with `value`: lets health checks and tests see a real worker round trip."""
    return value
