"""The performance benchmark behind `manage.py bench` (issue 8, PRODUCT.md "Performance targets").

params (sizes), database (the dedicated bench database), gen_* (COPY-based data generation),
baselines (raw SQL aggregates), harness (timing), measures (reads), writes and ingest (recompute,
ingestion, bulk import), report (output).
"""
