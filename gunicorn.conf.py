# Shared by `make run` and the Docker image (its command line may override workers and threads).
# Tokens in URLs are redacted from the access log.
import os

logger_class = "cxhub.logredact.RedactingGunicornLogger"
accesslog = "-"
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(L)ss'
timeout = 60
graceful_timeout = 30
# Threads, not more processes: a request spends much of its time waiting for PostgreSQL (its
# commit's WAL flush above all), and a thread overlaps that wait at no extra memory. Each thread
# keeps its own database connection (CONN_MAX_AGE): workers x threads stays far below
# PostgreSQL's max_connections.
worker_class = "gthread"
workers = int(os.environ.get("WEB_CONCURRENCY", (os.cpu_count() or 1) + 1))
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
