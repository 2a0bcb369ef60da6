from django.db import migrations, models


def rebuild_on_next_run(apps, schema_editor):
    """The existing rows have no survey and the score answers they replace are about to go:
    the next recompute (at most CX_RECOMPUTE_EVERY away) rebuilds every rollup from raw rows."""
    apps.get_model("metrics", "FillState").objects.exclude(source__in=["all", "lock"]).update(
        watermark=None
    )


class Migration(migrations.Migration):
    dependencies = [
        ("metrics", "0006_write_coarse_resolution_invitation"),
    ]

    operations = [
        migrations.RemoveConstraint(model_name="responsedaily", name="response_daily_key"),
        migrations.AddField(
            model_name="responsedaily",
            name="survey_id",
            field=models.IntegerField(default=0),
        ),
        migrations.AddConstraint(
            model_name="responsedaily",
            constraint=models.UniqueConstraint(
                fields=("day", "touchpoint_id", "survey_id", "channel_id", "persona_id", "language"),
                name="response_daily_key",
            ),
        ),
        migrations.RunPython(rebuild_on_next_run, migrations.RunPython.noop),
    ]
