from django.db import migrations

CHANNELS = [
    ("web", "Web"),
    ("app", "Mobile app"),
    ("email", "E-mail"),
    ("chat", "Live chat"),
    ("sms", "SMS"),
    ("phone", "Phone"),
    ("social", "Social media"),
    ("store", "In store"),
    ("forum", "Support forum"),
    ("device", "Connected device"),
    ("marketing", "Marketing (print and ads)"),
]


def add_channels(apps, schema_editor):
    Channel = apps.get_model("journeys", "Channel")
    for order, (slug, name) in enumerate(CHANNELS):
        Channel.objects.update_or_create(slug=slug, defaults={"name": name, "order": order})


def remove_channels(apps, schema_editor):
    apps.get_model("journeys", "Channel").objects.filter(slug__in=[s for s, _ in CHANNELS]).delete()


class Migration(migrations.Migration):
    dependencies = [("journeys", "0001_initial")]
    operations = [migrations.RunPython(add_channels, remove_channels)]
