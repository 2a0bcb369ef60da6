from django.db import migrations, models


def rebuild_on_next_run(apps, schema_editor):
    """Nothing records which score questions the existing rows were built with: the next
    recompute (at most CX_RECOMPUTE_EVERY away) rebuilds every rollup and records them."""
    apps.get_model("metrics", "FillState").objects.exclude(source__in=["all", "lock"]).update(
        watermark=None
    )


class Migration(migrations.Migration):
    dependencies = [
        ("metrics", "0007_response_daily_by_survey"),
    ]

    operations = [
        migrations.CreateModel(
            name="ScoreQuestion",
            fields=[
                ("question_id", models.BigIntegerField(primary_key=True, serialize=False)),
                ("type", models.CharField(max_length=20)),
                ("survey_id", models.BigIntegerField()),
            ],
            options={"db_table": "metrics_score_question"},
        ),
        migrations.RunPython(rebuild_on_next_run, migrations.RunPython.noop),
    ]
