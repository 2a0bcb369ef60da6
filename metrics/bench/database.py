"""The dedicated bench database: created on the configured PostgreSQL server, migrated, and
guarded so that the bench never writes into a database that holds anyone else's data."""

from __future__ import annotations

import json
from dataclasses import dataclass

import psycopg
from django.conf import settings
from django.core.management import call_command
from django.db import connection, connections
from psycopg import sql

MARKER_TABLE = "bench_dataset"


class BenchDatabaseError(Exception):
    pass


def is_postgres() -> bool:
    return connection.vendor == "postgresql"


def _server_kwargs(dbname: str) -> dict:
    db = connection.settings_dict
    kwargs = {"dbname": dbname, "autocommit": True}
    for key, name in (
        ("HOST", "host"),
        ("PORT", "port"),
        ("USER", "user"),
        ("PASSWORD", "password"),
    ):
        if db.get(key):
            kwargs[name] = str(db[key])
    return kwargs


def database_url(name: str | None = None) -> str:
    """A DATABASE_URL for subprocesses (gunicorn, recompute) pointing at the bench database."""
    db = connection.settings_dict
    user = db.get("USER") or "postgres"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    host = db.get("HOST") or "127.0.0.1"
    port = db.get("PORT") or 5432
    return f"postgres://{user}{password}@{host}:{port}/{name or db['NAME']}"


def ensure_database(name: str) -> bool:
    """Create `name` on the current server when it is missing; True when it was created."""
    with psycopg.connect(**_server_kwargs("postgres")) as admin:
        exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists:
            return False
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        return True


def switch_to(name: str) -> None:
    """Point the default connection (and settings, for anything reading them) at `name`."""
    conn = connections["default"]
    conn.close()
    conn.settings_dict["NAME"] = name
    settings.DATABASES["default"]["NAME"] = name


def migrate() -> None:
    call_command("migrate", interactive=False, verbosity=0)


def ensure_marker_table() -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            f"""CREATE TABLE IF NOT EXISTS {MARKER_TABLE} (
                id integer PRIMARY KEY DEFAULT 1 CHECK (id = 1),
                fingerprint text NOT NULL,
                params jsonb NOT NULL,
                stats jsonb NOT NULL DEFAULT '{{}}',
                complete boolean NOT NULL DEFAULT false,
                created_at timestamptz NOT NULL DEFAULT now())"""
        )


def marker_table_exists() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [MARKER_TABLE])
        return bool(cursor.fetchone()[0])


def guard_not_user_data() -> None:
    """Refuse a database with customers in it that no bench run marked as its own."""
    if marker_table_exists():
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT EXISTS (SELECT 1 FROM journeys_customer)")
        has_data = cursor.fetchone()[0]
    if has_data:
        raise BenchDatabaseError(
            f"Database {connection.settings_dict['NAME']!r} holds customers that the bench did not "
            "create; the bench never writes into it. Choose another --db-name."
        )


@dataclass
class Marker:
    fingerprint: str
    params: dict
    stats: dict
    complete: bool


def read_marker() -> Marker | None:
    if not marker_table_exists():
        return None
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT fingerprint, params, stats, complete FROM {MARKER_TABLE}")
        row = cursor.fetchone()
    if row is None:
        return None
    params, stats = (value if isinstance(value, dict) else json.loads(value) for value in row[1:3])
    return Marker(fingerprint=row[0], params=params, stats=stats, complete=row[3])


def write_marker(*, fingerprint: str, params: dict, stats: dict, complete: bool) -> None:
    ensure_marker_table()
    with connection.cursor() as cursor:
        cursor.execute(
            f"""INSERT INTO {MARKER_TABLE} (id, fingerprint, params, stats, complete, created_at)
                VALUES (1, %s, %s, %s, %s, now())
                ON CONFLICT (id) DO UPDATE SET fingerprint = EXCLUDED.fingerprint,
                    params = EXCLUDED.params, stats = EXCLUDED.stats,
                    complete = EXCLUDED.complete, created_at = now()""",
            [fingerprint, json.dumps(params), json.dumps(stats, default=str), complete],
        )
