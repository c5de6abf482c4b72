"""The first release of every closed round (SPEC §5.1), recorded as shown:
people have read these results already, so what they read stays, and any
later change must reach k before it shows. Rounds that the rules allow no
release (fewer than k respondents, or 1 to k − 1 of them online beside
paper forms) show no figures from now on.

This runs the application's own release code rather than the historical
models: the figures must be exactly those every output computes. So it
reads the models as they are when it runs; a later migration that changes
Round, Response, Rating or the release models must come after this one
has been applied (it is, on every database migrated in order)."""

from django.db import migrations


def first_releases(apps, schema_editor):
    from assessments.models import Round, RoundStatus
    from assessments.results.releases import release_to_show

    for round_ in Round.objects.filter(status=RoundStatus.CLOSED).order_by("pk"):
        release_to_show(round=round_)


class Migration(migrations.Migration):
    dependencies = [
        ("assessments", "0006_releases"),
    ]

    operations = [migrations.RunPython(first_releases, migrations.RunPython.noop)]
