"""The performance benchmark behind `manage.py bench` (issue 8, PRODUCT.md "Performance targets").

params (sizes), database (the dedicated bench database), gen_* (COPY-based data generation),
baselines (raw SQL aggregates), harness (timing), measures/ingest (the figures), report (output).
"""
