"""The Celery app: settings come from Django (CELERY_*), tasks from each app's tasks.py."""

from __future__ import annotations

import logging
import os
import socket

from celery import Celery
from celery.beat import PersistentScheduler

logger = logging.getLogger(__name__)

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
app.conf.beat_scheduler = "cxhub.celery:SingleTickScheduler"

# A claim lasts this share of the entry's interval: the next tick of the beat that claimed it
# (one full interval later) finds it expired, a second beat's tick in between finds it held.
CLAIM_SHARE = 0.9
CRONTAB_CLAIM_SECONDS = 50.0  # crontab entries fire at most once a minute


class SingleTickScheduler(PersistentScheduler):
    """Beat whose ticks collapse across beat processes (RELIABILITY E8).

    Exactly one beat should run (docker-compose.yml). If a second one starts anyway (a deploy
    that overlaps the old container, a stray `worker -B`), each periodic entry is still sent once
    per interval: the beat that fires first claims the entry in Redis for most of the interval
    and the other one skips it; when that beat dies, its claims expire and the other takes over.
    Without Redis (the embedded broker runs everything in one process) or with Redis failing it
    sends anyway: every periodic task is idempotent and the recompute takes a lock, so a
    duplicate costs work, never correctness."""

    def apply_entry(self, entry, producer=None):
        if self._claim(entry):
            return super().apply_entry(entry, producer=producer)
        logger.info("beat: %s was sent by another beat this interval; skipped", entry.name)
        return None

    def _claim(self, entry) -> bool:
        url = self.app.conf.broker_url or ""
        if not url.startswith(("redis://", "rediss://")):
            return True
        seconds = getattr(entry.schedule, "seconds", None) or CRONTAB_CLAIM_SECONDS
        # The queue is part of the key: deployments (or test runs) sharing a Redis keep apart.
        key = f"cxhub:beat-claim:{self.app.conf.task_default_queue}:{entry.name}"
        try:
            import redis

            client = getattr(self, "_claims", None)
            if client is None:
                client = self._claims = redis.Redis.from_url(
                    url, socket_timeout=2, socket_connect_timeout=2
                )
            owner = f"{socket.gethostname()}:{os.getpid()}"
            return bool(
                client.set(key, owner, nx=True, px=max(1, int(seconds * CLAIM_SHARE * 1000)))
            )
        except Exception as error:  # any Redis failure: send rather than lose the tick
            logger.warning("beat: no claim for %s (%s); sending anyway", entry.name, error)
            return True


@app.task(name="cxhub.ping")
def ping(value: str = "pong") -> str:
    """Answer with `value`: lets health checks and tests see a real worker round trip."""
    return value
