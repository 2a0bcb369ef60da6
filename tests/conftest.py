from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache

from tests import factories

ROOT = Path(__file__).resolve().parent.parent


def _is_transactional(item: pytest.Item) -> bool:
    marker = item.get_closest_marker("django_db")
    if marker is not None and marker.kwargs.get("transaction"):
        return True
    return bool({"transactional_db", "live_server", "celery_worker"} & set(item.fixturenames))


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every transactional test restores the rows data migrations made (channels, roles, the
    default calendar and SLA policies) when it ends.

    A transactional test ends with a flush. Mixed with serialized ones, that flush would leave
    later tests without channels, or make post_migrate recreate roles that the next serialized
    restore then duplicates. Serializing all of them keeps every test's starting state the same.
    """
    for item in items:
        if _is_transactional(item) and "django_db_serialized_rollback" not in item.fixturenames:
            item.fixturenames.append("django_db_serialized_rollback")


def _ensure_seed_rows() -> None:
    """The rows data migrations create, put back if missing (every step is idempotent)."""
    import importlib

    from django.apps import apps
    from django.contrib.auth.management import create_permissions
    from django.contrib.contenttypes.management import create_contenttypes

    from cxhub.roles import ensure_roles

    # Roles are built from permissions, which need their content types: restore those first.
    for app_config in apps.get_app_configs():
        create_contenttypes(app_config, verbosity=0)
        create_permissions(app_config, verbosity=0)

    importlib.import_module("journeys.migrations.0002_channels").add_channels(apps, None)
    importlib.import_module("tickets.migrations.0003_default_calendar_and_sla").create_defaults(
        apps, None
    )
    ensure_roles()


@pytest.fixture(autouse=True)
def _seed_rows_for_transactional_tests(request):
    """Belt and braces for the serialized restore above: a command under test that rebuilds the
    database (the bench) can leave a transactional test without channels, roles or SLA rows."""
    if not _is_transactional(request.node):
        yield
        return
    request.getfixturevalue("transactional_db")
    _ensure_seed_rows()
    yield


@pytest.fixture(autouse=True)
def _one_throttle_window(monkeypatch):
    """The public-survey throttle counts in fixed windows of wall-clock time; a test that sends
    its budget plus one would see the budget renewed if a window boundary fell in the middle of
    its loop (it did, on a loaded CI machine). Each test runs inside one window."""
    from types import SimpleNamespace

    from surveys.services import throttle

    now = time.time()
    monkeypatch.setattr(throttle, "time", SimpleNamespace(time=lambda: now))


@pytest.fixture(autouse=True)
def _private_cache(settings):
    """Each test gets an empty in-process cache: throttle counters and cached figures never leak
    between tests, and clearing it never flushes a Redis database a worker's queue lives in.
    Tests about cross-process limits switch to Redis themselves."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": f"test-{time.monotonic_ns()}",
        }
    }
    yield
    cache.clear()


@pytest.fixture
def manager(db):
    return factories.make_manager()


@pytest.fixture
def agent(db):
    return factories.make_agent()


@pytest.fixture
def survey_admin(db):
    return factories.make_survey_admin()


@pytest.fixture
def admin_user(db):
    return factories.make_admin()


def _database_url_for_subprocess() -> str:
    db = settings.DATABASES["default"]
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    user = db.get("USER") or "postgres"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    host = db.get("HOST") or "127.0.0.1"
    port = db.get("PORT") or 5432
    return f"postgres://{user}{password}@{host}:{port}/{db['NAME']}"


@pytest.fixture
def celery_worker(transactional_db):
    """A real `celery worker` process on the configured Redis broker, using the test database.

    Tests using it must commit their data (transactional_db) so the worker can see it.
    """
    broker = settings.CELERY_BROKER_URL
    if not broker.startswith("redis"):
        pytest.skip("needs CELERY_BROKER_URL=redis://... (the embedded broker is for `make run`)")
    queue = f"test-{os.getpid()}-{time.monotonic_ns()}"
    env = dict(
        os.environ,
        DATABASE_URL=_database_url_for_subprocess(),
        CELERY_BROKER_URL=broker,
        CX_CELERY_DEFAULT_QUEUE=queue,
    )
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "cxhub",
            "worker",
            "--pool=solo",
            "-Q",
            queue,
            "--loglevel=WARNING",
            "--without-gossip",
            "--without-mingle",
            "-n",
            f"{queue}@%h",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    from cxhub.celery import app

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"celery worker exited early:\n{process.stdout.read()}")
        replies = app.control.ping(destination=[f"{queue}@{os.uname().nodename}"], timeout=1.0)
        if replies:
            break
    else:
        process.kill()
        pytest.fail("celery worker did not answer a ping within 60 s")

    class Worker:
        def __init__(self) -> None:
            self.process = process
            self.queue = queue

        def call(self, task_name: str, *args, timeout: float = 60, **kwargs):
            result = app.send_task(task_name, args=args, kwargs=kwargs, queue=queue)
            return result.get(timeout=timeout)

    yield Worker()
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
