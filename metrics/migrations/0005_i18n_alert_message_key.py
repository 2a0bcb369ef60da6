"""KPI alerts keep their message as a key and parameters, rendered in each reader's language.
Existing rows keep an empty key and go on showing the stored text."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("metrics", "0004_coarse_day_touchpoint_rollups")]

    operations = [
        migrations.AddField(
            model_name="kpialert",
            name="message_key",
            field=models.CharField(blank=True, default="", max_length=20),
        ),
        migrations.AddField(
            model_name="kpialert",
            name="message_params",
            field=models.JSONField(blank=True, default=dict),
        ),
    ]
