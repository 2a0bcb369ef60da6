"""Fast writes for the demo generator: tens of thousands of rows with ids assigned in Python, then
the sequences moved past them. Only for seed_demo's own, freshly validated objects."""

from __future__ import annotations

import json
from datetime import datetime

from django.core.management.color import no_style
from django.db import connection
from django.db.models import Max
from django.utils import timezone

BATCH = 2000


def next_id(model) -> int:
    return (model.objects.aggregate(top=Max("pk"))["top"] or 0) + 1


def fast_insert(model, objects: list) -> None:
    """executemany with ids assigned here: Django's bulk_create spends most of its time preparing
    each value, which made the demo slow. Values are plain (str, int, bool, aware datetimes)."""
    if not objects:
        return
    fields = model._meta.concrete_fields
    columns = ", ".join(connection.ops.quote_name(field.column) for field in fields)
    marks = ", ".join(["%s"] * len(fields))
    table = connection.ops.quote_name(model._meta.db_table)
    sql = f"INSERT INTO {table} ({columns}) VALUES ({marks})"
    now = timezone.now()
    auto_now = {field.attname for field in fields if getattr(field, "auto_now", False)}
    adapt = connection.ops.adapt_datetimefield_value
    json_fields = {field.attname for field in fields if field.get_internal_type() == "JSONField"}
    rows = []
    for obj in objects:
        row = []
        for field in fields:
            value = getattr(obj, field.attname)
            if value is None and field.attname in auto_now:
                value = now
            if isinstance(value, datetime):
                value = adapt(value)
            elif field.attname in json_fields and value is not None:
                value = json.dumps(value)
            row.append(value)
        rows.append(row)
    with connection.cursor() as cursor:
        for start in range(0, len(rows), BATCH):
            cursor.executemany(sql, rows[start : start + BATCH])


def reset_sequences(*models) -> None:
    statements = connection.ops.sequence_reset_sql(no_style(), list(models))
    if statements:
        with connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)
