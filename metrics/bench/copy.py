"""COPY plumbing: text-format rows written through psycopg3's `cursor.copy`, in large chunks."""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterable
from contextlib import contextmanager
from datetime import UTC, datetime

from django.db import connection, transaction
from psycopg.copy import QueuedLibpqWriter
from psycopg.types.json import Json, Jsonb

NULL = "\\N"
CHUNK_ROWS = 50_000
_HMS = [f"{s // 3600:02d}:{s % 3600 // 60:02d}:{s % 60:02d}" for s in range(86_400)]
_DAYS: dict[int, str] = {}


def ts(epoch: int | None) -> str:
    """An integer UTC epoch as a timestamptz literal (day part cached: millions of calls)."""
    if epoch is None:
        return NULL
    day = epoch // 86_400
    text = _DAYS.get(day)
    if text is None:
        text = _DAYS[day] = datetime.fromtimestamp(day * 86_400, tz=UTC).strftime("%Y-%m-%d")
    return f"{text} {_HMS[epoch % 86_400]}+00"


def text(value: str) -> str:
    return (
        value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    )


def num(value) -> str:
    return NULL if value is None else str(value)


def boolean(value: bool) -> str:
    return "t" if value else "f"


def copy_lines(table: str, columns: list[str], lines: Iterable[str], *, extra: dict | None = None):
    """COPY `lines` (tab-separated, no newline) into `table`; returns the number of rows.

    `extra` supplies constant values for columns the generator does not know (fields another app
    added later with a default): their text is appended to every line.
    """
    extra = extra or {}
    names = ", ".join(f'"{c}"' for c in [*columns, *extra])
    suffix = "".join("\t" + value for value in extra.values())
    count = 0
    buffer: list[str] = []
    with connection.cursor() as cursor:
        raw = cursor.cursor
        # A queued writer sends each chunk from a thread while Python builds the next one: the
        # generator and the server backend then work at once on the two cores.
        statement = f'COPY "{table}" ({names}) FROM STDIN'
        with raw.copy(statement, writer=QueuedLibpqWriter(raw)) as copy:
            for line in lines:
                buffer.append(line + suffix + "\n")
                if len(buffer) >= CHUNK_ROWS:
                    copy.write("".join(buffer))
                    count += len(buffer)
                    buffer = []
            if buffer:
                copy.write("".join(buffer))
                count += len(buffer)
    return count


class Spool:
    """COPY text written to a temporary file first, loaded later by copy_spool: the bulk import
    figure then times the load of a ready file (as an import does), not the random generator
    that makes the rows up."""

    def __init__(self, columns: list[str], *, extra: dict | None = None) -> None:
        self.columns = columns
        self.extra = extra or {}
        self.suffix = "".join("\t" + value for value in self.extra.values()) + "\n"
        self.file = tempfile.TemporaryFile("w+", encoding="utf-8")  # noqa: SIM115 - copy_spool closes it
        self.rows = 0

    def write(self, lines: Iterable[str]) -> int:
        buffer: list[str] = []
        for line in lines:
            buffer.append(line + self.suffix)
            if len(buffer) >= CHUNK_ROWS:
                self.file.write("".join(buffer))
                self.rows += len(buffer)
                buffer = []
        self.file.write("".join(buffer))
        self.rows += len(buffer)
        return self.rows


def copy_spool(table: str, spool: Spool, block: int = 8 << 20) -> int:
    """COPY a Spool's rows into `table` in large blocks; returns the number of rows."""
    names = ", ".join(f'"{c}"' for c in [*spool.columns, *spool.extra])
    spool.file.seek(0)
    with connection.cursor() as cursor:
        raw = cursor.cursor
        with raw.copy(f'COPY "{table}" ({names}) FROM STDIN') as copy:
            while chunk := spool.file.read(block):
                copy.write(chunk)
    spool.file.close()
    return spool.rows


def reset_sequence(table: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT setval(pg_get_serial_sequence(%s, 'id'), "
            f'COALESCE((SELECT max(id) FROM "{table}"), 0) + 1, false)',
            [table],
        )


def missing_columns(model, known: list[str]) -> dict[str, str]:
    """Constant COPY text for the model's columns the generator does not fill: each field's default.

    Keeps the generator working when an app adds a field with a default after this was written.
    """
    extra = {}
    for field in model._meta.concrete_fields:
        if field.column in known:
            continue
        if field.has_default() or field.null:
            value = field.get_default() if field.has_default() else None
            prepared = field.get_db_prep_save(value, connection)
            extra[field.column] = _literal(prepared)
        elif getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            extra[field.column] = ts(int(datetime.now(tz=UTC).timestamp()))
        else:
            extra[field.column] = _literal(field.get_default())
    return extra


def _literal(value) -> str:
    if value is None:
        return NULL
    if isinstance(value, bool):
        return boolean(value)
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Json | Jsonb):
        return text(json.dumps(value.obj))
    if isinstance(value, dict | list):
        return text(json.dumps(value))
    return text(str(value))


class OrphanRowsError(Exception):
    pass


def _foreign_keys(table: str) -> list[tuple[str, str, str]]:
    """(constraint, column, referenced table) for the single-column foreign keys of `table`."""
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT con.conname, att.attname, con.confrelid::regclass::text
               FROM pg_constraint con
               JOIN pg_attribute att
                 ON att.attrelid = con.conrelid AND att.attnum = con.conkey[1]
               WHERE con.contype = 'f' AND con.conrelid = %s::regclass
                 AND array_length(con.conkey, 1) = 1""",
            [table],
        )
        return cursor.fetchall()


@contextmanager
def bulk_load(tables: list[str]):
    """One transaction in which COPY skips the row-by-row foreign-key triggers, then every
    foreign key of the loaded rows is checked with one set-based anti-join per key.

    Row-by-row checks cost ~6 µs each and a response has five keys, an answer two: at a million
    responses that is a minute of trigger calls. The anti-joins check the same thing in seconds,
    and any orphan aborts the whole load.
    """
    with transaction.atomic(), connection.cursor() as cursor:
        before = {}
        for table in tables:
            cursor.execute(f'SELECT COALESCE(max(id), 0) FROM "{table}"')
            before[table] = cursor.fetchone()[0]
        cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute("SET LOCAL synchronous_commit = off")
        yield
        cursor.execute("SET LOCAL session_replication_role = origin")
        for table in tables:
            for name, column, target in _foreign_keys(table):
                cursor.execute(
                    f"""SELECT count(*) FROM "{table}" child
                        WHERE child.id > %s AND child."{column}" IS NOT NULL
                          AND NOT EXISTS (SELECT 1 FROM {target} parent
                                          WHERE parent.id = child."{column}")""",
                    [before[table]],
                )
                orphans = cursor.fetchone()[0]
                if orphans:
                    raise OrphanRowsError(f"{orphans} rows of {table} break {name}")
