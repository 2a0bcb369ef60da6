from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _settings_in_subprocess(env: dict[str, str], expression: str) -> str:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "CELERY_", "CX_"))}
    clean.pop("DATABASE_URL", None)
    clean.pop("REDIS_URL", None)
    clean.update(env)
    code = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE'] = 'cxhub.settings'; "
        f"django.setup(); from django.conf import settings as s; print({expression})"
    )
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()


def test_embedded_defaults_need_no_environment(tmp_path):
    out = _settings_in_subprocess(
        {"CX_VAR_DIR": str(tmp_path)},
        "s.DATABASES['default']['ENGINE'], s.CELERY_BROKER_URL, s.DEBUG, s.TIME_ZONE, "
        "s.CX_RECOMPUTE_EVERY",
    )
    assert out == "django.db.backends.sqlite3 filesystem:// False UTC 300"
    assert (tmp_path / "secret_key").exists()


def test_environment_overrides_database_broker_and_time_zone(tmp_path):
    out = _settings_in_subprocess(
        {
            "CX_VAR_DIR": str(tmp_path),
            "DATABASE_URL": "postgres://u:p@db:5432/cx",
            "CELERY_BROKER_URL": "redis://redis:6379/0",
            "CX_TIME_ZONE": "Asia/Jakarta",
            "CX_RECOMPUTE_EVERY": "60",
            "DJANGO_SECRET_KEY": "x" * 60,
        },
        "s.DATABASES['default']['ENGINE'], s.CACHES['default']['BACKEND'], s.TIME_ZONE, "
        "s.CX_RECOMPUTE_EVERY, "
        "s.CELERY_BROKER_TRANSPORT_OPTIONS['visibility_timeout'] > s.CELERY_TASK_TIME_LIMIT",
    )
    assert out == (
        "django.db.backends.postgresql cxhub.cache.FailOpenRedisCache Asia/Jakarta 60 True"
    )


def test_check_deploy_is_clean_with_production_values(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "CX_"))}
    env.update(
        {
            "CX_VAR_DIR": str(tmp_path),
            "DJANGO_DEBUG": "0",
            "DJANGO_HTTPS": "1",
            "DJANGO_SECRET_KEY": "k3y-" + "f9a8b7c6d5e4" * 6,
            "DJANGO_ALLOWED_HOSTS": "cx.example.com",
        }
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
