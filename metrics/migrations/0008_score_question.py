from django.db import migrations, models


def record_current_score_questions(apps, schema_editor):
    """Readers take the stored set from now on. The existing rows were built, and read, with the
    questions as they are now: record those (the rule of metrics.rollups.surveys.
    current_score_questions, on the historical models), so distributions stay whole until the
    forced rebuild below has run, even if an older worker runs that rebuild."""
    question_model = apps.get_model("surveys", "Question")
    score_question = apps.get_model("metrics", "ScoreQuestion")
    rows = list(
        question_model.objects.filter(type__in=["nps", "csat", "ces"]).values_list(
            "id", "type", "survey_id"
        )
    )
    per_survey_type: dict = {}
    for _qid, qtype, survey_id in rows:
        per_survey_type[(survey_id, qtype)] = per_survey_type.get((survey_id, qtype), 0) + 1
    score_question.objects.bulk_create(
        score_question(question_id=qid, type=qtype, survey_id=survey_id)
        for qid, qtype, survey_id in rows
        if per_survey_type[(survey_id, qtype)] == 1
    )


def rebuild_on_next_run(apps, schema_editor):
    """And the next recompute (at most CX_RECOMPUTE_EVERY away) rebuilds every rollup with the
    set it stores."""
    apps.get_model("metrics", "FillState").objects.exclude(source__in=["all", "lock"]).update(
        watermark=None
    )


class Migration(migrations.Migration):
    dependencies = [
        ("metrics", "0007_response_daily_by_survey"),
        ("surveys", "0004_lean_invitation_indexes"),
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
        migrations.RunPython(record_current_score_questions, migrations.RunPython.noop),
        migrations.RunPython(rebuild_on_next_run, migrations.RunPython.noop),
    ]
