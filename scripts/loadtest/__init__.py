"""Load test for CX Hub (RELIABILITY F1-F3, F8-F10): gunicorn on 127.0.0.1 over PostgreSQL, a
generated organisation, and scenarios bounded in time. Loopback only; nothing leaves the machine.

    .venv/bin/python scripts/loadtest.py [--responses 100000] [--seconds 15]
    .venv/bin/python scripts/loadtest.py --scenario soak --minutes 30

`standard` prints requests/s, error counts and median/p95 latency (measured at the client on
loopback, so it includes the HTTP round trip) for: KPI series, the overview page, ingestion, the
mixed scenario (ingestion + dashboard users + recompute running) and the overload case (quick 429,
never a hang, never a 500). `soak` runs a paced mixed load with a real Celery worker and beat for N
minutes and samples memory, file descriptors, connections, Redis and latency every minute (F10).
The data set lives in its own database (--db-name, default cxhub_loadtest) and is reused when its
size matches; the numbers are also written to var/loadtest.json (var/soak.json for the soak).
"""
