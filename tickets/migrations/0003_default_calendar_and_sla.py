"""The default business calendar (Mon-Fri 09:00-17:00 in CX_TIME_ZONE, no holidays) and one SLA
policy per priority, in business hours. Administrators edit both in the admin."""

from datetime import time

from django.conf import settings
from django.db import migrations

# priority, first response hours, resolution hours (business hours)
DEFAULT_POLICIES = [
    ("urgent", "Urgent", 1, 8),
    ("high", "High", 4, 24),
    ("normal", "Normal", 8, 40),
    ("low", "Low", 16, 80),
]


def create_defaults(apps, schema_editor):
    BusinessCalendar = apps.get_model("tickets", "BusinessCalendar")
    OpeningHours = apps.get_model("tickets", "OpeningHours")
    SlaPolicy = apps.get_model("tickets", "SlaPolicy")
    if not BusinessCalendar.objects.filter(is_default=True).exists():
        calendar = BusinessCalendar.objects.create(
            name="Office hours", time_zone=settings.TIME_ZONE, is_default=True
        )
        OpeningHours.objects.bulk_create(
            OpeningHours(calendar=calendar, weekday=day, opens=time(9), closes=time(17))
            for day in range(5)
        )
    for priority, label, first_hours, resolution_hours in DEFAULT_POLICIES:
        if SlaPolicy.objects.filter(priority=priority, is_active=True).exists():
            continue
        SlaPolicy.objects.create(
            name=f"{label} priority",
            priority=priority,
            first_response_minutes=first_hours * 60,
            resolution_minutes=resolution_hours * 60,
            business_hours=True,
        )


class Migration(migrations.Migration):
    dependencies = [("tickets", "0002_message_is_opening")]

    operations = [migrations.RunPython(create_defaults, migrations.RunPython.noop)]
