import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("rubrics", "0002_load_lbc_rubrics"),
    ]

    operations = [
        migrations.CreateModel(
            name="RubricTranslation",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("language", models.CharField(max_length=8, verbose_name="language")),
                ("texts", models.JSONField(verbose_name="texts")),
                ("updated_at", models.DateTimeField(auto_now=True)),
                (
                    "rubric",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="translations", to="rubrics.rubric"
                    ),
                ),
            ],
            options={
                "verbose_name": "rubric translation",
                "verbose_name_plural": "rubric translations",
                "ordering": ["rubric", "language"],
                "constraints": [
                    models.UniqueConstraint(fields=("rubric", "language"), name="rubric_translation_unique_language"),
                    models.CheckConstraint(
                        condition=models.Q(("language", ""), _negated=True), name="rubric_translation_language_given"
                    ),
                ],
            },
        ),
    ]
