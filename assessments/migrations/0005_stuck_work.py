import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("assessments", "0004_rating_versions"),
    ]

    operations = [
        migrations.AddField(
            model_name="sentmessage",
            name="queued_at",
            field=models.DateTimeField(default=django.utils.timezone.now),
        ),
        migrations.AddField(
            model_name="reportexport",
            name="heartbeat_at",
            field=models.DateTimeField(default=django.utils.timezone.now),
        ),
        migrations.AddField(
            model_name="reportexport",
            name="attempts",
            field=models.PositiveSmallIntegerField(default=0),
        ),
    ]
